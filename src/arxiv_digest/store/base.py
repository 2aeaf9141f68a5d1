"""What every part of :class:`~arxiv_digest.store.Store` stands on: one connection, the file it names in
errors, opening (pragmas, migrations, errors mapped) and the one transaction API."""

from __future__ import annotations

import sqlite3
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Self

from ..errors import DatabaseUnwritableError, reason
from . import _sqlite, schema


class StoreBase:
    """A connection to a migrated database. The domain methods live in the mixins (see ``db.Store``)."""

    def __init__(self, conn: sqlite3.Connection, path: Path) -> None:
        self.conn = conn
        self.path = path
        #: Opened so that it cannot write (``committed.read_committed``): what would write is skipped.
        self.read_only = False

    @classmethod
    def open(cls, path: Path, *, bulk: bool = False) -> Self:
        """Open (creating and migrating) the database at ``path``; its folder is made if missing. ``bulk``
        is for a database nobody sees until it is whole (:mod:`~arxiv_digest.store.building`)."""
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as e:  # a read-only folder, or a file where the folder should be
            raise DatabaseUnwritableError(str(path), f"cannot create {path.parent}: {reason(e)}") from e
        with _sqlite.sqlite_errors(
            path,
            context="cannot open the database",
            hint="delete it and it will be rebuilt from data/*.jsonl",
        ):
            conn = _sqlite.connect(path, bulk=bulk)
            try:  # (the connection is closed on any failure, a schema too new included)
                return cls.from_connection(conn, path)
            except BaseException:
                conn.close()
                raise

    @classmethod
    def from_connection(cls, conn: sqlite3.Connection, path: Path) -> Self:
        """A store on an open connection (an in-memory copy, say), migrated; ``path`` names it in errors."""
        schema.migrate(conn, path)
        return cls(conn, path)

    def transaction(self) -> AbstractContextManager[None]:
        """The one way to write: ``with store.transaction(): ...`` commits at the end of the block, or rolls
        back if it raises; a block inside another is part of the outer transaction."""
        return _sqlite.transaction(self.conn)

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
