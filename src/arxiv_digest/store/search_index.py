"""The search index (FTS5): built by the first search rather than by the daily job, then kept complete when
a day is written (:func:`forget_day`, :func:`index_day`). Contentless (``content=''``): it keeps the words'
positions, not a second copy of every text; candidates are read from ``announcements`` by rowid. It
proposes candidates; the exact matcher (``jobs/search.py``) decides.

Its columns, and the words each holds for a paper, are the query fields' (``query/fields.py``:
``INDEX_COLUMNS``, each with its ``document``); the table itself is made in ``schema.py``."""

from __future__ import annotations

import contextlib
import datetime as dt
import sqlite3
from collections.abc import Iterator, Sequence
from typing import Any

from ..facts import with_facts
from ..models import Paper
from ..query.fields import INDEX_COLUMNS
from ._sqlite import sqlite_errors
from .base import StoreBase
from .rows import COLUMNS, DAY_SHIFT, first_rowid, paper_of, prefixed

_INSERT = (
    f"INSERT INTO search_index (rowid, {', '.join(str(f.column) for f in INDEX_COLUMNS)}) "
    f"VALUES (?{', ?' * len(INDEX_COLUMNS)})"
)


#: FTS5's 'delete' of a contentless row: the same words it was indexed with.
_DELETE = (
    f"INSERT INTO search_index (search_index, rowid, {', '.join(str(f.column) for f in INDEX_COLUMNS)}) "
    f"VALUES ('delete', ?{', ?' * len(INDEX_COLUMNS)})"
)


#: The word rule's version the index was built with (``search_state`` 'complete' holds it). The index is
#: contentless: removing a row means giving FTS5 the words it was indexed with, computed again from the
#: announcement; so a change of ``query.words.tokenize`` must raise this, and the index is then rebuilt.
WORDS_VERSION = "1"


def _complete(conn: sqlite3.Connection) -> str | None:
    row = conn.execute("SELECT value FROM search_state WHERE key = 'complete'").fetchone()
    return None if row is None else str(row[0])


def forget_day(conn: sqlite3.Connection, key: str) -> None:
    """Before the day ``key`` (ISO) is rewritten or dropped: remove its rows from the index (FTS5's 'delete'
    with the words they were indexed with). The index is complete (every row in it) or empty; one built
    by another word rule is emptied, to be built again by the next search."""
    state = _complete(conn)
    if state is None:
        return
    if state != WORDS_VERSION:
        _empty(conn)
        return
    rows = conn.execute(f"SELECT rowid, {COLUMNS} FROM announcements WHERE day = ? ORDER BY rowid", (key,))
    _tune_for_top_up(conn)
    conn.executemany(_DELETE, _indexed(rows.fetchall()))


def index_day(
    conn: sqlite3.Connection, rows: Sequence[tuple[Any, ...]], papers: Sequence[Paper] | None = None
) -> None:
    """After a day is written: index its ``(rowid, *COLUMNS)`` rows, in rowid order, if the index is
    complete, so that it stays so (issue #12: the first search after a daily run reads no table to find
    what is missing). An index not built yet is left to the first search. ``papers``: those the rows were
    made from, one a row (a run's day, issue #15: not decoded again from the rows)."""
    if _complete(conn) != WORDS_VERSION:
        return
    _tune_for_top_up(conn)
    if papers is None:
        conn.executemany(_INSERT, _indexed(rows))
        return
    # Each paper as reading its row gives it back (``paper_of``: facts made by the current rules), so
    # that the words indexed are those :func:`forget_day` will compute from the row to remove them.
    read_back = [(row[0], with_facts(paper)) for row, paper in zip(rows, papers, strict=True)]
    conn.executemany(_INSERT, _documents(read_back))


#: How the index takes a day's rows (issue #15). FTS5 keeps what it is given in memory and writes it out
#: as a new segment at the end of the transaction, or before then when that memory exceeds 'hashsize'
#: (default 1 MB) or a rowid comes lower than the one before: so rows go in rowid order, and 'hashsize'
#: holds a day whole (~4 MB for 2,000 papers; a limit, not an allocation): one segment a day. And
#: 'automerge' 0: writing a day does not go on merging the big segments of the built index (which cost
#: more than the day's own words at 1.2M papers); the small segments the days add are merged when a level
#: holds 'crisismerge' (16) of them.
TOP_UP_OPTIONS: tuple[tuple[str, int], ...] = (("hashsize", 16 << 20), ("automerge", 0))
#: Building the whole index, FTS5's own incremental merging (its default 'automerge', 4) leaves fewer
#: segments for searches to read.
BUILD_OPTIONS: tuple[tuple[str, int], ...] = (("hashsize", 16 << 20), ("automerge", 4))


