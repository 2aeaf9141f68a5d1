"""What the reader's library learnt from outside, kept in ``data/`` so the next run need not ask again
(issue #9): ``data/library.jsonl`` (library entries arXiv's export API completed) and ``data/zotero.jsonl``
(the Zotero library as last read, with its version).

Both live in ``data/``, committed with the history, rather than in the ``.arxiv-digest/`` cache: GitHub
Actions starts every run from a fresh checkout, where ``.arxiv-digest/`` is empty, so a cache there would
cost a request per entry (or per 100 Zotero items) on every run; in ``data/``, a known entry costs no
request again and an unchanged Zotero library one. They hold only what ranking reads (an id, a title, an
abstract, a day added, Zotero's key and version): no names, notes, tags or attachments.

Neither name matches the snapshot glob (``data/<day>.jsonl``), so ``rebuild`` and ``Store.sync`` never
read them as a day. Output is deterministic: lines sorted, keys in a fixed order, UTF-8; the job writes
them atomically (``output.files.atomic_write``), and only when they change.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import StoreError, cannot_read
from ..models import LibraryItem, id_sort_key
from .snapshot import read_records

LIBRARY_FILE = "library.jsonl"
ZOTERO_FILE = "zotero.jsonl"


@dataclass(frozen=True, slots=True)
class Completed:
    """An arXiv id as the export API answered it: its text, or None when arXiv knows no such paper."""

    id: str
    title: str | None = None
    abstract: str = ""
    version: int = 1

    @property
    def found(self) -> bool:
        return self.title is not None


def _completed(record: Mapping[str, Any]) -> Completed:
    arxiv_id = record["id"]
    if type(arxiv_id) is not str or not arxiv_id:
        raise TypeError("id must be a string")
    if record.get("found") is False:
        return Completed(arxiv_id)
    title, abstract, version = record["title"], record["abstract"], record["version"]
    if type(title) is not str or type(abstract) is not str or type(version) is not int:
        raise TypeError("title and abstract must be strings, version an integer")
    return Completed(arxiv_id, title, abstract, version)


def dumps_completed(entries: Mapping[str, Completed]) -> bytes:
    lines = []
    for arxiv_id in sorted(entries, key=id_sort_key):
        c = entries[arxiv_id]
        record: dict[str, Any] = (
            {"id": c.id, "version": c.version, "title": c.title, "abstract": c.abstract}
            if c.found
            else {"id": c.id, "found": False}
        )
        lines.append(json.dumps(record, ensure_ascii=False))
    return ("\n".join(lines) + "\n").encode("utf-8") if lines else b""


def load_completed(data_dir: Path) -> dict[str, Completed]:
    """``data/library.jsonl`` by id ({} when there is none); a damaged line names the file and line."""
    records = _read(data_dir / LIBRARY_FILE, _completed, "library entry")
    return {c.id: c for c in records}


@dataclass(frozen=True, slots=True)
class ZoteroCopy:
    """One Zotero library (or collection) as last read: ``scope`` is its path (``users/1/collections/X``),
    ``version`` the library version Zotero sent with it, ``items`` by Zotero item key."""

    scope: str
    version: int
    items: Mapping[str, LibraryItem]


def _zotero_line(record: Mapping[str, Any]) -> tuple[str, str | None, Any]:
    scope = record["scope"]
    if type(scope) is not str:
        raise TypeError("scope must be a string")
    if "key" not in record:
        if type(record["version"]) is not int:
            raise TypeError("version must be an integer")
        return scope, None, record["version"]
    key, title, abstract = record["key"], record["title"], record["abstract"]
    arxiv_id, added = record.get("arxiv_id"), record.get("added")
    if not all(type(v) is str for v in (key, title, abstract)):
        raise TypeError("key, title and abstract must be strings")
    if arxiv_id is not None and type(arxiv_id) is not str:
        raise TypeError("arxiv_id must be a string or null")
    day = dt.date.fromisoformat(added) if isinstance(added, str) else None
    return scope, key, LibraryItem(title, abstract, arxiv_id, day)


def load_zotero(data_dir: Path) -> dict[str, ZoteroCopy]:
    """``data/zotero.jsonl`` by scope ({} when there is none)."""
    versions: dict[str, int] = {}
    items: dict[str, dict[str, LibraryItem]] = {}
    for scope, key, value in _read(data_dir / ZOTERO_FILE, _zotero_line, "Zotero"):
        if key is None:
            versions[scope] = value
        else:
            items.setdefault(scope, {})[key] = value
    return {s: ZoteroCopy(s, v, items.get(s, {})) for s, v in versions.items()}


def dumps_zotero(copies: Mapping[str, ZoteroCopy]) -> bytes:
    lines = []
    for scope in sorted(copies):
        copy = copies[scope]
        lines.append(json.dumps({"scope": scope, "version": copy.version}))
        for key in sorted(copy.items):
            i = copy.items[key]
            record = {
                "scope": scope,
                "key": key,
                "title": i.title,
                "abstract": i.abstract,
                "arxiv_id": i.arxiv_id,
                "added": i.added.isoformat() if i.added else None,
            }
            lines.append(json.dumps(record, ensure_ascii=False))
    return ("\n".join(lines) + "\n").encode("utf-8") if lines else b""


def _read(path: Path, build: Any, what: str) -> list[Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    except (OSError, UnicodeDecodeError) as e:
        raise StoreError(f"{cannot_read(path, e)}; restore it from git, or delete it to fetch again") from e
    return read_records(text, str(path), build, what=what)
