"""A guided run of the whole dbshift workflow on a SQLite file in a scratch folder.

Run it with ``python3 dev.py demo``. It writes a tiny app with SQLAlchemy models, then runs the
real ``dbshift`` command for each step and shows what it printed.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

MODELS_V1 = """
import sqlalchemy as sa
from sqlalchemy import orm


class Base(orm.DeclarativeBase):
    pass


class Book(Base):
    __tablename__ = "books"
    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    title: orm.Mapped[str] = orm.mapped_column(sa.String(200))
"""

MODELS_V2 = MODELS_V1.replace(
    "    title: orm.Mapped[str] = orm.mapped_column(sa.String(200))\n",
    "    title: orm.Mapped[str] = orm.mapped_column(sa.String(200))\n"
    "    published: orm.Mapped[int | None] = orm.mapped_column(index=True)\n",
)

MODELS_V3 = (
    MODELS_V2
    + """

class Review(Base):
    __tablename__ = "reviews"
    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    book_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("books.id"))
    stars: orm.Mapped[int] = orm.mapped_column(server_default=sa.text("3"))
"""
)


def main() -> int:
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.mkdtemp(prefix="dbshift-demo-"))
    folder.mkdir(parents=True, exist_ok=True)
    app = folder / "bookshop"
    app.mkdir(exist_ok=True)
    (app / "__init__.py").write_text("")
    models = app / "models.py"

    def say(text: str) -> None:
        print(f"\n== {text}")

    def dbshift(*args: str, ok: tuple[int, ...] = (0,)) -> str:
        print("$ dbshift " + " ".join(args))
        result = subprocess.run(
            [sys.executable, "-m", "dbshift", *args], cwd=folder, capture_output=True, text=True, check=False
        )
        output = (result.stdout + result.stderr).rstrip()
        if output:
            print(textwrap.indent(output, "  "))
        if result.returncode not in ok:
            raise SystemExit(f"demo stopped: dbshift {' '.join(args)} exited {result.returncode}")
        return output

    say(f"A scratch project in {folder}, with a SQLAlchemy model 'Book'")
    models.write_text(MODELS_V1)

    say("Scaffold the migration environment")
    dbshift("init", "migrations")
    config = folder / "dbshift.toml"
    text = config.read_text()
    text = re.sub(r"^# target_metadata = .*$", 'target_metadata = "bookshop.models:Base.metadata"', text, flags=re.M)
    text = re.sub(r"^# models = .*$", 'models = ["bookshop.models"]', text, flags=re.M)
    config.write_text(text)
    print("  (set target_metadata and models in dbshift.toml; url stays sqlite:///./app.sqlite)")

    say("The database is new: not under version control yet")
    dbshift("current")

    say("Autogenerate the first revision from the models, then apply it")
    first = _revision_id(dbshift("revision", "--autogenerate", "-m", "create books"))
    dbshift("upgrade", "head")

    say("The model gains a column with an index: autogenerate sees it")
    models.write_text(MODELS_V2)
    dbshift("check", ok=(1,))
    dbshift("revision", "--autogenerate", "-m", "add published year")

    say("The SQL that upgrade would run (offline, nothing touched)")
    dbshift("upgrade", "--sql", f"{first}:head")
    dbshift("upgrade", "head")

    say("A new table with a foreign key and a server default")
    models.write_text(MODELS_V3)
    dbshift("revision", "--autogenerate", "-m", "add reviews")
    dbshift("upgrade", "head")

    say("Where are we?")
    dbshift("current")
    dbshift("history")
    dbshift("check")

    say("Step back one revision, then all the way down, then up again")
    dbshift("downgrade", "-1")
    dbshift("downgrade", "base")
    dbshift("upgrade", "head")
    dbshift("current")

    say("What ran, when, by whom, with each file's checksum (the applied-migration log)")
    dbshift("log", "-n", "4")
    dbshift("log", "--verify")

    say(f"Done. Look around in {folder} (migrations/versions holds the generated files).")
    return 0


def _revision_id(output: str) -> str:
    match = re.search(r"versions/([0-9a-f]{12})_", output)
    assert match, output
    return match.group(1)


if __name__ == "__main__":
    sys.exit(main())
