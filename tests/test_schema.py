"""The database schema across versions: a file left by any earlier arxiv-digest opens, migrated in place,
with its days, papers and search index intact; a file from a newer one is refused and left alone.

The fixtures below are the DDL each version created, copied from the releases that wrote them (the
``_MIGRATIONS`` strings of store/db.py before schema.py); they must never be edited, only added to.
"""

from __future__ import annotations

import collections
import contextlib
import dataclasses
import datetime as dt
import json
import re
import sqlite3
from pathlib import Path

import pytest

from arxiv_digest.errors import StoreError
from arxiv_digest.jobs.search import search
from arxiv_digest.models import Paper
from arxiv_digest.output import layout
from arxiv_digest.query import parse_query
from arxiv_digest.query.words import tokenize
from arxiv_digest.store import Store, announcement_rows, open_store, schema
from arxiv_digest.store import snapshot as snapshots
from arxiv_digest.store.rows import COLUMNS, first_rowid
from tests.sitebuild import DEMO

# -- the DDL of each past version, statement by statement ------------------------------------------------
V1 = (
    """CREATE TABLE days (
        day TEXT PRIMARY KEY,
        snapshot_sha256 TEXT NOT NULL,
        paper_count INTEGER NOT NULL
    )""",
    """CREATE TABLE announcements (
        day TEXT NOT NULL REFERENCES days(day) ON DELETE CASCADE,
        id TEXT NOT NULL,
        version INTEGER NOT NULL,
        announce_type TEXT NOT NULL,
        title TEXT NOT NULL,
        authors TEXT NOT NULL,
        abstract TEXT NOT NULL,
        categories TEXT NOT NULL,
        comment TEXT,
        journal_ref TEXT,
        doi TEXT,
        license TEXT,
        PRIMARY KEY (day, id)
    )""",
    "CREATE INDEX announcements_id ON announcements(id)",
)
V2 = (
    *V1,
    "CREATE VIRTUAL TABLE search_index USING fts5("
    "ti, abs, au, co, tokenize = 'unicode61 remove_diacritics 0')",
    "CREATE TABLE search_state (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
)
V3 = (
    *V2,
    """CREATE TABLE snapshot_files (
        day TEXT PRIMARY KEY REFERENCES days(day) ON DELETE CASCADE,
        size INTEGER NOT NULL,
        mtime_ns INTEGER NOT NULL,
        ctime_ns INTEGER NOT NULL,
        inode INTEGER NOT NULL
    )""",
)
V4 = (
    """CREATE TABLE days (
        day TEXT PRIMARY KEY,
        snapshot_sha256 TEXT NOT NULL,
        paper_count INTEGER NOT NULL,
        type_counts TEXT NOT NULL DEFAULT '{}'
    )""",
    *V3[1:-1],
    """CREATE TABLE snapshot_files (
        day TEXT PRIMARY KEY REFERENCES days(day) ON DELETE CASCADE,
        size INTEGER NOT NULL,
        mtime_ns INTEGER NOT NULL
    )""",
)
V5 = tuple(  # rowids numbered by day (rows.first_rowid); the search index contentless
    statement.replace("co, tokenize", "co, content = '', tokenize") for statement in V4
)
V6 = (  # each paper's facts (issue #10) and the search index's columns for has: and venue:
    V5[0],
    V5[1].replace("license TEXT,", "license TEXT,\n        facts TEXT,"),
    V5[2],
    "CREATE VIRTUAL TABLE search_index USING fts5("
    "ti, abs, au, co, hs, ve, content = '', tokenize = 'unicode61 remove_diacritics 0')",
    *V5[4:],
)
PAST = {1: V1, 2: V2, 3: V3, 4: V4, 5: V5, 6: V6}
#: The columns of the announcements table in each version (facts came in version 6).
ROW_COLUMNS = {1: 12, 2: 12, 3: 12, 4: 12, 5: 12, 6: 13}
DAY = dt.date(2026, 6, 30)
#: A word of the demo day's titles (search must find its papers in a migrated file).
WORD = "agents"


def index_words(text: str) -> str:
    """A field as the search index of every version so far stores it: the word rule's words, spaced."""
    return " ".join(tokenize(text))


