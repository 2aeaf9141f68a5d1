"""`arxiv-digest status` (issue #5): the last published day and its counts, the weekdays missing since, the
warnings a run recorded, and an exit code a monitor can use (0 up to date, 1 stale). It reads only what the
folder commits, so it works on a fresh clone without the database, and it writes nothing."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import socket
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest

from arxiv_digest.cli import main
from arxiv_digest.jobs.status import read_status, today_in_arxiv_tz, weekdays_after
from tests.conftest import CliResult, tree_state
from tests.fakearxiv import FakeArxiv, feeds

Cli = Callable[..., CliResult]
DAY = "2026-06-30"  # a Tuesday
STATE = ".arxiv-digest"


def run(cli: Cli, digest: Path) -> CliResult:
    return cli("run", "--config", digest / "config.yml", "--out", digest)


def status(cli: Cli, digest: Path, *extra: str) -> CliResult:
    return cli("status", "--out", digest, *extra)


def unknown_types(count: int) -> Callable[[list[feeds.FeedItem]], list[feeds.FeedItem]]:
    """The first ``count`` items get an announce type arXiv might introduce one day (they are skipped,
    with a warning)."""

    def transform(items: list[feeds.FeedItem]) -> list[feeds.FeedItem]:
        return [replace(it, announce_type="brand-new") if i < count else it for i, it in enumerate(items)]

    return transform


@pytest.fixture(scope="module")
def published_once(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """2025-10-15 then 2026-06-30 published, as the daily job would have (made once per module)."""
    out = tmp_path_factory.mktemp("published") / "digest"
    with FakeArxiv() as fake, pytest.MonkeyPatch.context() as mp:
        fake.point(mp, delay="0.05")
        assert main(["-q", "init", str(out)]) == 0
        for day, replaced in (("2025-10-15", 0), (DAY, 20)):
            fake.announce(day, replaced_from="2025-10-15", replaced_count=replaced)
            assert main(["-q", "run", "--config", str(out / "config.yml"), "--out", str(out)]) == 0
    return out


@pytest.fixture
def published(published_once: Path, tmp_path: Path) -> Path:
    """A copy of it, for one test."""
    out = tmp_path / "digest"
    shutil.copytree(published_once, out)
    return out


# ---------------------------------------------------------------------------------------------------
# the calendar


@pytest.mark.parametrize(
    ("last", "until", "expected"),
    [
        ("2026-06-30", "2026-06-30", []),
        ("2026-06-30", "2026-06-29", []),
        ("2026-06-30", "2026-07-01", ["2026-07-01"]),
        ("2026-07-03", "2026-07-05", []),  # Friday, then a weekend
        ("2026-07-03", "2026-07-06", ["2026-07-06"]),
        ("2026-06-30", "2026-07-07", ["2026-07-01", "2026-07-02", "2026-07-03", "2026-07-06", "2026-07-07"]),
    ],
)
def test_weekdays_after(last: str, until: str, expected: list[str]) -> None:
    got = weekdays_after(dt.date.fromisoformat(last), dt.date.fromisoformat(until))
    assert [d.isoformat() for d in got] == expected


@pytest.mark.parametrize(
    ("utc", "day"),
    [
        ("2026-07-01T03:59:00+00:00", "2026-06-30"),  # 23:59 EDT
        ("2026-07-01T04:00:00+00:00", "2026-07-01"),  # midnight EDT: arXiv's feed turns over
        ("2026-01-15T04:30:00+00:00", "2026-01-14"),  # 23:30 EST
        ("2026-01-15T05:00:00+00:00", "2026-01-15"),
    ],
)
def test_today_is_taken_in_us_eastern_time(utc: str, day: str) -> None:
    assert today_in_arxiv_tz(dt.datetime.fromisoformat(utc)) == dt.date.fromisoformat(day)


# ---------------------------------------------------------------------------------------------------
# the command


def test_up_to_date(published: Path, cli: Cli) -> None:
    result = status(cli, published, "--today", DAY)
    assert result.exit_code == 0, result.err
    lines = result.out.splitlines()
    assert lines[:3] == [
        f"{published}: OK",
        "  last day:  2026-06-30 (Tue), 2 days stored",
        "  papers:    519 (490 new, 10 cross-lists, 19 updated), of 520 announced (10 cross, 490 new, "
        "19 replace, 1 replace-cross)",
    ]
    # The count is the README's (the replace-cross paper is not listed: `include` leaves it out).
    readme = (published / "README.md").read_text(encoding="utf-8")
    assert "**: 519 papers (490 new, 10 cross-lists, 19 updated)" in readme
    # Every topic with its count, largest first (the counts are the matcher's: test_json_counts_agree…).
    assert re.fullmatch(r"  topics:    (\S+ \d+, ){7}\S+ \d+", lines[3]), lines[3]
    counts = [int(part.rsplit(" ", 1)[1]) for part in lines[3][13:].split(", ")]
    assert counts == sorted(counts, reverse=True)
    assert lines[4:] == [
        "  missing:   none (today is 2026-06-30 in US Eastern time)",
        "  warnings:  none",
    ]


def test_json_counts_agree_with_the_run(arxiv_env: FakeArxiv, cli: Cli, digest_dir: Path) -> None:
    ran = run(cli, digest_dir)
    assert ran.exit_code == 0
    result = status(cli, digest_dir, "--today", "2026-07-01", "--json")
    assert result.exit_code == 0, result.err
    report = json.loads(result.out)
    snapshot = (digest_dir / "data" / f"{DAY}.jsonl").read_text(encoding="utf-8").splitlines()
    assert report["last_day"] == DAY and report["days_stored"] == 1
    assert report["papers"] == len(snapshot) == sum(report["by_type"].values())
    assert f"{report['papers']} papers announced, {report['listed']} listed" in ran.out
    for name, count in report["topics"].items():
        assert f"{name} {count}" in ran.out
    assert report["missing"] == ["2026-07-01"] and report["stale"] is False and report["max_missing"] == 3
    assert report["warnings"] == [
        "no digest for 1 weekday since 2026-06-30 (2026-07-01): a holiday, or today's run has not "
        "happened yet"
    ]


@pytest.mark.parametrize(
    ("today", "max_missing", "missing", "code"),
    [
        ("2026-07-03", "3", 3, 0),  # Wednesday to Friday: at the threshold
        ("2026-07-05", "3", 3, 0),  # the weekend adds nothing
        ("2026-07-06", "3", 4, 1),  # Monday: over it
        ("2026-07-01", "0", 1, 1),  # a strict monitor
        ("2026-07-03", "2", 3, 1),
    ],
)
def test_stale_after_more_than_max_missing_weekdays(
    published: Path, cli: Cli, today: str, max_missing: str, missing: int, code: int
) -> None:
    result = status(cli, published, "--today", today, "--max-missing", max_missing, "--json")
    assert result.exit_code == code
    report = json.loads(result.out)
    assert len(report["missing"]) == missing
    assert report["stale"] is bool(code)
    if code:
        assert "the daily run is probably failing" in report["warnings"][0]
        text = status(cli, published, "--today", today, "--max-missing", max_missing)
        assert text.exit_code == 1 and text.out.startswith(f"{published}: STALE\n")


def test_nothing_published_yet_is_stale(digest_dir: Path, cli: Cli) -> None:
    result = status(cli, digest_dir, "--today", DAY, "--json")
    assert result.exit_code == 1
    report = json.loads(result.out)
    assert report["last_day"] is None and report["stale"] is True
    assert report["warnings"] == [f"no day published yet in {digest_dir / 'data'}; run `arxiv-digest run`"]


def test_reads_only_what_is_committed_and_writes_nothing(published: Path, cli: Cli, tmp_path: Path) -> None:
    """A fresh clone: no database, no lock file. Status must work there and create neither (a monitor
    taking the lock would make the daily run fail with "another run")."""
    clone = tmp_path / "clone"
    clone.mkdir()
    for rel in tree_state(published):
        (clone / rel).parent.mkdir(parents=True, exist_ok=True)
        (clone / rel).write_bytes((published / rel).read_bytes())
    before = tree_state(clone)
    result = status(cli, clone, "--today", DAY)
    assert result.exit_code == 0, result.err
    assert "2 days stored" in result.out and "papers:    519 (490 new" in result.out
    assert tree_state(clone) == before
    assert not (clone / STATE).exists()


def test_without_a_config_the_topics_are_unknown(published: Path, cli: Cli) -> None:
    (published / "config.yml").rename(published / "elsewhere.yml")
    report = json.loads(status(cli, published, "--today", DAY, "--json").out)
    assert report["topics"] is None and report["listed"] is None and report["papers"] == 520
    text = status(cli, published, "--today", DAY).out
    assert "topics:" not in text and "listed" not in text
    given = json.loads(
        status(cli, published, "--today", DAY, "--json", "--config", str(published / "elsewhere.yml")).out
    )
    assert given["listed"] == 519


def test_a_bad_today_is_a_usage_error(tmp_path: Path, cli: Cli) -> None:
    result = status(cli, tmp_path, "--today", "tomorrow")
    assert result.exit_code == 2
    assert "'tomorrow' is not a date" in result.err


def test_help_has_an_example(cli: Cli) -> None:
    result = cli("status", "--help")
    assert result.exit_code == 0
    assert "Example:" in result.out and "arxiv-digest status --out ." in result.out


def test_a_killed_runs_leftovers_are_reported(published: Path, arxiv_env: FakeArxiv, cli: Cli) -> None:
    (published / "hot_topic" / ".LLM.md.4242.tmp").write_bytes(b"half a page")
    result = status(cli, published, "--today", DAY, "--json")
    assert result.exit_code == 0
    assert json.loads(result.out)["warnings"] == [
        "a run was killed while writing: 1 temporary file left (hot_topic/.LLM.md.4242.tmp); "
        "the next run removes them"
    ]
    # ... and the next run does.
    assert run(cli, published).exit_code == 0
    assert not (published / "hot_topic" / ".LLM.md.4242.tmp").exists()


# ---------------------------------------------------------------------------------------------------
# warnings persist in data/<day>.meta.json


def test_parse_warnings_outlive_the_run(arxiv_env: FakeArxiv, cli: Cli, digest_dir: Path) -> None:
    arxiv_env.item_transform = unknown_types(2)
    first = run(cli, digest_dir)
    assert first.exit_code == 0, first.err
    assert "unknown announce type 'brand-new'; skipped" in first.err  # said at the time, on stderr
    meta = digest_dir / "data" / f"{DAY}.meta.json"
    record = json.loads(meta.read_text(encoding="utf-8"))
    assert record["day"] == DAY
    assert len(record["warnings"]) == 2
    assert all("unknown announce type 'brand-new'; skipped" in w for w in record["warnings"])

    # ... and after it: the database is gone (as on every GitHub Actions run), the file is not.
    for path in (digest_dir / STATE).iterdir():
        shutil.rmtree(path) if path.is_dir() else path.unlink()  # the kept feed days are a folder
    result = status(cli, digest_dir, "--today", DAY, "--json")
    assert result.exit_code == 0
    warnings = json.loads(result.out)["warnings"]
    assert warnings[0].startswith(
        f"{DAY}: 2 parse warnings when it was fetched; did arXiv change its format?"
    )
    assert warnings[1].startswith(f"{DAY}: item ") and len(warnings) == 2

    # Deterministic: the same feed again changes nothing; a rebuild neither reads nor removes it.
    state = tree_state(digest_dir)
    again = run(cli, digest_dir)
    assert again.exit_code == 0 and "nothing changed" in again.out
    rebuilt = cli("rebuild", "--config", digest_dir / "config.yml", "--out", digest_dir)
    assert rebuilt.exit_code == 0, rebuilt.err
    assert tree_state(digest_dir) == state

    # A clean feed for the day removes it: nothing left to warn about.
    arxiv_env.item_transform = None
    fixed = run(cli, digest_dir)
    assert fixed.exit_code == 0
    assert not meta.exists()
    assert json.loads(status(cli, digest_dir, "--today", DAY, "--json").out)["warnings"] == []


def test_a_clean_day_adds_no_meta_file(published: Path) -> None:
    names = sorted(p.name for p in (published / "data").iterdir())
    assert names == ["2025-10-15.jsonl", f"{DAY}.jsonl", "counts.json"]  # counts.json: every day's counts


def test_a_corrupt_meta_file_is_an_error_naming_it(published: Path, cli: Cli) -> None:
    meta = published / "data" / f"{DAY}.meta.json"
    meta.write_text("{not json", encoding="utf-8")
    result = status(cli, published, "--today", DAY)
    assert result.exit_code == 1
    assert f"{meta}: not a day's metadata file" in result.err


def test_read_status_library_call(published: Path) -> None:
    report = read_status(published, today=dt.date(2026, 7, 2))
    assert report.last_day == dt.date(2026, 6, 30)
    assert report.missing == (dt.date(2026, 7, 1), dt.date(2026, 7, 2))
    assert report.topics is None  # no config given to the library call
    assert not report.is_stale


def test_a_failed_delivery_of_the_last_day_is_a_warning(
    published: Path, arxiv_env: FakeArxiv, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("HOOK", f"http://127.0.0.1:{port}/hook/s3cret")
    config = published / "config.yml"
    config.write_text(
        config.read_text(encoding="utf-8")
        + "notify:\n  attempts: 1\n  webhooks:\n    - {url: '${HOOK}', format: json}\n",
        encoding="utf-8",
    )
    assert run(cli, published).exit_code == 1  # the pages were there already; the delivery failed
    report = json.loads(status(cli, published, "--today", DAY, "--json").out)
    (warning,) = report["warnings"]
    assert warning.startswith(f"{DAY}: delivery to webhook 1 (json) failed (")
    assert warning.endswith("); run the day again to retry it") and "s3cret" not in warning
