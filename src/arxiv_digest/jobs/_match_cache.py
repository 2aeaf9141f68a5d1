"""The rebuild's match cache (issue #15): which terms each paper of each day hit, so that a rebuild after
a topic changed tokenises only the papers the changed terms may hit (``match.cache``).

``.arxiv-digest/match-cache.json`` holds the vocabulary (every non-fact term of the config's topics, by
value), and per day the SHA-256 of the snapshot its entries were read from and the entries (a content
hash of each paper the day's job matched, with the indexes of the terms it hit: the hashes as one hex
string, the indexes as a list of lists in the same order). It is keyed on the package's files and
Python's version (:func:`_manifest.code_key`): other code, another cache. Entries are facts about a text,
true whatever the config: a changed topic adds terms to the vocabulary, which are looked for again; a
changed snapshot changes its papers' hashes. Like the manifest it sits beside the database, is written
when a rebuild finishes, and is only a cache: anything wrong with it and it is not used.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import orjson

from ..config import Config, topic_tree
from ..match.cache import CachedMatcher, Entries
from ..match.engine import TopicRule
from ..output import layout
from ..output.files import atomic_write
from ._manifest import code_key

VERSION = 2
CACHE = f"{layout.STATE_DIR}/match-cache.json"
_KEY_BYTES = 16  # a content key (``match.cache.content_key``)


@dataclass(slots=True)
class Known:
    vocabulary: list[str] = field(default_factory=list)
    days: dict[dt.date, tuple[str, Entries]] = field(default_factory=dict)  # day: (snapshot sha, entries)

    def entries(self) -> Entries:
        out: Entries = {}
        for _, entries in self.days.values():
            out.update(entries)
        return out


def cached_matcher(config: Config, known: Known | None) -> CachedMatcher:
    """The config's topics' matcher, answering from ``known`` where it can."""
    rules = [TopicRule(t.name, topic_tree(t)) for t in config.topics]
    if known is None:
        return CachedMatcher(rules, {}, [])
    return CachedMatcher(rules, known.entries(), known.vocabulary)


def load(out_dir: Path) -> Known:
    """The cache as the last finished rebuild left it; empty when there is none, or it is not this code's."""
    try:
        raw = orjson.loads((out_dir / CACHE).read_bytes())
        if raw.get("version") != VERSION or raw.get("code") != code_key():
            return Known()
        size = len(raw["vocabulary"])
        days = {}
        for day, (sha, keys, hits) in raw["days"].items():
            blob = bytes.fromhex(keys)
            if len(blob) != len(hits) * _KEY_BYTES or not all(type(h) is list for h in hits):
                return Known()
            listed = [h for h in hits if h]
            if listed and not (min(map(min, listed)) >= 0 and max(map(max, listed)) < size):
                return Known()
            step = _KEY_BYTES
            decoded = {blob[i * step : (i + 1) * step]: tuple(h) for i, h in enumerate(hits)}
            days[dt.date.fromisoformat(day)] = (str(sha), decoded)
        return Known([str(t) for t in raw["vocabulary"]], days)
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return Known()


def merged(
    old: Known, vocabulary: list[str], shas: Mapping[dt.date, str], learned: Mapping[dt.date, Entries]
) -> Known:
    """The next cache: each day of ``shas`` (the history) with the entries its job ``learned``, or, for a
    day not matched again, the old cache's (kept only while the vocabulary and its snapshot are the same)."""
    out = Known(vocabulary)
    for day, sha in shas.items():
        if day in learned:
            out.days[day] = (sha, dict(learned[day]))
        elif old.vocabulary == vocabulary and day in old.days and old.days[day][0] == sha:
            out.days[day] = old.days[day]
    return out


def save(out_dir: Path, known: Known) -> None:
    days = {}
    for d, (sha, entries) in sorted(known.days.items()):
        if any(len(k) != _KEY_BYTES for k in entries):
            continue  # never so; such a day is matched again
        days[d.isoformat()] = [sha, b"".join(entries).hex(), list(entries.values())]
    body = {"version": VERSION, "code": code_key(), "vocabulary": known.vocabulary, "days": days}
    atomic_write(out_dir / CACHE, orjson.dumps(body))


def discard(out_dir: Path) -> None:
    (out_dir / CACHE).unlink(missing_ok=True)
