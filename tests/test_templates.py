"""Issue #7, templates: nothing outside the `templates:` folder can be reached from it (`..`, absolute
names, links out), a mistake in a template is a clean error naming its file and line (exit 2), and
`check` compiles every template of the folder. Real folders, through the real entry point."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from arxiv_digest.jobs.rebuild import PARALLEL_MIN_DAYS
from tests.conftest import CliResult, tree_state
from tests.test_rebuild import SCAFFOLD, _history

Cli = Callable[..., CliResult]
SECRET = "root-password-do-not-publish"


@pytest.fixture
def secret(tmp_path: Path) -> Path:
    """A file outside every templates folder that must never be read into a page."""
    path = tmp_path / "outside" / "secret.txt"
    path.parent.mkdir()
    path.write_text(SECRET + "\n", encoding="utf-8")
    return path


def digest(tmp_path: Path, days: int = 2) -> Path:
    """A digest folder with ``days`` stored days and a config naming ``templates/``."""
    out = tmp_path / "digest"
    _history(out, days)
    (out / "templates" / "markdown").mkdir(parents=True)
    (out / "templates" / "site").mkdir()
    (out / "templates" / "email").mkdir()
    config = out / "config.yml"
    config.write_text(SCAFFOLD.read_text(encoding="utf-8") + "\ntemplates: templates\n", encoding="utf-8")
    return out


def template(out: Path, name: str, text: str) -> Path:
    path = out / "templates" / name
    path.write_text(text, encoding="utf-8")
    return path


def published(cli: Cli, out: Path, *extra: str) -> CliResult:
    return cli("rebuild", "--config", out / "config.yml", "--out", out, *extra)


def assert_refused_everywhere(cli: Cli, out: Path, where: str, message: str) -> None:
    """`check` and a rebuild both exit 2 naming the file and line, and the rebuild writes nothing."""
    checked = cli("check", "--config", out / "config.yml")
    assert checked.exit_code == 2, checked.out + checked.err
    assert f"{where}: {message}" in checked.err, checked.err
    before = tree_state(out)
    rebuilt = published(cli, out)
    assert rebuilt.exit_code == 2, rebuilt.err
    assert f"{where}: {message}" in rebuilt.err, rebuilt.err
    assert "internal error" not in checked.err + rebuilt.err
    assert tree_state(out) == before


@pytest.mark.parametrize(
    "name", ["../../etc/passwd", "/etc/passwd", "../outside/secret.txt", "markdown/../../x.j2", "C:\\x"]
)
def test_an_include_outside_the_folder_is_refused_at_its_line(name: str, cli: Cli, tmp_path: Path) -> None:
    out = digest(tmp_path)
    path = template(out, "markdown/topic.md.j2", f"# {{{{ topic.name }}}}\n\n{{% include {name!r} %}}\n")
    assert_refused_everywhere(cli, out, f"{path}:3", f"template {name!r} is outside the templates folder")


@pytest.mark.parametrize("kind", ["markdown/category.md.j2", "site/index.html.j2", "category.md.j2"])
def test_a_link_out_of_the_folder_is_refused_and_never_read(
    kind: str, cli: Cli, tmp_path: Path, secret: Path
) -> None:
    out = digest(tmp_path)
    link = out / "templates" / kind
    link.symlink_to(secret)
    checked = cli("check", "--config", out / "config.yml")
    assert checked.exit_code == 2
    assert f"{link}: links to '{secret}', outside the templates folder" in checked.err
    rebuilt = published(cli, out)
    assert rebuilt.exit_code == 2 and "outside the templates folder" in rebuilt.err, rebuilt.err
    assert not any(
        SECRET in p.read_text(errors="replace")
        for p in out.rglob("*")
        if p.is_file() and not p.is_symlink() and p != secret
    )


def test_a_folder_of_templates_linked_out_is_refused(cli: Cli, tmp_path: Path, secret: Path) -> None:
    out = digest(tmp_path)
    (secret.parent / "topic.md.j2").write_text("{{ 1 }}\n", encoding="utf-8")
    os.rmdir(out / "templates" / "markdown")
    (out / "templates" / "markdown").symlink_to(secret.parent, target_is_directory=True)
    rebuilt = published(cli, out)
    assert rebuilt.exit_code == 2 and "outside the templates folder" in rebuilt.err, rebuilt.err


def test_an_include_through_the_root_and_a_link_inside_the_folder_are_fine(cli: Cli, tmp_path: Path) -> None:
    out = digest(tmp_path)
    template(out, "shared.md.j2", "Made with care.\n")
    (out / "templates" / "markdown" / "footer.md.j2").symlink_to(out / "templates" / "shared.md.j2")
    template(
        out,
        "markdown/index.md.j2",
        "# {{ title }}\n{% include 'footer.md.j2' %}{% include 'shared.md.j2' %}"
        "{% include 'missing.md.j2' ignore missing %}",
    )
    checked = cli("check", "--config", out / "config.yml")
    assert checked.exit_code == 0, checked.err
    assert "templates: 3 in " in checked.out and "compile" in checked.out
    assert published(cli, out).exit_code == 0
    assert (out / "README.md").read_text(encoding="utf-8").count("Made with care.") == 2


@pytest.mark.parametrize(
    ("name", "text", "line", "message"),
    [
        ("markdown/topic.md.j2", "# x\n{% if topic %}\nno end\n", 3, "template syntax error: Unexpected end"),
        ("markdown/_entry.md.j2", "{% macro entry( %}\n", 1, "template syntax error:"),
        (
            "site/topic.html.j2",
            "<p>{{ topic.name | nosuchfilter }}</p>\n",
            1,
            "template syntax error: No filter named 'nosuchfilter'",
        ),
        (
            "markdown/index.md.j2",
            "a\nb\n{% include 'nowhere.md.j2' %}\n",
            3,
            "template 'nowhere.md.j2' not found, neither in the templates folder nor among the packaged",
        ),
    ],
)
def test_a_template_mistake_names_its_file_and_line(
    name: str, text: str, line: int, message: str, cli: Cli, tmp_path: Path
) -> None:
    out = digest(tmp_path)
    path = template(out, name, text)
    assert_refused_everywhere(cli, out, f"{path}:{line}", message)


def test_check_compiles_every_template_and_reports_them_all(cli: Cli, tmp_path: Path) -> None:
    out = digest(tmp_path)
    bad_mail = template(out, "email/digest.txt.j2", "{% for t in topics %}\n")  # the run never got here
    bad_page = template(out, "markdown/archive.md.j2", "{{ x }\n")
    unused = template(out, "markdown/notes.md.j2", "{% endif %}\n")  # named by nothing, still compiled
    template(out, "markdown/topic.md.j2", "# {{ topic.name }}\n")
    result = cli("check", "--config", out / "config.yml")
    assert result.exit_code == 2
    assert "error: 3 errors" in result.err
    for path, line in ((bad_mail, 1), (bad_page, 1), (unused, 1)):
        assert f"{path}:{line}: template syntax error" in result.err, result.err


def test_an_undefined_value_in_a_worker_is_a_clean_error_naming_the_line(cli: Cli, tmp_path: Path) -> None:
    out = digest(tmp_path, days=PARALLEL_MIN_DAYS + 1)
    path = template(out, "markdown/category.md.j2", "# {{ category.display }}\n\n{{ no_such_value }}\n")
    assert cli("check", "--config", out / "config.yml").exit_code == 0  # it compiles: the fault is at render
    result = published(cli, out, "--jobs", "2")
    assert result.exit_code == 2, result.err
    assert f"{path}:3: 'no_such_value' is undefined" in result.err
    assert "internal error" not in result.err and "BrokenProcessPool" not in result.err


def test_a_syntax_error_stops_a_parallel_rebuild_before_any_worker(cli: Cli, tmp_path: Path) -> None:
    out = digest(tmp_path, days=PARALLEL_MIN_DAYS + 1)
    path = template(out, "site/_paper.html.j2", "{% macro paper(p, info, n) %}\n{{ p.title\n")
    result = published(cli, out, "--jobs", "2")
    assert result.exit_code == 2, result.err
    assert f"{path}:2: template syntax error" in result.err
    assert not (out / "site").exists() and not (out / "archive").exists()
