"""The workflow `init` writes needs no second schedule for the weekly digest (issue #10): its steps, run here
as GitHub Actions runs them (``test_workflow.run_job``: bash, step outputs, ``if:`` conditions, the real
`arxiv-digest` against the fake arXiv, a real git repository pushing to a bare remote), once a morning
over real days of the shared history, commit ``weekly/<week>.md`` with the run that closes the week, and
nothing weekly before it. Each morning's `arxiv-digest` runs at that morning's clock (``time-machine`` in
the command's shim), as the scheduled job would."""

from __future__ import annotations

import datetime as dt
import stat
import sys
from pathlib import Path

from tests import history_days
from tests.fakearxiv import FakeArxiv
from tests.test_workflow import commits, git, load_workflow, repository, run_job

__all__ = ["repository"]  # the fixture, imported for pytest

# Thursday and Friday of 2025-W23, then Monday and Tuesday of W24: W23 closes with Monday's run.
DAYS = ("2025-06-05", "2025-06-06", "2025-06-09", "2025-06-10")


def test_the_daily_job_commits_the_weekly_page_on_the_morning_the_week_closes(
    repository: tuple[Path, Path, dict[str, str]], arxiv_env: FakeArxiv
) -> None:
    repo, remote, env = repository
    _clocked_shim(Path(env["PATH"].split(":", 1)[0]))
    records = history_days.days(DAYS[0], DAYS[-1], 60)
    weekly: dict[str, list[str]] = {}
    for day in DAYS:
        arxiv_env.day = dt.date.fromisoformat(day)
        arxiv_env.records = history_days.as_feed_records(records[day])
        env["DIGEST_TEST_NOW"] = f"{day}T10:00:00+00:00"  # the morning after arXiv's 20:00 ET announcement
        job = run_job(
            repo, load_workflow(repo / ".github" / "workflows" / "arxiv-digest.yml"), env, secrets={}
        )
        assert not job.failed, job.logs
        pushed = git(remote, "ls-tree", "-r", "--name-only", "main").splitlines()
        assert f"data/{day}.jsonl" in pushed
        weekly[day] = sorted(p for p in pushed if p.startswith("weekly/"))
    assert weekly["2025-06-05"] == weekly["2025-06-06"] == []
    assert weekly["2025-06-09"] == weekly["2025-06-10"] == ["weekly/2025-W23.md"]
    page = git(remote, "show", "main:weekly/2025-W23.md")
    assert "2025-W23" in page and "2025-06-05" in page and "2025-06-06" in page
    assert len(commits(remote)) == 1 + len(DAYS)  # init, then one digest commit a morning


def _clocked_shim(bin_dir: Path) -> None:
    """`arxiv-digest` on PATH, run at the clock ``DIGEST_TEST_NOW`` says (the job's morning)."""
    shim = bin_dir / "arxiv-digest"
    entry = (
        "import os, time_machine; time_machine.travel(os.environ['DIGEST_TEST_NOW'], tick=True).start(); "
        "from arxiv_digest.cli import main; raise SystemExit(main())"
    )
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -c "{entry}" "$@"\n', encoding="utf-8")
    shim.chmod(shim.stat().st_mode | stat.S_IXUSR)
