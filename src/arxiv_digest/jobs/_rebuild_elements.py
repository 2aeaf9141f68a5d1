"""The weekly pages' elements a rebuild keeps for the next one (issue #15): each paper's Markdown entry and
site element as ``render.weekly`` rendered them, so that a rebuild after one topic changed renders only
the elements that are new (the papers the change moved, on every closed week's page).

``.arxiv-digest/week-elements.json`` holds the elements the last finished rebuild's weekly pages used,
each under :func:`render.weekly.element_key` (the paper's whole record and the call's other arguments),
and the :func:`_manifest.global_key` they were rendered under (the package, Python, Jinja2 and MarkupSafe,
every setting but the topics, a person's templates): under another, none is used. Like the match cache it
sits beside the database, is written when a rebuild finishes and is only a cache: anything wrong with it
(unreadable, another version, a value that is not text) and it is not used; ``--full`` uses none.
"""

from __future__ import annotations

from pathlib import Path

import orjson

from ..output import layout
from ..output.files import atomic_write

VERSION = 1
CACHE = f"{layout.STATE_DIR}/week-elements.json"
_KEY_BYTES = 16


def load(out_dir: Path, global_: str) -> dict[bytes, str]:
    """The elements the last finished rebuild kept, if it rendered them under ``global_``; else none."""
    try:
        raw = orjson.loads((out_dir / CACHE).read_bytes())
        if raw.get("version") != VERSION or raw.get("global") != global_:
            return {}
        out = {bytes.fromhex(k): v for k, v in raw["elements"].items()}
        if any(len(k) != _KEY_BYTES for k in out) or any(type(v) is not str for v in out.values()):
            return {}
        return out
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return {}


def save(out_dir: Path, global_: str, elements: dict[bytes, str]) -> None:
    body = {"version": VERSION, "global": global_, "elements": {k.hex(): v for k, v in elements.items()}}
    atomic_write(out_dir / CACHE, orjson.dumps(body))
