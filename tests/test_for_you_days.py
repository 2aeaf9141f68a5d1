"""The For-you feed covers the last ``feed_days`` days (issue #9), as every feed does, from each day's picks
kept in ``data/for_you/<day>.json``, never by ranking the older days again. Real days of the shared
history served one after another by the fake arXiv on 127.0.0.1 (``run_daily``, the job behind ``run``):
the first two without a library, the others with one."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from lxml import etree

from arxiv_digest.cli import main
from arxiv_digest.config import load_config
from arxiv_digest.errors import StoreError
from arxiv_digest.jobs import _for_you
from arxiv_digest.jobs.daily import RunResult, run_daily
from arxiv_digest.models import AnnounceType, Digest, ForYou, Paper, Pick
from arxiv_digest.store import picks
from tests import history_days
from tests.conftest import tree_state
from tests.fakearxiv import FakeArxiv
from tests.test_for_you import LIBRARY_BIB, picks_of

DAYS = ("2025-06-05", "2025-06-06", "2025-06-09", "2025-06-10", "2025-06-11")
PER_DAY = 120
ATOM = {"a": "http://www.w3.org/2005/Atom"}


@dataclass
class Runs:
    out: Path
    fake: FakeArxiv
    records: dict[str, list[dict[str, object]]]
    ranked: list[dt.date]  # the days the last run ranked

    def run(self, day: str, out: Path | None = None) -> RunResult:
        self.fake.day = dt.date.fromisoformat(day)
        self.fake.records = history_days.as_feed_records(self.records[day])
        folder = out or self.out
        self.ranked.clear()
        return run_daily(
            load_config(folder / "config.yml"), folder, today=self.fake.day, sleep=lambda s: None
        )


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runs]:
    records = {d: r for d, r in history_days.days(DAYS[0], DAYS[-1], PER_DAY).items() if d in DAYS}
    assert tuple(records) == DAYS
    out = tmp_path_factory.mktemp("for-you-days") / "digest"
    assert main(["--quiet", "init", str(out)]) == 0
    with FakeArxiv() as fake, pytest.MonkeyPatch.context() as env:
        fake.point(env, delay="0")
        state = Runs(out, fake, records, [])
        for_you = _for_you.Ranker.for_you

        def counted(self: _for_you.Ranker, digest: Digest) -> ForYou | None:
            state.ranked.append(digest.day)
            return for_you(self, digest)

        env.setattr(_for_you.Ranker, "for_you", counted)
        for day in DAYS[:2]:  # no library yet: no picks, no For-you feed
            state.run(day)
            assert not (out / "data" / "for_you").exists() and not (out / "site/feeds/for-you.xml").exists()
        (out / "library.bib").write_text(LIBRARY_BIB, encoding="utf-8")
        config = out / "config.yml"
        config.write_text(config.read_text(encoding="utf-8") + "\nlibrary:\n  bibtex: [library.bib]\n")
        for day in DAYS[2:]:
            result = state.run(day)
            assert result.digest is not None and result.digest.for_you is not None
        yield state


def kept(out: Path, day: str) -> list[str]:
    record = json.loads((out / "data" / "for_you" / f"{day}.json").read_text(encoding="utf-8"))
    assert record["day"] == day
    assert [p["rank"] for p in record["picks"]] == list(range(1, len(record["picks"]) + 1))
    assert all(p["reasons"][-1].startswith("like: ") and p["version"] >= 1 for p in record["picks"])
    return [p["id"] for p in record["picks"]]


def feed_ids(out: Path) -> list[str]:
    feed = etree.fromstring((out / "site" / "feeds" / "for-you.xml").read_bytes())
    return [str(e.text).removeprefix("https://arxiv.org/abs/") for e in feed.findall("a:entry/a:id", ATOM)]


def expected_feed(out: Path, days: tuple[str, ...]) -> list[str]:
    """Newest day first, best first within a day, a paper picked on two days once."""
    ids: dict[str, None] = {}
    for day in reversed(days):
        ids.update((i, None) for i in kept(out, day) if i not in ids)
    return list(ids)


def test_the_feed_lists_every_recent_day_s_picks_from_their_files(runs: Runs) -> None:
    out = runs.out
    # Each ranked day's picks are kept, as its For-you page lists them: the days run with a library, and
    # the day before the first of them (its pages, which link to the next day, were staged again then).
    # The first day has none, in the feed's days too.
    assert sorted(p.name for p in (out / "data" / "for_you").iterdir()) == [f"{d}.json" for d in DAYS[1:]]
    for day in DAYS[1:]:
        page = (out / "archive" / day / "for_you.md").read_text(encoding="utf-8")
        assert kept(out, day) == picks_of(page) and len(picks_of(page)) == 20
    assert not (out / "archive" / DAYS[0] / "for_you.md").exists()
    ids = feed_ids(out)
    assert ids == expected_feed(out, DAYS[1:])
    assert set(kept(out, DAYS[1])) - set(kept(out, DAYS[-1])) <= set(ids)  # the oldest day's are there
    assert len(ids) > 20
    # The last run ranked its own day alone: the day before (whose pages link to it, staged again) kept
    # the picks it published, and the feed's days are read from their files.
    assert runs.ranked == [dt.date.fromisoformat(DAYS[-1])]


def test_a_rerun_changes_nothing_and_a_fresh_clone_publishes_the_same_bytes(
    runs: Runs, tmp_path: Path
) -> None:
    state = tree_state(runs.out)
    fresh = tmp_path / "fresh"
    shutil.copytree(runs.out, fresh, ignore=shutil.ignore_patterns(".arxiv-digest"))
    result = runs.run(DAYS[-1])
    assert result.written == 0 and tree_state(runs.out) == state
    runs.run(DAYS[-1], out=fresh)  # no database, no model cache: GitHub Actions
    assert tree_state(fresh) == state


def test_an_unreadable_picks_file_leaves_its_day_out_with_a_warning(
    runs: Runs, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    out = tmp_path / "damaged"
    shutil.copytree(runs.out, out)
    (out / "data" / "for_you" / f"{DAYS[1]}.json").write_text("{not json", encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="arxiv_digest"):
        result = runs.run(DAYS[-1], out=out)
    assert result.delivery is not None and not result.delivery.failed
    assert feed_ids(out) == expected_feed(out, DAYS[2:])
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any(f"data/for_you/{DAYS[1]}.json: not a day's For-you picks file" in w for w in warnings)


def test_a_rebuild_keeps_every_day_s_picks_and_the_feed_reads_them(runs: Runs, tmp_path: Path) -> None:
    out = tmp_path / "rebuilt"
    shutil.copytree(runs.out, out)
    shutil.rmtree(out / "data" / "for_you")
    assert main(["--quiet", "rebuild", "--config", str(out / "config.yml"), "--out", str(out)]) == 0
    # The library now ranks every stored day, the first one too.
    assert sorted(p.name for p in (out / "data" / "for_you").iterdir()) == [f"{d}.json" for d in DAYS]
    for day in DAYS:
        assert kept(out, day) == picks_of((out / "archive" / day / "for_you.md").read_text(encoding="utf-8"))
    assert feed_ids(out) == expected_feed(out, DAYS)
    state = tree_state(out)
    assert main(["--quiet", "rebuild", "--config", str(out / "config.yml"), "--out", str(out)]) == 0
    assert tree_state(out) == state
    # Ranking turned off: the kept picks go with the For-you pages and the feed.
    config = out / "config.yml"
    config.write_text(config.read_text(encoding="utf-8") + "rank:\n  top: 0\n", encoding="utf-8")
    assert main(["--quiet", "rebuild", "--config", str(config), "--out", str(out)]) == 0
    assert not list((out / "data" / "for_you").glob("*.json"))
    assert not (out / "site" / "feeds" / "for-you.xml").exists()


def test_without_the_library_the_next_run_takes_the_day_before_s_for_you_part_away(
    runs: Runs, tmp_path: Path
) -> None:
    out = tmp_path / "unranked"
    shutil.copytree(runs.out, out)
    config = out / "config.yml"
    config.write_text(config.read_text(encoding="utf-8").split("\nlibrary:")[0] + "\n", encoding="utf-8")
    # The day before keeps its For-you page but lost its picks file (a version that kept none, say).
    before = DAYS[-2]
    (out / "data" / "for_you" / f"{before}.json").unlink()
    runs.run(DAYS[-1], out=out)
    for day in (before, DAYS[-1]):
        assert not (out / "archive" / day / "for_you.md").exists(), day
        assert not (out / "data" / "for_you" / f"{day}.json").exists(), day
        assert not (out / "site" / "day" / day / "for-you.html").exists(), day
        assert "for_you.md" not in (out / "archive" / day / "README.md").read_text(encoding="utf-8")
    assert (out / "archive" / DAYS[-3] / "for_you.md").is_file()  # older days: as published


NEXT_DAY = "2025-06-12"


def _revised(runs: Runs, out: Path, of_day: str, count: int) -> tuple[list[str], RunResult]:
    """Run NEXT_DAY in ``out`` with v2 of ``of_day``'s best ``count`` picks among its announcements."""
    ids = kept(out, of_day)[:count]
    by_id = {str(r["id"]): r for r in runs.records[of_day]}
    runs.records[NEXT_DAY] = history_days.days(NEXT_DAY, NEXT_DAY, PER_DAY)[NEXT_DAY]
    runs.fake.replaced_from = history_days.as_feed_records([by_id[i] for i in ids])
    runs.fake.replaced_count = count
    try:
        return ids, runs.run(NEXT_DAY, out=out)
    finally:
        runs.fake.replaced_from, runs.fake.replaced_count = [], 0
        del runs.records[NEXT_DAY]


