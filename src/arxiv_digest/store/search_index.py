"""The search index (FTS5): built by the first search rather than by the daily job, then kept complete when
a day is written (:func:`forget_day`, :func:`index_day`). It proposes candidates; the exact matcher
(``jobs/search.py``) decides."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Callable, Iterator
from typing import Any

from ..models import Paper
from ..query.words import tokenize
from ._sqlite import sqlite_errors
from .base import StoreBase
from .rows import DAY_SHIFT, authors_of, first_rowid, paper_of, prefixed


def index_words(text: str) -> str:
    """A field as the search index stores it: the word rule's words, separated by spaces."""
    return " ".join(tokenize(text))


def forget_day(conn: sqlite3.Connection, key: str) -> None:
    """Before the day ``key`` (ISO) is rewritten or dropped: remove its rows from the index, whose rowids a
    re-imported day may reuse (:func:`index_day` indexes the new rows)."""
    conn.execute(
        "DELETE FROM search_index WHERE rowid IN (SELECT rowid FROM announcements WHERE day = ?)", (key,)
    )


def index_day(conn: sqlite3.Connection, key: str) -> None:
    """After the day ``key`` is written: index its rows if the index is complete, so that it stays so
    (issue #12: the first search after a daily run reads no table to find what is missing). An index
    not built yet is left to the first search."""
    if conn.execute("SELECT 1 FROM search_state WHERE key = 'complete'").fetchone() is None:
        return
    rows = conn.execute(
        "SELECT rowid, title, abstract, authors, comment FROM announcements WHERE day = ?", (key,)
    )
    conn.executemany(
        "INSERT INTO search_index (rowid, ti, abs, au, co) VALUES (?, ?, ?, ?, ?)", _indexed(rows.fetchall())
    )


def _indexed(rows: list[tuple[Any, ...]]) -> list[tuple[object, ...]]:
    return [
        (
            rowid,
            index_words(title),
            index_words(abstract),
            " ; ".join(index_words(a) for a in authors_of(authors, rowid)),
            index_words(comment or ""),
        )
        for rowid, title, abstract, authors, comment in rows
    ]


class SearchIndexMixin(StoreBase):
    """Searching the stored announcements. Methods that read or fill the search index go here."""

    def ensure_search_index(self, normalize: Callable[[str], str], batch: int = 2000) -> int:
        """Index every announcement not indexed yet (words as the word rule sees them). Returns how many."""
        if self.conn.execute("SELECT 1 FROM search_state WHERE key = 'complete'").fetchone():
            return 0
        missing = self.conn.execute(
            "SELECT rowid, title, abstract, authors, comment FROM announcements "
            "WHERE rowid NOT IN (SELECT rowid FROM search_index)"
        )
        done = 0
        with self.transaction():
            while rows := missing.fetchmany(batch):
                if normalize is index_words:
                    indexed = _indexed(rows)
                else:
                    indexed = [
                        (
                            rowid,
                            normalize(title),
                            normalize(abstract),
                            " ; ".join(normalize(a) for a in authors_of(authors, rowid)),
                            normalize(comment or ""),
                        )
                        for rowid, title, abstract, authors, comment in rows
                    ]
                self.conn.executemany(
                    "INSERT INTO search_index (rowid, ti, abs, au, co) VALUES (?, ?, ?, ?, ?)", indexed
                )
                done += len(rows)
            self.conn.execute("INSERT OR REPLACE INTO search_state (key, value) VALUES ('complete', '1')")
        return done

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
