"""``data/counts.json``: each day's listed papers by kind, as the archive pages print them (issue #12).

The archive index and the site's archive list every day with its counts, so without this file every run
would read every snapshot: on a fresh clone (GitHub Actions, no database) that is the whole history. The
run and ``rebuild`` write it beside the snapshots; it is committed with them. It is a cache like the
database, never the truth: an entry counts only for the listing rule it was made under (``rule``: what
config.yml says a day lists) and while its snapshot keeps the size it had then; any other day is counted
again from its snapshot. One day a line, oldest first, so a day's run changes one or two lines in git.
``rebuild`` writes it anew, which is how an edit of a snapshot that kept its size is taken in.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from ..errors import StoreError, cannot_read

#: The file's name in ``data/`` (it does not match the snapshot glob).
COUNTS_NAME = "counts.json"


@dataclass(frozen=True, slots=True)
class CountEntry:
    day: dt.date
    size: int  # of the snapshot the counts were made from
    new: int
    cross: int
    updated: int


def dumps(rule: str, entries: Iterable[CountEntry]) -> bytes:
    # Each line as ``json.dumps([day, size, new, cross, updated])`` writes it (an ISO date needs no
    # escaping, an int is its repr), without a call of the encoder for each of thousands of days.
    lines = [
        f'["{e.day.isoformat()}", {int(e.size)}, {int(e.new)}, {int(e.cross)}, {int(e.updated)}]'
        for e in sorted(entries, key=lambda e: e.day)
    ]
    body = ",\n".join(f"  {line}" for line in lines)
    return f'{{"rule": {json.dumps(rule)}, "days": [\n{body}\n]}}\n'.encode()


def read(data_dir: Path, rule: str) -> dict[dt.date, CountEntry]:
    """The entries made under ``rule`` (none if the file is missing or made under another rule). A file
    that does not parse is reported, since only arxiv-digest writes it: delete it and it is remade."""
    path = data_dir / COUNTS_NAME
    try:
        content = path.read_bytes()
    except FileNotFoundError:
        return {}
    except OSError as e:
        raise StoreError(cannot_read(path, e)) from e
    try:
        record = json.loads(content)
        if record["rule"] != rule:
            return {}
        out = {}
        for day, size, new, cross, updated in record["days"]:
            values = (size, new, cross, updated)
            if not all(isinstance(v, int) for v in values):
                raise TypeError("counts must be integers")
            entry = CountEntry(dt.date.fromisoformat(day), *values)
            out[entry.day] = entry
        return out
    except (UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError, ValueError) as e:
        raise StoreError(
            f"{path}: not arxiv-digest's day counts ({e}); delete it, and the next run or rebuild remakes it"
        ) from e
