"""A daily run reads only the days it needs (issue #12): on a fresh clone (no database, as on GitHub
Actions) it imports the day's snapshot and its neighbours' and takes every other day's counts from
data/counts.json, and it publishes the same bytes as a run with a warm database. A command that needs the
whole history (search) still imports all of it."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from arxiv_digest.jobs.search import search
from arxiv_digest.output import layout
from arxiv_digest.query import parse_query
from arxiv_digest.store import Store, snapshot
from tests.conftest import CliResult, tree_state
from tests.fakearxiv import FakeArxiv
from tests.sitebuild import DEMO

Cli = Callable[..., CliResult]
DAY = dt.date(2026, 6, 30)  # what the fake arXiv announces
HISTORY = 24  # weekdays before DAY, each a slice of the demo day's real papers moved to that day
STATE = ".arxiv-digest"


def _history(digest: Path) -> list[dt.date]:
    papers = snapshot.loads(DEMO.read_bytes(), source="demo")
    days: list[dt.date] = []
    day = DAY
    while len(days) < HISTORY:
        day -= dt.timedelta(days=1)
        if day.weekday() < 5:
            days.append(day)
    days.reverse()
    for i, day in enumerate(days):
        chosen = papers[(i * 13) % 200 : (i * 13) % 200 + 25 + i]
        moved = [dataclasses.replace(p, announced=day) for p in chosen]
        (digest / "data" / layout.snapshot_name(day)).write_bytes(snapshot.dumps(moved))
    return days


def _stored_days(db: Path) -> list[str]:
    with sqlite3.connect(db) as conn:
        return [row[0] for row in conn.execute("SELECT day FROM days ORDER BY day")]


@pytest.fixture
def published(cli: Cli, digest_dir: Path) -> tuple[Path, list[dt.date]]:
    """A digest folder with HISTORY days rebuilt (pages, database, data/counts.json)."""
    (digest_dir / "data").mkdir(exist_ok=True)
    # Papers already shown (issue #10) read each built day's `seen_days` window back (30 days by default,
    # nearly all of this history): with 0 a day reads back to the previous announcement day only, which
    # leaves the reads issue #12 counts on here (the window's own reads are tested in test_seen.py).
    config = digest_dir / "config.yml"
    config.write_text(config.read_text(encoding="utf-8") + "seen_days: 0\n", encoding="utf-8")
    days = _history(digest_dir)
    result = cli("rebuild", "--config", digest_dir / "config.yml", "--out", digest_dir)
    assert result.exit_code == 0, result.err
    return digest_dir, days


def _clone(source: Path, target: Path, *, database: bool) -> Path:
    shutil.copytree(source, target, ignore=None if database else shutil.ignore_patterns(STATE))
    (target / STATE / "lock").unlink(missing_ok=True)
    return target


def _run(cli: Cli, digest: Path) -> None:
    result = cli("run", "--config", digest / "config.yml", "--out", digest)
    assert result.exit_code == 0, result.err


def test_a_fresh_clone_publishes_what_a_warm_database_does_reading_only_the_days_it_needs(
    arxiv_env: FakeArxiv, cli: Cli, published: tuple[Path, list[dt.date]], tmp_path: Path
) -> None:
    source, days = published
    warm = _clone(source, tmp_path / "warm", database=True)
    fresh = _clone(source, tmp_path / "fresh", database=False)
    damaged = _clone(source, tmp_path / "damaged", database=False)
    # Every snapshot but the last ten (the plausibility check's ten, the feeds' seven, the neighbour)
    # is garbage of the same size: a run that read one would fail on it.
    spoiled = days[:-10]
    for day in spoiled:
        path = damaged / "data" / layout.snapshot_name(day)
        path.write_bytes(b"#" * path.stat().st_size)

    for folder in (warm, fresh, damaged):
        _run(cli, folder)

    expected = tree_state(warm)
    assert tree_state(fresh) == expected
    spoiled_names = {f"data/{layout.snapshot_name(d)}" for d in spoiled}
    assert {k: v for k, v in tree_state(damaged).items() if k not in spoiled_names} == {
        k: v for k, v in expected.items() if k not in spoiled_names
    }
    # The archive lists every day, with the counts the snapshots give.
    archive = (fresh / "archive" / "README.md").read_text(encoding="utf-8")
    assert all(f"[{d}]" in archive for d in [*days, DAY])
    # The fresh clones imported the day and the days it reads, not the history.
    needed = [d.isoformat() for d in days[-10:]] + [DAY.isoformat()]
    assert _stored_days(fresh / STATE / "digest.db") == needed
    assert _stored_days(damaged / STATE / "digest.db") == needed
    assert len(_stored_days(warm / STATE / "digest.db")) == HISTORY + 1

    # A command that needs the whole history imports the rest; on the damaged clone it names the file.
    found = cli("search", "--out", fresh, "--limit", "3", "learning")
    assert found.exit_code == 0, found.err
    assert _stored_days(fresh / STATE / "digest.db") == [d.isoformat() for d in [*days, DAY]]
    refused = cli("search", "--out", damaged, "--limit", "3", "learning")
    assert refused.exit_code != 0
    assert layout.snapshot_name(spoiled[0]) in refused.err


def test_counts_json_is_trusted_only_for_its_rule_and_the_snapshot_size_it_saw(
    arxiv_env: FakeArxiv, cli: Cli, published: tuple[Path, list[dt.date]], tmp_path: Path
) -> None:
    """An edited snapshot (another size) is counted again on a fresh clone: the archive pages and the file
    agree with a rebuild from scratch (which re-renders the edited day's own pages too)."""
    source, days = published
    edited = source / "data" / layout.snapshot_name(days[2])
    kept = snapshot.loads(edited.read_bytes(), source="x")[:5]
    edited.write_bytes(snapshot.dumps(kept))
    fresh = _clone(source, tmp_path / "fresh", database=False)
    _run(cli, fresh)
    ledger = json.loads((fresh / "data" / "counts.json").read_text(encoding="utf-8"))
    entry = next(e for e in ledger["days"] if e[0] == days[2].isoformat())
    assert entry[1] == edited.stat().st_size and sum(entry[2:]) <= 5

    spanning = ("archive/README.md", "site/archive.html", "data/counts.json")
    state = {k: v for k, v in tree_state(fresh).items() if k in spanning}
    assert len(state) == len(spanning)
    shutil.rmtree(fresh / STATE)
    (fresh / "data" / "counts.json").unlink()
    result = cli("rebuild", "--config", fresh / "config.yml", "--out", fresh)
    assert result.exit_code == 0, result.err
    assert {k: v for k, v in tree_state(fresh).items() if k in spanning} == state


def test_a_run_into_a_built_search_index_publishes_the_same_bytes_and_the_index_finds_the_day(
    arxiv_env: FakeArxiv, cli: Cli, published: tuple[Path, list[dt.date]], tmp_path: Path
) -> None:
    """Issue #15: the run tops up a built search index (the day's rows only, in the run's transaction):
    its pages are a fresh clone's, and the next search finds the day's papers as a scan of every row does,
    with nothing left to index."""
    source, _days = published
    indexed = _clone(source, tmp_path / "indexed", database=True)
    fresh = _clone(source, tmp_path / "fresh", database=False)
    built = cli("search", "--out", indexed, "--limit", "1", "learning")  # the first search builds it
    assert built.exit_code == 0, built.err
    for folder in (indexed, fresh):
        _run(cli, folder)
    assert tree_state(indexed) == tree_state(fresh)

    with Store.open(indexed / STATE / "digest.db") as store:
        assert store.ensure_search_index() == 0  # nothing left for the next search to index
        day_ids = {p.id for p in store.papers_for_day(DAY)}
        for text in ("learning", "model ANDNOT learning", '"language model"'):
            query = parse_query(text)
            found = search(store, query, date_from=DAY, date_to=DAY, limit=1000)
            assert found == search(store, query, date_from=DAY, date_to=DAY, limit=1000, use_index=False)
            assert found and {r.paper.id for r in found} <= day_ids
