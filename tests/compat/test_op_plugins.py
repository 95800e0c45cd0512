"""Alembic's operation-plugin API, from a plugin module that imports only ``alembic.operations``.

The plugin defines views as operations (as projects do for views, functions and enum syncing),
an operation registered for batch blocks too, and one whose implementation uses the standard
operations; the revisions call them through ``op`` and batch operations, on every backend.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from dbshift.commands import migrate
from dbshift.errors import MigrationError
from tests.compat.project import AlembicProject, forget_package
from tests.conftest import Database

PLUGIN = '''
"""View operations for migrations: imports nothing but alembic.operations (and SQLAlchemy)."""
import sqlalchemy as sa
from alembic.operations import BatchOperations, MigrateOperation, Operations


@Operations.register_operation("create_view")
class CreateViewOp(MigrateOperation):
    def __init__(self, view_name, select):
        self.view_name = view_name
        self.select = select

    @classmethod
    def create_view(cls, operations, view_name, select):
        return operations.invoke(cls(view_name, select))

    def reverse(self):
        return DropViewOp(self.view_name, self.select)


@Operations.register_operation("drop_view")
class DropViewOp(MigrateOperation):
    def __init__(self, view_name, select=None):
        self.view_name = view_name
        self.select = select

    @classmethod
    def drop_view(cls, operations, view_name, select=None):
        return operations.invoke(cls(view_name, select))

    def reverse(self):
        return CreateViewOp(self.view_name, self.select)


@Operations.implementation_for(CreateViewOp)
def create_view(operations, operation):
    operations.execute(f"CREATE VIEW {operation.view_name} AS {operation.select}")


@Operations.implementation_for(DropViewOp)
def drop_view(operations, operation):
    operations.execute(f"DROP VIEW {operation.view_name}")


@Operations.register_operation("add_note")
@BatchOperations.register_operation("add_note", "batch_add_note")
class AddNoteOp(MigrateOperation):
    """Adds a TEXT column: an operation whose implementation uses the standard ones."""

    def __init__(self, table_name, column_name):
        self.table_name = table_name
        self.column_name = column_name

    @classmethod
    def add_note(cls, operations, table_name, column_name="note"):
        return operations.invoke(cls(table_name, column_name))

    @classmethod
    def batch_add_note(cls, operations, column_name="note"):
        return operations.invoke(cls(operations.impl.table_name, column_name))


@Operations.implementation_for(AddNoteOp)
def add_note(operations, operation):
    operations.add_column(operation.table_name, sa.Column(operation.column_name, sa.Text()))
    operations.execute(sa.text(f"UPDATE {operation.table_name} SET {operation.column_name} = 'seen by ' || 'plugin'")
                       if operations.get_bind().dialect.name != "mysql"
                       else sa.text(f"UPDATE {operation.table_name} SET {operation.column_name} = 'seen by plugin'"))
'''


@pytest.fixture
def project(database: Database, tmp_path: Path) -> Iterator[AlembicProject]:
    p = AlembicProject(tmp_path, database.url)
    p.write("myapp/__init__.py", "")
    p.write("myapp/viewops.py", PLUGIN)
    p.add(
        "aaa111",
        None,
        """
        op.create_table("item", sa.Column("id", sa.Integer, primary_key=True), sa.Column("qty", sa.Integer))
        op.execute("INSERT INTO item (id, qty) VALUES (1, 5)")
        op.create_view("big_item", "SELECT id FROM item WHERE qty > 3")
        """,
        """
        op.drop_view("big_item")
        op.drop_table("item")
        """,
        imports="import myapp.viewops  # registers the view operations",
    )
    p.add(
        "bbb222",
        "aaa111",
        """
        with op.batch_alter_table("item") as batch_op:
            batch_op.add_note()
        op.add_note("item", "remark")
        """,
        """
        op.drop_column("item", "remark")
        with op.batch_alter_table("item") as batch_op:
            batch_op.drop_column("note")
        """,
    )
    p.add(
        "ccc333",
        "bbb222",
        "op.invoke(myapp.viewops.CreateViewOp('small_item', 'SELECT id FROM item WHERE qty <= 3'))",
        "op.invoke(myapp.viewops.CreateViewOp('small_item', 'SELECT id FROM item WHERE qty <= 3').reverse())",
        imports="import myapp.viewops",
    )
    try:
        yield p
    finally:
        p.engine.dispose()
        forget_package("myapp")


def views(p: AlembicProject) -> list[str]:
    return sorted(sa.inspect(p.engine).get_view_names())


def test_plugin_operations_run_through_op_and_batch_operations(project: AlembicProject) -> None:
    config = project.config()
    migrate.upgrade(config, "head", report=lambda _line: None)
    assert views(project) == ["big_item", "small_item"]
    with project.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT id FROM big_item")).all() == [(1,)]
        assert conn.execute(sa.text("SELECT note, remark FROM item")).all() == [("seen by plugin", "seen by plugin")]
    assert project.versions_in_db() == ["ccc333"]
    migrate.downgrade(config, "base", report=lambda _line: None)
    assert views(project) == []
    assert project.tables() == []
    assert project.versions_in_db() == []


def test_an_operation_without_implementation_is_a_clear_error(project: AlembicProject) -> None:
    project.write(
        "myapp/broken.py",
        """
        from alembic.operations import MigrateOperation, Operations

        @Operations.register_operation("frobnicate")
        class FrobnicateOp(MigrateOperation):
            @classmethod
            def frobnicate(cls, operations):
                return operations.invoke(cls())
        """,
    )
    project.add("ddd444", "ccc333", "op.frobnicate()", imports="import myapp.broken")
    config = project.config()
    migrate.upgrade(config, "ccc333", report=lambda _line: None)
    with pytest.raises(MigrationError, match=r"no implementation for operation FrobnicateOp"):
        migrate.upgrade(config, "head", report=lambda _line: None)
    assert project.versions_in_db() == ["ccc333"]
