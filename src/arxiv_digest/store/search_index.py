"""The search index (FTS5): filled by the first search rather than by the daily job, and kept honest when
a day is written (:func:`forget_day`). It proposes candidates; the exact matcher (``search.py``) decides."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Callable, Iterator

from ..models import Paper
from ._sqlite import sqlite_errors
from .base import StoreBase
from .rows import authors_of, paper_of, prefixed


def forget_day(conn: sqlite3.Connection, key: str) -> None:
    """Before the day ``key`` (ISO) is rewritten or dropped: remove its rows from the index, whose rowids a
    re-imported day may reuse, and mark the index incomplete, so that the next search indexes the new rows."""
    conn.execute(
        "DELETE FROM search_index WHERE rowid IN (SELECT rowid FROM announcements WHERE day = ?)", (key,)
    )
    conn.execute("DELETE FROM search_state WHERE key = 'complete'")


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
                self.conn.executemany(
                    "INSERT INTO search_index (rowid, ti, abs, au, co) VALUES (?, ?, ?, ?, ?)",
                    [
                        (
                            rowid,
                            normalize(title),
                            normalize(abstract),
                            " ; ".join(normalize(a) for a in authors_of(authors, rowid)),
                            normalize(comment or ""),
                        )
                        for rowid, title, abstract, authors, comment in rows
                    ],
                )
                done += len(rows)
            self.conn.execute("INSERT OR REPLACE INTO search_state (key, value) VALUES ('complete', '1')")
        return done

    def candidates(
        self, fts: str | None, date_from: dt.date | None, date_to: dt.date | None
    ) -> Iterator[Paper]:
        """Announcements in the date range whose indexed words satisfy ``fts`` (all of them if None),
        newest day first, so a caller that wants the newest N can stop early."""
        where = "a.day >= ? AND a.day <= ?"
        params: list[object] = [(date_from or dt.date.min).isoformat(), (date_to or dt.date.max).isoformat()]
        if fts is None:
            sql = f"SELECT {prefixed('a')} FROM announcements a WHERE {where} ORDER BY a.day DESC"
        else:
            sql = (
                f"SELECT {prefixed('a')} FROM search_index s JOIN announcements a ON a.rowid = s.rowid "
                f"WHERE search_index MATCH ? AND {where} ORDER BY a.day DESC"
            )
            params.insert(0, fts)
        # Damage met here is damage like anywhere else (the job moves the file aside); any other failure
        # says which expression the index was given.
        with sqlite_errors(self.path, context=f"the search index could not run {fts!r}"):
            for row in self.conn.execute(sql, params):
                yield paper_of(row)
