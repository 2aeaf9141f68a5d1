"""What a SQLite failure means for a database that is only a cache of ``data/*.jsonl`` (issue #7).

Three kinds, because each calls for something different: *damaged* (SQLite found a malformed page, on
opening or on any later read; the jobs move the file aside and rebuild it from the snapshots), *unwritable*
(the file or its folder refuses writes: read-only, full, not a folder; a read command then works from a
copy in memory) and anything else (an error naming the file). Nothing here knows a table.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ..errors import DatabaseCorruptError, DatabaseUnwritableError, StoreError

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


def translate(e: sqlite3.Error, path: Path) -> StoreError:
    """The project's error for a SQLite failure on the database at ``path``."""
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
    return StoreError(f"{path}: {e}")


@contextmanager
def sqlite_errors(path: Path) -> Iterator[None]:
    """Turn the SQLite errors raised inside into the project's (:func:`translate`): the boundary."""
    try:
        yield
    except sqlite3.Error as e:
        raise translate(e, path) from e
