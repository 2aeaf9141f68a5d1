"""A feed dated in the future (issue #7). Published, such a day stayed the latest for good: the README, the
site and `status` were stuck on it, and `status` said OK. Now `run` refuses a day after today (US Eastern,
one day of slack) and `status` reports a stored one; a date past the year 9999 is the same clean refusal."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from lxml import etree

from arxiv_digest.config import load_config
from arxiv_digest.errors import FetchError
from arxiv_digest.jobs.daily import run_daily
from arxiv_digest.jobs.status import weekdays_after
from tests.conftest import CliResult, db_rows, tree_state
from tests.fakearxiv import FakeArxiv

Cli = Callable[..., CliResult]
DAY = "2026-06-30"
CATEGORIES = ["cs.AI", "cs.CL", "cs.CV", "cs.LG", "cs.MA", "cs.RO"]
DB = ".arxiv-digest/digest.db"


def run(cli: Cli, digest: Path) -> CliResult:
    return cli("run", "--config", digest / "config.yml", "--out", digest)


def dated(fake: FakeArxiv, pubdate: str) -> bytes:
    """The fake's feed of the day with every pubDate (channel and items) set to ``pubdate``."""
    root = etree.fromstring(fake.feed_bytes(CATEGORIES))
    for el in root.iter("pubDate"):
        el.text = pubdate
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


@pytest.fixture
def published(arxiv_env: FakeArxiv, cli: Cli, digest_dir: Path) -> Path:
    """A digest with 2026-06-30 published; the fake then serves the next (future-dated) feed."""
    assert run(cli, digest_dir).exit_code == 0
    return digest_dir


@pytest.mark.parametrize(
    ("pubdate", "said"),
    [
        ("Tue, 30 Jun 2099 00:00:00 -0400", "the feed announces 2099-06-30, after today ("),
        ("Fri, 31 Dec 9999 00:00:00 -0500", "the feed announces 9999-12-31, after today ("),
        (
            "Fri, 31 Dec 9999 23:00:00 -0500",  # 10000-01-01 in UTC: past what a date can hold
            "the feed is dated 'Fri, 31 Dec 9999 23:00:00 -0500', past the year 9999",
        ),
    ],
    ids=["2099", "9999-12-31", "past-9999"],
)
def test_a_feed_dated_in_the_future_is_refused_and_changes_nothing(
    published: Path, arxiv_env: FakeArxiv, cli: Cli, pubdate: str, said: str
) -> None:
    before = tree_state(published), db_rows(published / DB)
    arxiv_env.feed_override = dated(arxiv_env, pubdate)
    requests = len(arxiv_env.requests)
    result = run(cli, published)
    assert result.exit_code == 1
    assert said in result.err and "refusing to publish a day from the future" in result.err
    assert f"while fetching {arxiv_env.rss_url}{'+'.join(CATEGORIES)}" in result.err
    assert "internal error" not in result.err and "Traceback" not in result.err
    assert len(arxiv_env.requests) == requests + 1  # an answer, not a transient fault: not fetched again
    assert (tree_state(published), db_rows(published / DB)) == before
    status = cli("status", "--out", published, "--today", DAY)
    assert status.exit_code == 0 and "last day:  2026-06-30" in status.out


def test_an_empty_feed_dated_in_the_future_is_refused_too(
    arxiv_env: FakeArxiv, cli: Cli, digest_dir: Path
) -> None:
    """Not "a weekend or holiday": the date is wrong whether or not the feed has items."""
    arxiv_env.announce_nothing("2099-07-04")
    result = run(cli, digest_dir)
    assert result.exit_code == 1
    assert "the feed announces 2099-07-04, after today" in result.err
    assert "announced nothing" not in result.out
    assert not (digest_dir / "data").exists()


