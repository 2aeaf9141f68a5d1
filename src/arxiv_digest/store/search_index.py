"""The search index (FTS5): filled by the first search rather than by the daily job, and kept honest when
a day is written (:func:`forget_day`). It proposes candidates; the exact matcher (``search.py``) decides.

Its columns, and the words each holds for a paper, are the query fields' (``query/fields.py``:
``INDEX_COLUMNS``, each with its ``document``); the table itself is made in ``schema.py``."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterator

from ..models import Paper
from ..query.fields import INDEX_COLUMNS
from ._sqlite import sqlite_errors
from .base import StoreBase
from .rows import paper_of, prefixed

_INSERT = (
    f"INSERT INTO search_index (rowid, {', '.join(str(f.column) for f in INDEX_COLUMNS)}) "
    f"VALUES (?{', ?' * len(INDEX_COLUMNS)})"
)


def forget_day(conn: sqlite3.Connection, key: str) -> None:
    """Before the day ``key`` (ISO) is rewritten or dropped: remove its rows from the index, whose rowids a
    re-imported day may reuse, and mark the index incomplete, so that the next search indexes the new rows."""
    conn.execute(
        "DELETE FROM search_index WHERE rowid IN (SELECT rowid FROM announcements WHERE day = ?)", (key,)
    )
    conn.execute("DELETE FROM search_state WHERE key = 'complete'")


class SearchIndexMixin(StoreBase):
    """Searching the stored announcements. Methods that read or fill the search index go here."""

    def ensure_search_index(self, batch: int = 2000) -> int:
        """Index every announcement not indexed yet (each column's words as its field's ``document``
        makes them: the word rule's words). Returns how many."""
        if self.conn.execute("SELECT 1 FROM search_state WHERE key = 'complete'").fetchone():
            return 0
        missing = self.conn.execute(
            f"SELECT rowid, {prefixed('a')} FROM announcements a "
            "WHERE rowid NOT IN (SELECT rowid FROM search_index)"
        )
        documents = [f.document for f in INDEX_COLUMNS if f.document is not None]
        assert len(documents) == len(INDEX_COLUMNS)  # a field with a column says what the column holds
        done = 0
        with self.transaction():
            while rows := missing.fetchmany(batch):
                papers = [(row[0], paper_of(row[1:])) for row in rows]
                self.conn.executemany(
                    _INSERT, [(rowid, *(document(p) for document in documents)) for rowid, p in papers]
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
