"""The SQLite store: a cache of ``data/*.jsonl``, rebuilt from them when missing or damaged.

:class:`Store` is made of one mixin per domain, each in its own module; a new method goes into the mixin
of its domain (or a new mixin, listed here), never into this class:

- ``base.StoreBase``: the connection, opening (pragmas, migrations, errors mapped), ``transaction()``;
- ``days.DaysMixin``: writing a day and reading the days back;
- ``sync.SyncMixin``: mirroring the snapshot files of ``data/``;
- ``search_index.SearchIndexMixin``: the FTS5 index and the candidates it proposes.

Building a new database whole (a fresh rebuild: bulk mode, worker files) is ``building.py``; where the
database of a digest folder lives, and what to do when it is damaged or read-only, is ``opening.py``. The
database runs in WAL mode; each run writes in one transaction, so a killed run leaves it as it was before
the run (or after, never between).
"""

from __future__ import annotations

from .days import DaysMixin
from .search_index import SearchIndexMixin
from .sync import SyncMixin


class Store(SyncMixin, SearchIndexMixin, DaysMixin):
    """The database, opened with :meth:`Store.open` (or ``opening.open_store``, which also syncs it)."""
