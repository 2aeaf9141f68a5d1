"""SQLite itself, for the store: connections and their pragmas, the one transaction API, copies, the files
SQLite keeps beside a database, and the one place where ``sqlite3``'s errors become the project's.

It contains no business logic: nothing here knows a table, a day or a paper (the schema is ``schema.py``).

SQLite's errors are sorted into three kinds, because each calls for something different (issue #7):
*damaged* (a malformed page, on opening or on any later read: the jobs move the file aside and rebuild it
from the snapshots), *unwritable* (the file or its folder refuses writes: read-only, full, not a folder; a
read command then works from a copy in memory) and anything else (an error naming the file).
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ..errors import DatabaseCorruptError, DatabaseUnwritableError, StoreError

#: A database of the store's: write-ahead log (readers never wait for the writer), synced at checkpoints
#: rather than at every commit (a crash loses at most the last commits, never consistency: it is a cache),
#: and foreign keys enforced (a day's announcements go with it).
PRAGMAS = ("PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL", "PRAGMA foreign_keys=ON")
#: A database that nobody sees until it is complete (building.py): no journal on disk, no syncs, no
#: foreign-key checks (its rows come from our own snapshots, each day's row before its papers).
BULK_PRAGMAS = ("PRAGMA journal_mode=MEMORY", "PRAGMA synchronous=OFF", "PRAGMA foreign_keys=OFF")
#: The files SQLite keeps beside a database: the WAL log and its index, and a rollback journal (which a
#: killed bulk build, or an older SQLite, may leave). They belong to that file and to no other.
COMPANIONS = ("-wal", "-shm", "-journal")

#: SQLite's primary result codes (the low byte of an extended code) for a damaged file.
_CORRUPT = frozenset({sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB})
#: ... and for a file or folder that refuses writes (SQLITE_IOERR covers a -shm file it cannot create).
_UNWRITABLE = frozenset(
    {
        sqlite3.SQLITE_READONLY,
        sqlite3.SQLITE_CANTOPEN,
        sqlite3.SQLITE_PERM,
        sqlite3.SQLITE_IOERR,
        sqlite3.SQLITE_FULL,
    }
)
#: CPython's own error for a text column that does not decode: we only ever store UTF-8, so the page
#: holding it was overwritten (it carries no SQLite code, since SQLite itself saw nothing wrong).
_UNDECODABLE = "Could not decode to UTF-8"


# -- connections -----------------------------------------------------------------------------------------
def connect(path: Path, *, bulk: bool = False) -> sqlite3.Connection:
    """A connection to the database file at ``path`` (created if missing) with :data:`PRAGMAS`, or with
    :data:`BULK_PRAGMAS` if ``bulk``. Autocommit mode: every transaction is explicit (:func:`transaction`).
    Raises ``sqlite3.Error`` (the caller maps it, naming what it was opening)."""
    conn = sqlite3.connect(path, isolation_level=None, timeout=30)
    try:
        for pragma in BULK_PRAGMAS if bulk else PRAGMAS:
            conn.execute(pragma)
    except BaseException:
        conn.close()
        raise
    return conn


def connect_read_only(path: Path) -> sqlite3.Connection:
    """A connection that cannot write the database at ``path`` (``mode=ro``; it must exist), for reading
    it while another process writes it. Autocommit mode, as :func:`connect`. Raises ``sqlite3.Error``."""
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, isolation_level=None, timeout=5)
    try:
        conn.execute("PRAGMA foreign_keys=ON")
    except BaseException:
        conn.close()
        raise
    return conn


def connect_memory() -> sqlite3.Connection:
    """An empty in-memory database, with foreign keys enforced as on a file."""
    conn = sqlite3.connect(":memory:", isolation_level=None)
    conn.execute("PRAGMA foreign_keys=ON")
    return conn


def end_bulk(conn: sqlite3.Connection) -> None:
    """Turn a :func:`connect` ``bulk=True`` database into a normal one (WAL, syncs, foreign keys)."""
    for pragma in PRAGMAS:
        conn.execute(pragma)


def copy_read_only(path: Path, target: sqlite3.Connection) -> None:
    """Copy the database at ``path`` into ``target`` without writing beside it. ``mode=ro`` still needs the
    WAL index (``-shm``), which a read-only folder cannot hold; ``immutable=1`` needs nothing (it skips the
    WAL log, whose days a sync from data/ then brings back). Raises the last ``sqlite3.Error``."""
    uri = path.resolve().as_uri()
    error: sqlite3.Error | None = None
    for flags in ("mode=ro", "mode=ro&immutable=1"):
        try:
            source = sqlite3.connect(f"{uri}?{flags}", uri=True)
        except sqlite3.Error as e:
            error = e
            continue
        try:
            source.backup(target)
            return
        except sqlite3.Error as e:
            error = e
        finally:
            source.close()
    assert error is not None
    raise error


@contextmanager
def attached(conn: sqlite3.Connection, path: Path, schema: str) -> Iterator[None]:
    """The database at ``path`` attached to ``conn`` as ``schema`` while inside."""
    if not schema.isidentifier():  # a schema name cannot be a parameter
        raise ValueError(f"not a schema name: {schema!r}")
    conn.execute(f"ATTACH DATABASE ? AS {schema}", (str(path),))
    try:
        yield
    finally:
        conn.execute(f"DETACH DATABASE {schema}")


def user_version(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def set_user_version(conn: sqlite3.Connection, version: int) -> None:
    conn.execute(f"PRAGMA user_version = {int(version)}")  # a pragma takes no parameters


# -- transactions ----------------------------------------------------------------------------------------
@contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[None]:
    """One transaction: committed when the block ends, rolled back if it raises. Inside another, the block
    is part of the outer one. ``BEGIN IMMEDIATE`` takes the write lock up front, so that a second writer
    waits for it (the connection's timeout) rather than failing when a read would turn into a write."""
    if conn.in_transaction:
        yield
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
        commit(conn)
    except BaseException:
        if conn.in_transaction:  # (SQLite rolls back by itself on some errors, a full disk among them)
            conn.execute("ROLLBACK")
        raise


def commit(conn: sqlite3.Connection) -> None:
    """``COMMIT``: a function of its own because it is the moment a run's database writes become real
    (the crash tests stop a run just before it)."""
    conn.execute("COMMIT")


# -- errors ----------------------------------------------------------------------------------------------
def translate(
    e: sqlite3.Error, path: Path, *, context: str | None = None, hint: str | None = None
) -> StoreError:
    """The project's error for a SQLite failure on the database at ``path``. ``context`` (what was being
    done) and ``hint`` (what to do) go into an error of the third kind; damage and refused writes have
    their own messages, and their own remedies in the jobs."""
    code = (getattr(e, "sqlite_errorcode", None) or 0) & 0xFF
    if code in _CORRUPT:
        return DatabaseCorruptError(str(path), str(e))
    if isinstance(e, sqlite3.OperationalError) and str(e).startswith(_UNDECODABLE):
        # The message goes on with the damaged text itself: arXiv's words and stray bytes, not for a terminal.
        column = re.match(r"[^']*'([\w]+)'", str(e))
        where = f" in column {column.group(1)!r}" if column else ""
        return DatabaseCorruptError(str(path), f"a stored text is not UTF-8{where}")
    if code in _UNWRITABLE:
        return DatabaseUnwritableError(str(path), str(e))
    message = f"{path}: {context} ({e})" if context else f"{path}: {e}"
    return StoreError(f"{message}; {hint}" if hint else message)


@contextmanager
def sqlite_errors(path: Path, *, context: str | None = None, hint: str | None = None) -> Iterator[None]:
    """Turn the SQLite errors raised inside into the project's (:func:`translate`): the boundary."""
    try:
        yield
    except sqlite3.Error as e:
        raise translate(e, path, context=context, hint=hint) from e


# -- files -----------------------------------------------------------------------------------------------
def database_files(path: Path) -> tuple[Path, ...]:
    """The database file at ``path`` and the names of its :data:`COMPANIONS` (which may not exist)."""
    return (path, *(path.with_name(path.name + suffix) for suffix in COMPANIONS))


def remove_database(path: Path) -> None:
    """Remove the database at ``path`` and its companions, those that exist. Raises ``OSError``."""
    for name in database_files(path):
        name.unlink(missing_ok=True)
