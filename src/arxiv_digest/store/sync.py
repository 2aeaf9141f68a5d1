"""Keeping the database a mirror of ``data/<day>.jsonl``: a day whose file changed (its SHA-256 differs) is
re-imported, a day whose file is gone is dropped, and a file is read again only when its size, times or
inode moved since its day was last checked (as git's index does)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from ..errors import StoreError, cannot_read
from . import snapshot
from .days import DaysMixin
from .rows import stored_day

#: (size, mtime_ns, ctime_ns, inode): what a snapshot file looked like when last checked.
_Stat = tuple[int, int, int, int]


@dataclass(frozen=True, slots=True)
class SyncReport:
    imported: tuple[dt.date, ...]
    dropped: tuple[dt.date, ...]
    kept: tuple[dt.date, ...] = ()  # days with no snapshot that a sync without ``drop`` left in place


@dataclass(frozen=True, slots=True)
class _Changed:
    day: dt.date
    content: bytes | None  # None: the file was touched, but its bytes are those already stored
    sha: str
    stat: _Stat


class SyncMixin(DaysMixin):
    """The database against the snapshot files. Methods that compare it with ``data/`` go here."""

    def sync(self, data_dir: Path, *, drop: bool = True) -> SyncReport:
        """Import every snapshot the database lacks or holds an older copy of; drop days with no file
        (unless not ``drop``: a command that only reads deletes nothing, issue #7; they are in ``kept``).

        A file whose size, modification and change times and inode are those recorded when its day was
        last checked is not read again; any other is read and hashed, and imported only if its SHA-256
        differs from the stored day's. Nothing is written (no write lock taken) when nothing changed."""
        files = snapshot.day_files(data_dir)
        known = {
            stored_day(day): sha for day, sha in self.conn.execute("SELECT day, snapshot_sha256 FROM days")
        }
        dropped = [day for day in known if day not in files]
        kept: tuple[dt.date, ...] = ()
        if not drop:
            kept, dropped = tuple(dropped), []
        changed = self._changed_files(files, known)
        if not dropped and not changed:
            return SyncReport(imported=(), dropped=(), kept=kept)
        imported: list[dt.date] = []
        with self.transaction():
            for day in dropped:
                self.drop_day(day)
            for change in changed:
                if change.content is not None:
                    papers = snapshot.loads(change.content, source=str(files[change.day]), day=change.day)
                    self.replace_day(change.day, papers, change.sha)
                    imported.append(change.day)
                self.conn.execute(
                    "INSERT OR REPLACE INTO snapshot_files (day, size, mtime_ns, ctime_ns, inode) "
                    "VALUES (?, ?, ?, ?, ?)",
                    (change.day.isoformat(), *change.stat),
                )
        return SyncReport(imported=tuple(imported), dropped=tuple(dropped), kept=kept)

    def _changed_files(self, files: dict[dt.date, Path], known: dict[dt.date, str]) -> list[_Changed]:
        """The snapshot files that moved since they were last checked, read and hashed."""
        seen = {
            row[0]: tuple(row[1:])
            for row in self.conn.execute("SELECT day, size, mtime_ns, ctime_ns, inode FROM snapshot_files")
        }
        changed = []
        for day, path in files.items():
            try:
                st = path.stat()
            except OSError as e:
                raise StoreError(cannot_read(path, e)) from e
            stat = (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)
            if day in known and seen.get(day.isoformat()) == stat:
                continue
            try:
                content = path.read_bytes()
            except OSError as e:
                raise StoreError(cannot_read(path, e)) from e
            sha = snapshot.sha256(content)
            changed.append(_Changed(day, content if known.get(day) != sha else None, sha, stat))
        return changed