def _tune_for_top_up(conn: sqlite3.Connection) -> None:
    _set_options(conn, TOP_UP_OPTIONS)


def _set_options(conn: sqlite3.Connection, options: tuple[tuple[str, int], ...]) -> None:
    """Set FTS5 ``options`` in the index's own config (kept with it) where they differ. An SQLite too old
    to know an option leaves it as it was: only the cost of writing the index depends on them."""
    held = dict(conn.execute("SELECT k, v FROM search_index_config"))
    for option, value in options:
        if held.get(option) != value:
            with contextlib.suppress(sqlite3.OperationalError):
                conn.execute("INSERT INTO search_index (search_index, rank) VALUES (?, ?)", (option, value))


def _empty(conn: sqlite3.Connection) -> None:
    conn.execute("INSERT INTO search_index (search_index) VALUES ('delete-all')")
    conn.execute("DELETE FROM search_state WHERE key = 'complete'")


def _indexed(rows: Sequence[tuple[Any, ...]]) -> list[tuple[object, ...]]:
    """Index rows for ``(rowid, *COLUMNS)`` rows (:func:`_documents` of the papers they hold)."""
    return _documents([(row[0], paper_of(row[1:])) for row in rows])


def _documents(papers: Sequence[tuple[int, Paper]]) -> list[tuple[object, ...]]:
    """Index rows for ``(rowid, paper)``: each column's words as its field's ``document`` makes them (the
    word rule's words, ``query.words.tokenize``, separated by spaces)."""
    documents = [f.document for f in INDEX_COLUMNS if f.document is not None]
    assert len(documents) == len(INDEX_COLUMNS)  # a field with a column says what the column holds
    return [(rowid, *[document(paper) for document in documents]) for rowid, paper in papers]


class SearchIndexMixin(StoreBase):
    """Searching the stored announcements. Methods that read or fill the search index go here."""

    def ensure_search_index(self, batch: int = 2000) -> int:
        """Build the index if it is not complete (words as the word rule sees them:
        ``query.words.tokenize``); returns how many rows were indexed. Once built, writing a day keeps it
        complete."""
        if _complete(self.conn) == WORDS_VERSION:
            return 0
        # in rowid order: FTS5 writes a segment each time a rowid comes lower than the one before
        rows = self.conn.execute(f"SELECT rowid, {COLUMNS} FROM announcements ORDER BY rowid")
        done = 0
        with self.transaction():
            _empty(self.conn)  # a half-built index, or one of another word rule, is not added to
            _set_options(self.conn, BUILD_OPTIONS)
            while batch_rows := rows.fetchmany(batch):
                self.conn.executemany(_INSERT, _indexed(batch_rows))
                done += len(batch_rows)
            self.conn.execute(
                "INSERT OR REPLACE INTO search_state (key, value) VALUES ('complete', ?)", (WORDS_VERSION,)
            )
        return done

    def search_index_ready(self) -> bool:
        """Whether the index can propose candidates: built first if it is not complete, unless the store is
        read-only (a run is writing it: ``committed.py``), when the caller reads every row instead."""
        if not self.read_only:
            self.ensure_search_index()
        return _complete(self.conn) == WORDS_VERSION

    def candidates(
        self, fts: str | None, date_from: dt.date | None, date_to: dt.date | None
    ) -> Iterator[Paper]:
        """Announcements in the date range whose indexed words satisfy ``fts`` (all of them if None),
        newest day first, so a caller that wants the newest N can stop early."""
        # Rowids follow days (``rows.first_rowid``): a date range is a rowid range, newest first is rowid
        # order, which FTS5 walks itself; no sort of every match, and a caller stopping early reads no more.
        low = first_rowid(date_from or dt.date.min)
        high = first_rowid(date_to or dt.date.max) + (1 << DAY_SHIFT) - 1
        params: list[object] = [low, high]
        if fts is None:
            sql = (
                f"SELECT {prefixed('a')} FROM announcements a "
                "WHERE a.rowid BETWEEN ? AND ? ORDER BY a.rowid DESC"
            )
        else:
            sql = (
                f"SELECT {prefixed('a')} FROM search_index s JOIN announcements a ON a.rowid = s.rowid "
                "WHERE search_index MATCH ? AND s.rowid BETWEEN ? AND ? ORDER BY s.rowid DESC"
            )
            params.insert(0, fts)
        # Damage met here is damage like anywhere else (the job moves the file aside); any other failure
        # says which expression the index was given.
        with sqlite_errors(self.path, context=f"the search index could not run {fts!r}"):
            for row in self.conn.execute(sql, params):
                yield paper_of(row)