def _papers() -> list[Paper]:
    papers = snapshots.loads(DEMO.read_bytes(), source="demo")[:60]
    return [dataclasses.replace(p, announced=DAY) for p in papers]


def _old_database(path: Path, version: int, data: Path) -> list[tuple[object, ...]]:
    """A database as version ``version`` left it, holding DAY as imported from ``data``'s snapshot (with a
    complete search index from version 2 on, and the file's stat from version 3 on); returns its rows."""
    papers = _papers()
    content = snapshots.dumps(papers)
    snapshot = data / layout.snapshot_name(DAY)
    snapshot.write_bytes(content)
    rows = [row[: ROW_COLUMNS[version]] for row in announcement_rows(DAY, papers)]
    with contextlib.closing(sqlite3.connect(path, isolation_level=None)) as conn:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("BEGIN")
        for statement in PAST[version]:
            conn.execute(statement)
        conn.execute(
            "INSERT INTO days (day, snapshot_sha256, paper_count) VALUES (?, ?, ?)",
            (DAY.isoformat(), snapshots.sha256(content), len(rows)),
        )
        if version >= 4:
            kinds = collections.Counter(str(r[3]) for r in rows)
            conn.execute("UPDATE days SET type_counts = ?", (json.dumps(dict(sorted(kinds.items()))),))
        if version >= 5:
            first = first_rowid(DAY)
            columns = ", ".join(COLUMNS.split(", ")[: ROW_COLUMNS[version]])
            marks = ", ".join("?" * (len(rows[0]) + 1))
            conn.executemany(
                f"INSERT INTO announcements (rowid, {columns}) VALUES ({marks})",
                [(first + i, *row) for i, row in enumerate(rows)],
            )
        else:
            conn.executemany(f"INSERT INTO announcements VALUES ({', '.join('?' * 12)})", rows)
        if version >= 2:

            def facts(p: Paper) -> tuple[str, ...]:  # version 6's columns hs and ve
                if version < 6 or p.facts is None:
                    return ()
                has = " ".join(w for w, yes in (("code", p.facts.code), ("venue", p.facts.venue)) if yes)
                return (has, index_words(p.facts.venue.label) if p.facts.venue else "")

            indexed = [
                (
                    rowid,
                    index_words(p.title),
                    index_words(p.abstract),
                    " ; ".join(map(index_words, p.authors)),
                    index_words(p.comment or ""),
                    *facts(p),
                )
                for (rowid, pid), p in zip(
                    conn.execute("SELECT rowid, id FROM announcements ORDER BY rowid"), papers, strict=True
                )
                if pid == p.id
            ]
            assert len(indexed) == len(papers)
            columns = "ti, abs, au, co" + (", hs, ve" if version >= 6 else "")
            conn.executemany(
                f"INSERT INTO search_index (rowid, {columns}) VALUES ({', '.join('?' * len(indexed[0]))})",
                indexed,
            )
            conn.execute("INSERT INTO search_state VALUES ('complete', '1')")
        if version >= 4:
            st = snapshot.stat()
            conn.execute(
                "INSERT INTO snapshot_files VALUES (?, ?, ?)", (DAY.isoformat(), st.st_size, st.st_mtime_ns)
            )
        elif version >= 3:
            st = snapshot.stat()
            conn.execute(
                "INSERT INTO snapshot_files VALUES (?, ?, ?, ?, ?)",
                (DAY.isoformat(), st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino),
            )
        conn.execute(f"PRAGMA user_version = {version}")
        conn.execute("COMMIT")
        return list(conn.execute("SELECT * FROM announcements ORDER BY id"))


def _schema_of(path: Path) -> list[tuple[str, str, str]]:
    """Every table, index and virtual table with its SQL, whitespace folded (files differ only in that)."""
    with contextlib.closing(sqlite3.connect(path)) as conn:
        rows = conn.execute("SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY name")
        return [
            (kind, name, re.sub(r"\s+", " ", sql).replace("( ", "(").replace(" )", ")").replace(" ,", ","))
            for kind, name, sql in rows
        ]


def _user_version(path: Path) -> int:
    with contextlib.closing(sqlite3.connect(path)) as conn:
        return int(conn.execute("PRAGMA user_version").fetchone()[0])


