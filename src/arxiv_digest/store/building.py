"""A database being built: a fresh rebuild's, made whole in a file of its own and only then moved into place.

    with building(db_path) as build:
        build.store.replace_day_rows(...)       # in build.store.transaction(), as on any store
        folder = build.worker_folder()          # several processes: each writes into a file of its own
        ...                                     # (worker_store(folder)), and once they have exited
        build.gather()                          # their files become build.store
        build.store.days()                      # it reads like any store
    # here the database is at db_path, in WAL mode; had the block raised, nothing of it would remain

Nobody sees the file (``.<name>.building`` beside ``db_path``) before it is whole, so it is written in bulk
mode: no journal on disk, no syncs, no foreign-key checks, which makes a rebuild's import several times
faster. Workers' files are cheaper to gather in SQL (the largest becomes the database by a rename, the
others are copied in with ``INSERT ... SELECT``) than their rows are to pickle through a pipe.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ..errors import DatabaseUnwritableError, reason
from . import _sqlite
from .db import Store
from .rows import COLUMNS

#: How a worker's file is named in :meth:`Building.worker_folder`.
_WORKER_GLOB = "worker-*.db"


def worker_store(folder: Path) -> Store:
    """The store a worker process writes its days into, in a folder from :meth:`Building.worker_folder`."""
    return Store.open(folder / f"worker-{os.getpid()}.db", bulk=True)


class Building:
    """The database being built for ``final``; its current store is :attr:`store`."""

    def __init__(self, final: Path) -> None:
        self.final = final
        self.path = final.with_name(f".{final.name}.building")
        self._workers: Path | None = None
        _removed(self.path)  # what a killed build left
        self.store = Store.open(self.path, bulk=True)

    def worker_folder(self) -> Path:
        """The folder where worker processes put their files (:func:`worker_store`), made on first call
        beside the database, on the same file system, so that gathering can rename rather than copy."""
        if self._workers is None:
            try:
                self._workers = Path(tempfile.mkdtemp(prefix=".rebuild-", dir=self.final.parent))
            except OSError as e:
                raise DatabaseUnwritableError(
                    str(self.final), f"cannot make the workers' folder: {reason(e)}"
                ) from e
        return self._workers

    def gather(self) -> None:
        """The workers have exited, their files are complete: make them the database. If it is still empty
        (its days all went to the workers), the largest file becomes it; the others are copied into it."""
        if self._workers is None:
            return
        try:
            parts = sorted(self._workers.glob(_WORKER_GLOB), key=lambda p: (-p.stat().st_size, p.name))
            if parts and not self.store.has_days():
                self.store.close()
                os.replace(parts.pop(0), self.path)
                self.store = Store.open(self.path, bulk=True)
        except OSError as e:
            raise DatabaseUnwritableError(
                str(self.path), f"cannot gather the workers' files: {reason(e)}"
            ) from e
        conn = self.store.conn
        for part in parts:
            with _sqlite.attached(conn, part, "worker"), self.store.transaction():
                conn.execute("INSERT INTO days SELECT * FROM worker.days")
                conn.execute(  # with their rowids, which follow days (rows.first_rowid)
                    f"INSERT INTO announcements (rowid, {COLUMNS}) "
                    f"SELECT rowid, {COLUMNS} FROM worker.announcements"
                )
        self._remove_workers()

    def _finish(self) -> None:
        """Back to a normal database (WAL, syncs, foreign keys), closed, and moved into place. A log that
        a deleted database left at ``final`` would be replayed onto this one: it goes first."""
        _sqlite.end_bulk(self.store.conn)
        self.store.close()
        try:
            for stale in _sqlite.database_files(self.final)[1:]:
                stale.unlink(missing_ok=True)
            os.replace(self.path, self.final)
        except OSError as e:
            raise DatabaseUnwritableError(
                str(self.final), f"cannot move the new database into place: {reason(e)}"
            ) from e

    def _abandon(self) -> None:
        """After a failure: best effort, since the failure is what the caller must hear about."""
        self.store.close()
        with contextlib.suppress(OSError):
            _sqlite.remove_database(self.path)

    def _remove_workers(self) -> None:
        if self._workers is not None:
            shutil.rmtree(self._workers, ignore_errors=True)
            self._workers = None


@contextmanager
def building(final: Path) -> Iterator[Building]:
    """A new database for ``final`` (where none is), built in bulk mode beside it and moved into place when
    the block ends; if it raises, the file and the workers' files are removed (see the module's doc)."""
    build = Building(final)
    try:
        yield build
    except BaseException:
        build._abandon()
        raise
    finally:
        build._remove_workers()
    build._finish()


def _removed(path: Path) -> None:
    try:
        _sqlite.remove_database(path)
    except OSError as e:
        raise DatabaseUnwritableError(str(path), f"cannot remove it: {reason(e)}") from e
