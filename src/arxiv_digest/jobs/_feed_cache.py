"""The feeds' days kept for the next runs (issue #15): ``.arxiv-digest/feed-days/<day>.json``.

The feeds cover the last ``feed_days`` days, so every run used to match its five older days again and
render their Atom entries again; on the day that closes a week its page built the same days' digests
once more. A run now keeps, per feed day, what the feeds and the weekly page take of it
(:class:`~arxiv_digest.render.feeds.DayFeed`: each topic's listed ids, the papers in feed order, each
one's entry as serialised; :class:`~arxiv_digest.match.week.WeekDay`: its counts and the listed papers'
match scores), and the next run takes them from there instead of building the day's digest.

What a kept day is keyed on (``key``): everything its digest is made from. The day's snapshot (its
SHA-256 as the database has it), the snapshots of the days its papers-already-shown window reads and
the day before it (the rules' ``Earlier``), every setting of config.yml and the topics, the package's
own files, Python's and the renderers' versions (``_manifest.global_key``). A kept day whose key differs
(the snapshot, the config, the code or a window day changed) is not used, and is made again; a file that
cannot be read or understood is likewise made again, never an error: it is only a cache. Not used with
summaries (they come from ``data/summaries``, which a later run may fill in) or with a reader's library
(the For-you feed needs the days' papers). Kept beside the database, not published: a fresh clone has
none, builds every feed day from the snapshots as before, and publishes the same bytes (tested).
Written atomically, when the day is first built; files of days no longer among the feed days go.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from ..config import Config
from ..match import Matcher
from ..match.seen import window_start
from ..match.week import WeekDay, week_day
from ..models import DayCounts, Digest
from ..output import layout
from ..output.files import atomic_write
from ..render.feeds import DayFeed, day_feed
from ..store import Store
from ._manifest import digest_of, global_key, topic_key

log = logging.getLogger(__name__)

FORMAT = 1
FOLDER = f"{layout.STATE_DIR}/feed-days"


@dataclass(frozen=True, slots=True)
class KeptDay:
    feed: DayFeed
    week: WeekDay


def usable(config: Config, *, ranking: bool) -> bool:
    """Whether a run may keep and take feed days: no summaries, no For-you feed (see the module's doc)."""
    return config.summaries is None and not ranking and config.feed_days > 0


class FeedDays:
    """The kept feed days as one run uses them (its store holds the days it reads, ``_reads``)."""

    def __init__(self, config: Config, out_dir: Path, store: Store, matcher: Matcher) -> None:
        self.config = config
        self.folder = out_dir / FOLDER
        self.store = store
        self.matcher = matcher
        self._config_key = digest_of([global_key(config), [topic_key(t, exact=True) for t in config.topics]])
        self._days: dict[dt.date, KeptDay] = {}
        self._pending: dict[Path, bytes] = {}  # written by flush(), once the run has published
        self._wanted: set[str] | None = None  # the files flush() keeps (None: prune nothing)

    def key(self, day: dt.date) -> str | None:
        """What the day's digest is made from (None: the day is not stored)."""
        sha = self.store.snapshot_sha(day)
        if sha is None:
            return None
        previous = self.store.previous_day(day)
        window = self.store.snapshot_shas(window_start(self.config, day, previous), day)
        return digest_of([FORMAT, self._config_key, day, sha, previous, window])

    def kept(self, day: dt.date) -> KeptDay | None:
        """The day as kept, if its key is still the day's."""
        if day in self._days:
            return self._days[day]
        key = self.key(day)
        if key is None:
            return None
        try:
            raw = orjson.loads((self.folder / f"{day.isoformat()}.json").read_bytes())
            found = _from_json(day, raw) if isinstance(raw, dict) and raw.get("key") == key else None
        except (OSError, ValueError, TypeError, KeyError, AttributeError):  # unreadable, or not ours
            found = None
        if found is not None:
            self._days[day] = found
        return found

    def keep(self, digest: Digest) -> KeptDay:
        """Keep a day built by this run (its digest as its pages have it) for the next runs."""
        made = KeptDay(day_feed(digest), week_day(digest, self.matcher))
        self._days[digest.day] = made
        key = self.key(digest.day)
        if key is not None:
            self._pending[self.folder / f"{digest.day.isoformat()}.json"] = _to_json(key, made)
        return made

    def flush(self) -> None:
        """Write the days this run kept and remove the files of days no longer fed: after the run has
        published (a run killed before leaves the cache as it was; its files are written atomically)."""
        try:
            for path, data in self._pending.items():
                atomic_write(path, data)
        except OSError as e:  # a cache: the pages do not depend on it
            log.warning("feed cache: cannot write %s: %s", self.folder, e)
        self._pending.clear()
        if self._wanted is not None:
            self._prune(self._wanted)

    def feeds_days(self, days: Sequence[dt.date], digest_of: Callable[[dt.date], Digest]) -> list[DayFeed]:
        """The feeds' days (the last ``feed_days`` of ``days``): kept, else built (``digest_of``) and kept.
        Files of other days go."""
        recent = sorted(days)[-self.config.feed_days :]
        out = []
        for day in recent:
            found = self.kept(day)
            out.append(found.feed if found is not None else self.keep(digest_of(day)).feed)
        self._wanted = {f"{d.isoformat()}.json" for d in recent}
        return out

    def week_days(
        self, days: Sequence[dt.date], known: Mapping[dt.date, Digest]
    ) -> dict[dt.date, WeekDay] | None:
        """Each of ``days`` as a weekly page takes it: from a digest this run built (``known``), else as
        kept; None if a day is neither (the page is then made from the days' digests)."""
        out = {}
        for day in days:
            found = self.kept(day) if day not in known else None
            if day in known:
                out[day] = week_day(known[day], self.matcher)
            elif found is not None:
                out[day] = found.week
            else:
                return None
        return out

    def _prune(self, keep: set[str]) -> None:
        try:
            with os.scandir(self.folder) as entries:
                stale = [e.path for e in entries if e.name not in keep and e.name.endswith(".json")]
            for path in stale:
                os.unlink(path)
        except OSError:  # no folder yet, or a file already gone: nothing to prune
            pass


def _to_json(key: str, kept: KeptDay) -> bytes:
    feed, week = kept.feed, kept.week
    return orjson.dumps(
        {
            "format": FORMAT,
            "key": key,
            "topics": [[name, list(ids)] for name, ids in feed.topics],
            "newest": list(feed.newest),
            "entries": {i: e.decode("utf-8") for i, e in feed.entries.items()},
            "counts": [week.counts.new, week.counts.cross, week.counts.updated],
            "scores": dict(week.scores),
        }
    )


def _from_json(day: dt.date, raw: dict[str, Any]) -> KeptDay | None:
    if raw.get("format") != FORMAT:
        return None
    topics = tuple((str(name), tuple(str(i) for i in ids)) for name, ids in raw["topics"])
    newest = tuple(str(i) for i in raw["newest"])
    entries = {str(i): str(e).encode("utf-8") for i, e in raw["entries"].items()}
    scores = {str(i): float(v) for i, v in raw["scores"].items()}
    listed = {i for _, ids in topics for i in ids}
    if listed != set(entries) or set(newest) != listed or not listed <= set(scores):
        return None  # not what a run writes: made again
    new, cross, updated = (int(n) for n in raw["counts"])
    week = WeekDay(day, DayCounts(day, new, cross, updated), dict(topics), scores)
    return KeptDay(DayFeed(day, topics, newest, entries), week)
