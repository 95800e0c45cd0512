"""What the Alembic corpus (test_corpus.py) found dbshift doing differently from Alembic, each
pinned by a small in-process test so it stays fixed."""

from __future__ import annotations

import io
import sqlite3
import sys
from pathlib import Path

import sqlalchemy as sa

from dbshift.commands import migrate, revision, status
from tests.compat.project import AlembicProject
from tests.conftest import Database


def test_sql_mode_reads_an_existing_sqlite_file_through_an_async_url(tmp_path: Path) -> None:
    """An asyncio project's URL (sqlite+aiosqlite) in --sql mode: the table rebuild still reads the
    file's current definitions (with the plain driver: an async one cannot be used outside the
    event loop), instead of failing with MissingGreenlet."""
    db = tmp_path / "app.db"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE item (id INTEGER PRIMARY KEY, name VARCHAR(20), note TEXT)")
    project = AlembicProject(tmp_path, f"sqlite+aiosqlite:///{db}")
    project.add("a1", None, 'op.alter_column("item", "name", existing_type=sa.String(20), nullable=False)')
    out = io.StringIO()
    migrate.upgrade(project.config(), "head", sql=True, output=out, report=lambda _line: None)
    script = out.getvalue()
    assert "name VARCHAR(20) NOT NULL" in script, script
    assert "note TEXT" in script, script  # the rebuilt table kept the column it read from the file
    project.engine.dispose()


FILTERED_ENV_OPTIONS = """
        include_object=include_object, include_name=include_name"""

FILTERS = """
import models

def include_name(name, type_, parent_names):
    # reflected names only: the audit tool's tables are not ours
    return not (type_ == "table" and name.startswith("audit_"))


def include_object(obj, name, type_, reflected, compare_to):
    if type_ == "table" and name.startswith("report_"):
        return False
    if type_ == "column" and name.startswith("x_"):  # columns another tool adds
        return False
    return True
"""


def test_check_and_autogenerate_honour_include_object_and_include_name(tmp_path: Path, database: Database) -> None:
    """env.py's include_object / include_name keep tables and columns out of the comparison, as
    with Alembic: ``check`` passes and autogenerate writes no drop for them."""
    project = AlembicProject(
        tmp_path, database.url, metadata="models.metadata", env_options=FILTERED_ENV_OPTIONS.strip()
    )
    env = project.root / "migrations" / "env.py"
    env.write_text(
        env.read_text(encoding="utf-8").replace("config = context.config", FILTERS + "\nconfig = context.config")
    )
    project.write(
        "models.py",
        """
        import sqlalchemy as sa

        metadata = sa.MetaData()
        sa.Table("item", metadata, sa.Column("id", sa.Integer, primary_key=True), sa.Column("name", sa.String(20)))
        sa.Table("report_totals", metadata, sa.Column("id", sa.Integer, primary_key=True))  # never created
        """,
    )
    project.add(
        "a1",
        None,
        """
        op.create_table("item", sa.Column("id", sa.Integer, primary_key=True), sa.Column("name", sa.String(20)),
                        sa.Column("x_sync", sa.Integer))
        op.create_table("report_cache", sa.Column("key", sa.String(20), primary_key=True))
        op.create_table("audit_trail", sa.Column("id", sa.Integer, primary_key=True))
        """,
        'op.drop_table("audit_trail")\nop.drop_table("report_cache")\nop.drop_table("item")',
    )
    config = project.config()
    try:
        migrate.upgrade(config, "head", report=lambda _line: None)
        assert revision.check(config) == []
        project.write(
            "models.py",
            project.root.joinpath("models.py").read_text(encoding="utf-8")
            + 'sa.Table("tag", metadata, sa.Column("id", sa.Integer, primary_key=True))\n',
        )
        for name in [n for n in sys.modules if n == "models"]:
            del sys.modules[name]
        assert revision.check(project.config()) == ["added table 'tag'"]
    finally:
        sys.modules.pop("models", None)
        project.engine.dispose()


NAMING = """__import__("sqlalchemy").MetaData(naming_convention={
    "pk": "pk_%(table_name)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
})"""


