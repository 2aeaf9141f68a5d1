"""Reading the database while a run writes it (issue #7): ``search``, ``explain`` and ``rank`` take no lock,
so a run may be publishing while they read. They then read the database as the run found it, and nothing
else:

- the last committed state, in one read transaction: SQLite's write-ahead log gives a reader a snapshot
  that a commit in the middle does not change, so no half-written day is ever seen;
- no sync from ``data/`` (whose new snapshot the run writes before its database commits: half its state);
- nothing written: the file is opened read-only, so the run never waits for a reader (nor a reader for
  the run), and a search index not built yet is not built (the search reads every row instead).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from ..errors import DatabaseUnwritableError, StoreError
from ..output import layout
from ..output.lock import writer_pid
from . import _sqlite
from .db import Store

log = logging.getLogger("arxiv_digest")
T = TypeVar("T")


def running_writer(db_path: Path, data_dir: Path) -> tuple[Path, str] | None:
    """The folder a run is writing now and the run's pid ('' if unknown), among those the database and
    ``data_dir`` belong to; None when no run is writing either."""
    folders = [data_dir.parent]
    if db_path.parent.name == layout.STATE_DIR:  # OUT/.arxiv-digest/digest.db, even with --db alone
        folders.append(db_path.parent.parent)
    for folder in folders:
        pid = writer_pid(folder)
        if pid is not None:
            return folder, pid
    return None


def read_committed(db_path: Path, writer: tuple[Path, str], work: Callable[[Store], T]) -> T:
    """``work`` on the database as last committed, read-only and in one read transaction (see above)."""
    folder, pid = writer
    who = f"a run (pid {pid})" if pid else "a run"
    if not db_path.is_file():
        raise StoreError(
            f"{who} is writing {folder} and {db_path} does not exist yet: run again when it is done"
        )
    log.warning(
        "%s is writing %s: reading %s as it was before that run (nothing it is adding); run again when it "
        "is done to see its day",
        who,
        folder,
        db_path,
    )
    with _sqlite.sqlite_errors(db_path):
        conn = _sqlite.connect_read_only(db_path)
        try:
            conn.execute("BEGIN")  # deferred: the first read takes the snapshot every later read sees
            try:
                with _sqlite.sqlite_errors(db_path):
                    store = Store.from_connection(conn, db_path)  # a current schema is only read
            except DatabaseUnwritableError as e:  # an older schema: the run is upgrading it
                raise StoreError(
                    f"{db_path}: {who} is upgrading the database of {folder}; run again when it is done"
                ) from e
            store.read_only = True
            return work(store)
        finally:
            conn.close()
