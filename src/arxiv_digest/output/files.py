"""Writing the output folder: atomically, only what changed (the lock is in :mod:`.lock`).

Every file is written to a temporary file in its own folder and moved over the old one with ``os.replace``
(atomic on POSIX), so a run killed at any moment leaves each file wholly old or wholly new. A file whose
bytes are unchanged is not touched (re-running a day changes nothing, not even a timestamp). Pages this run
no longer produces (a topic removed from the config) are deleted from the folders arxiv-digest owns.

Nothing is written or deleted through a symbolic link inside the output folder (issue #7): a link there
would send pages, the lock's truncation or the stale-page deletions to wherever it points. arxiv-digest
never makes one, so every link among its own files and folders is refused, naming it, before the first
write: by :class:`~arxiv_digest.output.lock.OutputLock` (a scan of what arxiv-digest owns) and by
:meth:`Staging.commit` (every component of every path it will write or delete). The output folder itself
may be a link: that is the user's choice of where the digest lives.
"""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Container, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from ..errors import PublishError, UsageError, cannot, cannot_read, reason
from . import layout
from .layout import OUTPUT_NAMES, OWNED_SUFFIXES, STATE_DIR


def _symlink_error(link: Path, root: Path) -> PublishError:
    hint = " (to keep the database elsewhere, pass --db)" if link.name == STATE_DIR else ""
    return PublishError(
        f"{link} is a symbolic link inside the output folder {root}: arxiv-digest never writes or deletes "
        f"through one. Replace it with a real folder or file, or remove it{hint}, and run again"
    )


def refuse_symlinks(root: Path, path: Path, *, checked: set[Path] | None = None) -> None:
    """Raise :class:`PublishError` if ``path``, or a folder between ``root`` and it, is a symbolic link.

    ``root`` itself is not judged (the user chose it), nor is a path outside it. The check stops at the
    first component that does not exist: what is missing will be created as a real folder or file.
    ``checked`` caches the folders already found to be real ones, for a caller checking many paths.
    """
    try:
        relative = path.relative_to(root)
    except ValueError:
        return
    if ".." in relative.parts:
        return
    current = root
    for part in relative.parts:
        current = current / part
        if checked is not None and current in checked:
            continue
        mode = _mode_refusing_links(current, root)
        if mode is None:
            return
        if checked is not None and stat.S_ISDIR(mode):
            checked.add(current)


def refuse_symlinks_within(root: Path, names: Iterable[str] = OUTPUT_NAMES) -> None:
    """Raise :class:`PublishError` if any file or folder under ``root/<name>``, for each of ``names``, is a
    symbolic link. Links are never followed; a run checks its whole output folder this way before it writes
    (a rebuild's workers write days independently, so a check per write could come after the first). A
    name may be a path (``archive/2026-06-30``): the folders on the way to it are checked too."""
    on_the_way: set[Path] = set()
    for name in names:
        top = root / name
        if top.parent != root:
            refuse_symlinks(root, top.parent, checked=on_the_way)
        mode = _mode_refusing_links(top, root)
        folders = [top] if mode is not None and stat.S_ISDIR(mode) else []
        while folders:
            folder = folders.pop()
            try:
                with os.scandir(folder) as entries:
                    for entry in entries:
                        if entry.is_symlink():
                            raise _symlink_error(Path(entry.path), root)
                        if entry.is_dir(follow_symlinks=False):
                            folders.append(Path(entry.path))
            except OSError as e:
                raise PublishError(cannot_read(f"the folder {folder}", e)) from e


def _mode_refusing_links(path: Path, root: Path) -> int | None:
    """``path``'s own mode (``lstat``), None when it does not exist; :class:`PublishError` when it is a
    symbolic link or cannot be looked at."""
    try:
        mode = os.lstat(path).st_mode
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as e:
        raise PublishError(cannot_read(path, e)) from e
    if stat.S_ISLNK(mode):
        raise _symlink_error(path, root)
    return mode


def _not_a_folder(path: Path, blocker: Path) -> UsageError:
    return UsageError(
        f"cannot create the folder {path}: {blocker} is a file, not a folder; choose another path"
    )


