"""The workflow `init` writes fails the job on any run failure and never commits from a failed run
(issue #5), proven by running it: its steps are executed here as GitHub Actions would (bash -e, step
outputs through $GITHUB_OUTPUT, `if:` conditions with the job's status), with the real `arxiv-digest`
against the fake arXiv and a real git repository pushing to a bare one.

Only the steps that set up the runner (`uses:` actions and the `pip install`) are skipped. The `if:`
expressions are evaluated by a small interpreter of GitHub's expression language (enough of it for these
conditions: status functions, contexts, `==`, `!=`, `&&`, `||`, `!`, parentheses); a condition outside it
fails the test rather than being guessed. test_notify_actions.py checks the workflow's text and the
`published` mark; this file checks what the job does.
"""

from __future__ import annotations

import os
import re
import socket
import stat
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import CliResult
from tests.fakearxiv import FakeArxiv, Reply

Cli = Callable[..., CliResult]
WORKFLOW = Path(__file__).resolve().parent.parent / "src" / "arxiv_digest" / "scaffold" / "workflow.yml"
DAY = "2026-06-30"


def load_workflow(path: Path = WORKFLOW) -> dict[str, Any]:
    workflow = yaml.safe_load(path.read_text(encoding="utf-8"))
    workflow["on"] = workflow.pop(True, workflow.get("on"))  # YAML 1.1 reads a bare `on` as true
    return dict(workflow)


def digest_steps(workflow: dict[str, Any]) -> list[dict[str, Any]]:
    return list(workflow["jobs"]["digest"]["steps"])


def run_step(workflow: dict[str, Any]) -> dict[str, Any]:
    (step,) = [s for s in digest_steps(workflow) if "arxiv-digest run" in s.get("run", "")]
    return step


def commit_steps(workflow: dict[str, Any]) -> list[dict[str, Any]]:
    return [s for s in digest_steps(workflow) if re.search(r"\bgit (commit|push)\b", s.get("run", ""))]


# ---------------------------------------------------------------------------------------------------
# GitHub's expression language, the part the workflow uses

_TOKEN = re.compile(
    r"\s*(?:(?P<op>==|!=|&&|\|\||!|\(|\))|(?P<str>'(?:[^']|'')*')|(?P<num>-?\d+(?:\.\d+)?)"
    r"|(?P<name>[A-Za-z_][\w-]*(?:\.[A-Za-z_][\w-]*)*))"
)
STATUS_FUNCTIONS = ("success", "failure", "always", "cancelled")


@dataclass
class Context:
    job_failed: bool = False
    steps: dict[str, dict[str, Any]] = field(default_factory=dict)  # id -> {outputs, outcome}
    contexts: dict[str, Any] = field(default_factory=dict)  # secrets, vars, github

    def lookup(self, name: str) -> Any:
        head, *rest = name.split(".")
        value: Any = {"steps": self.steps, **self.contexts}.get(head)
        if value is None:
            raise AssertionError(f"unknown context {head!r} in a workflow expression")
        for part in rest:
            value = value.get(part, "") if isinstance(value, dict) else ""
        return value


def evaluate(expression: str, ctx: Context) -> Any:
    text = expression.strip()
    if text.startswith("${{") and text.endswith("}}"):
        text = text[3:-2]
    tokens: list[tuple[str, str]] = []
    position = 0
    while position < len(text.rstrip()):
        m = _TOKEN.match(text, position)
        assert m and m.end() > position, f"cannot read {text[position:]!r} in {expression!r}"
        kind = next(k for k, v in m.groupdict().items() if v is not None)
        tokens.append((kind, m.group(kind)))
        position = m.end()
    tokens.append(("end", ""))
    i = 0

    def peek() -> tuple[str, str]:
        return tokens[i]

    def take(value: str | None = None) -> tuple[str, str]:
        nonlocal i
        token = tokens[i]
        assert value is None or token[1] == value, f"expected {value!r} in {expression!r}"
        i += 1
        return token

    def either() -> Any:
        left = both()
        while peek() == ("op", "||"):
            take()
            right = both()
            left = left if truthy(left) else right
        return left

    def both() -> Any:
        left = negation()
        while peek() == ("op", "&&"):
            take()
            right = negation()
            left = right if truthy(left) else left
        return left

    def negation() -> Any:
        if peek() == ("op", "!"):
            take()
            return not truthy(negation())
        return comparison()

    def comparison() -> Any:
        left = primary()
        if peek() in (("op", "=="), ("op", "!=")):
            op = take()[1]
            right = primary()
            same = str(left).lower() == str(right).lower()  # GitHub compares strings ignoring case
            return same if op == "==" else not same
        return left

    def primary() -> Any:
        kind, value = take()
        if (kind, value) == ("op", "("):
            inner = either()
            take(")")
            return inner
        if kind == "str":
            return value[1:-1].replace("''", "'")
        if kind == "num":
            return float(value)
        assert kind == "name", f"unexpected {value!r} in {expression!r}"
        if peek() == ("op", "("):
            take()
            take(")")
            assert value in STATUS_FUNCTIONS, f"function {value}() is not interpreted here"
            return {
                "success": not ctx.job_failed,
                "failure": ctx.job_failed,
                "always": True,
                "cancelled": False,
            }[value]
        if value in ("true", "false", "null"):
            return {"true": True, "false": False, "null": None}[value]
        return ctx.lookup(value)

    result = either()
    assert peek()[0] == "end", f"unread tokens in {expression!r}"
    return result