def test_ops_name_constraints_with_the_target_metadata_naming_convention(tmp_path: Path, database: Database) -> None:
    """Alembic builds what op.create_table & co. create on a MetaData carrying the naming
    convention of env.py's target_metadata: unnamed keys get the convention's names, and names
    given to a convention with %(constraint_name)s are completed by it."""
    project = AlembicProject(tmp_path, database.url, metadata=NAMING)
    project.add(
        "a1",
        None,
        """
        op.create_table("owner", sa.Column("id", sa.Integer, primary_key=True), sa.Column("email", sa.String(50), unique=True))
        op.create_table(
            "item",
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("owner_id", sa.Integer, sa.ForeignKey("owner.id")),
            sa.Column("code", sa.String(10)),
            sa.Column("qty", sa.Integer),
        )
        op.add_column("item", sa.Column("maker_id", sa.Integer, sa.ForeignKey("owner.id")))
        op.create_unique_constraint(None, "item", ["code"])
        op.create_check_constraint("qty_positive", "item", "qty > 0")
        op.create_foreign_key(None, "item", "owner", ["qty"], ["id"])
        """,
    )
    try:
        migrate.upgrade(project.config(), "head", report=lambda _line: None)
        insp = sa.inspect(project.engine)
        if database.backend == "postgresql":
            assert insp.get_pk_constraint("item")["name"] == "pk_item"
        uniques = {u["name"] for u in insp.get_unique_constraints("item")} | {
            i["name"] for i in insp.get_indexes("item") if i["unique"]
        }
        assert "uq_item_code" in uniques
        assert {u["name"] for u in insp.get_unique_constraints("owner")} | {
            i["name"] for i in insp.get_indexes("owner") if i["unique"]
        } >= {"uq_owner_email"}
        assert {f["name"] for f in insp.get_foreign_keys("item")} == {
            "fk_item_owner_id_owner",
            "fk_item_maker_id_owner",
            "fk_item_qty_owner",
        }
        assert [c["name"] for c in insp.get_check_constraints("item")] == ["ck_item_qty_positive"]
    finally:
        project.engine.dispose()


def test_a_batch_naming_convention_finds_an_unnamed_sqlite_unique_constraint(tmp_path: Path) -> None:
    """SQLite keeps no name for an unnamed UNIQUE; Alembic's batch block names the reflected
    constraint with its ``naming_convention`` so that drop_constraint can find it by that name."""
    db = tmp_path / "app.db"
    project = AlembicProject(tmp_path, f"sqlite:///{db}")
    project.add(
        "a1",
        None,
        """
        op.create_table("tag", sa.Column("id", sa.Integer, primary_key=True), sa.Column("label", sa.String(20)),
                        sa.Column("kind", sa.String(5)), sa.UniqueConstraint("label"), sa.UniqueConstraint("kind"))
        op.execute("INSERT INTO tag (id, label, kind) VALUES (1, 'a', 'x')")
        """,
    )
    project.add(
        "a2",
        "a1",
        """
        with op.batch_alter_table("tag", naming_convention={"uq": "uq_%(table_name)s_%(column_0_name)s"}) as batch_op:
            batch_op.drop_constraint("uq_tag_label", type_="unique")
        """,
    )
    try:
        migrate.upgrade(project.config(), "head", report=lambda _line: None)
        insp = sa.inspect(project.engine)
        assert [u["column_names"] for u in insp.get_unique_constraints("tag")] == [["kind"]]
        with project.engine.connect() as conn:
            assert conn.execute(sa.text("SELECT id, label, kind FROM tag")).all() == [(1, "a", "x")]
    finally:
        project.engine.dispose()


def test_current_shows_the_revisions_the_current_ones_depend_on(tmp_path: Path, database: Database) -> None:
    """A revision on its own branch that depends_on another branch: the version table holds only
    it, and ``current`` (Alembic's get_all_current) also shows the revision it depends on."""
    project = AlembicProject(tmp_path, database.url)
    project.add("c1", None, message="core")
    project.add("c2", "c1", message="core more")
    project.write(
        "migrations/versions/r1_report.py",
        '"""report\n\nRevision ID: r1\n"""\nrevision = "r1"\ndown_revision = None\nbranch_labels = ("reports",)\n'
        'depends_on = "c1"\n\n\ndef upgrade():\n    pass\n\n\ndef downgrade():\n    pass\n',
    )
    config = project.config()
    try:
        migrate.upgrade(config, "r1", report=lambda _line: None)
        assert project.versions_in_db() == ["r1"]
        assert sorted(line.split()[0].rstrip(":") for line in status.current(config).lines) == ["c1", "r1"]
        migrate.upgrade(config, "c2", report=lambda _line: None)
        assert sorted(line.split()[0].rstrip(":") for line in status.current(config).lines) == ["c2", "r1"]
    finally:
        project.engine.dispose()


