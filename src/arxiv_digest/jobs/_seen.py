"""A day's digest with the papers-already-shown rules (``match/seen.py``, issue #10) fed from the history:
from the database in a run, from the snapshots in a rebuild (whose database may not exist yet). Both give
the same :class:`Earlier` for a day, so a run and a rebuild publish the same bytes.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ..config import Config
from ..errors import StoreError, cannot_read
from ..match import Matcher
from ..match.digest import build_digest
from ..match.seen import Earlier, applies, window_start
from ..models import Digest, Paper
from ..store import Store
from ..store import snapshot as snapshots


def needs_history(config: Config) -> bool:
    """Whether any topic follows the rules (``match: substring`` topics keep the reference's pages)."""
    return any(applies(t) for t in config.topics)


def earlier_in_store(config: Config, store: Store, day: dt.date, papers: Sequence[Paper]) -> Earlier | None:
    """What the database holds of ``papers``' ids before ``day``, within the rules' window."""
    if not needs_history(config):
        return None
    previous = store.previous_day(day)
    start = window_start(config, day, previous)
    return Earlier(tuple(store.announcements_between((p.id for p in papers), start, day)), previous)


def day_digest(
    config: Config, store: Store, day: dt.date, matcher: Matcher, papers: Sequence[Paper] | None = None
) -> Digest:
    """The digest of a stored day (``papers``: the day's, when already at hand), the rules applied."""
    papers = store.papers_for_day(day) if papers is None else papers
    return build_digest(config, day, papers, matcher, earlier_in_store(config, store, day, papers))


@dataclass(frozen=True, slots=True)
class EarlierSources:
    """Where a rebuild's worker finds a day's earlier announcements: per earlier day of the window, its
    snapshot and the ids of the day it holds. Small (only the ids both days hold), so cheap to send."""

    previous_day: dt.date | None
    days: tuple[tuple[dt.date, Path, tuple[str, ...]], ...] = ()

    def load(self) -> Earlier:
        found: list[tuple[dt.date, Paper]] = []
        for day, path, ids in self.days:
            try:
                content = path.read_bytes()
            except OSError as e:
                raise StoreError(cannot_read(path, e)) from e
            found.extend((day, p) for p in snapshots.papers_with_ids(content, ids, source=str(path), day=day))
        return Earlier(tuple(sorted(found, key=lambda item: (item[0], item[1].id))), self.previous_day)


class SnapshotIndex:
    """The ids of a rebuild's snapshots, each read once in the main process when a day needs it (a line's
    id is read without parsing it), so that each day's job can be told which earlier lines to read."""

    def __init__(self, config: Config, files: dict[dt.date, Path]) -> None:
        self.config = config
        self.files = files
        self.days = sorted(files)
        self.enabled = needs_history(config)
        self._ids: dict[dt.date, frozenset[str]] = {}

    def ids(self, day: dt.date) -> frozenset[str]:
        """The ids of a day's snapshot, read when first asked for (a rebuild that renders a few days
        reads only their windows)."""
        found = self._ids.get(day)
        if found is None:
            path = self.files[day]
            try:
                content = path.read_bytes()
            except OSError as e:
                raise StoreError(cannot_read(path, e)) from e
            found = self._ids[day] = snapshots.ids_in(content, source=str(path), day=day)
        return found

    def window(self, day: dt.date) -> list[dt.date]:
        """The earlier days whose snapshots the rules read for ``day`` (none when the rules are off)."""
        if not self.enabled:
            return []
        i = bisect.bisect_left(self.days, day)
        start = window_start(self.config, day, self.days[i - 1] if i > 0 else None)
        return self.days[bisect.bisect_left(self.days, start) : i]

    def sources(self, day: dt.date) -> EarlierSources | None:
        """What the job of ``day`` reads to know its earlier announcements (None: the rules are off)."""
        if not self.enabled:
            return None
        i = bisect.bisect_left(self.days, day)
        previous = self.days[i - 1] if i > 0 else None
        start = window_start(self.config, day, previous)
        mine = self.ids(day)
        found = []
        for other in self.days[bisect.bisect_left(self.days, start) : i]:
            common = mine & self.ids(other)
            if common:
                found.append((other, self.files[other], tuple(sorted(common))))
        return EarlierSources(previous, tuple(found))
