"""Keeping the database a mirror of ``data/<day>.jsonl``: a day whose file changed (its SHA-256 differs) is
re-imported, a day whose file is gone is dropped, and a file is read again only when its size or
modification time moved since its day was last checked (as git's index does).

Files are handled one at a time (read, hashed, imported, let go), so a sync of thousands of days holds one
snapshot's bytes at a time. :meth:`SyncMixin.sync_days` brings only some days up to date: what a daily run
reads (issue #12), so a fresh clone imports a few days instead of its whole history; any later full
:meth:`SyncMixin.sync` (search, explain, rebuild) imports the rest, since a day missing from ``days`` is
one to import."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

from ..errors import StoreError, cannot_read
from . import snapshot
from .days import DaysMixin
from .rows import stored_day

#: (size, mtime_ns): what a snapshot file looked like when last checked (its hash is the day's sha).
_Stat = tuple[int, int]


@dataclass(frozen=True, slots=True)
class SyncReport:
    imported: tuple[dt.date, ...]
    dropped: tuple[dt.date, ...]
    kept: tuple[dt.date, ...] = ()  # days with no snapshot that a sync without ``drop`` left in place


class SyncMixin(DaysMixin):
    """The database against the snapshot files. Methods that compare it with ``data/`` go here."""

    def sync(self, data_dir: Path, *, drop: bool = True) -> SyncReport:
        """Import every snapshot the database lacks or holds an older copy of; drop days with no file
        (unless not ``drop``: a command that only reads deletes nothing, issue #7; they are in ``kept``).

        A file whose size and modification time are those recorded when its day was last checked is not
        read again; any other is read and hashed, and imported only if its SHA-256 differs from the stored
        day's. Nothing is written (no write lock taken) when nothing changed."""
        files = snapshot.day_files(data_dir)
        return self._sync(files, files.keys(), drop=drop)

    def sync_days(self, data_dir: Path, days: Collection[dt.date]) -> SyncReport:
        """:meth:`sync` for ``days`` only (those with a file), and the dropping of every stored day whose
        file is gone: the database may then lack other days, or hold an older copy of one, which a later
        :meth:`sync` brings up to date."""
        names = snapshot.day_names(data_dir)
        files = {day: data_dir / names[day] for day in days if day in names}
        return self._sync(files, names.keys(), drop=True)

    def _sync(self, files: dict[dt.date, Path], present: Collection[dt.date], *, drop: bool) -> SyncReport:
        """Bring ``files`` up to date; a stored day not ``present`` (no file) goes, unless not ``drop``."""
        known = {
            stored_day(day): sha for day, sha in self.conn.execute("SELECT day, snapshot_sha256 FROM days")
        }
        dropped = [day for day in known if day not in present]
        kept: tuple[dt.date, ...] = ()
        if not drop:
            kept, dropped = tuple(dropped), []
        seen: dict[str, _Stat] = {
            row[0]: (row[1], row[2])
            for row in self.conn.execute("SELECT day, size, mtime_ns FROM snapshot_files")
        }
        todo = [
            (day, path, stat)
            for day, path in files.items()
            if (stat := _stat(path)) != seen.get(day.isoformat()) or day not in known
        ]
        if not dropped and not todo:
            return SyncReport(imported=(), dropped=(), kept=kept)
        imported: list[dt.date] = []
        with self.transaction():
            for day in dropped:
                self.drop_day(day)
            for day, path, stat in todo:
                if self._import_if_changed(day, path, known.get(day)):
                    imported.append(day)
                self.conn.execute(
                    "INSERT OR REPLACE INTO snapshot_files (day, size, mtime_ns) VALUES (?, ?, ?)",
                    (day.isoformat(), *stat),
                )
        return SyncReport(imported=tuple(imported), dropped=tuple(dropped), kept=kept)

    def _import_if_changed(self, day: dt.date, path: Path, stored_sha: str | None) -> bool:
        """Read and hash one snapshot; import it if its hash is not the stored day's. Its bytes go when
        this returns."""
        try:
            content = path.read_bytes()
        except OSError as e:
            raise StoreError(cannot_read(path, e)) from e
        sha = snapshot.sha256(content)
        if sha == stored_sha:
            return False
        self.replace_day(day, snapshot.loads(content, source=str(path), day=day), sha)
        return True


def _stat(path: Path) -> _Stat:
    try:
        st = path.stat()
    except OSError as e:
        raise StoreError(cannot_read(path, e)) from e
    return (st.st_size, st.st_mtime_ns)
