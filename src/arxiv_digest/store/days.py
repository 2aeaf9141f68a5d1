"""The stored days and the papers announced on them: writing a day (whole, inside a transaction) and
reading the days back."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass

from ..errors import DatabaseCorruptError, StoreError
from ..models import Paper
from .base import StoreBase
from .rows import COLUMNS, DAY_SHIFT, announcement_rows, first_rowid, paper_of, stored_day
from .search_index import forget_day, index_day

#: Ids bound in one query: far below SQLite's limit on variables (32,766 since 3.32; 999 before).
_IDS_PER_QUERY = 500


@dataclass(frozen=True, slots=True)
class DaySummary:
    day: dt.date
    paper_count: int
    counts: dict[str, int]  # by announce type


class DaysMixin(StoreBase):
    """Days and their announcements. Methods that write or read what a day holds go here."""

    # -- writing (call inside a transaction) -------------------------------------------------------------
    def replace_day(self, day: dt.date, papers: Sequence[Paper], snapshot_sha256: str) -> None:
        """Make ``day`` hold exactly ``papers``, as the snapshot with that SHA-256 has them."""
        self.replace_day_rows(day, announcement_rows(day, papers), snapshot_sha256, papers=papers)

    def replace_day_rows(
        self,
        day: dt.date,
        rows: Sequence[tuple[object, ...]],
        snapshot_sha256: str,
        *,
        papers: Sequence[Paper] | None = None,
    ) -> None:
        """:meth:`replace_day` with rows already made by :func:`announcement_rows` (in another process);
        ``papers``, those they were made from when at hand, saves the search index decoding them again."""
        key = day.isoformat()
        forget_day(self.conn, key)
        self.conn.execute("DELETE FROM days WHERE day = ?", (key,))
        kinds = Counter(str(row[3]) for row in rows)  # announce_type: the days table keeps the counts
        self.conn.execute(
            "INSERT INTO days (day, snapshot_sha256, paper_count, type_counts) VALUES (?, ?, ?, ?)",
            (key, snapshot_sha256, len(rows), json.dumps(dict(sorted(kinds.items())), separators=(",", ":"))),
        )
        if len(rows) >= 1 << DAY_SHIFT:
            raise StoreError(f"{key}: {len(rows)} papers in one day, more than the store can number")
        first = first_rowid(day)
        numbered = [(first + i, *row) for i, row in enumerate(rows)]
        self.conn.executemany(
            f"INSERT INTO announcements (rowid, {COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            numbered,
        )
        index_day(self.conn, numbered, papers)  # the rows as written, in rowid order

    def drop_day(self, day: dt.date) -> None:
        forget_day(self.conn, day.isoformat())
        self.conn.execute("DELETE FROM days WHERE day = ?", (day.isoformat(),))

    def drop_days_except(self, keep: Sequence[dt.date]) -> list[dt.date]:
        """Drop every stored day not in ``keep`` (its snapshot file is gone); return them."""
        wanted = {d.isoformat() for d in keep}
        gone = [stored_day(day) for (day,) in self.conn.execute("SELECT day FROM days") if day not in wanted]
        for day in gone:
            self.drop_day(day)
        return gone

    # -- reading ---------------------------------------------------------------------------------------
    def days(self) -> list[DaySummary]:
        """Every stored day, oldest first, with its paper count by announce type: read from the ``days``
        table, which :meth:`replace_day_rows` keeps (a few milliseconds for thousands of days, where a
        GROUP BY over every announcement took seconds)."""
        rows = self.conn.execute("SELECT day, paper_count, type_counts FROM days ORDER BY day")
        return [DaySummary(stored_day(day), count, self._type_counts(kinds)) for day, count, kinds in rows]

    def paper_count(self, day: dt.date) -> int | None:
        """How many papers the stored ``day`` holds (None: not stored); one row, not :meth:`days`."""
        row = self.conn.execute("SELECT paper_count FROM days WHERE day = ?", (day.isoformat(),)).fetchone()
        return int(row[0]) if row else None

    def has_days(self) -> bool:
        return self.conn.execute("SELECT 1 FROM days LIMIT 1").fetchone() is not None

    def snapshot_sha(self, day: dt.date) -> str | None:
        """The SHA-256 of the snapshot ``day`` was imported from (None: not stored)."""
        row = self.conn.execute(
            "SELECT snapshot_sha256 FROM days WHERE day = ?", (day.isoformat(),)
        ).fetchone()
        return row[0] if row else None

    def snapshot_shas(self, first: dt.date, before: dt.date) -> list[tuple[dt.date, str]]:
        """Each stored day from ``first`` up to, not including, ``before``, with its snapshot's SHA-256."""
        rows = self.conn.execute(
            "SELECT day, snapshot_sha256 FROM days WHERE day >= ? AND day < ? ORDER BY day",
            (first.isoformat(), before.isoformat()),
        )
        return [(stored_day(day), sha) for day, sha in rows]

    def papers_for_day(self, day: dt.date) -> list[Paper]:
        rows = self.conn.execute(f"SELECT {COLUMNS} FROM announcements WHERE day = ?", (day.isoformat(),))
        return [paper_of(row) for row in rows]

    def previous_day(self, day: dt.date) -> dt.date | None:
        """The stored announcement day before ``day`` (None: none is stored)."""
        row = self.conn.execute("SELECT max(day) FROM days WHERE day < ?", (day.isoformat(),)).fetchone()
        return stored_day(row[0]) if row and row[0] else None

    def announcements_between(
        self, ids: Iterable[str], first: dt.date, before: dt.date
    ) -> list[tuple[dt.date, Paper]]:
        """Every announcement of these ids (without version) on a day from ``first`` up to, not including,
        ``before``: what the papers-already-shown rules read (issue #10), by the index on ``id``."""
        wanted = sorted(set(ids))
        out: list[tuple[dt.date, Paper]] = []
        for i in range(0, len(wanted), _IDS_PER_QUERY):
            chunk = wanted[i : i + _IDS_PER_QUERY]
            marks = ", ".join("?" * len(chunk))
            rows = self.conn.execute(
                f"SELECT {COLUMNS} FROM announcements WHERE id IN ({marks}) AND day >= ? AND day < ?",
                (*chunk, first.isoformat(), before.isoformat()),
            )
            out.extend((stored_day(row[0]), paper_of(row)) for row in rows)
        return sorted(out, key=lambda item: (item[0], item[1].id))

    def announcements_of(self, wanted: Collection[tuple[str, dt.date]]) -> dict[tuple[str, dt.date], Paper]:
        """The papers of these announcements, (id, day) each, by the primary key (the few papers a weekly
        page shows, issue #15); one missing from the database is missing from the answer."""
        by_day: dict[dt.date, list[str]] = {}
        for arxiv_id, day in wanted:
            by_day.setdefault(day, []).append(arxiv_id)
        out: dict[tuple[str, dt.date], Paper] = {}
        for day, ids in sorted(by_day.items()):
            for i in range(0, len(ids), _IDS_PER_QUERY):
                chunk = sorted(set(ids[i : i + _IDS_PER_QUERY]))
                marks = ", ".join("?" * len(chunk))
                rows = self.conn.execute(
                    f"SELECT {COLUMNS} FROM announcements WHERE day = ? AND id IN ({marks})",
                    (day.isoformat(), *chunk),
                )
                out.update(((paper.id, day), paper) for paper in map(paper_of, rows))
        return out

    def latest_announcement(self, arxiv_id: str) -> Paper | None:
        """The paper as its latest stored announcement has it (None: never announced here)."""
        row = self.conn.execute(
            f"SELECT {COLUMNS} FROM announcements WHERE id = ? ORDER BY day DESC LIMIT 1", (arxiv_id,)
        ).fetchone()
        return paper_of(row) if row else None

    def _type_counts(self, text: str) -> dict[str, int]:
        try:
            value = json.loads(text)
            return {str(k): int(v) for k, v in value.items()}
        except (ValueError, TypeError, AttributeError) as e:  # we never wrote that: a damaged page
            raise DatabaseCorruptError(
                str(self.path), f"a day's counts are not what was written: {text[:40]!r}"
            ) from e
