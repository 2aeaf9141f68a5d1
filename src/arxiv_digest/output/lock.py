"""The output folder's lock: one writer at a time, and no symbolic link among what arxiv-digest owns."""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import time
from collections.abc import Iterable
from pathlib import Path

from ..errors import LockError, PublishError, cannot, reason
from . import layout
from .files import _symlink_error, refuse_symlinks_within

#: How long a run retries a lock found taken before it says another run holds it: a read command's probe
#: (:func:`writer_pid`) holds the lock shared for an instant, and must never make a run fail.
PROBE_GRACE_SECONDS = 0.25
_BUSY = (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK)


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
            _flock_exclusive(fd)
        except OSError as e:
            holder = _holder(fd)
            os.close(fd)
            if e.errno in _BUSY:
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


def _flock_exclusive(fd: int) -> None:
    """Take the lock, retrying for :data:`PROBE_GRACE_SECONDS` (a reader's probe); raises ``OSError``."""
    deadline = time.monotonic() + PROBE_GRACE_SECONDS
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except OSError as e:
            if e.errno not in _BUSY or time.monotonic() >= deadline:
                raise
        time.sleep(0.01)


def _holder(fd: int) -> str:
    """The pid the lock file holds (its holder writes it), or '' if it cannot be read."""
    with contextlib.suppress(OSError):
        os.lseek(fd, 0, os.SEEK_SET)
        return os.read(fd, 64).decode("ascii", "replace").strip()
    return ""


def writer_pid(out_dir: Path) -> str | None:
    """Whether a run is writing ``out_dir`` now: the pid of the run holding its lock ('' if the lock file
    does not say), or None. For a command that only reads (issue #7): it creates nothing, and takes the
    lock shared for an instant only, which a run starting then waits out (:data:`PROBE_GRACE_SECONDS`)."""
    path = out_dir / layout.LOCK
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError:  # no lock file (no run ever wrote here), or a link in its place (which no run takes)
        return None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except OSError as e:
            return _holder(fd) if e.errno in _BUSY else None
        fcntl.flock(fd, fcntl.LOCK_UN)
        return None
    finally:
        os.close(fd)
