"""``dbshift revision`` and ``merge`` with the options Alembic users type, and the writing
settings Alembic projects have (version locations, sub-folders, time zone, hooks, Mako).

The CLI cases run the real command line in a scratch project (no database is needed to write a
revision); the settings an Alembic configuration sets are given to the library function on a
``Config``, since reading ``alembic.ini`` lives elsewhere. The history most tests start from::

    a1 ── b2 (head)
"""

from __future__ import annotations

import dataclasses
import re
import sys
from pathlib import Path
from types import MappingProxyType

import pytest

from dbshift.commands.revision import merge, revision
from dbshift.config import Config, PostWriteHook, load_config
from dbshift.errors import ConfigError, DbshiftError, ScriptError, TargetError
from dbshift.script.directory import ScriptDirectory
from tests.cli_helpers import ScratchProject, assert_one_line_error


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ScratchProject:
    monkeypatch.chdir(tmp_path)  # messages show paths relative to the working folder, as a user sees them
    project = ScratchProject(tmp_path)
    project.add_revision("a1", None, filename="a1_base.py")
    project.add_revision("b2", "a1", filename="b2_next.py")
    return project


def config_of(project: ScratchProject, **changes: object) -> Config:
    config = load_config(project.config_path, cwd=project.root, environ={})
    return dataclasses.replace(config, **changes)  # type: ignore[arg-type]


def declared(path: Path) -> dict[str, object]:
    """The identifiers a written file declares, as dbshift reads them back."""
    (rev,) = [r for r in ScriptDirectory(path.parent.parent).revisions() if path.name.startswith(r.revision)]
    return {"down": rev.down_revisions, "labels": rev.branch_labels, "depends": rev.depends_on}


def quiet(_line: str) -> None:
    pass


# -- the command line ---------------------------------------------------------------------------


def test_branch_label_head_at_label_and_depends_on(project: ScratchProject) -> None:
    result = project.run(
        "revision", "-m", "start billing", "--head", "base", "--branch-label", "billing", "--rev-id", "c3"
    )
    assert result.returncode == 0, result.stderr
    written = project.versions / "c3_start_billing.py"
    assert "Generated" in result.stdout and written.name in result.stdout
    assert 'branch_labels = "billing"' in written.read_text()

    result = project.run(
        "revision",
        "-m",
        "invoices",
        "--head",
        "billing@head",
        "--rev-id",
        "d4",
        "--depends-on",
        "b",
        "--depends-on",
        "billing",
    )
    assert result.returncode == 0, result.stderr
    text = (project.versions / "d4_invoices.py").read_text()
    assert 'down_revision = "c3"' in text
    assert 'depends_on = ("b2", "c3")' in text  # a prefix and a label, written as full ids

    heads = project.run("heads")
    assert sorted(line.split()[0] for line in heads.stdout.splitlines()) == ["b2", "d4"]


def test_parent_that_is_not_a_head_needs_splice(project: ScratchProject) -> None:
    result = project.run("revision", "-m", "side", "--head", "a1")
    assert_one_line_error(result, "revision 'a1' is not a head", "--splice")
    assert project.revision_files() == ["a1_base.py", "b2_next.py"]
    result = project.run("revision", "-m", "side", "--head", "a1", "--splice", "--rev-id", "s5")
    assert result.returncode == 0, result.stderr
    assert 'down_revision = "a1"' in (project.versions / "s5_side.py").read_text()


def test_merge_with_label_splice_and_duplicates(project: ScratchProject) -> None:
    project.add_revision("c3", "a1", filename="c3_other.py")
    result = project.run("merge", "b2", "a1")
    assert_one_line_error(result, "revision 'a1' is not a head", "--splice")
    result = project.run("merge", "b2", "b2")
    assert_one_line_error(result, "revision 'b2' is given more than once")
    result = project.run("merge", "heads", "-m", "join", "--rev-id", "m9", "--branch-label", "joined")
    assert result.returncode == 0, result.stderr
    text = (project.versions / "m9_join.py").read_text()
    assert 'down_revision = ("b2", "c3")' in text and 'branch_labels = "joined"' in text


def test_label_already_used_and_unknown_dependency(project: ScratchProject) -> None:
    assert project.run("revision", "-m", "x", "--branch-label", "core", "--rev-id", "c3").returncode == 0
    result = project.run("revision", "-m", "y", "--head", "base", "--branch-label", "core")
    assert_one_line_error(result, "branch label 'core' is already used by", "c3_x.py")
    result = project.run("revision", "-m", "y", "--depends-on", "zzz")
    assert_one_line_error(result, "--depends-on: unknown revision 'zzz'")
    result = project.run("revision", "-m", "y", "--head", "nope@head")
    assert_one_line_error(result, "unknown revision 'nope'")
    assert project.revision_files() == ["a1_base.py", "b2_next.py", "c3_x.py"]


