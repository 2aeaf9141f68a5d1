"""Where a digest folder keeps its database, and opening it: light enough for `search` to import alone.

The database is a cache of ``data/*.jsonl`` (issue #7 hardens what that promises):

- damaged, on opening or on any later read (:class:`DatabaseCorruptError`): it is moved aside (the
  message says where) and rebuilt from the snapshots, and the work is done again; never when there is no
  snapshot to rebuild it from (a read command pointed at a database alone): that is an error instead;
- a command that only reads (:func:`read_store`) never writes while a run writes the folder (it reads the
  database as last committed: ``committed.py``), and otherwise never deletes: it imports the snapshots
  that are new or changed, keeps the days whose snapshot it cannot see, and with no snapshot at all reads
  the database as it is; when the database or its folder refuses writes it reads a copy in memory.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Collection
from pathlib import Path
from typing import TypeVar

from ..errors import DatabaseCorruptError, DatabaseUnwritableError, StoreError, reason
from ..output import layout
from . import _sqlite, snapshot
from ._sqlite import sqlite_errors
from .committed import read_committed, running_writer
from .db import Store

log = logging.getLogger("arxiv_digest")
T = TypeVar("T")


def default_db_path(out_dir: Path) -> Path:
    return out_dir / layout.DATABASE


def database_exists(db_path: Path) -> bool:
    return db_path.exists()


def move_aside(db_path: Path, damage: DatabaseCorruptError) -> Path:
    """Move a damaged database (and its WAL files) to ``<name>.corrupt``, replacing an older one there."""
    aside = db_path.with_name(db_path.name + ".corrupt")
    try:  # its companions (a WAL log) go with it, so that no stale log meets the new file
        pairs = zip(_sqlite.database_files(db_path), _sqlite.database_files(aside), strict=True)
        for source, target in pairs:
            if source.exists():
                source.replace(target)
            else:
                target.unlink(missing_ok=True)
    except OSError as e:
        raise DatabaseUnwritableError(
            str(db_path), f"it is damaged ({damage.detail}) and cannot be moved aside: {reason(e)}"
        ) from e
    log.warning(
        "%s: the database is damaged (%s); moved it to %s, rebuilding it from the snapshots",
        db_path,
        damage.detail,
        aside,
    )
    return aside


def open_db(db_path: Path) -> Store:
    """Open (or create) the database. A damaged one is a cache: it is moved aside and recreated."""
    try:
        return Store.open(db_path)
    except DatabaseCorruptError as e:
        move_aside(db_path, e)
        return Store.open(db_path)


def open_store(db_path: Path, data_dir: Path, only: Collection[dt.date] | None = None) -> Store:
    """Open (or recreate) the database and make it mirror ``data_dir`` (``only``: those days of it, the
    others left as they are or missing, for a job that reads no other: ``Store.sync_days``)."""
    store = open_db(db_path)
    try:
        with sqlite_errors(db_path):
            if only is None:
                store.sync(data_dir)
            else:
                store.sync_days(data_dir, only)
    except BaseException:
        store.close()
        raise
    return store


def with_store(
    db_path: Path, data_dir: Path, work: Callable[[Store], T], only: Collection[dt.date] | None = None
) -> T:
    """``work`` on the database mirroring ``data_dir`` (``only``: see :func:`open_store`), for a job that
    holds the output lock. Damage found
    at any point (opening, syncing, or any read inside ``work``) moves the database aside, rebuilds it
    from ``data_dir`` and does ``work`` once more (:func:`retry_if_damaged`)."""

    def on_disk() -> T:
        with open_store(db_path, data_dir, only) as store:
            return work(store)

    return retry_if_damaged(db_path, on_disk)


def retry_if_damaged(db_path: Path, work: Callable[[], T]) -> T:
    """``work``, which opens the database at ``db_path`` itself, with SQLite's errors mapped; if it finds
    the database damaged, the file is moved aside and ``work`` runs once more, on a new one. So ``work``
    must be safe to repeat (a run is: its writes are atomic and a rewrite of the same bytes is skipped)."""
    try:
        with sqlite_errors(db_path):
            return work()
    except DatabaseCorruptError as e:
        move_aside(db_path, e)
    with sqlite_errors(db_path):
        return work()


def read_store(db_path: Path, data_dir: Path, work: Callable[[Store], T]) -> T:
    """``work`` for a command that only reads (``search``, ``explain``): see the module's docstring. While a
    run writes the folder, the database as last committed, read-only (``committed.py``)."""
    writer = running_writer(db_path, data_dir)
    if writer is not None:
        return read_committed(db_path, writer, work)
    has_days = bool(snapshot.day_files(data_dir))
    try:
        return _read(Store.open(db_path), db_path, data_dir, has_days, work)
    except DatabaseCorruptError as e:
        if not has_days:
            raise _unrecoverable(db_path, data_dir, e) from e
        try:
            move_aside(db_path, e)
        except DatabaseUnwritableError as refused:
            log.warning("%s; reading the snapshots in %s into memory instead", refused, data_dir)
            return _read(_in_memory(db_path, has_days, copy=False), db_path, data_dir, has_days, work)
        return _read(Store.open(db_path), db_path, data_dir, has_days, work)
    except DatabaseUnwritableError as e:
        log.warning(
            "%s; reading %s in memory instead (nothing is written; search indexes it each time)",
            e,
            "a copy of it" if db_path.is_file() else data_dir,
        )
    try:
        return _read(_in_memory(db_path, has_days, copy=True), db_path, data_dir, has_days, work)
    except DatabaseCorruptError as e:  # the copy is damaged too: what data/ holds, in memory
        if not has_days:
            raise _unrecoverable(db_path, data_dir, e) from e
        log.warning("%s; reading the snapshots in %s into memory instead", e, data_dir)
        return _read(_in_memory(db_path, has_days, copy=False), db_path, data_dir, has_days, work)


def _read(store: Store, db_path: Path, data_dir: Path, has_days: bool, work: Callable[[Store], T]) -> T:
    try:
        with sqlite_errors(db_path):
            _sync_for_reading(store, db_path, data_dir, has_days)
            return work(store)
    finally:
        store.close()


def _sync_for_reading(store: Store, db_path: Path, data_dir: Path, has_days: bool) -> None:
    if not has_days:  # e.g. `search --db FILE` run outside the digest folder: never empty FILE
        if store.has_days():
            log.warning(
                "no snapshot in %s: reading %s as it is, without bringing it up to date (pass --out with "
                "the digest folder to do that)",
                data_dir,
                db_path,
            )
        return
    report = store.sync(data_dir, drop=False)
    if report.kept:
        log.warning(
            "%d stored day(s) have no snapshot in %s (%s%s): kept, since a command that only reads deletes "
            "nothing; `arxiv-digest rebuild` drops them",
            len(report.kept),
            data_dir,
            ", ".join(d.isoformat() for d in report.kept[:3]),
            ", …" if len(report.kept) > 3 else "",
        )


def _in_memory(db_path: Path, has_days: bool, *, copy: bool) -> Store:
    """An in-memory database: a copy of the file at ``db_path`` read without writing anything there (when
    ``copy`` and it exists), else empty. Errors still name ``db_path``."""
    with sqlite_errors(db_path):
        conn = _sqlite.connect_memory()
        try:
            if copy and db_path.is_file():
                try:
                    with sqlite_errors(db_path):
                        _sqlite.copy_read_only(db_path, conn)
                except StoreError as e:
                    if not has_days:
                        raise
                    log.warning("%s; cannot read a copy of it either: reading the snapshots instead", e)
            return Store.from_connection(conn, db_path)
        except BaseException:
            conn.close()
            raise


def _unrecoverable(db_path: Path, data_dir: Path, e: DatabaseCorruptError) -> StoreError:
    return StoreError(
        f"{db_path}: the database is damaged ({e.detail}), and {data_dir} holds no snapshot to rebuild it "
        "from; restore the file from a backup, or pass --out with the digest folder whose data/ it mirrors"
    )
