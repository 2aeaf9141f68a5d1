"""``data/<YYYY-MM-DD>.meta.json``: what a run learnt about a day beyond its papers (issue #5).

It holds the parse warnings (an item with an unknown announce type, a description in an unexpected
form), a failed completion of the papers' comments from arXiv's API (issue #13: it names the configured
API URL, and a re-run of the day asks again because of it), and, with ``summaries:`` on, what the day's
summaries came to (issue #11: how many are shown, which failed or wait for the budget, and why). They
must outlive the run, since GitHub Actions rebuilds the database on every run and only the output
folder is committed; ``arxiv-digest status`` reports them. The file exists only for a day that had
warnings or summaries, so a clean day without summaries adds nothing to ``data/``. It is deterministic
(no clock; no URL but in that failure's warning): re-running a day with the same feed rewrites the same
bytes, that is, nothing.

The name does not match the snapshot glob (``data/<day>.jsonl``), so ``rebuild`` and ``Store.sync`` never
read it as a day.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import StoreError, cannot_read
from ..output.layout import meta_name


@dataclass(frozen=True, slots=True)
class DayMeta:
    day: dt.date
    warnings: tuple[str, ...] = ()
    summaries: dict[str, Any] | None = None  # plain JSON, no clock in it (jobs/_summaries.py writes it)

    @property
    def is_empty(self) -> bool:
        return not self.warnings and self.summaries is None


def dumps(meta: DayMeta) -> bytes:
    record: dict[str, Any] = {"day": meta.day.isoformat(), "warnings": list(meta.warnings)}
    if meta.summaries is not None:  # absent otherwise: a day without summaries keeps its bytes
        record["summaries"] = meta.summaries
    return (json.dumps(record, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def loads(content: bytes, *, source: str) -> DayMeta:
    try:
        record = json.loads(content.decode("utf-8"))
        day = dt.date.fromisoformat(record["day"])
        warnings = record.get("warnings", [])
        if not isinstance(warnings, list) or not all(isinstance(w, str) for w in warnings):
            raise TypeError("'warnings' must be a list of strings")
        summaries = record.get("summaries")
        if summaries is not None and not isinstance(summaries, dict):
            raise TypeError("'summaries' must be an object")
    except (UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError, ValueError) as e:
        raise StoreError(
            f"{source}: not a day's metadata file ({e}); restore it from git, or delete it"
        ) from e
    return DayMeta(day=day, warnings=tuple(warnings), summaries=summaries)


def read(data_dir: Path, day: dt.date) -> DayMeta | None:
    """The metadata of ``day``, or None when the day had nothing to record (or predates this file)."""
    path = data_dir / meta_name(day)
    try:
        content = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as e:
        raise StoreError(cannot_read(path, e)) from e
    meta = loads(content, source=str(path))
    if meta.day != day:
        raise StoreError(f"{path}: says day {meta.day}, but the file is for {day}")
    return meta
