"""The database's schema: the tables of this version (:func:`create_all`, for a new file) and one function
per step from each older version (:data:`MIGRATIONS`), tracked with ``PRAGMA user_version``.

To change the schema: change :func:`create_all`, add ``update_from_N_to_M`` making the same change to a file
of the previous version, raise :data:`VERSION`, and copy the old version's DDL into the fixtures of
``tests/test_schema.py`` (which opens a file of every past version). A step writes its SQL out in full
rather than calling :func:`create_all`'s pieces: today's tables are not what a file of version N lacked.
Each statement is its own ``execute`` (``executescript`` would commit the open transaction first).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

from ..errors import StoreError
from ._sqlite import set_user_version, transaction, user_version

#: The version :func:`create_all` makes, and every migration ends at.
VERSION = 6


def create_all(conn: sqlite3.Connection) -> None:
    """The tables of :data:`VERSION`, in an empty database."""
    # Days and the papers announced on them, one row per (day, paper) as announced that day.
    conn.execute(
        """
        CREATE TABLE days (
            day TEXT PRIMARY KEY,
            snapshot_sha256 TEXT NOT NULL,
            paper_count INTEGER NOT NULL,
            type_counts TEXT NOT NULL DEFAULT '{}'
        )
        """
    )
    conn.execute(
        """
        CREATE TABLE announcements (
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
            facts TEXT,
            PRIMARY KEY (day, id)
        )
        """
    )
    conn.execute("CREATE INDEX announcements_id ON announcements(id)")
    # The search index (FTS5, contentless: words only), built by the first search, then topped up as days
    # are written. Its rows share the rowid of their announcement; `search_state` says whether every row
    # is indexed (and by which word rule: search_index.WORDS_VERSION). Its columns are the fields table's
    # (query/fields.py: INDEX_COLUMNS, in that order; a test checks).
    conn.execute(
        "CREATE VIRTUAL TABLE search_index USING fts5("
        "ti, abs, au, co, hs, ve, content = '', tokenize = 'unicode61 remove_diacritics 0')"
    )
    conn.execute("CREATE TABLE search_state (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    # What each snapshot file looked like (size, modification time) when its day was last checked, so that
    # `sync` re-reads and re-hashes only the files that changed since; its content hash is the day's
    # snapshot_sha256. No inode or ctime: a folder restored from a cache (hard links, a tar) keeps these.
    conn.execute(
        """
        CREATE TABLE snapshot_files (
            day TEXT PRIMARY KEY REFERENCES days(day) ON DELETE CASCADE,
            size INTEGER NOT NULL,
            mtime_ns INTEGER NOT NULL
        )
        """
    )


def update_from_1_to_2(conn: sqlite3.Connection) -> None:
    """Add the search index (issue #3)."""
    conn.execute(
        "CREATE VIRTUAL TABLE search_index USING fts5("
        "ti, abs, au, co, tokenize = 'unicode61 remove_diacritics 0')"
    )
    conn.execute("CREATE TABLE search_state (key TEXT PRIMARY KEY, value TEXT NOT NULL)")


def update_from_2_to_3(conn: sqlite3.Connection) -> None:
    """Add what each snapshot file looked like when last checked (its days are then all read once more)."""
    conn.execute(
        """
        CREATE TABLE snapshot_files (
            day TEXT PRIMARY KEY REFERENCES days(day) ON DELETE CASCADE,
            size INTEGER NOT NULL,
            mtime_ns INTEGER NOT NULL,
            ctime_ns INTEGER NOT NULL,
            inode INTEGER NOT NULL
        )
        """
    )


def update_from_3_to_4(conn: sqlite3.Connection) -> None:
    """Keep each day's counts by announce type in ``days`` (issue #12: no GROUP BY over every announcement
    on each run), counted here once; record snapshot files by size and modification time only."""
    conn.execute("ALTER TABLE days ADD COLUMN type_counts TEXT NOT NULL DEFAULT '{}'")
    conn.execute(
        "UPDATE days SET type_counts = coalesce((SELECT json_group_object(announce_type, n) FROM "
        "(SELECT announce_type, count(*) AS n FROM announcements a WHERE a.day = days.day "
        "GROUP BY announce_type ORDER BY announce_type)), '{}')"
    )
    conn.execute("DROP TABLE snapshot_files")  # its days are read once more, then recorded anew
    conn.execute(
        """
        CREATE TABLE snapshot_files (
            day TEXT PRIMARY KEY REFERENCES days(day) ON DELETE CASCADE,
            size INTEGER NOT NULL,
            mtime_ns INTEGER NOT NULL
        )
        """
    )


def update_from_4_to_5(conn: sqlite3.Connection) -> None:
    """Number each day's rows from ``day.toordinal() << 20`` (``rows.first_rowid``), so that rowid order is
    day order and search reads the newest days first without sorting (issue #12); the search index, whose
    rowids were the old ones, is made anew, contentless (no copy of the texts), and built by the next
    search."""
    conn.execute(
        "UPDATE announcements SET rowid = ((CAST(julianday(t.day) - julianday('0001-01-01') AS INTEGER) + 1) "
        "<< 20) + t.n - 1 FROM (SELECT rowid AS r, day, row_number() OVER (PARTITION BY day ORDER BY rowid) "
        "AS n FROM announcements) AS t WHERE announcements.rowid = t.r"
    )
    conn.execute("DROP TABLE search_index")  # contentless now: no second copy of every text
    conn.execute(
        "CREATE VIRTUAL TABLE search_index USING fts5("
        "ti, abs, au, co, content = '', tokenize = 'unicode61 remove_diacritics 0')"
    )
    conn.execute("DELETE FROM search_state")


def update_from_5_to_6(conn: sqlite3.Connection) -> None:
    """Add each paper's facts (issue #10: code links and venue, the snapshot's ``facts`` as JSON; NULL in a
    row of an older file, whose facts are extracted when it is read) and the search index's columns for
    ``has:`` and ``venue:``. An FTS5 table takes no new column: it is made again, empty, and the next search
    fills it. Every day is then imported once more from its snapshot (which fills its facts): its stored
    hash is cleared, and what its file looked like forgotten."""
    conn.execute("ALTER TABLE announcements ADD COLUMN facts TEXT")
    conn.execute("UPDATE days SET snapshot_sha256 = ''")
    conn.execute("DELETE FROM snapshot_files")
    conn.execute("DROP TABLE search_index")
    conn.execute(
        "CREATE VIRTUAL TABLE search_index USING fts5("
        "ti, abs, au, co, hs, ve, content = '', tokenize = 'unicode61 remove_diacritics 0')"
    )
    conn.execute("DELETE FROM search_state")


#: ``MIGRATIONS[n]`` takes a database of version ``n`` to version ``n + 1``.
MIGRATIONS: dict[int, Callable[[sqlite3.Connection], None]] = {
    1: update_from_1_to_2,
    2: update_from_2_to_3,
    3: update_from_3_to_4,
    4: update_from_4_to_5,
    5: update_from_5_to_6,
}


def migrate(conn: sqlite3.Connection, path: Path) -> None:
    """Bring the database to :data:`VERSION`: create its tables if it is new (version 0), else run each
    step from its version, all in one transaction. ``path`` names it in errors. A database already at
    :data:`VERSION` is only read (no write lock: a read-only file opens)."""
    if _checked_version(conn, path) == VERSION:
        return
    with transaction(conn):
        version = _checked_version(conn, path)  # again, under the write lock: another process may have
        if version == 0:  # migrated it meanwhile
            create_all(conn)
        else:
            for step in range(version, VERSION):
                MIGRATIONS[step](conn)
        set_user_version(conn, VERSION)


def _checked_version(conn: sqlite3.Connection, path: Path) -> int:
    version = user_version(conn)
    if version > VERSION:
        raise StoreError(
            f"{path}: database schema {version} is newer than this arxiv-digest understands ({VERSION}); "
            "upgrade, or delete the file to rebuild it"
        )
    return version
