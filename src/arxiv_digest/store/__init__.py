"""Storage: the daily snapshots in git (``snapshot``) and the SQLite database derived from them (``db``)."""

from __future__ import annotations

from .db import DaySummary, Store, SyncReport

__all__ = ["DaySummary", "Store", "SyncReport"]
