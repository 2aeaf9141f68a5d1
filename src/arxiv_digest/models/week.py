"""A week's digest as values (issue #10): an ISO week, each topic's best papers of it, the week's counts.
Built by ``match/week.py``; the weekly pages and the weekly channels render one."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from .paper import Paper
from .topic import Topic

_WEEK = re.compile(r"(\d{4})-W(\d{2})", re.ASCII)  # not `２０２６-W27`: a second page of a week


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
class WeekDigest:
    week: str
    days: tuple[dt.date, ...]  # the announcement days stored in the week, oldest first
    complete: bool  # no announcement can still come in this week
    topics: tuple[WeekTopic, ...]
    counts: WeekCounts
    ranked_by_library: bool

    @property
    def first_day(self) -> dt.date:
        return week_start(self.week)

    @property
    def last_day(self) -> dt.date:
        return self.first_day + dt.timedelta(days=6)

    @property
    def paper_count(self) -> int:
        return sum(len(t.papers) for t in self.topics)