def make_folder(path: Path) -> list[Path]:
    """Create the folder ``path`` and its missing parents; return the folders created, outermost first
    (for a caller that must undo them). Failures name the path: :class:`UsageError` when a component is a
    file (the path given cannot be a folder), :class:`PublishError` when the system refuses."""
    missing: list[Path] = []
    current = path
    while True:
        try:
            mode = os.stat(current).st_mode  # follows links: the output folder may be one
        except (FileNotFoundError, NotADirectoryError) as e:
            if current.parent == current:  # even the top is gone (a deleted working folder)
                raise PublishError(f"cannot create the folder {path}: {current}: {reason(e)}") from e
            missing.append(current)
            current = current.parent
            continue
        except OSError as e:
            raise PublishError(f"cannot create the folder {path}: {current}: {reason(e)}") from e
        if not stat.S_ISDIR(mode):
            raise _not_a_folder(path, current)
        break
    created: list[Path] = []
    for folder in reversed(missing):
        try:
            os.mkdir(folder)
        except OSError as e:
            for made in reversed(created):
                with contextlib.suppress(OSError):
                    made.rmdir()
            if isinstance(e, FileExistsError | NotADirectoryError):
                raise _not_a_folder(path, folder) from e
            on_the_way = "" if folder == path else f" (on the way to {path})"
            raise PublishError(
                f"cannot create the folder {folder}{on_the_way}: {reason(e)}; "
                "choose a folder you can write to"
            ) from e
        created.append(folder)
    return created


def write_files(
    root: Path, files: Mapping[str, bytes], *, keep: Container[str] = ()
) -> tuple[list[str], list[str]]:
    """Write ``files`` (relative paths) under ``root``, creating the folders they need: all of them or, on
    any failure, none (the files written are removed or given back their old bytes, the folders made are
    removed, and the error is raised). A path in ``keep`` that exists is left as it is. Returns the paths
    written and the paths kept."""
    created = make_folder(root)
    written: list[str] = []
    kept: list[str] = []
    before: dict[Path, bytes | None] = {}  # what each written file held (None: it did not exist)
    checked: set[Path] = set()
    try:
        for relative, content in files.items():
            path = root / _safe_relative(relative)
            if relative in keep and os.path.lexists(path):
                kept.append(relative)
                continue
            refuse_symlinks(root, path, checked=checked)
            created += make_folder(path.parent)
            old = _read_old(path)
            if atomic_write(path, content):
                before[path] = old
                written.append(relative)
    except BaseException:
        for path, old in reversed(before.items()):
            with contextlib.suppress(OSError, PublishError):
                if old is None:
                    path.unlink()
                else:
                    atomic_write(path, old)
        for folder in reversed(created):
            with contextlib.suppress(OSError):
                folder.rmdir()
        raise
    return written, kept


