"""Where a digest folder keeps its database, and opening it: light enough for `search` to import alone."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

from ..errors import StoreError
from ..publish import STATE_DIR
from .db import Store

log = logging.getLogger("arxiv_digest")


def default_db_path(out_dir: Path) -> Path:
    return out_dir / STATE_DIR / "digest.db"


def open_db(db_path: Path) -> Store:
    """Open (or create) the database. A corrupt one is a cache: it is moved aside and recreated."""
    try:
        return Store.open(db_path)
    except StoreError as e:
        if not (db_path.exists() and "cannot open the database" in str(e)):
            raise
        aside = db_path.with_suffix(db_path.suffix + ".corrupt")
        log.warning("%s; moving it to %s and rebuilding it from the snapshots", e, aside)
        shutil.move(db_path, aside)
        return Store.open(db_path)


def open_store(db_path: Path, data_dir: Path) -> Store:
    """Open (or recreate) the database and make it mirror ``data_dir``."""
    store = open_db(db_path)
    try:
        store.sync(data_dir)
    except BaseException:
        store.close()
        raise
    return store
