"""``alembic.operations.ops``: the base class plugin operations derive from, and the containers
``process_revision_directives`` hooks receive.

dbshift's own operations (:mod:`dbshift.operations`) are frozen values of its schema model;
plugin operations are the project's own classes, run by the implementation registered for
them with ``Operations.implementation_for``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

__all__ = [
    "AddColumnOp",
    "AddConstraintOp",
    "AlterColumnOp",
    "CreateIndexOp",
    "CreateTableOp",
    "DowngradeOps",
    "DropColumnOp",
    "DropConstraintOp",
    "DropIndexOp",
    "DropTableOp",
    "ExecuteSQLOp",
    "MigrateOperation",
    "MigrationScript",
    "ModifyTableOps",
    "OpContainer",
    "UpgradeOps",
]


class MigrateOperation:
    """Base of an operation a project defines (Alembic's operation-plugin API)."""

    _mutations: frozenset[Any] = frozenset()

    @property
    def info(self) -> dict[Any, Any]:
        """A dictionary free for the operation's own use."""
        found: dict[Any, Any] | None = self.__dict__.get("_info")
        if found is None:
            found = self.__dict__["_info"] = {}
        return found

    def reverse(self) -> MigrateOperation:
        raise NotImplementedError(f"{type(self).__name__} does not define reverse()")

    def to_diff_tuple(self) -> tuple[Any, ...]:
        raise NotImplementedError(f"{type(self).__name__} does not define to_diff_tuple()")


class OpContainer(MigrateOperation):
    """A list of operations (autogenerate's output, as a hook sees it)."""

    def __init__(self, ops: Iterable[Any] = ()) -> None:
        self.ops: list[Any] = list(ops)

    def is_empty(self) -> bool:
        return not self.ops

    def as_diffs(self) -> list[Any]:
        return [op.describe() if hasattr(op, "describe") else op for op in self.ops]


class UpgradeOps(OpContainer):
    def __init__(self, ops: Iterable[Any] = (), upgrade_token: str = "upgrades") -> None:
        super().__init__(ops)
        self.upgrade_token = upgrade_token


class DowngradeOps(OpContainer):
    def __init__(self, ops: Iterable[Any] = (), downgrade_token: str = "downgrades") -> None:
        super().__init__(ops)
        self.downgrade_token = downgrade_token


class MigrationScript(MigrateOperation):
    """The revision about to be written; a ``process_revision_directives`` hook may change its
    ``rev_id``, ``message``, ``head``... or empty the ``directives`` list to write nothing."""

    def __init__(
        self,
        rev_id: str | None,
        upgrade_ops: UpgradeOps,
        downgrade_ops: DowngradeOps,
        message: str | None = None,
        imports: set[str] | None = None,
        head: str | None = None,
        splice: bool | None = None,
        branch_label: str | None = None,
        version_path: str | None = None,
        depends_on: str | tuple[str, ...] | None = None,
    ) -> None:
        self.rev_id = rev_id
        self.message = message
        self.imports = imports if imports is not None else set()
        self.head = head
        self.splice = splice
        self.branch_label = branch_label
        self.version_path = version_path
        self.depends_on = depends_on
        self.upgrade_ops = upgrade_ops
        self.downgrade_ops = downgrade_ops

    @property
    def upgrade_ops_list(self) -> list[UpgradeOps]:
        return [self.upgrade_ops]

    @property
    def downgrade_ops_list(self) -> list[DowngradeOps]:
        return [self.downgrade_ops]


class _AutogenerateOp(MigrateOperation):
    """Alembic's autogenerate operation classes, importable for plugins that build them in their
    comparators; dbshift's autogenerate does not use them (its operations are its own)."""

    def __init__(self, *args: Any, **kw: Any) -> None:
        self.args = args
        self.kw = kw


class ModifyTableOps(OpContainer):
    def __init__(self, table_name: str, ops: Iterable[Any], schema: str | None = None) -> None:
        super().__init__(ops)
        self.table_name = table_name
        self.schema = schema


class AddColumnOp(_AutogenerateOp):
    pass


class DropColumnOp(_AutogenerateOp):
    pass


class AlterColumnOp(_AutogenerateOp):
    pass


class CreateTableOp(_AutogenerateOp):
    pass


class DropTableOp(_AutogenerateOp):
    pass


class CreateIndexOp(_AutogenerateOp):
    pass


class DropIndexOp(_AutogenerateOp):
    pass


class AddConstraintOp(_AutogenerateOp):
    pass


class DropConstraintOp(_AutogenerateOp):
    pass


class ExecuteSQLOp(_AutogenerateOp):
    pass
