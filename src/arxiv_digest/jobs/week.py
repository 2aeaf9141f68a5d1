"""``week``: the weekly digest (issue #10), and what the daily run does when a week closes.

A week is an ISO week (Monday to Sunday) of announcement days, *closed* once no announcement can still come
in it (``_week.is_closed``). The daily run
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
from ..models import WeekDigest, arxiv_today, iso_week
from ..notify import DeliveryReport
from ..output.files import make_folder, refuse_symlinks
from ..output.lock import OutputLock
from ..store import Store, default_db_path, with_store
from ._delivery import deliver_week
from ._week import days_of_week, latest_closed_week, publish_weeks, run_ranker


@dataclass(frozen=True, slots=True)
class WeekResult:
    week: str
    complete: bool
    days: int
    papers: int  # on the page
    topics: dict[str, int]
    written: int
    delivery: DeliveryReport | None = None


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
            history = [d.day for d in store.days()]
            label = week or latest_closed_week(history, today)
            if label is None:
                hint = (
                    f"pass --week {iso_week(history[-1])} for the week so far"
                    if history
                    else ("run `arxiv-digest run` first")
                )
                raise UsageError(f"no week has closed yet in {out_dir / 'data'}; {hint}")
            if not days_of_week(history, label):
                held = f"it holds {history[0]} to {history[-1]}" if history else "it holds no day yet"
                raise UsageError(f"no announcement day of {label} is stored in {out_dir / 'data'}; {held}")
            ranker = run_ranker(config, out_dir, store)  # with a library, #9's score orders the week
            digests, written = publish_weeks(config, out_dir, store, [label], today, history, ranker)
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
