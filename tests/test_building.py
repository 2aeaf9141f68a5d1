"""A database built whole (a rebuild with none in place): built beside its place and moved there only when
complete; what a failed or killed build leaves is removed, and no stale file of an older database meets the
new one."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import shutil
import sqlite3
from pathlib import Path

import pytest

from arxiv_digest.config import load_config
from arxiv_digest.errors import StoreError
from arxiv_digest.jobs.rebuild import PARALLEL_MIN_DAYS, rebuild
from arxiv_digest.output import layout
from arxiv_digest.store import Store, building, worker_store
from arxiv_digest.store import snapshot as snapshots
from tests.conftest import db_rows
from tests.sitebuild import DEMO, SCAFFOLD

STATE = ".arxiv-digest"


def _history(out: Path, days: int) -> list[dt.date]:
    """``days`` weekdays, each holding 40 of the demo day's papers under ids of its own."""
    papers = snapshots.loads(DEMO.read_bytes(), source="demo")[:40]
    (out / "data").mkdir(parents=True)
    shutil.copy(SCAFFOLD, out / "config.yml")
    made, day = [], dt.date(2026, 1, 5)
    for k in range(days):
        while day.weekday() >= 5:
            day += dt.timedelta(days=1)
        moved = [
            dataclasses.replace(p, announced=day, id=f"{day:%y%m}.{k * 100 + i:05d}")
            for i, p in enumerate(papers)
        ]
        (out / "data" / layout.snapshot_name(day)).write_bytes(snapshots.dumps(moved))
        made.append(day)
        day += dt.timedelta(days=1)
    return made


def _state(out: Path) -> list[str]:
    return sorted(p.name for p in (out / STATE).iterdir() if p.name != "lock")


def _sound(db: Path) -> tuple[str, str]:
    with contextlib.closing(sqlite3.connect(db)) as conn:
        return conn.execute("PRAGMA integrity_check").fetchone()[0], conn.execute(
            "PRAGMA journal_mode"
        ).fetchone()[0]


def test_a_log_left_by_a_deleted_database_is_not_replayed_onto_the_new_one(tmp_path: Path) -> None:
    """Someone deletes digest.db to have it rebuilt, but a killed run left its WAL log beside it. SQLite
    would replay that log onto whatever file next bears the name: the new database would hold the old
    one's last pages."""
    clean, out = tmp_path / "clean", tmp_path / "out"
    _history(clean, 3)
    _history(out, 3)
    config = load_config(out / "config.yml")
    rebuild(config, clean)
    rebuild(config, out)
    db = out / STATE / "digest.db"
    with contextlib.closing(sqlite3.connect(db, isolation_level=None)) as conn:
        conn.execute("PRAGMA wal_autocheckpoint = 0")  # keep the change in the log, as a killed run would
        conn.execute("DELETE FROM announcements WHERE rowid % 2 = 0")
        shutil.copy(db.with_name("digest.db-wal"), tmp_path / "stale-wal")
    db.unlink()
    shutil.copy(tmp_path / "stale-wal", db.with_name("digest.db-wal"))

    rebuild(config, out)
    assert _sound(db) == ("ok", "wal")
    assert db_rows(db) == db_rows(clean / STATE / "digest.db")


def test_what_a_killed_build_left_is_removed_first(tmp_path: Path) -> None:
    _history(tmp_path, 3)
    (tmp_path / STATE).mkdir()
    for name in (".digest.db.building", ".digest.db.building-journal"):
        (tmp_path / STATE / name).write_bytes(b"half of a database " * 100)
    result = rebuild(load_config(tmp_path / "config.yml"), tmp_path)
    assert result.days == 3
    # the finished rebuild's manifest, match cache and weekly elements (issue #15); no leftover
    assert _state(tmp_path) == sorted(
        ["digest.db", "manifest.json", "match-cache.json", "week-elements.json"]
    )
    assert _sound(tmp_path / STATE / "digest.db") == ("ok", "wal")


def test_a_failed_build_leaves_nothing_behind(tmp_path: Path) -> None:
    days = _history(tmp_path, PARALLEL_MIN_DAYS + 1)
    victim = tmp_path / "data" / layout.snapshot_name(days[-3])
    victim.write_bytes(victim.read_bytes().replace(b'"title"', b'"titel"', 1))
    with pytest.raises(StoreError, match="bad paper record: missing field 'title'"):
        rebuild(load_config(tmp_path / "config.yml"), tmp_path, jobs=2)  # workers, each with a file
    assert _state(tmp_path) == []  # neither the database being built nor the workers' folder


def test_workers_files_join_a_database_that_already_holds_days(tmp_path: Path) -> None:
    papers = snapshots.loads(DEMO.read_bytes(), source="demo")[:30]
    first, second = dt.date(2026, 6, 29), dt.date(2026, 6, 30)
    db = tmp_path / "digest.db"
    with building(db) as build:
        assert not db.exists()
        with build.store.transaction():
            build.store.replace_day(first, [dataclasses.replace(p, announced=first) for p in papers], "a")
        folder = build.worker_folder()
        worker = worker_store(folder)  # what a worker process opens
        with worker.transaction():
            worker.replace_day(second, [dataclasses.replace(p, announced=second) for p in papers], "b")
        worker.close()
        build.gather()
        assert not folder.exists()
        assert [(d.day, d.paper_count) for d in build.store.days()] == [(first, 30), (second, 30)]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["digest.db"]
    assert _sound(db) == ("ok", "wal")
    with Store.open(db) as store:
        assert [store.snapshot_sha(first), store.snapshot_sha(second)] == ["a", "b"]


def test_a_build_whose_block_raises_is_removed(tmp_path: Path) -> None:
    db = tmp_path / "digest.db"
    with pytest.raises(RuntimeError), building(db) as build:
        build.worker_folder()
        raise RuntimeError("the rebuild failed")
    assert list(tmp_path.iterdir()) == []
