"""The job behind ``run``: fetch today, keep it, publish (``rebuild`` republishes every stored day from
``data/*.jsonl``, in ``rebuild.py``). The CLI parses arguments and prints; everything it does happens here.

A run does all its fallible work (fetch, parse, check, match, render) before it writes anything, then
writes the day's snapshot first and the pages after it, each file atomically, and commits the database
last. A failure before the writes changes nothing; a crash during them leaves whole files, and the next run
converges (the database re-imports any snapshot whose hash it does not know). Delivery (``notify/``)
comes after the pages: its failure never unwrites them.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx

from ..config import Config
from ..match import Matcher
from ..match.digest import build_digest
from ..match.topics import topic_matcher
from ..match.week import WeekDay
from ..models import Digest, Library, Paper, arxiv_today
from ..notify import owes
from ..output import layout
from ..output.files import Staging, make_folder, refuse_symlinks, refuse_symlinks_within
from ..output.lock import OutputLock
from ..render.markdown import MarkdownRenderer
from ..render.site import SiteRenderer
from ..sources import rss
from ..sources.http import PoliteClient
from ..store import Store, default_db_path, incomplete, with_store
from ..store import meta as day_meta
from ..store import snapshot as snapshots
from ..store.counts import COUNTS_NAME
from . import _reads as reads
from ._checks import check_not_future, check_not_shrunk, check_plausible
from ._comments import complete_comments
from ._delivery import deliver, deliver_week
from ._feed_cache import FeedDays, usable
from ._publish import (
    RunResult,
    fill_site,
    prune_site_dirs,
    stage_day,
    stage_site_extras,
    stage_site_removal,
)
from ._restage import following, restage, restage_around
from ._seen import earlier_in_store
from ._summaries import summarise_digest
from ._week import days_of_week, days_read, publish_weeks, weeks_after_day

if TYPE_CHECKING:  # ranking (scikit-learn, ~2 s to import) is imported only by a run that ranks
    from ._for_you import Ranker

log = logging.getLogger(__name__)

#: The paths a daily run writes besides its days' folders (``reads.day_folders``), checked for links.
RUN_WRITES = (
    "README.md",
    "hot_topic",
    "category",
    "archive/README.md",
    "data",
    "delivery",
    layout.STATE_DIR,
    "site/index.html",
    "site/archive.html",
    "site/assets",
    "site/topic",
    "site/category",
    "site/feeds",
    layout.WEEKLY,
    f"{layout.SITE}/{layout.WEEKLY}",
)


def run_daily(
    config: Config,
    out_dir: Path,
    db_path: Path | None = None,
    *,
    transport: httpx.BaseTransport | None = None,
    sleep: Callable[[float], None] | None = None,
    on_published: Callable[[RunResult], None] | None = None,
    force: bool = False,
    today: dt.date | None = None,
    library: Library | None = None,
) -> RunResult:
    """Fetch the current announcement for the tracked categories, complete its papers from arXiv's API
    (`arxiv: comments`, :mod:`._comments`), keep it and publish its pages, then
    deliver the day to the ``notify:`` channels not yet served for it (issue #6). ``force``: replace a
    stored day even by a much smaller announcement of it (:func:`check_not_shrunk`).

    ``on_published`` is called once the pages are written, before delivery. A channel's failure does not
    raise: it is in ``result.delivery`` (the caller decides the exit code), recorded for the next run.
    ``today`` (default: the clock's date in US Eastern time) is what a feed's day may not be after.
    ``library``: the reader's library when the caller has it (tests); else ``library:`` is read here.
    """
    db_path = db_path or default_db_path(out_dir)
    make_folder(out_dir)
    refuse_symlinks(out_dir, db_path)  # a --db inside the output folder, outside what the lock scans
    # What a run writes, checked for links before the lock (issue #12: not the whole history's pages; the
    # folders of the days it writes are checked once it knows them, before the database is opened).
    with OutputLock(out_dir, scan=RUN_WRITES if config.site else (*RUN_WRITES, "site")):
        # One polite client for the feed and for the library's ids arXiv has to complete (issue #9).
        with PoliteClient(config.arxiv, transport=transport, sleep=sleep or time.sleep) as client:
            announcement = rss.fetch_announcement(client, config.arxiv.rss_url, config.category_codes)
            today = today or arxiv_today()
            check_not_future(announcement, today)
            if announcement.is_empty:
                return RunResult(day=announcement.day, empty=True, warnings=announcement.warnings)
            assert announcement.day is not None
            day = announcement.day

            data = out_dir / layout.DATA
            # The comments and journal references the feed lacks, before the facts and the snapshot.
            completion = complete_comments(client, config.arxiv, announcement.papers, data, day)
            # The database is brought up to date for the days this run reads, not the whole history (a
            # fresh clone imports a few snapshots: issue #12); a command reading everything syncs the rest.
            history = reads.history_days(data, day)
            weeks, needed = _reads_of(config, out_dir, history, day, today)
            refuse_symlinks_within(out_dir, reads.day_folders(needed))

            def publish(store: Store) -> RunResult:  # again on a fresh database if this one proves damaged
                check_plausible(announcement, store)
                check_not_shrunk(announcement, store, force=force)
                ranker = _ranker(config, out_dir, store, library, client)
                known: dict[dt.date, Digest] = {}  # the digests built, which the week's page reuses
                kept = _kept(config, out_dir, store, ranker)  # the feeds' days the last runs kept
                result = _publish_day(
                    config,
                    out_dir,
                    store,
                    day,
                    list(completion.papers),
                    history,
                    warnings=announcement.warnings + completion.warnings,
                    sleep=sleep or time.sleep,
                    ranker=ranker,
                    known=known,
                    kept=kept,
                )
                fed = _week_days(kept, history, weeks, known)
                # A week that closed with this day gets its page (issue #10): no second schedule needed.
                written_weeks, written = publish_weeks(
                    config, out_dir, store, weeks, today, history, ranker, fed, known=known
                )
                if kept is not None:  # the feeds' days this run made, kept once its pages are written
                    kept.flush()
                return replace(result, weeks=tuple(written_weeks), written=result.written + written)

            result = with_store(db_path, data, publish, only=needed)
        if on_published is not None:
            on_published(result)
        return _delivered(config, out_dir, result, sleep or time.sleep)


def _kept(config: Config, out_dir: Path, store: Store, ranker: Ranker | None) -> FeedDays | None:
    """The feeds' days the last runs kept (issue #15; a fresh clone has none), when a run may use them."""
    if not usable(config, ranking=ranker is not None):
        return None
    return FeedDays(config, out_dir, store, topic_matcher(config))


def _week_days(
    kept: FeedDays | None, history: list[dt.date], weeks: list[str], known: dict[dt.date, Digest]
) -> dict[dt.date, WeekDay] | None:
    """The weeks' days as their pages take them, from the run's digests and the kept days (None: some day
    is neither, or nothing is kept; the pages are then made from the days' digests)."""
    if kept is None or not weeks:
        return None
    return kept.week_days(sorted({d for w in weeks for d in days_of_week(history, w)}), known)


def _delivered(config: Config, out_dir: Path, result: RunResult, sleep: Callable[[float], None]) -> RunResult:
    """Delivery, after the pages (also on a rerun: the day's record says which channels still need it).
    Weekly channels get the latest closed week once, a failed one again next run; older weeks this run
    wrote (a history older than the weekly digest, `site: true` again) are not news, never sent."""
    assert result.digest is not None
    report = deliver(config, out_dir, result.digest, sleep=sleep)
    if result.weeks:
        latest_week = max(result.weeks, key=lambda w: w.first_day)
        sent = deliver_week(config, out_dir, latest_week, sleep=sleep)
        report = replace(report, outcomes=report.outcomes + sent.outcomes)
    return replace(result, delivery=report)


def _publish_day(
    config: Config,
    out_dir: Path,
    store: Store,
    day: dt.date,
    papers: list[Paper],
    days: list[dt.date],
    *,
    warnings: tuple[str, ...] = (),
    sleep: Callable[[float], None] = time.sleep,
    ranker: Ranker | None = None,
    known: dict[dt.date, Digest],
    kept: FeedDays | None = None,
) -> RunResult:
    content = snapshots.dumps(papers)
    sha = snapshots.sha256(content)
    matcher = topic_matcher(config)
    if ranker is not None:  # the day is part of the history its model learns from (issue #9)
        ranker.add_day(day, content)
    # One transaction: the database commits only once every file is written (a failure rolls it back).
    with store.transaction():
        store.replace_day(day, papers, sha)
        digest, summaries = _ranked_and_summarised(
            config, out_dir, store, day, papers, matcher, ranker, sleep
        )
        latest = max(days)
        renderer = MarkdownRenderer(config)
        staging = Staging(out_dir)
        snapshot_path = layout.in_data(layout.snapshot_name(day))
        staging.add(snapshot_path, content)
        meta_path = _stage_meta(staging, day_meta.DayMeta(day, warnings, summaries))
        site = SiteRenderer(config) if config.site else None
        stage_day(staging, renderer, digest, days, latest=day == latest, site=site)
        known[day] = digest  # with its neighbours' and the feeds' days: the week's page takes them
        # The neighbours' day links change too (a new latest day is the day before's "next day", an older
        # day arriving late sits between two), and so does every day a failed run left unfinished.
        again = partial(restage, staging, renderer, config, store, matcher, days, site=site, ranker=ranker)
        unfinished = restage_around(again, config, out_dir, days, day, known)
        counts, counts_file = reads.archive_counts(
            config, out_dir / layout.DATA, days, known, {day: len(content)}
        )
        staging.add(layout.in_data(COUNTS_NAME), counts_file)
        staging.add(layout.ARCHIVE_INDEX, renderer.archive_index(counts))
        if site is not None:
            stage_site_extras(
                staging,
                site,
                config,
                store,
                matcher,
                days,
                known,
                latest_staged=layout.in_site(layout.SITE_INDEX) in staging.files,
                counts=counts,
                ranker=ranker,
                kept=kept,
            )
        else:
            stage_site_removal(staging, out_dir)
        # Until the marker goes, `status` reports the day as incomplete (a failure among the pages).
        incomplete.mark(out_dir / layout.DATA, day)
        written, deleted = staging.commit(first=[snapshot_path, meta_path])
    incomplete.clear(out_dir / layout.DATA, [day, *unfinished])
    if site is None:
        prune_site_dirs(out_dir)
    else:
        written += fill_site(config, out_dir, store, matcher, days, site, ranker)
    return RunResult(
        day=day,
        papers=len(papers),
        listed=digest.total,
        topics={t.topic.name: len(t.papers) for t in digest.topics},
        written=written,
        deleted=deleted,
        days=len(days),
        warnings=warnings,
        digest=digest,
    )


def _ranked_and_summarised(
    config: Config,
    out_dir: Path,
    store: Store,
    day: dt.date,
    papers: list[Paper],
    matcher: Matcher,
    ranker: Ranker | None,
    sleep: Callable[[float], None],
) -> tuple[Digest, dict[str, Any] | None]:
    """The day's digest, ranked for the reader (issue #9: against the history that now holds the day),
    then summarised (issue #11), For you's papers first, before anything is written: summaries can add a
    line above an abstract and nothing else; off (no `summaries:`), the digest is returned unchanged.
    Also the summaries' record for the day's meta.json."""
    built = build_digest(config, day, papers, matcher, earlier_in_store(config, store, day, papers))
    built = ranker.attach(built) if ranker is not None else built
    ranked = [pick.paper for pick in built.for_you.picks] if built.for_you is not None else []
    return summarise_digest(config, built, out_dir / layout.DATA, ranked=ranked, sleep=sleep)


def _stage_meta(staging: Staging, meta: day_meta.DayMeta) -> str:
    """Stage ``data/<day>.meta.json`` (or its removal); its path. The day's parse warnings must outlive
    the run (on GitHub the database does not): `status` reads them from there, a file that exists only for
    a day that had some (or summaries)."""
    meta_path = layout.in_data(layout.meta_name(meta.day))
    if not meta.is_empty:
        staging.add(meta_path, day_meta.dumps(meta))
    else:
        staging.remove(meta_path)
    return meta_path


def _reads_of(
    config: Config, out_dir: Path, history: list[dt.date], day: dt.date, today: dt.date
) -> tuple[list[str], set[dt.date]]:
    """The weeks this day closes (issue #10), and the days the run reads: its own reads (issue #12) and
    those the papers-already-shown rules need for the digests it builds (the days after a late day within
    `seen_days` are built again too)."""
    marked = incomplete.marked_days(out_dir / layout.DATA)
    weeks = weeks_after_day(config, out_dir, history, day, today, lambda week: owes(config, out_dir, week))
    built = reads.built_days(config, history, day, marked) | set(following(config, history, day))
    needed = reads.needed_days(config, history, day, marked) | days_read(config, history, built, weeks)
    return weeks, needed


def _ranker(
    config: Config, out_dir: Path, store: Store, library: Library | None, client: PoliteClient | None
) -> Ranker | None:
    """The run's ranker (``_for_you.ranker_for``); the ranking stage is imported only with a library."""
    if config.rank.top == 0 or (library is None and config.library is None):
        return None
    from ._for_you import ranker_for

    return ranker_for(config, out_dir, store, library, client=client)
