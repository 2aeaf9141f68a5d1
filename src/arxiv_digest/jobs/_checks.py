"""The checks a daily run makes of a fetched announcement before it publishes anything (issue #7):
not from the future, not a parser broken by a format change, not a stored day shrunk by a half-empty
feed. Each raises (nothing was written yet) or returns."""

from __future__ import annotations

import datetime as dt
import logging

from ..errors import FeedFormatError, FetchError, ShrunkDayError
from ..models import Announcement, is_after_today
from ..store import Store
from ..wording import counted

log = logging.getLogger(__name__)

#: A day this far below the recent average, with parse warnings, is treated as a format change.
MIN_FRACTION_OF_AVERAGE = 0.2
#: A day already stored is replaced by a new fetch of the same day only if it keeps at least this share
#: of its papers, unless ``run --force`` (issue #7): a feed served half-empty must not erase the day.
MIN_FRACTION_OF_STORED = 0.5


def check_not_future(announcement: Announcement, today: dt.date) -> None:
    """Refuse a feed dated after today (US Eastern, one day of slack): published, such a day would stay
    the latest one and pin the README, the site and ``status`` to it (issue #7)."""
    day = announcement.day
    if day is not None and is_after_today(day, today):
        raise FetchError(
            announcement.source_url,
            f"the feed announces {day.isoformat()}, after today ({today.isoformat()} in US Eastern time): "
            "refusing to publish a day from the future; nothing was published (if this machine's clock "
            "is wrong, correct it)",
        )


def check_plausible(announcement: Announcement, store: Store) -> None:
    """Refuse to publish a day that looks like a parser broken by a format change."""
    if not announcement.warnings:
        return
    recent = [d.paper_count for d in store.days()[-10:] if d.day != announcement.day]
    if not recent:
        return
    average = sum(recent) / len(recent)
    if len(announcement.papers) < MIN_FRACTION_OF_AVERAGE * average:
        raise FeedFormatError(
            announcement.source_url,
            f"only {counted(len(announcement.papers), 'paper')} could be read, against {average:.0f} a "
            f"day recently, with {counted(len(announcement.warnings), 'parse warning')} "
            f"(first: {announcement.warnings[0]})",
        )


def check_not_shrunk(announcement: Announcement, store: Store, *, force: bool = False) -> None:
    """Refuse to replace a stored day by an announcement of the same day with under half its papers."""
    stored = store.paper_count(announcement.day) if announcement.day is not None else None
    fetched = len(announcement.papers)
    if stored is None or announcement.day is None or fetched >= MIN_FRACTION_OF_STORED * stored:
        return
    if not force:
        raise ShrunkDayError(
            announcement.day.isoformat(), stored, fetched, f"arXiv's feed {announcement.source_url}"
        )
    log.warning("%s: replacing its %d stored papers by %d (--force)", announcement.day, stored, fetched)
