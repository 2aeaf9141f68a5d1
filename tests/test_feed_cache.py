"""The feeds' days a run keeps in ``.arxiv-digest/feed-days/`` (issue #15, ``jobs/_feed_cache.py``): a run
that takes them publishes the bytes a fresh clone (no database, nothing kept) publishes, on a day that
closes a week too; a kept day whose snapshot, window, config or code changed is not taken, and a kept
file that is damaged is made again. Real days of the shared history, served by the fake arXiv."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from lxml import etree

from arxiv_digest.config import load_config
from arxiv_digest.jobs import _feed_cache, _manifest
from arxiv_digest.jobs.daily import run_daily
from arxiv_digest.jobs.rebuild import rebuild
from arxiv_digest.models import Digest, Paper
from arxiv_digest.render import feeds
from arxiv_digest.store import snapshot
from tests import history_days
from tests.fakearxiv import FakeArxiv

STORED = ("2025-06-02", "2025-06-18")  # written as a history, rebuilt
FIRST, SECOND, CLOSING = "2025-06-19", "2025-06-22", "2025-06-23"  # 06-23's run closes 2025-W25
PER_DAY = 40


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("kept") / "digest"
    out.mkdir()
    shutil.copy(Path(__file__).resolve().parent.parent / "src/arxiv_digest/scaffold/config.yml", out)
    history_days.write_days(out, history_days.days(*STORED, PER_DAY))
    rebuild(load_config(out / "config.yml"), out, jobs=1, today=dt.date(2025, 6, 18))
    return out


def _kept_dir(out: Path) -> Path:
    return out / _feed_cache.FOLDER


def _run(out: Path, day: str, *, fresh: bool = False) -> None:
    """The run of ``day``; ``fresh``: as a fresh clone has the folder (no ``.arxiv-digest/``)."""
    if fresh:
        shutil.rmtree(out / ".arxiv-digest", ignore_errors=True)
    records = history_days.days(day, day, PER_DAY)[day]
    with FakeArxiv() as fake, pytest.MonkeyPatch.context() as env:
        fake.point(env, delay="0")
        fake.day = dt.date.fromisoformat(day)
        fake.records = history_days.as_feed_records(records)
        result = run_daily(load_config(out / "config.yml"), out, today=fake.day, sleep=lambda s: None)
    assert result.day == fake.day


def _published(out: Path) -> dict[str, bytes]:
    return {
        p.relative_to(out).as_posix(): p.read_bytes()
        for p in sorted(out.rglob("*"))
        if p.is_file() and ".arxiv-digest" not in p.relative_to(out).parts
    }


def _same(a: Path, b: Path) -> None:
    left, right = _published(a), _published(b)
    assert sorted(left) == sorted(right)
    differ = [k for k in left if left[k] != right[k]]
    assert differ == []


@pytest.fixture
def built(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[dt.date]]:
    """The days whose feed part a run made (not taken as kept)."""
    made: list[dt.date] = []
    keep = _feed_cache.FeedDays.keep

    def spy(self: _feed_cache.FeedDays, digest: Digest) -> _feed_cache.KeptDay:
        made.append(digest.day)
        return keep(self, digest)

    monkeypatch.setattr(_feed_cache.FeedDays, "keep", spy)
    yield made


def test_a_run_taking_kept_days_publishes_what_a_fresh_clone_does(
    history: Path, tmp_path: Path, built: list[dt.date]
) -> None:
    warm, fresh = tmp_path / "warm", tmp_path / "fresh"
    shutil.copytree(history, warm)
    shutil.copytree(history, fresh)
    for day in (FIRST, SECOND, CLOSING):
        built.clear()
        _run(warm, day)
        if day != FIRST:  # the rebuild kept nothing; after the first run only the new day is made
            assert built == [dt.date.fromisoformat(day)]
        _run(fresh, day, fresh=True)
        _same(warm, fresh)
    assert (warm / "weekly" / "2025-W25.md").is_file()  # 06-23's run closed the week, from kept days
    kept = sorted(p.stem for p in _kept_dir(warm).glob("*.json"))
    assert len(kept) == load_config(warm / "config.yml").feed_days and kept[-1] == CLOSING  # others gone


def _warm_after_first(history: Path, tmp_path: Path) -> tuple[Path, Path]:
    warm, fresh = tmp_path / "warm", tmp_path / "fresh"
    shutil.copytree(history, warm)
    _run(warm, FIRST)
    shutil.copytree(warm, fresh)
    assert len(list(_kept_dir(warm).glob("*.json"))) > 1
    return warm, fresh


def test_a_changed_config_is_not_answered_from_kept_days(
    history: Path, tmp_path: Path, built: list[dt.date]
) -> None:
    warm, fresh = _warm_after_first(history, tmp_path)
    for out in (warm, fresh):
        config = out / "config.yml"
        text = config.read_text(encoding="utf-8")
        config.unlink()  # a copy may share the file with the history
        config.write_text(text.replace("keywords:", "keywords:\n      - Bayesian", 1), encoding="utf-8")
    built.clear()
    _run(warm, SECOND)
    assert len(built) == load_config(warm / "config.yml").feed_days  # every feed day made again
    _run(fresh, SECOND, fresh=True)
    _same(warm, fresh)


def test_a_changed_snapshot_is_not_answered_from_its_kept_day(
    history: Path, tmp_path: Path, built: list[dt.date]
) -> None:
    warm, fresh = _warm_after_first(history, tmp_path)
    changed = "2025-06-18"
    for out in (warm, fresh):
        path = out / "data" / f"{changed}.jsonl"
        lines = path.read_bytes().splitlines(keepends=True)
        path.unlink()
        path.write_bytes(b"".join(lines[5:]))  # five papers fewer
    built.clear()
    _run(warm, SECOND)
    assert dt.date.fromisoformat(changed) in built
    _run(fresh, SECOND, fresh=True)
    _same(warm, fresh)


def test_other_code_does_not_take_kept_days(
    history: Path, tmp_path: Path, built: list[dt.date], monkeypatch: pytest.MonkeyPatch
) -> None:
    warm, _ = _warm_after_first(history, tmp_path)
    monkeypatch.setattr(_manifest, "code_key", lambda: "another version")
    built.clear()
    _run(warm, SECOND)
    assert len(built) == load_config(warm / "config.yml").feed_days


@pytest.mark.parametrize("damage", [b"{not json", b'{"format": 1, "key": 3}', b"[]", b""])
def test_a_damaged_kept_day_is_made_again(
    history: Path, tmp_path: Path, built: list[dt.date], damage: bytes
) -> None:
    warm, fresh = _warm_after_first(history, tmp_path)
    victim = _kept_dir(warm) / "2025-06-17.json"
    victim.write_bytes(damage)
    built.clear()
    _run(warm, SECOND)
    assert dt.date(2025, 6, 17) in built
    assert victim.read_bytes().startswith(b'{"format":1')  # written again, whole
    _run(fresh, SECOND, fresh=True)
    _same(warm, fresh)


def test_a_kept_day_whose_key_matches_but_whose_entries_do_not_is_made_again(
    history: Path, tmp_path: Path, built: list[dt.date]
) -> None:
    warm, fresh = _warm_after_first(history, tmp_path)
    victim = _kept_dir(warm) / "2025-06-17.json"
    victim.write_bytes(victim.read_bytes().replace(b'"entries":{"', b'"entries":{"x', 1))
    built.clear()
    _run(warm, SECOND)
    assert dt.date(2025, 6, 17) in built
    _run(fresh, SECOND, fresh=True)
    _same(warm, fresh)


def test_a_feed_made_from_entries_is_the_document_lxml_writes_whole(history: Path) -> None:
    """The feeds are put together from each entry's bytes (so that a day's can be kept); the result is
    byte for byte the whole tree serialised in one piece, as the feeds were written before."""
    config = load_config(history / "config.yml")
    papers = [p for day in ("2025-06-17", "2025-06-18") for p in _papers(history, day)]
    args = {"slug": "all", "title": "T <&> ]]>", "updated": dt.date(2025, 6, 19), "page": "x.html"}
    made = feeds.build_feed(config, papers=papers, **args)  # type: ignore[arg-type]
    whole = etree.fromstring(feeds.build_feed(config, papers=[], **args))  # type: ignore[arg-type]
    for p in papers:
        feeds._entry(whole, p)
    assert bytes(etree.tostring(whole, xml_declaration=True, encoding="utf-8")) == made
    assert made.count(b"<entry>") == len(papers) > 0


def _papers(out: Path, day: str) -> list[Paper]:
    return snapshot.loads(
        (out / "data" / f"{day}.jsonl").read_bytes(), source=day, day=dt.date.fromisoformat(day)
    )