@pytest.mark.parametrize(
    ("today", "published"), [("2026-06-30", True), ("2026-06-29", True), ("2026-06-28", False)]
)
def test_one_day_of_slack_after_today_in_eastern_time(
    arxiv_env: FakeArxiv, digest_dir: Path, today: str, published: bool
) -> None:
    """The feed of 2026-06-30 is taken on that day and on the day before (a runner's clock behind), never
    two days early."""
    config = load_config(digest_dir / "config.yml")
    if published:
        result = run_daily(config, digest_dir, today=dt.date.fromisoformat(today))
        assert result.day == dt.date(2026, 6, 30) and (digest_dir / "data" / f"{DAY}.jsonl").is_file()
    else:
        with pytest.raises(FetchError) as error:
            run_daily(config, digest_dir, today=dt.date.fromisoformat(today))
        assert f"the feed announces {DAY}, after today ({today} in US Eastern time)" in str(error.value)
        assert not (digest_dir / "data").exists()


def _store_day_as(digest: Path, day: str) -> None:
    """What an earlier version published from a future-dated feed: the day's snapshot under that date."""
    source = digest / "data" / f"{DAY}.jsonl"
    lines = [json.loads(line) for line in source.read_text(encoding="utf-8").splitlines()]
    text = "".join(json.dumps({**r, "announced": day}, ensure_ascii=False) + "\n" for r in lines)
    (digest / "data" / f"{day}.jsonl").write_text(text, encoding="utf-8")


@pytest.mark.parametrize("future", ["2099-06-30", "9999-12-31"])
def test_status_reports_a_stored_day_in_the_future_and_is_not_ok(
    published: Path, cli: Cli, future: str
) -> None:
    _store_day_as(published, future)
    text = cli("status", "--out", published, "--today", DAY)
    assert text.exit_code == 1
    assert text.out.startswith(f"{published}: DAY IN THE FUTURE\n")
    assert "  last day:  2026-06-30 (Tue)" in text.out  # today's calendar, not the wrong day
    assert f"1 day stored after today (2026-06-30, US Eastern): data/{future}.jsonl." in text.out
    report = json.loads(cli("status", "--out", published, "--today", DAY, "--json").out)
    assert report["future"] == [future] and report["ok"] is False and report["stale"] is False
    assert report["last_day"] == DAY and report["missing"] == []


def test_status_of_only_a_future_day_says_nothing_is_published(
    published: Path, cli: Cli, tmp_path: Path
) -> None:
    _store_day_as(published, "2099-06-30")
    (published / "data" / f"{DAY}.jsonl").unlink()
    report = json.loads(cli("status", "--out", published, "--today", DAY, "--json").out)
    assert report["last_day"] is None and report["future"] == ["2099-06-30"] and report["ok"] is False
    assert report["warnings"][0].startswith("1 day stored after today")
    assert report["warnings"][1].startswith("no day published yet")


def test_status_takes_the_clock_in_eastern_time_when_not_told(published: Path, cli: Cli) -> None:
    """Without --today, today is the clock's date in US Eastern time (here: long after 2026-06-30)."""
    _store_day_as(published, "2099-06-30")
    report = json.loads(cli("status", "--out", published, "--json").out)
    assert report["future"] == ["2099-06-30"] and report["last_day"] == DAY
    assert dt.date.fromisoformat(report["today"]) > dt.date(2026, 6, 30)


def test_a_rebuild_after_deleting_the_future_day_unpins_the_digest(published: Path, cli: Cli) -> None:
    """The repair `status` prints: delete the day and its pages, rebuild."""
    readme = (published / "README.md").read_bytes()
    _store_day_as(published, "2099-06-30")
    assert cli("rebuild", "--config", published / "config.yml", "--out", published).exit_code == 0
    assert "arXiv announcement of 2099-06-30" in (published / "README.md").read_text(encoding="utf-8")
    (published / "data" / "2099-06-30.jsonl").unlink()
    shutil.rmtree(published / "archive" / "2099-06-30")
    (published / "site" / "day" / "2099-06-30.html").unlink()
    shutil.rmtree(published / "site" / "day" / "2099-06-30")
    assert cli("rebuild", "--config", published / "config.yml", "--out", published).exit_code == 0
    assert (published / "README.md").read_bytes() == readme
    assert cli("status", "--out", published, "--today", DAY).exit_code == 0


def test_weekdays_after_never_steps_past_the_last_date() -> None:
    end = dt.date(9999, 12, 31)  # a Friday
    assert weekdays_after(end, end) == []
    assert weekdays_after(dt.date(9999, 12, 28), end) == [dt.date(9999, 12, d) for d in (29, 30, 31)]
