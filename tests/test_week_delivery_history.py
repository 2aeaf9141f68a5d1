"""The weekly channels' delivery-once rule (issue #10) on a history that predates the weekly digest: the
first daily run writes the page of every closed week it finds without one, but sends a weekly channel the
latest closed week only (the older ones are not news: one message each would flood a channel just added),
and sends it once: a channel that failed gets it on the next run, and then never again.

Real days of the shared history: three weeks stored as snapshots (2025-06-02 to 2025-06-20, W23 to W25),
then the fake arXiv announces Monday 2025-06-23, which closes W25."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from arxiv_digest.cli import main
from arxiv_digest.config import load_config
from arxiv_digest.jobs.daily import run_daily
from arxiv_digest.notify import Status
from tests import history_days
from tests.fakearxiv import FakeArxiv
from tests.receivers import HookReceiver, add_config

MONDAY = dt.date(2025, 6, 23)
OLD_WEEKS = ("2025-W23", "2025-W24", "2025-W25")


def _digest(tmp_path: Path, hooks: HookReceiver) -> Path:
    out = tmp_path / "digest"
    assert main(["--quiet", "init", str(out)]) == 0
    history_days.write_days(out, history_days.days("2025-06-02", "2025-06-20", 40))
    add_config(
        out,
        f"""\
        notify:
          retry_backoff_seconds: 0
          attempts: 2
          webhooks:
            - {{url: "{hooks.url("/day")}", format: json}}
            - {{url: "{hooks.url("/week")}", format: json, every: week}}
        """,
    )
    return out


def _run(out: Path, fake: FakeArxiv) -> list[tuple[str, Status]]:
    result = run_daily(load_config(out / "config.yml"), out, today=MONDAY, sleep=lambda s: None)
    assert result.day == MONDAY and result.delivery is not None
    return [(o.channel, o.status) for o in result.delivery.outcomes]


def test_an_old_history_gets_every_weeks_page_but_a_weekly_channel_only_the_latest_week_once(
    tmp_path: Path,
) -> None:
    monday = history_days.days(MONDAY.isoformat(), MONDAY.isoformat(), 40)[MONDAY.isoformat()]
    with FakeArxiv() as fake, HookReceiver() as hooks, pytest.MonkeyPatch.context() as env:
        fake.point(env, delay="0")
        fake.day, fake.records = MONDAY, history_days.as_feed_records(monday)
        out = _digest(tmp_path, hooks)
        hooks.answer(200, 500, 500)  # the day is sent; the week fails both of its attempts

        first = _run(out, fake)
        # every closed week has its pages now, as a rebuild would have made them ...
        assert sorted(p.stem for p in (out / "weekly").glob("*.md")) == list(OLD_WEEKS)
        assert sorted(p.stem for p in (out / "site" / "weekly").glob("*.html")) == list(OLD_WEEKS)
        # ... but the weekly channel was offered the latest one only
        assert [h.json["week"] for h in hooks.to("/week")] == ["2025-W25", "2025-W25"]
        assert ("webhook 2 (json)", Status.FAILED) in first
        for week in OLD_WEEKS[:-1]:
            assert not (out / "delivery" / f"{week}.json").exists()

        second = _run(out, fake)  # the next run retries the week that failed, and only it
        assert ("webhook 2 (json)", Status.SENT) in second
        assert ("webhook 1 (json)", Status.ALREADY_SENT) in second
        assert [h.json["week"] for h in hooks.to("/week")] == ["2025-W25"] * 3

        third = _run(out, fake)  # sent once: never again
        assert ("webhook 2 (json)", Status.ALREADY_SENT) in third
        assert len(hooks.to("/week")) == 3 and len(hooks.to("/day")) == 1
    record = json.loads((out / "delivery" / "2025-W25.json").read_text(encoding="utf-8"))
    assert record["week"] == "2025-W25"
    assert record["channels"]["webhook 2 (json)"]["status"] == "sent"