def _read_old(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None
    except IsADirectoryError as e:
        raise PublishError(f"cannot write {path}: a folder has that name; move it away and run again") from e
    except OSError as e:
        raise PublishError(cannot_read(path, e)) from e


def atomic_write(path: Path, content: bytes, *, durable: bool = False) -> bool:
    """Write ``content`` to ``path`` atomically; return False (and touch nothing) if it is already there."""
    try:
        if path.is_file() and path.stat().st_size == len(content) and path.read_bytes() == content:
            return False
        path.parent.mkdir(parents=True, exist_ok=True)
        # A name no other writer uses (one process holds the lock; workers write distinct files).
        tmp = path.with_name(layout.temp_name(path.name, os.getpid()))
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
        raise PublishError(cannot("write", path, e)) from e
    return True


def _keep_old(path: Path) -> Path | bytes | None:
    """What ``path`` holds before it is replaced: a hard link to it (``.<name>.old.<pid>.tmp``), its bytes
    where the file system has no hard links, or None when there is no such file."""
    if not path.is_file():
        return None
    link = path.with_name(layout.old_copy_name(path.name, os.getpid()))
    try:
        with contextlib.suppress(FileNotFoundError):
            link.unlink()
        os.link(path, link)
    except OSError:
        return _read_old(path)
    return link


def _temp_files(folder: Path) -> list[Path]:
    """What ``folder.glob(layout.TEMP_GLOB)`` finds (``.*.tmp``), by plain string tests on one listing: a
    folder may hold thousands of names (``site/day/``, ``data/``), each of which glob would match against a
    pattern (issue #15). A folder that cannot be listed holds none, as for glob."""
    try:
        with os.scandir(folder) as entries:
            names = [e.name for e in entries]
    except OSError:
        return []
    return [folder / n for n in names if n.startswith(".") and n.endswith(".tmp") and len(n) >= 5]


def _writer_alive(temp_name: str) -> bool:
    """Is the process that named this `.<name>.<pid>.tmp` file still running?"""
    pid = layout.temp_writer_pid(temp_name)
    if pid is None:
        return False
    try:
        os.kill(pid, 0)
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
        files marked with :meth:`remove`. Returns (files written, files deleted). A symbolic link on the
        way to any of them is refused before the first write."""
        stale = self._check()
        order = [p for p in first if p in self.files] + [p for p in self.files if p not in set(first)]
        written = self._write_all(order, keep=set(first))
        deleted = 0
        # A run killed mid-write leaves `.<name>.<pid>.tmp` behind. Remove those of processes that are gone,
        # never those of a live one (rebuild workers share folders such as site/day/).
        for folder in {(self.root / rel).parent for rel in order}:
            for leftover in _temp_files(folder):
                if not _writer_alive(leftover.name):
                    with contextlib.suppress(OSError):
                        leftover.unlink()
        for path in stale:
            try:
                path.unlink()
                deleted += 1
            except OSError as e:
                raise PublishError(f"cannot remove stale page {path}: {reason(e)}") from e
        for rel in sorted(self.removed - set(self.files)):
            try:
                (self.root / rel).unlink()
                deleted += 1
            except FileNotFoundError:
                pass
            except OSError as e:
                raise PublishError(cannot("remove", self.root / rel, e)) from e
        return written, deleted

    def _write_all(self, order: list[str], *, keep: set[str]) -> int:
        """Write the files in order; should one fail (a full disk, a name the file system refuses), give
        every file written so far its old bytes back, or remove it if it is new, and raise: a failed run
        changes no page it had published (issue #7). The files in ``keep`` (the day's snapshot, written
        first) stay: what was fetched is not lost, and the day's marker makes `status` report it unfinished
        until a run or a rebuild publishes it. The old bytes are kept as a hard link beside the file (no
        copy, no room needed), under the temporary-file name a later run cleans up."""
        undo: list[tuple[Path, Path | bytes | None]] = []
        written = 0
        try:
            for rel in order:
                path = self.root / rel
                old = None if rel in keep else _keep_old(path)
                if atomic_write(path, self.files[rel], durable=layout.is_durable(rel)):
                    written += 1
                    if rel not in keep:
                        undo.append((path, old))
                elif isinstance(old, Path):
                    old.unlink()
        except BaseException:
            for path, old in reversed(undo):
                with contextlib.suppress(OSError, PublishError):
                    if old is None:
                        path.unlink()
                    elif isinstance(old, Path):
                        os.replace(old, path)
                    else:
                        atomic_write(path, old)
            raise
        for _, old in undo:
            if isinstance(old, Path):
                with contextlib.suppress(OSError):
                    old.unlink()
        return written

    def _check(self) -> list[Path]:
        """Refuse a symbolic link on the way to anything this commit writes or deletes; return the stale
        pages of the owned folders (what the commit will delete), found now, before anything is written."""
        checked: set[Path] = set()
        for rel in (*self.files, *self.removed, *self.owned_dirs):
            refuse_symlinks(self.root, self.root / rel, checked=checked)
        stale: list[Path] = []
        for d in sorted(self.owned_dirs):
            folder = self.root / d
            if not folder.is_dir():
                continue
            for path in sorted(folder.iterdir()):
                if path.suffix not in OWNED_SUFFIXES or path.relative_to(self.root).as_posix() in self.files:
                    continue
                if path.is_symlink():
                    raise _symlink_error(path, self.root)
                if path.is_file():
                    stale.append(path)
        return stale
