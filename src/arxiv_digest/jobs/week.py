"""``week``: the weekly digest (issue #10), and what the daily run does when a week closes.

A week is an ISO week (Monday to Sunday) of announcement days. It is *closed* once no announcement can
still come in it: the store holds a later day, or today (US Eastern) is past its Sunday. The daily run
writes the page of the latest closed week (and of the week of a day that arrived late in a closed week),
then sends it to the ``every: week`` channels that have not had it (``delivery/<YYYY-Www>.json``, as for
days): no second schedule is needed. ``week --week`` writes any week, an open one as "the week so far"
(never delivered: it is written again when it closes). The same store and config give the same bytes.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..config import Config
from ..errors import UsageError
from ..match import Matcher
from ..match.topics import topic_matcher
from ..match.week import Scorer, WeekDigest, build_week, iso_week, week_start
from ..models import arxiv_today
from ..notify import DeliveryReport, deliver_week
from ..output.files import OutputLock, Staging, make_folder, refuse_symlinks
from ..render.weekly import WeeklyRenderer, weekly_page, weekly_site_page
from ..store import Store, default_db_path, with_store
from .seen import day_digest


def library_scorer(config: Config, store: Store) -> Scorer | None:
    """#9's score for the reader's library, the one place the ranking stage plugs into the weekly digest:
    papers in, a score each out (higher is better). None (no library configured) ranks by matches."""
    return None


@dataclass(frozen=True, slots=True)
class WeekResult:
    week: str
    complete: bool
    days: int
    papers: int  # on the page
    topics: dict[str, int]
    written: int
    delivery: DeliveryReport | None = None


def is_closed(store: Store, week: str, today: dt.date) -> bool:
    """No announcement can still come in ``week``: a later day is stored, or today is past its Sunday."""
    sunday = week_start(week) + dt.timedelta(days=6)
    return today > sunday or bool(store.days_between(sunday + dt.timedelta(days=1), dt.date.max))


def latest_closed_week(store: Store, today: dt.date) -> str | None:
    """The latest week holding a stored day that is closed (None: no day stored, or all in an open week)."""
    days = [d.day for d in store.days()]
    for week in sorted({iso_week(d) for d in days}, reverse=True):
        if is_closed(store, week, today):
            return week
    return None


def week_digest(
    config: Config, store: Store, week: str, today: dt.date, matcher: Matcher | None = None
) -> WeekDigest:
    """The week's digest from its stored days, each with the rules its own pages follow."""
    matcher = matcher or topic_matcher(config)
    monday = week_start(week)
    days = store.days_between(monday, monday + dt.timedelta(days=6))
    digests = [day_digest(config, store, day, matcher) for day in days]
    return build_week(
        config,
        week,
        digests,
        matcher,
        complete=is_closed(store, week, today),
        scorer=library_scorer(config, store),
    )


def stage_week(staging: Staging, renderer: WeeklyRenderer, week: WeekDigest) -> None:
    staging.add(weekly_page(week.week), renderer.markdown_page(week))
    html = renderer.site_page(week)
    if html is not None:
        staging.add(f"site/{weekly_site_page(week.week)}", html)


def publish_weeks(
    config: Config, out_dir: Path, store: Store, weeks: list[str], today: dt.date
) -> tuple[list[WeekDigest], int]:
    """Write the pages of ``weeks`` (the same bytes are not rewritten); their digests, the files written."""
    renderer = WeeklyRenderer(config)
    matcher = topic_matcher(config)
    staging = Staging(out_dir)
    digests = [week_digest(config, store, week, today, matcher) for week in weeks]
    for week in digests:
        stage_week(staging, renderer, week)
    written, _ = staging.commit()
    return digests, written


def weeks_after_day(store: Store, day: dt.date, today: dt.date) -> list[str]:
    """What the daily run writes once ``day`` is published: the latest closed week, and ``day``'s week
    if it is closed (an older day arriving late). Oldest first, each once."""
    weeks = {w for w in (latest_closed_week(store, today),) if w is not None}
    if is_closed(store, iso_week(day), today):
        weeks.add(iso_week(day))
    return sorted(weeks)


def run_week(
    config: Config,
    out_dir: Path,
    db_path: Path | None = None,
    *,
    week: str | None = None,
    today: dt.date | None = None,
    sleep: Callable[[float], None] | None = None,
) -> WeekResult:
    """Write the page of ``week`` (default: the latest closed week) and, when it is closed, deliver it to
    the ``every: week`` channels that have not had it. An open week is written as "the week so far"."""
    today = today or arxiv_today()
    db_path = db_path or default_db_path(out_dir)
    make_folder(out_dir)
    refuse_symlinks(out_dir, db_path)
    with OutputLock(out_dir):

        def publish(store: Store) -> tuple[WeekDigest, int]:
            label = week or latest_closed_week(store, today)
            if label is None:
                days = store.days()
                hint = (
                    f"pass --week {iso_week(days[-1].day)} for the week so far"
                    if days
                    else "run `arxiv-digest run` first"
                )
                raise UsageError(f"no week has closed yet in {out_dir / 'data'}; {hint}")
            digests, written = publish_weeks(config, out_dir, store, [label], today)
            return digests[0], written

        digest, written = with_store(db_path, out_dir / "data", publish)
        report = deliver_week(config, out_dir, digest, sleep=sleep or time.sleep) if digest.complete else None
    return WeekResult(
        week=digest.week,
        complete=digest.complete,
        days=len(digest.days),
        papers=digest.paper_count,
        topics={t.topic.name: len(t.papers) for t in digest.topics},
        written=written,
        delivery=report,
    )
