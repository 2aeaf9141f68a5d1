"""The rebuild's manifest (issue #15): what each day's pages were made from, so that the next ``rebuild``
renders only what changed and publishes the bytes a full rebuild would.

``.arxiv-digest/manifest.json`` holds, for the last rebuild that finished:

- ``global``: a hash of everything that shapes every page: the package's own files (code, templates,
  assets, data tables), the versions of Python, Jinja2 and MarkupSafe, every setting of config.yml but
  the topics (and the endpoints and ``notify:``, which no page shows) and the files of ``templates:``;
- ``topics``: each topic's name and a hash of its settings, in config order;
- per day: ``key``, a hash of the day's own inputs (its snapshot's SHA-256, those of the snapshots its
  papers-already-shown window reads, its neighbours, the number of days and the newest seven, whether it
  is the latest); its snapshot's file identity (inode, size, modification time) and hash; what it listed
  (each topic's ids, for the pages that do not change with a topic); each listed paper's match score and
  its counts (what the weekly pages need of it); and every file its pages are, with its identity;
- per closed week: its pages' identities.

Kept beside the database, not in the published folder: a file's identity means something on this disk
only. A fresh clone (GitHub Actions, whose cache restores ``.arxiv-digest/`` keyed on ``data/``) has new
inodes, so every day fails the check and the rebuild is a full one: never a stale skip. Anything that
writes a page (a daily run, a person) changes its identity, so that day is rendered again.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import functools
import hashlib
import os
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import orjson

from ..config import Config
from ..models import Topic
from ..output import layout
from ..output.files import atomic_write

VERSION = 2
MANIFEST = f"{layout.STATE_DIR}/manifest.json"
_PACKAGE = Path(__file__).resolve().parent.parent

#: A file's identity on this disk: (inode, size, modification time in ns). A page replaced gets a new
#: inode (``output.files`` writes a new file and renames it), one left alone keeps all three.
Stat = tuple[int, int, int]


def identity(path: Path) -> Stat | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_ino, st.st_size, st.st_mtime_ns)


def identities(root: Path, paths: Iterable[str]) -> dict[str, Stat]:
    out = {}
    for rel in paths:
        st = identity(root / rel)
        if st is not None:
            out[rel] = st
    return out


def unchanged(root: Path, files: Mapping[str, Stat]) -> bool:
    """Every file is still there as the manifest recorded it."""
    return all(identity(root / rel) == tuple(st) for rel, st in files.items())


def canonical(value: Any) -> Any:
    """A value as plain JSON, the same in every process (no set's order, no object's address)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: canonical(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, enum.Enum):
        return canonical(value.value)
    if isinstance(value, frozenset | set):
        return sorted((canonical(v) for v in value), key=repr)
    if isinstance(value, tuple | list):
        return [canonical(v) for v in value]
    if isinstance(value, dict):
        return {str(k): canonical(v) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return repr(value)


def digest_of(value: Any) -> str:
    return hashlib.sha256(orjson.dumps(canonical(value), option=orjson.OPT_SORT_KEYS)).hexdigest()


def _tree_hash(root: Path) -> str:
    h = hashlib.sha256()
    for folder, dirs, names in sorted(os.walk(root)):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(names):
            if name.endswith((".pyc", ".pyo")):
                continue
            path = Path(folder, name)
            h.update(path.relative_to(root).as_posix().encode() + b"\0")
            try:
                h.update(path.read_bytes())
            except OSError:
                h.update(b"\1unreadable")
    return h.hexdigest()


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "?"


@functools.cache
def code_key() -> str:
    """The package's own files and the version of Python that runs them."""
    return digest_of([VERSION, _tree_hash(_PACKAGE), sys.version])


def global_key(config: Config) -> str:
    """What shapes every page: the package, its renderers' libraries, the settings but the topics."""
    settings = {
        f.name: getattr(config, f.name)
        for f in dataclasses.fields(config)
        if f.name not in ("topics", "arxiv", "notify", "path")
    }
    templates = _tree_hash(config.templates_dir) if config.templates_dir is not None else None
    versions = (sys.version, _version("jinja2"), _version("markupsafe"))
    return digest_of([VERSION, code_key(), versions, settings, templates])


def topic_key(topic: Topic, *, exact: bool) -> str:
    """A topic's settings. Its line in config.yml moves when an earlier topic changes and shows on no
    packaged page; with a person's templates (``exact``), which might show it, it counts."""
    return digest_of(topic if exact else dataclasses.replace(topic, line=None))


def day_key(
    global_: str,
    sha: str,
    window: Sequence[str],
    neighbours: tuple[dt.date | None, dt.date | None],
    days: int,
    recent: Sequence[dt.date],
    latest: bool,
) -> str:
    return digest_of([global_, sha, list(window), list(neighbours), days, list(recent), latest])


Members = dict[str, tuple[tuple[str, ...], tuple[str, ...]]]  # topic name: (listed ids, seen ids)


@dataclass(slots=True)
class DayRecord:
    key: str
    sha: str
    snapshot: Stat
    counts: tuple[int, int, int]
    size: int
    papers: int
    listed: int
    members: Members
    scores: dict[str, float]  # each listed paper's match score (the weekly pages' order)
    files: dict[str, Stat]

    def to_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "sha": self.sha,
            "snapshot": list(self.snapshot),
            "counts": list(self.counts),
            "size": self.size,
            "papers": self.papers,
            "listed": self.listed,
            "members": {k: [list(a), list(b)] for k, (a, b) in self.members.items()},
            "scores": self.scores,
            "files": {k: list(v) for k, v in self.files.items()},
        }

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> DayRecord:
        a, b, c = raw["snapshot"]
        n, x, u = raw["counts"]
        return cls(
            key=str(raw["key"]),
            sha=str(raw["sha"]),
            snapshot=(int(a), int(b), int(c)),
            counts=(int(n), int(x), int(u)),
            size=int(raw["size"]),
            papers=int(raw["papers"]),
            listed=int(raw["listed"]),
            members={
                str(k): (tuple(map(str, v[0])), tuple(map(str, v[1]))) for k, v in raw["members"].items()
            },
            scores={str(k): float(v) for k, v in raw["scores"].items()},
            files={str(k): (int(v[0]), int(v[1]), int(v[2])) for k, v in raw["files"].items()},
        )


