"""``data/<YYYY-MM-DD>.incomplete``: a day whose publication began and has not finished (issue #7).

A run writes the day's snapshot first and its pages after it. Were the snapshot alone the sign of a
published day, a run failing among the pages (disk full, a name the file system refuses) would leave
``status`` reporting that day as published. So a run creates this marker before its first write and
removes it only once every file is written and the database committed: while it exists, ``status`` says
the day is incomplete and exits 1. It lives in ``data/`` beside the snapshot, so that it is committed with
the half-written pages if someone commits them (on GitHub Actions a failed run commits nothing).

The next run of the same day rewrites what differs and removes it; a run of another day also republishes
a day it finds marked, and ``rebuild`` (which republishes every day) removes them all. The name does not
match the snapshot glob, so ``Store.sync`` and ``rebuild`` never read it as a day.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
from pathlib import Path

from ..errors import PublishError, cannot

SUFFIX = ".incomplete"
_NAME = re.compile(r"^(\d{4}-\d{2}-\d{2})\.incomplete$", re.ASCII)
_TEXT = (
    "arxiv-digest began publishing {day} and has not finished: it failed or was killed while writing\n"
    "its pages. Run {fix}; this file goes when it succeeds.\n"
)


def marker_path(data_dir: Path, day: dt.date) -> Path:
    return data_dir / f"{day.isoformat()}{SUFFIX}"


def mark(data_dir: Path, day: dt.date) -> None:
    """Say, durably, that ``day`` is being published: before the first file of the day is written.

    Plain writes, no ``os.replace``: the marker means something by existing, a torn one means the same."""
    _write_marker(
        marker_path(data_dir, day), day.isoformat(), "`arxiv-digest run` again (or `arxiv-digest rebuild`)"
    )


def _write_marker(path: Path, what: str, fix: str) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o644)
        try:
            os.write(fd, _TEXT.format(day=what, fix=fix).encode("utf-8"))
            os.fsync(fd)
        finally:
            os.close(fd)
        _sync_folder(path.parent)
    except OSError as e:
        raise PublishError(cannot("write", path, e)) from e


def rebuild_marker_path(data_dir: Path) -> Path:
    """The marker of a rebuild (or a demo) that began and has not finished: it republishes every day, so
    one file stands for all of them (a marker per day would cost a write and an fsync per stored day)."""
    return data_dir / f"rebuild{SUFFIX}"


def mark_rebuild(data_dir: Path) -> None:
    """Say, durably, that every stored day is being republished; ``clear_rebuild`` ends it."""
    _write_marker(rebuild_marker_path(data_dir), "every stored day (a rebuild)", "`arxiv-digest rebuild`")


def clear_rebuild(data_dir: Path) -> None:
    _remove(rebuild_marker_path(data_dir))


def rebuild_unfinished(data_dir: Path) -> bool:
    return rebuild_marker_path(data_dir).is_file()


def clear(data_dir: Path, days: list[dt.date]) -> None:
    """The days are published: remove their markers (after the last write and the database commit)."""
    for day in days:
        _remove(marker_path(data_dir, day))


def _remove(path: Path) -> None:
    try:
        path.unlink()
    except FileNotFoundError:
        return
    except OSError as e:
        raise PublishError(cannot("remove", path, e)) from e


def marked_days(data_dir: Path) -> list[dt.date]:
    """The days whose publication did not finish, oldest first."""
    if not data_dir.is_dir():
        return []
    found = []
    for path in data_dir.iterdir():
        m = _NAME.match(path.name)
        if m:
            with contextlib.suppress(ValueError):
                found.append(dt.date.fromisoformat(m.group(1)))
    return sorted(found)


def _sync_folder(folder: Path) -> None:
    """Make the new name itself durable (the entry lives in the folder)."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