@pytest.mark.parametrize("version", sorted(PAST))
def test_a_database_of_every_past_version_opens_with_its_days_intact(tmp_path: Path, version: int) -> None:
    data = tmp_path / "data"
    data.mkdir()
    old = tmp_path / "old.db"
    rows = _old_database(old, version, data)
    fresh = tmp_path / "fresh.db"
    Store.open(fresh).close()

    with Store.open(old) as store:
        assert _user_version(old) == schema.VERSION
        assert _schema_of(old) == _schema_of(fresh)
        assert [(d.day, d.paper_count) for d in store.days()] == [(DAY, len(rows))]
        # The counts by announce type: counted by the step to version 4, as a write keeps them after it.
        assert store.days()[0].counts == dict(collections.Counter(str(r[3]) for r in rows))
        assert sorted(p.id for p in store.papers_for_day(DAY)) == sorted(str(r[1]) for r in rows)
        # The snapshot is the one the day came from: a sync reads it (its stat was never recorded before
        # version 3) and records it, so that the next sync does not read it again. It imports nothing,
        # except into a file from before version 6, whose days are imported again for their facts.
        assert store.sync(data).imported == (() if version >= 6 else (DAY,))
        assert store.sync(data).imported == ()
        for query in (WORD, "has:code", "venue:workshop OR venue:CVPR"):
            found = [r.paper.id for r in search(store, parse_query(query))]
            scanned = [r.paper.id for r in search(store, parse_query(query), use_index=False)]
            assert found == scanned and len(found) > 1
    with contextlib.closing(sqlite3.connect(old)) as conn:
        stored = list(conn.execute("SELECT * FROM announcements ORDER BY id"))
        assert [row[:12] for row in stored] == [row[:12] for row in rows]
        assert sorted(stored) == sorted(announcement_rows(DAY, _papers()))  # facts filled in
        # Rowids follow days from version 5 on: the migration renumbered the older files' rows.
        low, high = conn.execute("SELECT min(rowid), max(rowid) FROM announcements").fetchone()
        assert (low, high) == (first_rowid(DAY), first_rowid(DAY) + len(rows) - 1)
        assert conn.execute("SELECT count(*) FROM snapshot_files").fetchone() == (1,)


def test_a_new_database_is_made_at_the_current_version(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    current = tmp_path / "current.db"
    _old_database(current, schema.VERSION, data)  # the last fixture is what create_all makes
    fresh = tmp_path / "fresh.db"
    with open_store(fresh, data) as store:
        assert [d.day for d in store.days()] == [DAY]
    assert _user_version(fresh) == schema.VERSION
    assert _schema_of(fresh) == _schema_of(current)
    assert sorted(schema.MIGRATIONS) == list(range(1, schema.VERSION))  # one step from every past version


def test_a_database_from_a_newer_version_is_refused_and_left_alone(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    newer = tmp_path / "newer.db"
    _old_database(newer, schema.VERSION, data)
    with contextlib.closing(sqlite3.connect(newer)) as conn:
        conn.execute(f"PRAGMA user_version = {schema.VERSION + 1}")
    before = newer.read_bytes()
    with pytest.raises(StoreError) as caught:
        Store.open(newer)
    assert str(caught.value) == (
        f"{newer}: database schema {schema.VERSION + 1} is newer than this arxiv-digest understands "
        f"({schema.VERSION}); upgrade, or delete the file to rebuild it"
    )
    assert newer.read_bytes() == before


def test_a_migration_that_fails_changes_nothing(tmp_path: Path) -> None:
    """Every step runs in one transaction: a file of version 1 whose step to 3 fails (a table of that name
    is already there) keeps version 1 and gains no table of version 2 either."""
    data = tmp_path / "data"
    data.mkdir()
    old = tmp_path / "old.db"
    _old_database(old, 1, data)
    with contextlib.closing(sqlite3.connect(old)) as conn:
        conn.execute("CREATE TABLE snapshot_files (x)")
    before = _schema_of(old)
    with pytest.raises(StoreError) as caught:
        Store.open(old)
    message = str(caught.value)
    assert message.startswith(f"{old}: cannot open the database (table snapshot_files already exists)")
    assert message.endswith("; delete it and it will be rebuilt from data/*.jsonl")
    assert (_user_version(old), _schema_of(old)) == (1, before)