EXTERNAL_TRANSACTION_ENV = """
import sqlalchemy as sa
from alembic import context

import models

engine = sa.create_engine(context.config.get_main_option("sqlalchemy.url"), poolclass=sa.pool.NullPool)
connection = engine.connect()
transaction = connection.begin()  # as the multidb template does: begin first, commit at the end
try:
    context.configure(connection=connection, target_metadata=models.metadata)
    context.run_migrations()
    transaction.commit()
except BaseException:
    transaction.rollback()
    raise
finally:
    connection.close()
    engine.dispose()
"""


def test_check_leaves_the_transaction_env_py_began_to_env_py(tmp_path: Path, database: Database) -> None:
    """``check`` and autogenerate compare inside the transaction env.py began before configure()
    (multidb template) and do not end it: env.py's commit() used to fail ('inactive')."""
    project = AlembicProject(tmp_path, database.url, env=EXTERNAL_TRANSACTION_ENV)
    project.write(
        "models.py",
        """
        import sqlalchemy as sa

        metadata = sa.MetaData()
        sa.Table("item", metadata, sa.Column("id", sa.Integer, primary_key=True))
        """,
    )
    project.add("a1", None, 'op.create_table("item", sa.Column("id", sa.Integer, primary_key=True))')
    config = project.config()
    try:
        migrate.upgrade(config, "head", report=lambda _line: None)
        assert revision.check(config) == []
        assert project.versions_in_db() == ["a1"]
    finally:
        sys.modules.pop("models", None)
        project.engine.dispose()


TOKEN_TEMPLATE = '''"""${message}

Revision ID: ${up_revision}
"""
from alembic import op
import sqlalchemy as sa

revision = ${repr(up_revision)}
down_revision = ${repr(down_revision)}
branch_labels = None
depends_on = None


def upgrade():
    ${context.get("main_upgrades", "pass")}


def downgrade():
    ${context.get("main_downgrades", "pass")}
'''


def test_autogenerate_renders_into_the_upgrade_token_env_py_names(tmp_path: Path, database: Database) -> None:
    """configure(upgrade_token=..., downgrade_token=...) (the multidb template's) names the
    template variables autogenerate's operations go to, as with Alembic."""
    project = AlembicProject(
        tmp_path,
        database.url,
        metadata="__import__('models').metadata",
        env_options='upgrade_token="main_upgrades", downgrade_token="main_downgrades"',
    )
    project.write("migrations/script.py.mako", TOKEN_TEMPLATE)
    project.write(
        "models.py",
        """
        import sqlalchemy as sa

        metadata = sa.MetaData()
        sa.Table("item", metadata, sa.Column("id", sa.Integer, primary_key=True))
        """,
    )
    config = project.config()
    try:
        result = revision.revision(config, "add item", autogenerate=True, rev_id="a1", report=lambda _line: None)
        assert result.path is not None
        text = result.path.read_text(encoding="utf-8")
        assert (
            'op.create_table(\n        "item"' in text
            or "op.create_table('item'" in text
            or 'op.create_table("item"' in text
        ), text
        assert "op.drop_table" in text, text
    finally:
        sys.modules.pop("models", None)
        project.engine.dispose()