def truthy(value: Any) -> bool:
    return value not in (False, None, "", 0, 0.0)


def should_run(step_or_job: dict[str, Any], ctx: Context) -> bool:
    """GitHub's rule: no `if` means success(); an `if` without a status function is ANDed with success()."""
    condition = step_or_job.get("if")
    if condition is None:
        return not ctx.job_failed
    text = str(condition)
    if not any(re.search(rf"\b{f}\s*\(", text) for f in STATUS_FUNCTIONS):
        return not ctx.job_failed and truthy(evaluate(text, ctx))
    return truthy(evaluate(text, ctx))


def substitute(text: str, ctx: Context) -> str:
    return re.sub(r"\$\{\{(.*?)\}\}", lambda m: str(evaluate(m.group(1), ctx) or ""), text)


@pytest.mark.parametrize(
    ("condition", "failed", "published", "runs"),
    [
        (None, False, "", True),
        (None, True, "true", False),
        ("always() && steps.digest.outputs.published == 'true'", True, "true", True),
        ("always() && steps.digest.outputs.published == 'true'", True, "", False),
        ("steps.digest.outputs.published == 'true'", True, "true", False),  # implicit success()
        ("${{ !cancelled() && vars.ARXIV_DIGEST_PAGES == 'true' }}", True, "", False),
        ("!failure() || steps.digest.outputs.published == 'TRUE'", True, "true", True),
        ("success() && (steps.digest.outputs.published != 'true')", False, "", True),
    ],
)
def test_the_condition_interpreter(condition: str | None, failed: bool, published: str, runs: bool) -> None:
    ctx = Context(
        job_failed=failed,
        steps={"digest": {"outputs": {"published": published}}},
        contexts={"vars": {}, "secrets": {}},
    )
    step = {} if condition is None else {"if": condition}
    assert should_run(step, ctx) is runs


# ---------------------------------------------------------------------------------------------------
# what the workflow says


def test_a_failed_run_fails_the_job() -> None:
    workflow = load_workflow()
    job = workflow["jobs"]["digest"]
    step = run_step(workflow)
    assert not job.get("continue-on-error") and not step.get("continue-on-error")
    script = step["run"]
    for swallow in (r"\|\|\s*(true|:|exit 0)", r"set \+e", r";\s*exit 0\s*$", r"\|\s*tee\b"):
        assert not re.search(swallow, script), f"the run step hides its exit code: {swallow}"
    assert step.get("shell", "bash") == "bash"
    assert "timeout-minutes" in job  # a hung run ends; a failed job e-mails the owner


def test_permissions_and_concurrency() -> None:
    workflow = load_workflow()
    assert workflow["permissions"] == {"contents": "write"}
    assert workflow["concurrency"]["group"] and workflow["concurrency"]["cancel-in-progress"] is False
    assert set(workflow["on"]) == {"schedule", "workflow_dispatch"}


def test_every_commit_step_requires_a_successful_or_published_run() -> None:
    workflow = load_workflow()
    commits = commit_steps(workflow)
    assert commits
    digest_id = run_step(workflow).get("id")
    for step in commits:
        # Never after a run that failed before publishing, whatever the condition says.
        failed_early = Context(
            job_failed=True, steps={digest_id or "": {"outputs": {}}}, contexts={"vars": {}, "secrets": {}}
        )
        assert not should_run(step, failed_early), step
        assert "continue-on-error" not in step


