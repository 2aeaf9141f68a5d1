"""What the weekly digest's jobs share (issue #10): when a week is closed, its digest from the store, and
writing its pages. ``week`` (the command) and the daily run both use it; ``rebuild`` writes every closed
week's pages with it.

A week is an ISO week (Monday to Sunday) of announcement days. It is *closed* once no announcement can
still come in it: the store holds a later day, or today (US Eastern) is past its Sunday.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from ..config import Config
from ..match import Matcher
from ..match.seen import window_start
from ..match.topics import topic_matcher
from ..match.week import Scorer, WeekDay, build_week, rank_week
from ..models import Digest, WeekDigest, iso_week, week_start
from ..output import layout
from ..output.files import Staging
from ..render.weekly import WeeklyRenderer
from ..store import Store
from ._seen import day_digest, needs_history
from ._summaries import attach_cached_week

if TYPE_CHECKING:  # ranking (scikit-learn) is imported only by a run that ranks
    from ._for_you import Ranker


def library_scorer(ranker: Ranker | None) -> Scorer | None:
    """#9's score for the reader's library, the one place the ranking stage plugs into the weekly digest:
    papers in, a score each out (higher is better). None (no library, ``rank.top: 0``, or no model to be
    had: its warning says why) ranks by matches."""
    if ranker is None or ranker.model() is None:
        return None
    return lambda papers: ranker.scores(list(papers))


def run_ranker(config: Config, out_dir: Path, store: Store) -> Ranker | None:
    """The reader's ranker for a command that has none yet (``week``); None without a library. The ranking
    stage (scikit-learn) is imported only then."""
    if config.library is None or config.rank.top == 0:
        return None
    from ._for_you import ranker_for

    return ranker_for(config, out_dir, store)


def is_closed(days: Sequence[dt.date], week: str, today: dt.date) -> bool:
    """No announcement can still come in ``week``: a later day is in the history (``days``, every day with
    a snapshot), or today is past its Sunday."""
    sunday = week_start(week) + dt.timedelta(days=6)
    return today > sunday or any(d > sunday for d in days)


def latest_closed_week(days: Sequence[dt.date], today: dt.date) -> str | None:
    """The latest week holding a day of ``days`` that is closed (None: no day, or all in an open week)."""
    for week in sorted({iso_week(d) for d in days}, reverse=True):
        if is_closed(days, week, today):
            return week
    return None


def days_of_week(days: Sequence[dt.date], week: str) -> list[dt.date]:
    monday = week_start(week)
    return [d for d in days if monday <= d <= monday + dt.timedelta(days=6)]


def week_digest(
    config: Config,
    store: Store,
    week: str,
    today: dt.date,
    days: Sequence[dt.date],
    matcher: Matcher | None = None,
    ranker: Ranker | None = None,
    fed: Mapping[dt.date, WeekDay] | None = None,
    known: Mapping[dt.date, Digest] | None = None,
) -> WeekDigest:
    """The week's digest from its days (in the store), each with the rules its own pages follow; best
    first by ``ranker``'s score (the reader's library), else by matches. ``fed``: what a rebuild's day
    pass kept of each day (issue #15); then the store is asked only for the papers the page shows.
    ``known``: digests of some of its days the caller already built (a run's feed days), not built again."""
    complete = is_closed(days, week, today)
    scorer = library_scorer(ranker)
    if fed is not None:
        mine = [fed[day] for day in days_of_week(days, week)]
        return rank_week(config, week, mine, store.announcements_of, complete=complete, scorer=scorer)
    matcher = matcher or topic_matcher(config)
    known = known or {}
    digests = [
        known[day] if day in known else day_digest(config, store, day, matcher)
        for day in days_of_week(days, week)
    ]
    return build_week(config, week, digests, matcher, complete=complete, scorer=scorer)


def stage_week(staging: Staging, renderer: WeeklyRenderer, week: WeekDigest) -> None:
    staging.add(layout.weekly_page(week.week), renderer.markdown_page(week))
    html = renderer.site_page(week)
    if html is not None:
        staging.add(layout.in_site(layout.site_weekly_page(week.week)), html)


def publish_weeks(
    config: Config,
    out_dir: Path,
    store: Store,
    weeks: list[str],
    today: dt.date,
    days: Sequence[dt.date],
    ranker: Ranker | None = None,
    fed: Mapping[dt.date, WeekDay] | None = None,
    known: Mapping[dt.date, Digest] | None = None,
    elements: dict[bytes, str] | None = None,
) -> tuple[list[WeekDigest], int]:
    """Write the pages of ``weeks`` (the same bytes are not rewritten); their digests, the files written.
    ``days``: every day of the history; the store must hold the weeks' days and their rules' windows
    (:func:`days_read`). ``ranker``: the run's, with a library (#9's score orders the weeks' papers).
    ``fed``: each day's listings and scores, as a rebuild's day pass found them (:func:`week_digest`);
    ``known``: the digests of days the caller built already (a run's: its day, its neighbours, the feeds').
    ``elements``: papers' elements a rebuild kept (``render.weekly``), to take rather than render; on
    return it holds those the pages written now use."""
    if not weeks:
        return [], 0
    renderer = WeeklyRenderer(config, elements)
    matcher = topic_matcher(config) if fed is None else None
    staging = Staging(out_dir)
    data = out_dir / layout.DATA
    digests = [
        attach_cached_week(
            config, week_digest(config, store, week, today, days, matcher, ranker, fed, known), data
        )
        for week in weeks
    ]
    for week in digests:
        stage_week(staging, renderer, week)
    written, _ = staging.commit()
    if elements is not None:
        elements.clear()
        elements.update(renderer.elements)
    return digests, written


def weeks_after_day(
    config: Config,
    out_dir: Path,
    days: Sequence[dt.date],
    day: dt.date,
    today: dt.date,
    owed: Callable[[str], bool] = lambda week: False,
) -> list[str]:
    """What the daily run writes once ``day`` is published (``days``: the history, ``day`` included): the
    latest closed week on the run that closes it (``day`` is the first day stored after it) or while a
    weekly channel is ``owed`` it (its delivery failed: the next run tries again), ``day``'s week if it is
    closed (an older day arriving late), and every closed week whose page is missing (the history predates
    the weekly digest, a failed run, or ``site: true`` again after ``false``), as a rebuild would have
    them. Oldest first, each once. A closed week's page is not made again on every later run (issue #15:
    a run's cost does not grow with what it has already published)."""
    weeks: set[str] = set()
    latest = latest_closed_week(days, today)
    if latest is not None:
        sunday = week_start(latest) + dt.timedelta(days=6)
        closing = sunday < day and not any(sunday < d < day for d in days)
        if closing or owed(latest):
            weeks.add(latest)
    if is_closed(days, iso_week(day), today):
        weeks.add(iso_week(day))
    for week in {iso_week(d) for d in days} - weeks:
        missing = not (out_dir / layout.weekly_page(week)).is_file() or (
            config.site and not (out_dir / layout.in_site(layout.site_weekly_page(week))).is_file()
        )
        if missing and is_closed(days, week, today):
            weeks.add(week)
    return sorted(weeks)


def days_read(
    config: Config, days: Sequence[dt.date], wanted: Iterable[dt.date], weeks: Iterable[str]
) -> set[dt.date]:
    """The days of the history whose papers a run reads to build the digests of ``wanted`` and the pages of
    ``weeks``: those days, the weeks' days, and each one's papers-already-shown window (``match.seen``).
    A run syncs only these into the database (issue #12), and its pages equal a rebuild's."""
    built = set(wanted).union(*(days_of_week(days, w) for w in weeks))
    ordered = sorted(days)
    out = set(built)
    if needs_history(config):
        for day in built:
            i = bisect.bisect_left(ordered, day)
            start = window_start(config, day, ordered[i - 1] if i > 0 else None)
            out.update(d for d in ordered[bisect.bisect_left(ordered, start) : i])
    return out & set(days)
