"""The first hour of a new user (issue #7): `init` and `demo` fail cleanly on a path they cannot use and
leave nothing half-written; the workflow `init` writes installs arxiv-digest from a source that exists;
and the publishing commands of the README and of `init --help` work as written, run here with real git
against a local bare repository standing in for GitHub."""

from __future__ import annotations

import os
import re
import shlex
import stat
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from arxiv_digest import __version__
from tests.conftest import CliResult

Cli = Callable[..., CliResult]
ROOT = Path(__file__).resolve().parent.parent
SCAFFOLD = (".github/workflows/arxiv-digest.yml", ".gitignore", "README.md", "config.yml")
needs_proc = pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs Linux's /proc")


def files_under(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*"))


def clean_failure(result: CliResult, *names: str) -> bool:
    return (
        result.exit_code in (1, 2)
        and "internal error" not in result.err
        and all(name in result.err for name in names)
    )


# ---------------------------------------------------------------------------------------------------
# paths that cannot be used


@needs_proc
@pytest.mark.parametrize(
    "args",
    [("init", "/proc/x"), ("demo", "--out", "/proc/y"), ("init", "/proc/x/deeper")],
    ids=["init", "demo", "init-nested"],
)
def test_a_folder_the_system_refuses_is_a_clean_error(args: tuple[str, ...], cli: Cli) -> None:
    result = cli(*args)
    folder = args[-1]
    assert result.exit_code == 1, result.err
    assert clean_failure(
        result, "cannot create the folder /proc/", folder, "choose a folder you can write to"
    )
    assert not Path(folder).exists()


@pytest.mark.parametrize("command", ["init", "demo", "run", "rebuild"])
def test_a_path_under_a_file_is_a_usage_error_and_writes_nothing(
    command: str, cli: Cli, tmp_path: Path
) -> None:
    cfg = tmp_path / "cfg"
    cfg.mkdir()
    (cfg / "t.yml").write_text("not a folder\n", encoding="utf-8")
    target = cfg / "t.yml" / "sub"
    if command == "init":
        result = cli("init", target)
    elif command == "demo":
        result = cli("demo", "--out", target)
    else:
        assert cli("init", tmp_path / "d").exit_code == 0
        result = cli(command, "--config", tmp_path / "d" / "config.yml", "--out", target)
    assert result.exit_code == 2, result.err
    assert clean_failure(result, str(target), f"{cfg / 't.yml'} is a file, not a folder", "choose another")
    assert files_under(cfg) == ["t.yml"]
    assert (cfg / "t.yml").read_text(encoding="utf-8") == "not a folder\n"


def test_init_writes_every_file_or_none(cli: Cli, tmp_path: Path) -> None:
    target = tmp_path / "mine"
    target.mkdir()
    (target / ".github").write_text("a file where the workflow's folder goes\n", encoding="utf-8")

    result = cli("init", target)

    assert result.exit_code == 2, result.err
    assert clean_failure(result, f"{target / '.github'} is a file, not a folder")
    assert files_under(target) == [".github"]  # config.yml, .gitignore and README.md were taken back


def test_init_force_puts_back_what_it_overwrote_when_a_later_file_fails(cli: Cli, tmp_path: Path) -> None:
    target = tmp_path / "mine"
    assert cli("init", target).exit_code == 0
    config = target / "config.yml"
    mine = config.read_text(encoding="utf-8").replace("  cs.RO: Robotics 🤖\n", "")
    config.write_text(mine, encoding="utf-8")
    (target / ".gitignore").write_text("my ignores\n", encoding="utf-8")
    (target / "README.md").unlink()
    (target / "README.md").mkdir()  # the third file cannot be written
    (target / "README.md" / "notes.txt").write_text("kept\n", encoding="utf-8")

    result = cli("init", target, "--force")

    assert result.exit_code == 1, result.err
    assert clean_failure(result, f"cannot write {target / 'README.md'}: a folder has that name")
    assert config.read_text(encoding="utf-8") == mine  # given back, not left as the scaffold's
    assert (target / ".gitignore").read_text(encoding="utf-8") == "my ignores\n"
    assert (target / "README.md" / "notes.txt").read_text(encoding="utf-8") == "kept\n"
    assert not any(p.name.endswith(".tmp") for p in target.rglob("*"))


def test_init_checks_the_config_it_keeps_before_writing_the_rest(cli: Cli, tmp_path: Path) -> None:
    target = tmp_path / "mine"
    target.mkdir()
    (target / "config.yml").write_text("category:\n  cs.XX: no such category\n", encoding="utf-8")

    result = cli("init", target)

    assert result.exit_code == 2, result.err
    assert clean_failure(result, str(target / "config.yml"))
    assert files_under(target) == ["config.yml"]


def test_demo_checks_the_config_it_keeps_before_writing_the_snapshot(cli: Cli, tmp_path: Path) -> None:
    out = tmp_path / "demo"
    out.mkdir()
    (out / "config.yml").write_text("topic: [not, a, mapping]\n", encoding="utf-8")

    result = cli("demo", "--out", out)

    assert result.exit_code == 2, result.err
    assert clean_failure(result, str(out / "config.yml"))
    assert files_under(out) == ["config.yml"]


# ---------------------------------------------------------------------------------------------------
# what the workflow installs


def install_step(workflow: Path) -> dict[str, Any]:
    loaded = yaml.safe_load(workflow.read_text(encoding="utf-8"))
    steps = loaded["jobs"]["digest"]["steps"]
    (step,) = [s for s in steps if s.get("name") == "Install arxiv-digest"]
    return dict(step)


def test_the_workflow_installs_this_version_from_the_package_index_by_default(
    cli: Cli, tmp_path: Path
) -> None:
    result = cli("init", tmp_path / "d")
    assert result.exit_code == 0, result.err
    step = install_step(tmp_path / "d" / ".github" / "workflows" / "arxiv-digest.yml")
    assert step["run"] == f"pip install arxiv-digest=={__version__}"
    assert f"pip install arxiv-digest=={__version__}" in result.out  # init says what it wrote


@pytest.mark.parametrize(
    "spec",
    [
        "arxiv-digest @ git+https://github.com/you/arxiv-digest@main",
        "git+https://github.com/you/arxiv-digest@v0.1.0#egg=arxiv-digest",
        'arxiv-digest @ git+https://example.org/a b: "c" #d',  # YAML and shell both need quoting here
    ],
    ids=["fork", "tag-url", "awkward"],
)
def test_install_writes_the_spec_given_as_one_argument(spec: str, cli: Cli, tmp_path: Path) -> None:
    result = cli("init", tmp_path / "d", "--install", spec)
    assert result.exit_code == 0, result.err
    step = install_step(tmp_path / "d" / ".github" / "workflows" / "arxiv-digest.yml")
    assert shlex.split(step["run"]) == ["pip", "install", spec]


@pytest.mark.parametrize("spec", ["", "arxiv-digest\nrm -rf ~", "arxiv-digest==${{ secrets.TOKEN }}"])
def test_an_install_spec_that_cannot_stay_one_argument_is_refused(
    spec: str, cli: Cli, tmp_path: Path
) -> None:
    result = cli("init", tmp_path / "d", "--install", spec)
    assert result.exit_code == 2
    assert "--install" in result.err and "give one pip requirement" in result.err
    assert not (tmp_path / "d").exists()


# ---------------------------------------------------------------------------------------------------
# the publishing commands as the README and `init --help` give them


@pytest.fixture
def shell_env(tmp_path: Path) -> dict[str, str]:
    """A user's shell: `arxiv-digest` on PATH (this interpreter's package), git with an identity and no
    other configuration, `$EDITOR` that saves the file unchanged."""
    if subprocess.run(["git", "--version"], capture_output=True).returncode != 0:
        pytest.skip("git is not installed")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    shim = bin_dir / "arxiv-digest"
    entry = "from arxiv_digest.cli import main; raise SystemExit(main())"
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -c "{entry}" "$@"\n', encoding="utf-8")
    shim.chmod(shim.stat().st_mode | stat.S_IXUSR)
    (tmp_path / "gitconfig").write_text("[user]\n\tname = Reader\n\temail = reader@example.org\n", "utf-8")
    return {
        "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
        "HOME": str(tmp_path),
        "GIT_CONFIG_GLOBAL": str(tmp_path / "gitconfig"),
        "GIT_CONFIG_NOSYSTEM": "1",
        "EDITOR": "true",
    }


def run_as_written(commands: list[str], remote_url: str, remote: Path, cwd: Path, env: dict[str, str]) -> str:
    """Run ``commands`` in one bash session, as a user pastes them, with the placeholder remote replaced
    by a local bare repository; return the remote's main branch's files."""
    script = "\n".join(commands)
    assert remote_url in script, "the commands no longer name a remote"
    subprocess.run(["git", "init", "--bare", "-q", str(remote)], check=True, env=env)
    done = subprocess.run(
        ["bash", "-e", "-c", script.replace(remote_url, str(remote))],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    pushed = subprocess.run(
        ["git", "ls-tree", "-r", "--name-only", "main"], cwd=remote, env=env, capture_output=True, text=True
    )
    assert pushed.returncode == 0, pushed.stderr
    return pushed.stdout


def assert_published(repo: Path, pushed: str, env: dict[str, str]) -> None:
    assert sorted(pushed.split()) == sorted(SCAFFOLD)
    # -u made main track the remote: the later plain `git push` (an edit of config.yml) works.
    (repo / "config.yml").write_text(
        (repo / "config.yml").read_text(encoding="utf-8") + "# edited\n", encoding="utf-8"
    )
    later = "git commit -qam 'edit the topics' && git push -q"
    done = subprocess.run(["bash", "-e", "-c", later], cwd=repo, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def readme_commands() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Your own daily digest on GitHub") :]
    block = re.search(r"```bash\n(.*?)```", section, re.DOTALL)
    assert block is not None
    return [line.split("  #")[0].strip() for line in block.group(1).splitlines() if line.strip()]


def test_the_readme_publishing_commands_work_as_written(shell_env: dict[str, str], tmp_path: Path) -> None:
    commands = readme_commands()
    assert commands[-1] == "git push -u origin main"
    work = tmp_path / "work"
    work.mkdir()
    remote = tmp_path / "my-digest.git"
    pushed = run_as_written(commands, "git@github.com:you/my-digest.git", remote, work, shell_env)
    assert_published(work / "my-digest", pushed, shell_env)


def test_the_init_help_example_works_as_written(cli: Cli, shell_env: dict[str, str], tmp_path: Path) -> None:
    help_text = cli("init", "--help").out
    example = help_text[help_text.index("Example:") :].split("\n\n")[0].splitlines()[1:]
    commands = [line.strip() for line in example]
    assert any("git remote add origin" in c for c in commands)
    work = tmp_path / "work"
    work.mkdir()
    remote = tmp_path / "my-digest.git"
    pushed = run_as_written(commands, "git@github.com:me/my-digest.git", remote, work, shell_env)
    assert_published(work / "my-digest", pushed, shell_env)
