"""``data/<YYYY-MM-DD>.jsonl``: one announcement day, one paper a line. The history that lives in git.

The file is the source of truth; the SQLite database is derived from these files and can be deleted at any
time. Output is deterministic: papers sorted by arXiv id (newest first), keys in a fixed order, UTF-8.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar

import orjson

from ..errors import StoreError
from ..facts import is_current, with_facts
from ..models import Paper, id_sort_key

T = TypeVar("T")
_DAY_FILE = re.compile(r"^(\d{4}-\d{2}-\d{2})\.jsonl$", re.ASCII)


def dumps(papers: Iterable[Paper]) -> bytes:
    ordered = sorted(papers, key=lambda p: id_sort_key(p.id), reverse=True)
    lines = [json.dumps(p.to_record(), ensure_ascii=False) for p in ordered]
    return ("\n".join(lines) + "\n").encode("utf-8") if lines else b""


def sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def loads(content: bytes, *, source: str, day: dt.date | None = None) -> list[Paper]:
    """Parse a snapshot; errors name the file and line. ``day`` (from the file name) must match records.
    Every paper comes with facts made by the current rules: a record without them (written before they
    existed, or by older rules) has them extracted here."""
    return loads_filling(content, source=source, day=day)[0]


def loads_filling(content: bytes, *, source: str, day: dt.date | None = None) -> tuple[list[Paper], bool]:
    """:func:`loads`, and whether some record lacked current facts. Then ``rebuild`` writes the file again
    with them, once (issue #10: the cost of extracting is paid once); a file that has them all is kept."""
    lines = [line for line in content.splitlines() if line.strip()]
    try:  # one C-speed parse of the whole file (orjson); on any problem, redo it line by line to say where
        records = orjson.loads(b"[" + b",".join(lines) + b"]")
        if len(records) != len(lines):  # e.g. a line holding `{…},{…}`: not one object per line
            raise ValueError("not one JSON object per line")
        papers = [Paper.from_record(r) for r in records]
    except (orjson.JSONDecodeError, KeyError, TypeError, ValueError, AttributeError):
        try:
            text = content.decode("utf-8")
        except UnicodeDecodeError as e:
            raise StoreError(f"{source}: not UTF-8 ({e}); restore it from git") from e
        papers = read_records(text, source, Paper.from_record, what="paper")
    seen: set[str] = set()
    for number, paper in enumerate(papers, 1):
        if day is not None and paper.announced != day:
            raise StoreError(
                f"{source}:{number}: paper {paper.id} says announced={paper.announced}, "
                f"but the file is for {day}"
            )
        if paper.id in seen:
            raise StoreError(f"{source}:{number}: paper {paper.id} appears twice")
        seen.add(paper.id)
    lacking = any(not is_current(p.facts) for p in papers)
    return ([with_facts(p) for p in papers] if lacking else papers), lacking


#: How :func:`dumps` begins every line: the id first (the fixed key order), so a line's id is read without
#: parsing the line.
_LINE_ID = re.compile(rb'^\{"id": "([^"\\]+)"')


def _line_ids(content: bytes) -> list[tuple[str, bytes]] | None:
    """Each line's id and the line, read from its first bytes; None when a line does not begin as
    :func:`dumps` writes (a file edited by hand), for the caller to parse the whole file instead."""
    out = []
    for line in content.splitlines():
        if not line.strip():
            continue
        m = _LINE_ID.match(line)
        if m is None:
            return None
        out.append((m.group(1).decode("utf-8"), line))
    return out


def ids_in(content: bytes, *, source: str, day: dt.date | None = None) -> frozenset[str]:
    """The ids (without version) a snapshot holds, cheaply: what a rebuild indexes to find a day's earlier
    announcements (papers already shown, issue #10)."""
    lines = _line_ids(content)
    if lines is None:
        return frozenset(p.id for p in loads(content, source=source, day=day))
    return frozenset(arxiv_id for arxiv_id, _ in lines)


def papers_with_ids(
    content: bytes, ids: Iterable[str], *, source: str, day: dt.date | None = None
) -> list[Paper]:
    """The papers of a snapshot whose ids are among ``ids``, parsing only their lines."""
    wanted = set(ids)
    lines = _line_ids(content)
    if lines is None:
        return [p for p in loads(content, source=source, day=day) if p.id in wanted]
    chosen = b"\n".join(line for arxiv_id, line in lines if arxiv_id in wanted)
    return loads(chosen, source=source, day=day)


def read_records(text: str, source: str, build: Callable[[dict[str, Any]], T], *, what: str) -> list[T]:
    """One object per line, each built by ``build``; the first bad line is an error naming file and line."""
    out: list[T] = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            if not isinstance(record, dict):
                raise TypeError("a line must hold one JSON object")
            out.append(build(record))
        except (json.JSONDecodeError, KeyError, TypeError, ValueError) as e:
            problem = f"missing field {e}" if isinstance(e, KeyError) else str(e)
            raise StoreError(
                f"{source}:{number}: bad {what} record: {problem}; "
                "fix or restore the file from git, then run again"
            ) from e
    return out


def day_files(data_dir: Path) -> dict[dt.date, Path]:
    """The snapshot files of a data folder, by day."""
    return {day: data_dir / name for day, name in day_names(data_dir).items()}


def day_names(data_dir: Path) -> dict[dt.date, str]:
    """The names of a data folder's snapshot files, by day, oldest first (issue #15: no Path object for
    each of thousands of days when a run needs a few of them)."""
    out: dict[dt.date, str] = {}
    if not data_dir.is_dir():
        return out
    with os.scandir(data_dir) as entries:  # the entry's type from the folder listing: no stat() per file
        for entry in entries:
            m = _DAY_FILE.match(entry.name)
            if m and entry.is_file():
                try:
                    out[dt.date.fromisoformat(m.group(1))] = entry.name
                except ValueError:
                    continue
    return dict(sorted(out.items()))
