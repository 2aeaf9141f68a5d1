"""A closed week's page is made once (issue #15: a run's cost does not grow with what it already
published): by the run that closes the week, again only while a weekly channel still waits for it (its
delivery failed), or when the page is missing; the later runs of the next week leave it alone. Real days
of the shared history, served one after another by the fake arXiv to ``run_daily``."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from arxiv_digest.config import load_config
from arxiv_digest.jobs.daily import run_daily
from arxiv_digest.jobs.rebuild import rebuild
from tests import history_days
from tests.fakearxiv import FakeArxiv
from tests.receivers import HookReceiver, add_config

STORED = ("2025-06-16", "2025-06-20")  # 2025-W25, written as a history
MONDAY, TUESDAY, WEDNESDAY = "2025-06-23", "2025-06-24", "2025-06-25"
WEEK = "2025-W25"


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("once") / "digest"
    out.mkdir()
    shutil.copy(Path(__file__).resolve().parent.parent / "src/arxiv_digest/scaffold/config.yml", out)
    history_days.write_days(out, history_days.days(*STORED, 60))
    rebuild(load_config(out / "config.yml"), out, jobs=1, today=dt.date(2025, 6, 20))
    assert not (out / "weekly" / f"{WEEK}.md").exists()  # open on that Friday
    return out


def _runs(out: Path, days: tuple[str, ...]) -> list[tuple[str, ...]]:
    """The weeks each day's run wrote, in order."""
    records = history_days.days(days[0], days[-1], 60)
    weeks = []
    with FakeArxiv() as fake, pytest.MonkeyPatch.context() as env:
        fake.point(env, delay="0")
        for day in days:
            fake.day = dt.date.fromisoformat(day)
            fake.records = history_days.as_feed_records(records[day])
            result = run_daily(load_config(out / "config.yml"), out, today=fake.day, sleep=lambda s: None)
            assert result.day == fake.day
            weeks.append(tuple(w.week for w in result.weeks))
    return weeks


def test_the_week_is_made_by_the_run_that_closes_it_and_not_again(history: Path, tmp_path: Path) -> None:
    out = tmp_path / "digest"
    shutil.copytree(history, out)
    assert _runs(out, (MONDAY, TUESDAY)) == [(WEEK,), ()]
    page = (out / "weekly" / f"{WEEK}.md").read_bytes()
    (out / "weekly" / f"{WEEK}.md").unlink()  # a page gone missing is made again, the same
    assert _runs(out, (WEDNESDAY,)) == [(WEEK,)]
    assert (out / "weekly" / f"{WEEK}.md").read_bytes() == page


def test_a_weekly_channel_that_failed_gets_the_week_on_the_next_run(history: Path, tmp_path: Path) -> None:
    out = tmp_path / "digest"
    shutil.copytree(history, out)
    with HookReceiver() as hooks:
        add_config(
            out,
            "notify:\n  attempts: 1\n  retry_backoff_seconds: 0\n  webhooks:\n"
            f'    - {{url: "{hooks.url("/week")}", format: json, every: week}}\n',
        )
        hooks.statuses.extend([500])  # Monday's delivery of the week fails
        assert _runs(out, (MONDAY, TUESDAY, WEDNESDAY)) == [(WEEK,), (WEEK,), ()]
        assert [h.path for h in hooks.requests] == ["/week", "/week"]  # failed, then sent once