def test_version_path_must_be_a_version_location(project: ScratchProject) -> None:
    result = project.run("revision", "-m", "x", "--version-path", "elsewhere")
    assert_one_line_error(result, "--version-path elsewhere: not one of the version locations", "migrations/versions")
    result = project.run("revision", "-m", "x", "--version-path", "migrations/versions", "--rev-id", "c3")
    assert result.returncode == 0, result.stderr


def test_no_message_names_the_file_as_alembic_does(project: ScratchProject) -> None:
    assert project.run("revision", "--rev-id", "c3").returncode == 0
    assert "c3_.py" in project.revision_files()


# -- settings of Alembic projects -------------------------------------------------------------


def test_several_locations_parent_folder_by_default(project: ScratchProject) -> None:
    default = project.versions
    extra = project.root / "plugins" / "versions"  # configured, not created yet
    config = config_of(project, version_locations=(default, extra))
    with pytest.raises(
        ScriptError, match=r"several version locations .*: choose the new revision's with --version-path"
    ):
        revision(config, "new base", head="base", report=quiet)
    first = revision(config, "plugin base", head="base", rev_id="p1", version_path="plugins/versions", report=quiet)
    assert first.path == extra / "p1_plugin_base.py"
    child = revision(config, "plugin more", head="p1", rev_id="p2", report=quiet)
    assert child.path == extra / "p2_plugin_more.py"  # the parent's location
    main_line = revision(config, "main more", head="b2", rev_id="c3", report=quiet)
    assert main_line.path == default / "c3_main_more.py"
    joined = merge(config, ["p2", "c3"], "join", rev_id="m4", report=quiet)
    assert joined.path == extra / "m4_join.py"  # the first parent's location
    assert sorted(ScriptDirectory(project.root / "migrations", (default, extra)).graph().heads) == ["m4"]


def test_sub_folders_from_file_template(project: ScratchProject) -> None:
    dated = "%(year)d/%(month).2d/%(rev)s_%(slug)s"
    config = config_of(project, file_template=dated, timezone="UTC")
    with pytest.raises(ConfigError, match=r"^dbshift\.toml: file_template .*set recursive_version_locations = true"):
        revision(config, "dated", rev_id="c3", report=quiet)
    config = dataclasses.replace(config, recursive_version_locations=True)
    result = revision(config, "dated", rev_id="c3", report=quiet)
    assert result.path is not None
    assert re.fullmatch(r"\d{4}/\d\d/c3_dated\.py", result.path.relative_to(project.versions).as_posix())
    assert revision(config, "after", rev_id="d4", report=quiet).path is not None
    graph = ScriptDirectory(project.root / "migrations", recursive=True).graph()
    assert graph.heads == ("d4",) and graph.get("d4").down_revisions == ("c3",)


def test_time_zone_and_slug_length(project: ScratchProject) -> None:
    config = config_of(
        project,
        timezone="Asia/Kolkata",
        truncate_slug_length=12,
        file_template="%(hour).2d%(minute).2d_%(rev)s_%(slug)s",
    )
    result = revision(config, "add the customers table", rev_id="c3", report=quiet)
    assert result.path is not None
    assert result.path.name.endswith("_c3_add_the_.py")
    assert re.search(r"^Create Date: \d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}\+05:30$", result.path.read_text(), re.M)
    bad = dataclasses.replace(config, timezone="Atlantis/Capital")
    with pytest.raises(ConfigError, match=r"^dbshift\.toml: 'timezone': unknown time zone 'Atlantis/Capital'"):
        revision(bad, "x", report=quiet)


def test_post_write_hooks_run_in_order_and_a_failure_keeps_the_file(project: ScratchProject) -> None:
    append = "import sys; open(sys.argv[1], 'a').write('# hook {}\\n')"
    hooks = tuple(
        PostWriteHook(
            name,
            "exec",
            MappingProxyType(
                {"executable": sys.executable, "options": f'-c "{append.format(name)}" REVISION_SCRIPT_FILENAME'}
            ),
        )
        for name in ("one", "two")
    )
    lines: list[str] = []
    result = revision(config_of(project, post_write_hooks=hooks), "hooked", rev_id="c3", report=lines.append)
    assert result.path is not None and result.path.read_text().endswith("# hook one\n# hook two\n")
    assert lines == [f"Generated {result.path}", "Running post-write hook 'one'", "Running post-write hook 'two'"]

    failing = (PostWriteHook("lint", "exec", MappingProxyType({"executable": "false"})),)
    with pytest.raises(
        ScriptError,
        match=r"post-write hook 'lint' \(exec false\) exited with status 1; the revision file .*d4_x\.py was written and kept",
    ):
        revision(config_of(project, post_write_hooks=failing), "x", rev_id="d4", head="c3", report=quiet)
    assert (project.versions / "d4_x.py").is_file()

    unknown = (PostWriteHook("fmt", "pyformat", MappingProxyType({})),)
    with pytest.raises(ConfigError, match=r"^dbshift\.toml: 'post_write_hooks': hook 'fmt' has type 'pyformat'"):
        revision(config_of(project, post_write_hooks=unknown), "y", rev_id="e5", head="d4", report=quiet)
    assert not list(project.versions.glob("e5*"))  # checked before anything is written


