"""The output folder's lock: one writer at a time, and no symbolic link among what arxiv-digest owns."""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
from collections.abc import Iterable
from pathlib import Path

from ..errors import LockError, PublishError, cannot, reason
from . import layout
from .files import _symlink_error, refuse_symlinks_within


class OutputLock:
    """An exclusive lock on an output folder: a second run exits 1 instead of interleaving writes. ``scan``:
    the paths under it checked for links before the lock is taken (default: all that arxiv-digest owns; a
    daily run names what it writes, issue #12, and checks the day folders once it knows the day)."""

    def __init__(self, out_dir: Path, scan: Iterable[str] = layout.OUTPUT_NAMES) -> None:
        self.path = out_dir / layout.LOCK
        self.scan = tuple(scan)
        self._fd: int | None = None

    def __enter__(self) -> OutputLock:
        root = self.path.parent.parent
        # Before the lock file is created: a link anywhere in what arxiv-digest owns (or will write) stops
        # the run here, with nothing written. No concurrent run makes links, so this needs no lock.
        refuse_symlinks_within(root, self.scan)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # O_NOFOLLOW: should a link appear at the lock's path after the scan, opening it fails rather
            # than truncating the file it points to (issue #7).
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o644)
        except OSError as e:
            if e.errno == errno.ELOOP:
                raise _symlink_error(self.path, root) from e
            raise PublishError(f"cannot create the lock file {self.path}: {reason(e)}") from e
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
            raise PublishError(cannot("lock", self.path, e)) from e
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        self._fd = fd
        return self

    def __exit__(self, *exc: object) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None