# ---------------------------------------------------------------------------------------------------
# what the job does: its steps run here


@dataclass
class Job:
    failed: bool = False
    ran: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    logs: dict[str, str] = field(default_factory=dict)


def _shim(bin_dir: Path) -> None:
    """`arxiv-digest` on PATH: this interpreter's package (what `pip install` put there on the runner)."""
    bin_dir.mkdir(exist_ok=True)
    shim = bin_dir / "arxiv-digest"
    entry = "from arxiv_digest.cli import main; raise SystemExit(main())"
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -c "{entry}" "$@"\n', encoding="utf-8")
    shim.chmod(shim.stat().st_mode | stat.S_IXUSR)


def run_job(repo: Path, workflow: dict[str, Any], env: dict[str, str], secrets: dict[str, str]) -> Job:
    job = Job()
    ctx = Context(contexts={"secrets": secrets, "vars": {}, "github": {"ref": "refs/heads/main"}})
    for number, step in enumerate(digest_steps(workflow)):
        name = step.get("name") or step.get("uses") or f"step {number}"
        if "uses" in step or "pip install" in step.get("run", ""):
            continue  # setting up the runner: done here already
        if not should_run(step, ctx):
            job.skipped.append(name)
            continue
        outputs = repo.parent / f"output-{number}"
        outputs.write_text("", encoding="utf-8")
        step_env = {k: substitute(str(v), ctx) for k, v in (step.get("env") or {}).items()}
        shell = ["bash", "--noprofile", "--norc", "-eo", "pipefail"] if step.get("shell") else ["bash", "-e"]
        script = repo.parent / f"step-{number}.sh"
        script.write_text(substitute(step["run"], ctx), encoding="utf-8")
        done = subprocess.run(
            [*shell, str(script)],
            cwd=repo,
            env={**env, **step_env, "GITHUB_OUTPUT": str(outputs)},
            capture_output=True,
            text=True,
            timeout=120,
        )
        job.ran.append(name)
        job.logs[name] = done.stdout + done.stderr
        values = dict(
            line.split("=", 1) for line in outputs.read_text(encoding="utf-8").splitlines() if "=" in line
        )
        if "id" in step:
            ctx.steps[step["id"]] = {
                "outputs": values,
                "outcome": "success" if done.returncode == 0 else "failure",
            }
        if done.returncode != 0:
            job.failed = ctx.job_failed = True
    return job


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture
def repository(tmp_path: Path, cli: Cli, arxiv_env: FakeArxiv) -> tuple[Path, Path, dict[str, str]]:
    """A digest repository as `init` and the README make it, pushed to a bare "GitHub" remote."""
    if subprocess.run(["git", "--version"], capture_output=True).returncode != 0:
        pytest.skip("git is not installed")
    remote = tmp_path / "remote.git"
    repo = tmp_path / "repo"
    assert cli("init", repo).exit_code == 0
    environment = {
        **os.environ,
        "PATH": f"{tmp_path / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}",
        "GIT_CONFIG_GLOBAL": str(tmp_path / "gitconfig"),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_DATE": "2026-06-30T06:00:00Z",
        "GIT_COMMITTER_DATE": "2026-06-30T06:00:00Z",
    }
    (tmp_path / "gitconfig").write_text("[init]\n\tdefaultBranch = main\n", encoding="utf-8")
    _shim(tmp_path / "bin")
    subprocess.run(["git", "init", "--bare", "-q", str(remote)], check=True, env=environment)
    for args in (
        ["init", "-q", "-b", "main"],
        ["add", "-A"],
        ["-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-q", "-m", "arxiv-digest"],
        ["remote", "add", "origin", str(remote)],
        ["push", "-q", "-u", "origin", "main"],
    ):
        subprocess.run(["git", *args], cwd=repo, check=True, env=environment, capture_output=True)
    return repo, remote, environment


def commits(remote: Path) -> list[str]:
    return git(remote, "log", "--format=%s", "main").splitlines()


