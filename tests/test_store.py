"""The database mirrors data/*.jsonl: `sync` imports what changed, drops what is gone, and re-reads only the
files whose size, times or inode moved since it last looked."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import os
import sqlite3
from pathlib import Path

import pytest

from arxiv_digest.cli.history import REMOTE_MAX_PAGES
from arxiv_digest.jobs.remote import DEFAULT_MAX_PAGES
from arxiv_digest.jobs.search import search
from arxiv_digest.query import parse_query
from arxiv_digest.store import Store, open_store, read_store, snapshot
from tests.sitebuild import DEMO

DAYS = (dt.date(2026, 6, 29), dt.date(2026, 6, 30))


def _data(root: Path) -> Path:
    papers = snapshot.loads(DEMO.read_bytes(), source="demo")[:40]
    data = root / "data"
    data.mkdir()
    for day in DAYS:
        day_papers = [dataclasses.replace(p, announced=day) for p in papers]
        (data / f"{day}.jsonl").write_bytes(snapshot.dumps(day_papers))
    return data


def _reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    seen: list[str] = []
    original = Path.read_bytes

    def counting(self: Path) -> bytes:
        seen.append(self.name)
        return original(self)

    monkeypatch.setattr(Path, "read_bytes", counting)
    return seen


def test_sync_reads_only_the_files_that_changed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = _data(tmp_path)
    db = tmp_path / "digest.db"
    open_store(db, data).close()
    reads = _reads(monkeypatch)
    with open_store(db, data) as store:  # nothing changed: no file read, nothing imported
        assert reads == []
        assert [d.day for d in store.days()] == list(DAYS)
    first = data / f"{DAYS[0]}.jsonl"
    os.utime(first, ns=(first.stat().st_atime_ns, first.stat().st_mtime_ns + 1_000_000))  # touched
    with open_store(db, data) as store:
        assert reads == [first.name]  # read and hashed again: same bytes, so not imported
        report = store.sync(data)
        assert report.imported == () and reads == [first.name]  # and recorded: not read a third time


def test_sync_imports_an_edited_day_and_drops_a_deleted_one(tmp_path: Path) -> None:
    data = _data(tmp_path)
    db = tmp_path / "digest.db"
    open_store(db, data).close()
    edited = data / f"{DAYS[1]}.jsonl"
    lines = edited.read_text(encoding="utf-8").splitlines()
    victim = snapshot.loads(edited.read_bytes(), source="x")[0]
    lines[0] = lines[0].replace(victim.title.replace('"', '\\"'), "A corrected title")
    edited.write_text("\n".join(lines) + "\n", encoding="utf-8")
    (data / f"{DAYS[0]}.jsonl").unlink()
    with open_store(db, data) as store:
        assert [d.day for d in store.days()] == [DAYS[1]]
        titles = {p.id: p.title for p in store.papers_for_day(DAYS[1])}
        assert titles[victim.id] == "A corrected title"


def test_the_command_line_default_for_remote_pages_is_the_library_default() -> None:
    assert REMOTE_MAX_PAGES == DEFAULT_MAX_PAGES


def test_a_stored_text_that_is_not_utf8_met_by_a_search_is_damage(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Once the search index is built, a search reads the papers it proposes through it: a title whose
    page was overwritten (not UTF-8, which we never store) is damage there too, so the database is moved
    aside and rebuilt from data/ and the search answers, rather than failing on "the search index"."""
    data = _data(tmp_path)
    db = tmp_path / "digest.db"

    def titles(store: Store) -> list[str]:
        return [r.paper.title for r in search(store, parse_query("model OR agents"))]

    with open_store(db, data) as store:
        expected = titles(store)  # (and the index is built)
    assert len(expected) > 5
    with contextlib.closing(sqlite3.connect(db)) as conn, conn:
        overwritten = "UPDATE announcements SET title = CAST(x'c328ff' AS TEXT) WHERE title = ?"
        conn.execute(overwritten, (expected[0],))
    assert read_store(db, data, titles) == expected
    assert "the database is damaged (a stored text is not UTF-8 in column 'title')" in caplog.text
    assert db.with_name("digest.db.corrupt").is_file()


def test_one_transaction_commits_whole_or_not_at_all(tmp_path: Path) -> None:
    """`store.transaction()`: a block inside another is part of it; an exception anywhere rolls back all."""
    papers = snapshot.loads(DEMO.read_bytes(), source="demo")[:5]
    db = tmp_path / "digest.db"

    def write(store: Store, *, fail: bool) -> None:
        with store.transaction():
            store.replace_day(DAYS[0], [dataclasses.replace(p, announced=DAYS[0]) for p in papers], "a")
            with store.transaction():
                store.replace_day(DAYS[1], [dataclasses.replace(p, announced=DAYS[1]) for p in papers], "b")
            if fail:
                raise KeyboardInterrupt  # not only errors: a ^C mid-run too

    with Store.open(db) as store:
        with pytest.raises(KeyboardInterrupt):
            write(store, fail=True)
        assert store.days() == []
        write(store, fail=False)
    with Store.open(db) as store:  # and committed: another connection sees it
        assert [(d.day, d.paper_count) for d in store.days()] == [(DAYS[0], 5), (DAYS[1], 5)]
