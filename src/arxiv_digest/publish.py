"""Writing the output folder: atomically, only what changed, under a lock.

Every file is written to a temporary file in its own folder and moved over the old one with ``os.replace``
(atomic on POSIX), so a run killed at any moment leaves each file wholly old or wholly new. A file whose
bytes are unchanged is not touched (re-running a day changes nothing, not even a timestamp). Pages this run
no longer produces (a topic removed from the config) are deleted from the folders arxiv-digest owns.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from .errors import LockError, PublishError

STATE_DIR = ".arxiv-digest"
#: What may be deleted from an owned folder: Markdown pages, the site's HTML pages and its Atom feeds.
OWNED_SUFFIXES = (".md", ".html", ".xml")


def atomic_write(path: Path, content: bytes, *, durable: bool = False) -> bool:
    """Write ``content`` to ``path`` atomically; return False (and touch nothing) if it is already there."""
    try:
        if path.is_file() and path.stat().st_size == len(content) and path.read_bytes() == content:
            return False
        path.parent.mkdir(parents=True, exist_ok=True)
        # A name no other writer uses (one process holds the lock; workers write distinct files).
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o644)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(content)
                if durable:
                    f.flush()
                    os.fsync(f.fileno())
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
    except OSError as e:
        raise PublishError(f"cannot write {path}: {e.strerror or e}") from e
    return True


def _writer_alive(temp_name: str) -> bool:
    """Is the process that named this `.<name>.<pid>.tmp` file still running?"""
    pid_text = temp_name.rsplit(".", 2)[-2] if temp_name.count(".") >= 3 else ""
    if not pid_text.isdigit():
        return False
    try:
        os.kill(int(pid_text), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it exists, it is someone else's
    return True


def _safe_relative(relative: str) -> PurePosixPath:
    rel = PurePosixPath(relative)
    if rel.is_absolute() or ".." in rel.parts or not rel.parts:
        raise PublishError(f"refusing to write outside the output folder: {relative!r}")
    return rel


@dataclass
class Staging:
    """Files to publish under ``root``, by relative POSIX path, plus folders whose other pages are stale."""

    root: Path
    files: dict[str, bytes] = field(default_factory=dict)
    owned_dirs: set[str] = field(default_factory=set)
    removed: set[str] = field(default_factory=set)

    def add(self, relative: str, content: bytes) -> None:
        self.files[str(_safe_relative(relative))] = content

    def remove(self, relative: str) -> None:
        """Delete this file, if it exists, when committing (a day's metadata it no longer needs)."""
        self.removed.add(str(_safe_relative(relative)))

    def add_tree(self, prefix: str, files: dict[str, bytes], owned: Iterable[str] = ()) -> None:
        for rel, content in files.items():
            self.add(f"{prefix}{rel}", content)
        for d in owned:
            self.owned_dirs.add(str(_safe_relative(f"{prefix}{d}")))

    def commit(self, *, first: Iterable[str] = ()) -> tuple[int, int]:
        """Write everything (``first`` before the rest); delete stale pages in owned folders and the
        files marked with :meth:`remove`. Returns (files written, files deleted)."""
        written = 0
        order = [p for p in first if p in self.files] + [p for p in self.files if p not in set(first)]
        for rel in order:
            durable = rel.startswith("data/")
            if atomic_write(self.root / rel, self.files[rel], durable=durable):
                written += 1
        deleted = 0
        # A run killed mid-write leaves `.<name>.<pid>.tmp` behind. Remove those of processes that are gone,
        # never those of a live one (rebuild workers share folders such as site/day/).
        for folder in {(self.root / rel).parent for rel in order}:
            for stale in folder.glob(".*.tmp"):
                if not _writer_alive(stale.name):
                    with contextlib.suppress(OSError):
                        stale.unlink()
        for d in sorted(self.owned_dirs):
            folder = self.root / d
            if not folder.is_dir():
                continue
            for path in sorted(folder.iterdir()):
                if path.suffix not in OWNED_SUFFIXES or not path.is_file():
                    continue
                rel = path.relative_to(self.root).as_posix()
                if rel not in self.files:
                    try:
                        path.unlink()
                        deleted += 1
                    except OSError as e:
                        raise PublishError(f"cannot remove stale page {path}: {e.strerror or e}") from e
        for rel in sorted(self.removed - set(self.files)):
            try:
                (self.root / rel).unlink()
                deleted += 1
            except FileNotFoundError:
                pass
            except OSError as e:
                raise PublishError(f"cannot remove {self.root / rel}: {e.strerror or e}") from e
        return written, deleted


class OutputLock:
    """An exclusive lock on an output folder: a second run exits 1 instead of interleaving writes."""

    def __init__(self, out_dir: Path) -> None:
        self.path = out_dir / STATE_DIR / "lock"
        self._fd: int | None = None

    def __enter__(self) -> OutputLock:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as e:
            raise PublishError(f"cannot create the lock file {self.path}: {e.strerror or e}") from e
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as e:
            holder = ""
            with contextlib.suppress(OSError):
                holder = os.read(fd, 64).decode("ascii", "replace").strip()
            os.close(fd)
            if e.errno in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                who = f" (pid {holder})" if holder else ""
                raise LockError(
                    f"another arxiv-digest run{who} is writing {self.path.parent.parent}; "
                    "wait for it to finish and run again"
                ) from e
            raise PublishError(f"cannot lock {self.path}: {e.strerror or e}") from e
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        self._fd = fd
        return self

    def __exit__(self, *exc: object) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None
