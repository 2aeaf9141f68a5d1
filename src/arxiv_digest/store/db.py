"""The SQLite store: the only place with SQL. A cache of ``data/*.jsonl``, rebuilt from them when missing.

Schema changes are migrations tracked with ``PRAGMA user_version``. The database runs in WAL mode; each run
writes in one transaction, so a killed run leaves it as it was before the run (or after, never between).
:meth:`Store.sync` makes the database mirror the snapshot files: a day whose file changed (its SHA-256
differs) is re-imported, a day whose file is gone is dropped.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from ..errors import DatabaseUnwritableError, StoreError
from ..models import Paper
from . import snapshot
from .faults import translate
from .rows import COLUMNS, announcement_rows, authors_of, paper_of, prefixed, stored_day

_MIGRATIONS: tuple[str, ...] = (
    # 1: days and the papers announced on them, one row per (day, paper) as announced that day.
    """
    CREATE TABLE days (
        day TEXT PRIMARY KEY,
        snapshot_sha256 TEXT NOT NULL,
        paper_count INTEGER NOT NULL
    );
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
        PRIMARY KEY (day, id)
    );
    CREATE INDEX announcements_id ON announcements(id);
    """,
    # 2: the search index (FTS5), filled lazily by `ensure_search_index` the first time someone searches,
    # so the daily job never pays for it. Rows share the rowid of their announcement.
    """
    CREATE VIRTUAL TABLE search_index USING fts5(ti, abs, au, co, tokenize = 'unicode61 remove_diacritics 0');
    CREATE TABLE search_state (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    """,
    # 3: what each snapshot file looked like (size, times, inode) when its day was last checked, so that
    # `sync` re-reads and re-hashes only the files that changed since (as git's index does).
    """
    CREATE TABLE snapshot_files (
        day TEXT PRIMARY KEY REFERENCES days(day) ON DELETE CASCADE,
        size INTEGER NOT NULL,
        mtime_ns INTEGER NOT NULL,
        ctime_ns INTEGER NOT NULL,
        inode INTEGER NOT NULL
    );
    """,
)


@dataclass(frozen=True, slots=True)
class DaySummary:
    day: dt.date
    paper_count: int
    counts: dict[str, int]  # by announce type


@dataclass(frozen=True, slots=True)
class SyncReport:
    imported: tuple[dt.date, ...]
    dropped: tuple[dt.date, ...]
    kept: tuple[dt.date, ...] = ()  # days with no snapshot that a sync without ``drop`` left in place


class Store:
    def __init__(self, conn: sqlite3.Connection, path: Path) -> None:
        self.conn = conn
        self.path = path

    # -- opening -----------------------------------------------------------------------------------
    @classmethod
    def open(cls, path: Path, *, bulk: bool = False) -> Store:
        """Open (creating and migrating) the database. ``bulk``: for a new file that is moved into place only
        once it is complete (a fresh rebuild), no journal, no syncs and no foreign-key checks (its rows come
        from our own snapshots, each day's row before its papers): much faster, and safe there, since a
        half-built file is never in place; :meth:`finish_bulk` turns it into a normal WAL database."""
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as e:  # a read-only folder, or a file where the folder should be
            raise DatabaseUnwritableError(str(path), f"cannot create {path.parent}: {e.strerror or e}") from e
        conn = None
        try:  # (the connection is closed on any failure, a schema too new included)
            conn = sqlite3.connect(path, isolation_level=None, timeout=30)
            if bulk:
                conn.execute("PRAGMA journal_mode=MEMORY")
                conn.execute("PRAGMA synchronous=OFF")
            else:
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute(f"PRAGMA foreign_keys={'OFF' if bulk else 'ON'}")
            return cls.from_connection(conn, path)
        except BaseException as e:
            if conn is not None:
                conn.close()
            if not isinstance(e, sqlite3.Error):
                raise
            error = translate(e, path)
            if type(error) is StoreError:
                error = StoreError(
                    f"{path}: cannot open the database ({e}); delete it and it will be rebuilt from "
                    "data/*.jsonl"
                )
            raise error from e

    @classmethod
    def from_connection(cls, conn: sqlite3.Connection, path: Path) -> Store:
        """A store on an open connection (an in-memory copy, say), migrated; ``path`` names it in errors."""
        store = cls(conn, path)
        store._migrate()
        return store

    def finish_bulk(self) -> None:
        """End a :meth:`open` ``bulk=True`` session: back to WAL, normal syncs and foreign-key checks."""
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA synchronous=NORMAL")
        self.conn.execute("PRAGMA foreign_keys=ON")

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _migrate(self) -> None:
        version = self.conn.execute("PRAGMA user_version").fetchone()[0]
        if version > len(_MIGRATIONS):
            raise StoreError(
                f"{self.path}: database schema {version} is newer than this arxiv-digest "
                f"understands ({len(_MIGRATIONS)}); upgrade, or delete the file to rebuild it"
            )
        for number in range(version, len(_MIGRATIONS)):
            with self.transaction():
                for statement in _MIGRATIONS[number].split(";"):
                    if statement.strip():
                        self.conn.execute(statement)
                self.conn.execute(f"PRAGMA user_version = {number + 1}")

    @contextmanager
    def transaction(self) -> Iterator[None]:
        if self.conn.in_transaction:
            yield
            return
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        else:
            self.conn.execute("COMMIT")

    def begin(self) -> None:
        self.conn.execute("BEGIN IMMEDIATE")

    def commit(self) -> None:
        if self.conn.in_transaction:
            self.conn.execute("COMMIT")

    def rollback(self) -> None:
        if self.conn.in_transaction:
            self.conn.execute("ROLLBACK")

    # -- writing -----------------------------------------------------------------------------------
    def replace_day(self, day: dt.date, papers: Sequence[Paper], snapshot_sha256: str) -> None:
        """Make ``day`` hold exactly ``papers`` (call inside a transaction)."""
        self.replace_day_rows(day, announcement_rows(day, papers), snapshot_sha256)

    def replace_day_rows(
        self, day: dt.date, rows: Sequence[tuple[object, ...]], snapshot_sha256: str
    ) -> None:
        """:meth:`replace_day` with rows already made by :func:`announcement_rows` (in another process)."""
        key = day.isoformat()
        self._unindex_day(key)
        self.conn.execute("DELETE FROM days WHERE day = ?", (key,))
        self.conn.execute(
            "INSERT INTO days (day, snapshot_sha256, paper_count) VALUES (?, ?, ?)",
            (key, snapshot_sha256, len(rows)),
        )
        self.conn.executemany(
            f"INSERT INTO announcements ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows
        )

    def copy_from(self, paths: Sequence[Path]) -> None:
        """Copy every day of other databases of this schema into this one (days not already here), in SQL:
        a rebuild's workers each fill one, and this is cheaper than sending their rows through a pipe."""
        for path in paths:
            self.conn.execute("ATTACH DATABASE ? AS scratch", (str(path),))
            try:
                with self.transaction():
                    self.conn.execute("INSERT INTO days SELECT * FROM scratch.days")
                    self.conn.execute(
                        f"INSERT INTO announcements ({COLUMNS}) SELECT {COLUMNS} FROM scratch.announcements"
                    )
            finally:
                self.conn.execute("DETACH DATABASE scratch")

    def drop_day(self, day: dt.date) -> None:
        self._unindex_day(day.isoformat())
        self.conn.execute("DELETE FROM days WHERE day = ?", (day.isoformat(),))

    def _unindex_day(self, key: str) -> None:
        # Keep the search index free of rows whose rowid a re-imported day may reuse, and mark it
        # incomplete so the next search indexes the new rows.
        self.conn.execute(
            "DELETE FROM search_index WHERE rowid IN (SELECT rowid FROM announcements WHERE day = ?)", (key,)
        )
        self.conn.execute("DELETE FROM search_state WHERE key = 'complete'")

    # -- search ------------------------------------------------------------------------------------
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
        where = ["a.day >= ?", "a.day <= ?"]
        params: list[object] = [(date_from or dt.date.min).isoformat(), (date_to or dt.date.max).isoformat()]
        if fts is None:
            sql = (
                f"SELECT {prefixed('a')} FROM announcements a WHERE {' AND '.join(where)} "
                "ORDER BY a.day DESC"
            )
        else:
            sql = (
                f"SELECT {prefixed('a')} FROM search_index s JOIN announcements a ON a.rowid = s.rowid "
                f"WHERE search_index MATCH ? AND {' AND '.join(where)} ORDER BY a.day DESC"
            )
            params.insert(0, fts)
        try:
            for row in self.conn.execute(sql, params):
                yield paper_of(row)
        except sqlite3.OperationalError as e:
            raise StoreError(f"{self.path}: the search index could not run {fts!r}: {e}") from e

    def drop_days_except(self, keep: Sequence[dt.date]) -> list[dt.date]:
        """Drop every stored day not in ``keep`` (its snapshot file is gone)."""
        wanted = {d.isoformat() for d in keep}
        gone = [day for (day,) in self.conn.execute("SELECT day FROM days") if day not in wanted]
        for day in gone:
            self.drop_day(stored_day(day))
        return [stored_day(d) for d in gone]

    def sync(self, data_dir: Path, *, drop: bool = True) -> SyncReport:
        """Import every snapshot the database lacks or holds an older copy of; drop days with no file
        (unless not ``drop``: a command that only reads deletes nothing, issue #7; they are in ``kept``).

        A file whose size, modification and change times and inode are those recorded when its day was
        last checked is not read again; any other is read and hashed, and imported only if its SHA-256
        differs from the stored day's. Nothing is written (no write lock taken) when nothing changed."""
        files = snapshot.day_files(data_dir)
        known = {
            stored_day(day): sha
            for day, sha in self.conn.execute("SELECT day, snapshot_sha256 FROM days")
        }
        seen = {
            row[0]: tuple(row[1:])
            for row in self.conn.execute("SELECT day, size, mtime_ns, ctime_ns, inode FROM snapshot_files")
        }
        dropped = [day for day in known if day not in files]
        kept: tuple[dt.date, ...] = ()
        if not drop:
            kept, dropped = tuple(dropped), []
        changed: list[tuple[dt.date, bytes | None, str, tuple[int, int, int, int]]] = []
        for day, path in files.items():
            try:
                st = path.stat()
            except OSError as e:
                raise StoreError(f"{path}: cannot read: {e}") from e
            stat = (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)
            if day in known and seen.get(day.isoformat()) == stat:
                continue
            try:
                content = path.read_bytes()
            except OSError as e:
                raise StoreError(f"{path}: cannot read: {e}") from e
            sha = snapshot.sha256(content)
            changed.append((day, content if known.get(day) != sha else None, sha, stat))
        imported: list[dt.date] = []
        if not dropped and not changed:
            return SyncReport(imported=(), dropped=(), kept=kept)
        with self.transaction():
            for day in dropped:
                self.drop_day(day)
            for day, new_content, sha, stat in changed:
                if new_content is not None:
                    papers = snapshot.loads(new_content, source=str(files[day]), day=day)
                    self.replace_day(day, papers, sha)
                    imported.append(day)
                self.conn.execute(
                    "INSERT OR REPLACE INTO snapshot_files (day, size, mtime_ns, ctime_ns, inode) "
                    "VALUES (?, ?, ?, ?, ?)",
                    (day.isoformat(), *stat),
                )
        return SyncReport(imported=tuple(imported), dropped=tuple(dropped), kept=kept)

    # -- reading -----------------------------------------------------------------------------------
    def days(self) -> list[DaySummary]:
        rows = self.conn.execute(
            "SELECT d.day, d.paper_count, a.announce_type, count(a.id) FROM days d "
            "LEFT JOIN announcements a ON a.day = d.day GROUP BY d.day, a.announce_type ORDER BY d.day"
        )
        by_day: dict[str, DaySummary] = {}
        for day, count, kind, n in rows:
            summary = by_day.setdefault(day, DaySummary(stored_day(day), count, {}))
            if kind is not None:
                summary.counts[kind] = n
        return list(by_day.values())

    def latest_day(self) -> dt.date | None:
        row = self.conn.execute("SELECT max(day) FROM days").fetchone()
        return stored_day(row[0]) if row and row[0] else None

    def snapshot_sha(self, day: dt.date) -> str | None:
        row = self.conn.execute(
            "SELECT snapshot_sha256 FROM days WHERE day = ?", (day.isoformat(),)
        ).fetchone()
        return row[0] if row else None

    def papers_for_day(self, day: dt.date) -> list[Paper]:
        rows = self.conn.execute(f"SELECT {COLUMNS} FROM announcements WHERE day = ?", (day.isoformat(),))
        return [paper_of(row) for row in rows]

    def latest_announcement(self, arxiv_id: str) -> Paper | None:
        row = self.conn.execute(
            f"SELECT {COLUMNS} FROM announcements WHERE id = ? ORDER BY day DESC LIMIT 1", (arxiv_id,)
        ).fetchone()
        return paper_of(row) if row else None

    def integrity_check(self) -> str:
        return str(self.conn.execute("PRAGMA integrity_check").fetchone()[0])