def test_a_batch_naming_convention_finds_an_unnamed_sqlite_foreign_key(tmp_path: Path) -> None:
    """MLflow's history (0584bdc529eb) drops SQLite's unnamed foreign key by the name a batch
    block's naming convention gives it, then creates it again with ON DELETE CASCADE."""
    project = AlembicProject(tmp_path, f"sqlite:///{tmp_path / 'app.db'}")
    project.add(
        "a1",
        None,
        """
        op.create_table("experiments", sa.Column("experiment_id", sa.Integer, primary_key=True))
        op.create_table("datasets", sa.Column("id", sa.Integer, primary_key=True),
                        sa.Column("experiment_id", sa.Integer, sa.ForeignKey("experiments.experiment_id")))
        """,
    )
    project.add(
        "a2",
        "a1",
        """
        name = "fk_datasets_experiment_id_experiments"
        with op.batch_alter_table(
            "datasets", naming_convention={"fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s"}
        ) as batch_op:
            batch_op.drop_constraint(name, type_="foreignkey")
            batch_op.create_foreign_key(name, "experiments", ["experiment_id"], ["experiment_id"], ondelete="CASCADE")
        """,
    )
    try:
        migrate.upgrade(project.config(), "head", report=lambda _line: None)
        (fk,) = sa.inspect(project.engine).get_foreign_keys("datasets")
        assert fk["name"] == "fk_datasets_experiment_id_experiments"
        assert fk["options"].get("ondelete") == "CASCADE"
    finally:
        project.engine.dispose()


def test_the_migration_context_has_alembics_version_table_schema(tmp_path: Path, database: Database) -> None:
    """MLflow's history (1b5f0d9ad7c1) reads ``op.get_context().version_table_schema``."""
    project = AlembicProject(tmp_path, database.url)
    project.add(
        "a1",
        None,
        """
        op.create_table("seen", sa.Column("schema_", sa.String(40)), sa.Column("table_", sa.String(40)))
        ctx = op.get_context()
        op.execute(sa.text("INSERT INTO seen VALUES (:s, :t)").bindparams(s=str(ctx.version_table_schema), t=str(ctx.version_table)))
        """,
    )
    try:
        migrate.upgrade(project.config(), "head", report=lambda _line: None)
        with project.engine.connect() as conn:
            assert conn.execute(sa.text("SELECT schema_, table_ FROM seen")).all() == [("None", "alembic_version")]
    finally:
        project.engine.dispose()


def test_alter_column_replaces_the_check_constraint_of_an_enum_type(tmp_path: Path, database: Database) -> None:
    """MLflow's history (cfd24bdc0731) widens a non-native Enum: as with Alembic, the CHECK the
    existing type made (named by it) is dropped and the new type's CHECK is added."""
    project = AlembicProject(tmp_path, database.url)
    project.add(
        "a1",
        None,
        """
        op.create_table("runs", sa.Column("id", sa.Integer, primary_key=True),
                        sa.Column("status", sa.Enum("RUNNING", "FAILED", create_constraint=True, native_enum=False, name="status")))
        """,
    )
    project.add(
        "a2",
        "a1",
        """
        with op.batch_alter_table("runs") as batch_op:
            batch_op.alter_column(
                "status",
                type_=sa.Enum("RUNNING", "FAILED", "KILLED", create_constraint=True, native_enum=False),
                existing_type=sa.Enum("RUNNING", "FAILED", create_constraint=True, native_enum=False, name="status"),
            )
        """,
    )
    try:
        migrate.upgrade(project.config(), "head", report=lambda _line: None)
        with project.engine.begin() as conn:
            conn.execute(sa.text("INSERT INTO runs (id, status) VALUES (1, 'KILLED')"))
        checks = sa.inspect(project.engine).get_check_constraints("runs")
        assert [c for c in checks if c["name"] == "status"] == []
        assert any("KILLED" in c["sqltext"] for c in checks), checks
    finally:
        project.engine.dispose()


def test_a_boolean_check_is_added_only_where_the_backend_has_no_boolean(tmp_path: Path, database: Database) -> None:
    """MLflow's history (39d1c3be5f05) alters a column to Boolean(create_constraint=True): the
    CHECK (x IN (0, 1)) goes only where SQLAlchemy writes it (not on PostgreSQL's native boolean)."""
    project = AlembicProject(tmp_path, database.url)
    project.add(
        "a1",
        None,
        """
        op.create_table("metrics", sa.Column("id", sa.Integer, primary_key=True), sa.Column("is_nan", sa.Boolean))
        with op.batch_alter_table("metrics") as batch_op:
            batch_op.alter_column("is_nan", type_=sa.Boolean(create_constraint=True), existing_type=sa.Boolean(), nullable=False)
        """,
    )
    try:
        migrate.upgrade(project.config(), "head", report=lambda _line: None)
        checks = sa.inspect(project.engine).get_check_constraints("metrics")
        assert bool(checks) == (database.backend != "postgresql"), checks
    finally:
        project.engine.dispose()