def test_a_published_day_is_committed_and_pushed(
    repository: tuple[Path, Path, dict[str, str]], arxiv_env: FakeArxiv
) -> None:
    repo, remote, env = repository
    job = run_job(repo, load_workflow(repo / ".github" / "workflows" / "arxiv-digest.yml"), env, secrets={})
    assert not job.failed, job.logs
    assert len(job.ran) == 2 and not job.skipped, (job.ran, job.skipped)
    assert len(commits(remote)) == 2 and commits(remote)[0].startswith("arXiv digest ")
    pushed = git(remote, "ls-tree", "-r", "--name-only", "main").splitlines()
    assert f"data/{DAY}.jsonl" in pushed and "README.md" in pushed
    assert not any(p.startswith(".arxiv-digest/") or p.endswith(".tmp") for p in pushed)

    # The same day again: the job succeeds and commits nothing.
    again = run_job(repo, load_workflow(repo / ".github" / "workflows" / "arxiv-digest.yml"), env, secrets={})
    assert not again.failed and len(commits(remote)) == 2


def test_a_push_made_while_the_job_ran_is_kept_under_the_digest_commit(
    repository: tuple[Path, Path, dict[str, str]], arxiv_env: FakeArxiv, tmp_path: Path
) -> None:
    repo, remote, env = repository
    other = tmp_path / "other"  # the owner pushes from another clone while the job runs
    subprocess.run(["git", "clone", "-q", str(remote), str(other)], check=True, env=env, capture_output=True)
    (other / "NOTES.md").write_text("reading list\n", encoding="utf-8")
    git(other, "add", "NOTES.md")
    git(other, "-c", "user.name=o", "-c", "user.email=o@example.org", "commit", "-qm", "owner edit")
    git(other, "push", "-q")
    job = run_job(repo, load_workflow(repo / ".github" / "workflows" / "arxiv-digest.yml"), env, secrets={})
    assert not job.failed, job.logs
    history = commits(remote)
    assert history[0].startswith("arXiv digest ") and history[1:] == ["owner edit", "arxiv-digest"]
    pushed = git(remote, "ls-tree", "-r", "--name-only", "main").splitlines()
    assert "NOTES.md" in pushed and f"data/{DAY}.jsonl" in pushed


@pytest.mark.parametrize("fault", ["persistent-503", "html-page", "config-error"])
def test_a_run_that_fails_before_publishing_fails_the_job_and_commits_nothing(
    fault: str, repository: tuple[Path, Path, dict[str, str]], arxiv_env: FakeArxiv
) -> None:
    repo, remote, env = repository
    if fault == "persistent-503":
        arxiv_env.queue(*[Reply(status=503) for _ in range(5)])
    elif fault == "html-page":
        arxiv_env.feed_override = b"<html><head><title>Access Denied</title></head></html>"
    else:
        (repo / "config.yml").write_text("category:\n  cs.XX: nope\n", encoding="utf-8")
    workflow = load_workflow(repo / ".github" / "workflows" / "arxiv-digest.yml")
    job = run_job(repo, workflow, env, secrets={})
    assert job.failed  # GitHub marks the run failed and e-mails the owner
    assert len(job.ran) == 1 and len(job.skipped) == len(commit_steps(workflow)), (job.ran, job.skipped)
    assert "error: " in job.logs[job.ran[0]]
    assert commits(remote) == ["arxiv-digest"]
    if fault != "config-error":
        assert git(repo, "status", "--porcelain") == ""  # and the run left nothing to commit anyway


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_a_delivery_failure_after_publishing_commits_the_pages_and_fails_the_job(
    repository: tuple[Path, Path, dict[str, str]], arxiv_env: FakeArxiv
) -> None:
    repo, remote, env = repository
    config = repo / "config.yml"
    config.write_text(
        config.read_text(encoding="utf-8")
        + "notify:\n  attempts: 1\n  webhooks:\n    - {url: '${SLACK_WEBHOOK_URL}', format: slack}\n",
        encoding="utf-8",
    )
    git(repo, "-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-qam", "notify")
    git(repo, "push", "-q")
    secret = f"http://127.0.0.1:{_closed_port()}/services/T000/B000/s3cr3t-t0ken"
    workflow = load_workflow(repo / ".github" / "workflows" / "arxiv-digest.yml")
    job = run_job(repo, workflow, env, secrets={"SLACK_WEBHOOK_URL": secret})
    assert job.failed
    assert "delivery failed" in job.logs[job.ran[0]]
    assert len(job.ran) == 2, (job.ran, job.skipped)  # the commit step ran: the pages are kept
    assert commits(remote)[0].startswith("arXiv digest ")
    pushed = git(remote, "ls-tree", "-r", "--name-only", "main").splitlines()
    assert f"data/{DAY}.jsonl" in pushed
    assert "s3cr3t-t0ken" not in "".join(job.logs.values())