@dataclass(slots=True)
class Manifest:
    global_: str
    topics: list[tuple[str, str]]
    days: dict[dt.date, DayRecord] = field(default_factory=dict)
    weeks: dict[str, dict[str, Stat]] = field(default_factory=dict)

    def dumps(self) -> bytes:
        return orjson.dumps(
            {
                "version": VERSION,
                "global": self.global_,
                "topics": [list(t) for t in self.topics],
                "days": {d.isoformat(): r.to_json() for d, r in sorted(self.days.items())},
                "weeks": {w: {k: list(v) for k, v in f.items()} for w, f in sorted(self.weeks.items())},
            }
        )


def manifest_path(out_dir: Path) -> Path:
    return out_dir / MANIFEST


def load(out_dir: Path) -> Manifest | None:
    """The last finished rebuild's manifest; None when there is none, or it cannot be read or understood
    (a full rebuild then, never an error: it is a cache)."""
    try:
        raw = orjson.loads(manifest_path(out_dir).read_bytes())
        if raw.get("version") != VERSION:
            return None
        return Manifest(
            global_=str(raw["global"]),
            topics=[(str(n), str(k)) for n, k in raw["topics"]],
            days={dt.date.fromisoformat(d): DayRecord.from_json(r) for d, r in raw["days"].items()},
            weeks={
                str(w): {str(k): (int(v[0]), int(v[1]), int(v[2])) for k, v in f.items()}
                for w, f in raw["weeks"].items()
            },
        )
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return None


def discard(out_dir: Path) -> None:
    """Forget the manifest before a rebuild writes anything: should it fail half-way, the next is full."""
    manifest_path(out_dir).unlink(missing_ok=True)


def save(out_dir: Path, manifest: Manifest) -> None:
    atomic_write(manifest_path(out_dir), manifest.dumps())