def test_a_paper_picked_lately_is_not_picked_again_when_revised(runs: Runs, tmp_path: Path) -> None:
    """As the topics keep a replacement of a paper they listed within `seen_days` out (issue #10), For
    you does not pick again a paper it picked lately: revised, it keeps its score but not a place."""
    out = tmp_path / "revised"
    shutil.copytree(runs.out, out)
    revised, result = _revised(runs, out, DAYS[-1], 5)
    assert result.digest is not None and result.digest.for_you is not None
    for_you = result.digest.for_you
    # The revisions the day lists (the feed serves those of its tracked categories) are scored, for
    # `order: relevance`, and would have been picked: each scores above the day's 20th pick.
    listed = [i for i in revised if i in for_you.scores]
    assert len(listed) >= 2
    assert len(for_you.picks) == 20 and not set(revised) & {p.paper.id for p in for_you.picks}
    assert min(for_you.scores[i] for i in listed) > for_you.picks[-1].score
    assert kept(out, NEXT_DAY) == [p.paper.id for p in for_you.picks]
    # A rebuild ranks every day again, oldest first, and keeps the rule (it ranks the days the runs
    # ranked without a library too, so its picks of the others may differ); a second changes nothing.
    assert main(["--quiet", "rebuild", "--config", str(out / "config.yml"), "--out", str(out)]) == 0
    picked: set[str] = set()  # every day is within `seen_days` (30) of the others
    for day in (*DAYS, NEXT_DAY):
        assert not picked & set(kept(out, day)), day
        picked |= set(kept(out, day))
    state = tree_state(out)
    assert main(["--quiet", "rebuild", "--config", str(out / "config.yml"), "--out", str(out)]) == 0
    assert tree_state(out) == state