def test_hook_that_breaks_the_file_is_reported(project: ScratchProject) -> None:
    breaker = "import sys; open(sys.argv[1], 'w').write('def broken(:\\n')"
    hooks = (
        PostWriteHook(
            "bad",
            "exec",
            MappingProxyType({"executable": sys.executable, "options": f'-c "{breaker}" REVISION_SCRIPT_FILENAME'}),
        ),
    )
    with pytest.raises(
        ScriptError, match=r"c3_x\.py: syntax error at line 1: .*after the post-write hooks; the file was kept"
    ):
        revision(config_of(project, post_write_hooks=hooks), "x", rev_id="c3", report=quiet)


def test_mako_template_chosen_by_extension(project: ScratchProject) -> None:
    project.write(
        "migrations/script.py.mako",
        '''
        """${message}
        Create Date: ${create_date}
        """
        revision = ${repr(up_revision)}
        down_revision = ${repr(down_revision)}
        branch_labels = ${repr(branch_labels)}
        depends_on = ${repr(depends_on)}
        # from ${config.get_main_option("sqlalchemy.url", "no ini")}


        def upgrade():
            ${upgrades if upgrades else "pass"}


        def downgrade():
            ${downgrades if downgrades else "pass"}
        ''',
    )
    config = config_of(project, template_file="script.py.mako")
    result = revision(config, None, rev_id="c3", report=quiet)
    assert result.path is not None and result.path.name == "c3_.py"
    text = result.path.read_text()
    assert text.startswith('"""empty message\n')  # Alembic's message when none is given
    assert "revision = 'c3'\ndown_revision = 'b2'\n" in text and "# from no ini\n" in text
    assert "def upgrade():\n    pass\n" in text

    project.write("migrations/script.py.mako", "revision = ${repr(up_revision)}\n${oops}\n")
    with pytest.raises(
        ScriptError, match=r"^migrations/script\.py\.mako, line 2: rendering failed: unknown name 'oops'"
    ):
        revision(config, "x", rev_id="d4", head="c3", report=quiet)
    assert not list(project.versions.glob("d4*"))


def test_every_error_is_a_dbshift_error(project: ScratchProject) -> None:
    """Nothing above escapes as a traceback: each case is a DbshiftError subclass."""
    for call in (
        lambda: revision(config_of(project), "x", head="a1", report=quiet),
        lambda: revision(config_of(project), "x", depends_on=["nope"], report=quiet),
        lambda: revision(config_of(project, template_file="missing.mako"), "x", report=quiet),
    ):
        with pytest.raises(DbshiftError) as info:
            call()
        assert isinstance(info.value, (TargetError, ScriptError, ConfigError))
        assert "\n" not in str(info.value)


# -- the same settings from dbshift.toml, through the command line ------------------------------


def test_cli_version_locations_from_dbshift_toml(project: ScratchProject) -> None:
    project.write_config(version_locations=["migrations/versions", "plugins"])
    result = project.run("revision", "-m", "plugin base", "--head", "base")
    assert_one_line_error(result, "several version locations", "--version-path")
    result = project.run(
        "revision", "-m", "plugin base", "--head", "base", "--version-path", "plugins", "--rev-id", "p1"
    )
    assert result.returncode == 0, result.stderr
    assert (project.root / "plugins" / "p1_plugin_base.py").is_file()  # the folder was created
    result = project.run("revision", "-m", "plugin next", "--head", "p1", "--rev-id", "p2")
    assert result.returncode == 0, result.stderr
    assert (project.root / "plugins" / "p2_plugin_next.py").is_file()
    heads = project.run("heads").stdout.splitlines()
    assert sorted(line.split()[0] for line in heads) == ["b2", "p2"]


def test_cli_failing_hook_from_dbshift_toml(project: ScratchProject) -> None:
    project.write_config()
    with project.config_path.open("a", encoding="utf-8") as config:
        config.write('\n[[dbshift.post_write_hooks]]\nname = "lint"\ntype = "exec"\nexecutable = "false"\n')
    result = project.run("revision", "-m", "hooked", "--rev-id", "c3")
    line = assert_one_line_error(
        result, "post-write hook 'lint' (exec false) exited with status 1", "was written and kept"
    )
    assert "c3_hooked.py" in line
    assert "Generated" in result.stdout and "Running post-write hook 'lint'" in result.stdout
    assert "c3_hooked.py" in project.revision_files()
