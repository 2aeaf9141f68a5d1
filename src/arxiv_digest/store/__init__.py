"""Storage: the daily snapshots in git (``snapshot``, ``meta``, ``remote``, ``incomplete``) and the SQLite
database derived from them. The only package that touches SQL or a SQLite file.

The public face: :class:`Store` (a database, its days, sync and search index), opening a digest folder's
database (:func:`open_store`, :func:`with_store` for a job, :func:`read_store` for a command that only
reads), and :func:`building` for a rebuild that makes a new one whole. Inside: ``_sqlite`` (SQLite itself:
pragmas, transactions, its errors mapped), ``schema`` (tables and migrations), one module per domain of the
store (``days``, ``sync``, ``search_index``), ``rows`` (the announcements' rows both ways).
"""

from __future__ import annotations

from .building import Building, building, worker_store
from .days import DaySummary
from .db import Store
from .opening import (
    database_exists,
    default_db_path,
    open_db,
    open_store,
    read_store,
    retry_if_damaged,
    with_store,
)
from .rows import announcement_rows
from .sync import SyncReport

__all__ = [
    "Building",
    "DaySummary",
    "Store",
    "SyncReport",
    "announcement_rows",
    "building",
    "database_exists",
    "default_db_path",
    "open_db",
    "open_store",
    "read_store",
    "retry_if_damaged",
    "with_store",
    "worker_store",
]