def test_a_paper_picked_before_the_window_may_be_picked_again(runs: Runs, tmp_path: Path) -> None:
    """`seen_days: 0` keeps only the announcement day before in the window, as for the topics."""
    out = tmp_path / "window"
    shutil.copytree(runs.out, out)
    config = out / "config.yml"
    config.write_text(config.read_text(encoding="utf-8") + "seen_days: 0\n", encoding="utf-8")
    revised, result = _revised(runs, out, DAYS[-2], 5)  # picked two announcement days before
    assert result.digest is not None and result.digest.for_you is not None
    assert set(revised) & {p.paper.id for p in result.digest.for_you.picks}


def test_a_picks_file_reads_back_as_written_on_the_day_s_papers() -> None:
    day = dt.date(2026, 6, 30)
    papers = [
        Paper(id=f"2606.0000{i}", version=1 + i % 2, title=f"T{i}", authors=("A",), abstract="x",
              categories=("cs.CV",), announce_type=AnnounceType.NEW, announced=day)
        for i in range(1, 4)
    ]  # fmt: skip
    hostile = 'Ünïcode "quoted" </x> like: not a prefix'
    written = ForYou(
        day,
        (
            Pick(papers[2], 1, 2.5, ("gaussian splatting", "slam"), hostile),
            Pick(papers[0], 2, -0.125, (), "Plain"),
            Pick(papers[1], 3, 0.1, ("x",), "Y"),
        ),
    )
    content = picks.dumps(written)
    assert picks.dumps(picks.loads(content, papers, day=day, source="f")) == content  # the same bytes
    back = picks.loads(content, papers, day=day, source="f")
    assert [(p.paper, p.rank, p.score, p.terms, p.like) for p in back.picks] == [
        (p.paper, p.rank, p.score, p.terms, p.like) for p in written.picks
    ]
    # The day's snapshot fetched again with another version of a picked paper: that pick is left out.
    other = [papers[0], papers[1], dataclasses.replace(papers[2], version=3)]
    assert [p.paper.id for p in picks.loads(content, other, day=day, source="f").picks] == [
        papers[0].id,
        papers[1].id,
    ]
    with pytest.raises(StoreError, match="f: says day 2026-06-30, but the file is for 2026-07-01"):
        picks.loads(content, papers, day=day + dt.timedelta(days=1), source="f")
    with pytest.raises(StoreError, match="f: not a day's For-you picks file"):
        picks.loads(content.replace(b'"like: ', b'"lik: '), papers, day=day, source="f")
