"""A week's digest as values (issue #10): an ISO week, each topic's best papers of it, the week's counts.
Built by ``match/week.py``; the weekly pages and the weekly channels render one."""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from .digest import DayCounts
from .paper import Paper
from .topic import Topic

_WEEK = re.compile(r"(\d{4})-W(\d{2})", re.ASCII)  # not `２０２６-W27`: a second page of a week


@functools.lru_cache(maxsize=1 << 16)  # pages that list every day ask it of thousands, several times a run
def iso_week(day: dt.date) -> str:
    """``2026-W27``: the ISO week of a day (weeks start on Monday; week 1 holds the year's first Thursday)."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def week_start(label: str) -> dt.date:
    """The Monday of an ISO week written ``YYYY-Www``; ValueError for anything else (``2026-W54``)."""
    m = _WEEK.fullmatch(label.strip())
    if m is None:
        raise ValueError(f"not an ISO week: {label!r} (write it YYYY-Www, e.g. 2026-W27)")
    try:
        return dt.date.fromisocalendar(int(m.group(1)), int(m.group(2)), 1)
    except ValueError:
        raise ValueError(f"{label!r}: year {m.group(1)} has no week {m.group(2)}") from None


def closed_weeks(days: Iterable[dt.date]) -> list[str]:
    """The ISO weeks of ``days`` that a later day of ``days`` closes, newest first: every week but the
    latest day's. Their weekly pages exist (the daily run writes each week's page on the run that closes
    it), so the README, the site's index and the archives link them; a week closed only by the calendar
    (``arxiv-digest week`` or ``rebuild`` after its Sunday) is linked once a later day is stored, which
    keeps every page a function of the stored days alone."""
    weeks = sorted({iso_week(d) for d in days}, key=week_start, reverse=True)
    return weeks[1:]


class _WeekSpan:
    """The Monday and Sunday of an ISO week, for the values below that carry its ``week`` label."""

    __slots__ = ()
    week: str

    @property
    def first_day(self) -> dt.date:
        return week_start(self.week)

    @property
    def last_day(self) -> dt.date:
        return self.first_day + dt.timedelta(days=6)


@dataclass(frozen=True, slots=True)
class WeekRow(_WeekSpan):
    """A closed week as the archives list it: its label, its stored announcement days, their papers."""

    week: str
    days: int
    papers: int  # the sum of its days' counts, as each day's README counts them


def week_rows(counts: Iterable[DayCounts]) -> list[WeekRow]:
    """The :func:`closed_weeks` of the days ``counts`` describe, newest first, with their totals."""
    by_week: dict[str, list[DayCounts]] = {}
    for c in counts:
        by_week.setdefault(iso_week(c.day), []).append(c)
    return [
        WeekRow(w, len(by_week[w]), sum(c.total for c in by_week[w]))
        for w in closed_weeks(c.day for cs in by_week.values() for c in cs)
    ]


@dataclass(frozen=True, slots=True)
class WeekCounts:
    new: int = 0
    cross: int = 0
    updated: int = 0

    @property
    def total(self) -> int:
        return self.new + self.cross + self.updated


@dataclass(frozen=True, slots=True)
class WeekTopic:
    topic: Topic
    papers: tuple[Paper, ...]  # the best ones, at most `weekly.top`
    listed: int  # distinct papers its day pages listed over the week


@dataclass(frozen=True, slots=True)
class WeekDigest(_WeekSpan):
    week: str
    days: tuple[dt.date, ...]  # the announcement days stored in the week, oldest first
    complete: bool  # no announcement can still come in this week
    topics: tuple[WeekTopic, ...]
    counts: WeekCounts
    ranked_by_library: bool
    #: Machine-written summaries (issue #11) of the week's papers by (arXiv id, version), from the cache:
    #: untrusted text, escaped by each renderer; empty when ``summaries:`` is off. Attached by the job.
    summaries: Mapping[tuple[str, int], str] = field(default_factory=dict, compare=False)

    def summary_of(self, paper: Paper) -> str | None:
        """The summary to show above the paper's abstract, if it has one."""
        return self.summaries.get((paper.id, paper.version)) if self.summaries else None

    @property
    def paper_count(self) -> int:
        return sum(len(t.papers) for t in self.topics)
