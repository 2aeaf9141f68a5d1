"""For you on a fresh clone (issues #9 and #12): with a `library:`, a run on a clone without a database
(GitHub Actions) imports only the days a run without a library imports, reads no snapshot but those and its
model's corpus window, and publishes the same bytes as a run with a warm database and a cached model."""

from __future__ import annotations

import dataclasses
import datetime as dt
import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from arxiv_digest.config import load_config
from arxiv_digest.jobs import _for_you, _reads
from arxiv_digest.output import layout
from arxiv_digest.rank import Settings
from arxiv_digest.store import snapshot
from tests.conftest import CliResult, tree_state
from tests.fakearxiv import FakeArxiv
from tests.sitebuild import DEMO
from tests.test_for_you import LIBRARY_BIB

Cli = Callable[..., CliResult]
DAY = dt.date(2026, 6, 30)  # what the fake arXiv announces
HISTORY = 24  # weekdays before DAY, each a slice of the demo day's real papers moved to that day
STATE = ".arxiv-digest"
#: The corpus a model learns from, made small enough here that its window is a few of the history's days.
BACKGROUND = 150


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


def _stored_days(db: Path) -> list[dt.date]:
    with sqlite3.connect(db) as conn:
        return [dt.date.fromisoformat(row[0]) for row in conn.execute("SELECT day FROM days ORDER BY day")]


def _clone(source: Path, target: Path, *, state: bool) -> Path:
    shutil.copytree(source, target, ignore=None if state else shutil.ignore_patterns(STATE))
    (target / STATE / "lock").unlink(missing_ok=True)
    return target


@pytest.fixture
def published(cli: Cli, digest_dir: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, list[dt.date]]:
    """A digest folder with a library and HISTORY days rebuilt (pages, database, the model's cache)."""
    monkeypatch.setattr(_for_you, "Settings", lambda: Settings(max_background=BACKGROUND))
    (digest_dir / "data").mkdir(exist_ok=True)
    (digest_dir / "library.bib").write_text(LIBRARY_BIB, encoding="utf-8")
    config = digest_dir / "config.yml"
    # seen_days: 0 keeps the run's reads to issue #12's (test_fresh_clone.py says why).
    text = config.read_text(encoding="utf-8") + "seen_days: 0\nlibrary:\n  bibtex: [library.bib]\n"
    config.write_text(text, encoding="utf-8")
    days = _history(digest_dir)
    result = cli("rebuild", "--config", config, "--out", digest_dir)
    assert result.exit_code == 0, result.err
    return digest_dir, days


def test_a_fresh_clone_with_a_library_publishes_what_a_warm_one_does_reading_only_what_it_needs(
    arxiv_env: FakeArxiv,
    cli: Cli,
    published: tuple[Path, list[dt.date]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    source, days = published
    config = load_config(source / "config.yml")
    history = [*days, DAY]
    # The model's corpus: the newest days up to the period's start holding BACKGROUND papers, a few days.
    start = corpus_start = _for_you.corpus_period(history)
    assert start is not None
    window = [d for d, _ in _for_you.corpus_window(history, start, _read(source), BACKGROUND)]
    needed = _reads.needed_days(config, history, DAY)
    assert 2 <= len(window) < HISTORY // 2 and set(window) <= needed
    assert config.library is not None and len(needed) < len(history) // 2  # a library adds no day

    warm = _clone(source, tmp_path / "warm", state=True)
    fresh = _clone(source, tmp_path / "fresh", state=False)
    damaged = _clone(source, tmp_path / "damaged", state=False)
    # Every snapshot the run should not read is garbage of the same size: a run that read one would fail
    # on it, or (the model's corpus) rank without it and publish other bytes.
    spoiled = [d for d in days if d not in needed]
    for day in spoiled:
        path = damaged / "data" / layout.snapshot_name(day)
        path.write_bytes(b"#" * path.stat().st_size)
    read: list[dt.date] = []
    reader = _for_you._Read.__call__

    def counted(self: _for_you._Read, day: dt.date) -> bytes:
        read.append(day)
        return reader(self, day)

    monkeypatch.setattr(_for_you._Read, "__call__", counted)
    for folder in (warm, fresh, damaged):
        read.clear()
        result = cli("run", "--config", folder / "config.yml", "--out", folder)
        assert result.exit_code == 0, result.err
        assert "For you: skipped" not in result.err
        assert set(read) <= set(window), folder.name  # the day itself is the run's own, not read back

    expected = tree_state(warm)
    assert "for_you.md" in expected and "site/feeds/for-you.xml" in expected
    assert tree_state(fresh) == expected
    names = {f"data/{layout.snapshot_name(d)}" for d in spoiled}
    assert {k: v for k, v in tree_state(damaged).items() if k not in names} == {
        k: v for k, v in expected.items() if k not in names
    }
    # The clones imported the days a run reads, not the history; the warm one holds it all.
    assert _stored_days(fresh / STATE / "digest.db") == sorted(needed)
    assert _stored_days(damaged / STATE / "digest.db") == sorted(needed)
    assert _stored_days(warm / STATE / "digest.db") == history
    # The same corpus, the same model: fitted on the fresh clones, loaded from its cache on the warm one.
    models = [sorted(p.name for p in (f / STATE / "rank").glob("*.npz")) for f in (warm, fresh, damaged)]
    assert models[0] == models[1] == models[2] and len(models[0]) == 1
    assert corpus_start == days[-1]  # DAY did not begin a period: the rebuild's model served the run


def _read(folder: Path) -> Callable[[dt.date], bytes]:
    return lambda day: (folder / "data" / layout.snapshot_name(day)).read_bytes()
