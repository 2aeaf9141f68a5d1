"""Republishing every stored day from ``data/*.jsonl`` (``rebuild``, and ``backfill`` after it fetched).

Each snapshot is read once: the same objects are imported (if the database lacks that version of the day)
and rendered. Days are independent, so worker processes render and write them while this process holds the
output lock (``_rebuild_jobs``). An existing database is updated in one transaction, from rows the workers
send back; a missing one is built whole by ``store.building``, from files the workers write their days
into. Small histories run in one process.

Only what changed is rendered (issue #15): the last finished rebuild's manifest (``_manifest``) says what
each day's pages were made from, and ``_rebuild_plan`` renders a day whole, its changed topics' pages
alone, or not at all; the pages that span days (archive, feeds, counts) always, the weekly pages when
their days or the topics changed, from what the day jobs (or the manifest) kept of each day: listings
and match scores, no day's digest built again. The bytes are a full rebuild's; ``full=True`` (``--full``)
is one.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from ..config import Config
from ..match.topics import topic_matcher
from ..match.week import WeekDay
from ..models import DayCounts, arxiv_today, iso_week
from ..output import layout
from ..output.files import Staging, make_folder, refuse_symlinks
from ..output.lock import OutputLock
from ..render.markdown import MarkdownRenderer
from ..render.site import SiteRenderer
from ..store import (
    Building,
    Store,
    building,
    database_exists,
    default_db_path,
    incomplete,
    open_db,
    retry_if_damaged,
)
from ..store import snapshot as snapshots
from ..store.counts import COUNTS_NAME
from . import _manifest as manifests
from . import _match_cache as match_cache
from . import _reads as reads
from . import _rebuild_elements as week_elements
from ._publish import (
    RunResult,
    day_digest,
    prune_site_dirs,
    stage_day,
    stage_site_extras,
    stage_site_removal,
)
from ._rebuild_jobs import PARALLEL_MIN_DAYS, DayDone, DayJob, gc_paused, parallel, run_jobs
from ._rebuild_jobs import matcher as day_matcher
from ._rebuild_plan import Plan, job_extras, plan, record, recordable
from ._seen import SnapshotIndex
from ._week import is_closed, publish_weeks

if TYPE_CHECKING:  # ranking (scikit-learn) is imported only by a rebuild that ranks
    from ._for_you import Ranker

__all__ = ["PARALLEL_MIN_DAYS", "default_jobs", "rebuild"]

log = logging.getLogger(__name__)


def default_jobs() -> int:
    return max(1, min(os.cpu_count() or 1, 4))


def rebuild(
    config: Config,
    out_dir: Path,
    db_path: Path | None = None,
    *,
    jobs: int | None = None,
    today: dt.date | None = None,
    full: bool = False,
) -> RunResult:
    """Recreate the database (if missing) and every page of every stored day from ``data/*.jsonl``.

    Days are independent, so they are rendered by ``jobs`` worker processes (default: the CPUs, at most
    4); this process holds the lock and writes the database in one transaction. ``today`` (default: the
    clock's, in US Eastern time) says which weeks have closed: their weekly pages are written too. Only
    what changed since the last rebuild is rendered, unless ``full`` (issue #15).
    """
    db_path = db_path or default_db_path(out_dir)
    make_folder(out_dir)
    refuse_symlinks(out_dir, db_path)  # a --db inside the output folder, outside what the lock scans
    with OutputLock(out_dir):
        data = out_dir / layout.DATA
        # A template mistake is a clean error before anything is written, the marker included.
        MarkdownRenderer(config)
        if config.site:
            SiteRenderer(config)
        # The manifest is read, then forgotten until this rebuild has finished: one that fails half-way
        # leaves none, and the next rebuild is a full one.
        old = manifests.load(out_dir) if not full else None
        known = match_cache.load(out_dir)
        unfinished = incomplete.rebuild_unfinished(data)
        manifests.discard(out_dir)
        # Until it goes, `status` says the pages are not wholly published (a failure among them: disk
        # full, a name the file system refuses); only a rebuild that finishes removes it (issue #7).
        if snapshots.day_files(data):
            incomplete.mark_rebuild(data)
        # A damaged database is a cache: moved aside, and the rebuild starts again without it.
        when = today or arxiv_today()
        result = retry_if_damaged(
            db_path,
            lambda: _rebuild_locked(config, out_dir, db_path, jobs, when, None if unfinished else old, known),
        )
        # Every day with a snapshot is now wholly published: no run's unfinished publication remains.
        incomplete.clear(data, incomplete.marked_days(data))
        incomplete.clear_rebuild(data)
        return result


def _rebuild_locked(
    config: Config,
    out_dir: Path,
    db_path: Path,
    jobs: int | None,
    today: dt.date,
    old: manifests.Manifest | None,
    known: match_cache.Known,
) -> RunResult:
    files = snapshots.day_files(out_dir / layout.DATA)
    if files and not database_exists(db_path):  # a missing database is built whole, then moved into place
        with building(db_path) as build:
            return _rebuild_days(config, out_dir, files, jobs, today, build.store, None, known, build)
    with open_db(db_path) as store:
        if not files:
            store.sync(out_dir / layout.DATA)  # drops days whose snapshot is gone
            return RunResult(day=None, empty=True)
        return _rebuild_days(config, out_dir, files, jobs, today, store, old, known)


def _rebuild_days(
    config: Config,
    out_dir: Path,
    files: dict[dt.date, Path],
    jobs: int | None,
    today: dt.date,
    store: Store,
    old: manifests.Manifest | None,
    known: match_cache.Known,
    build: Building | None = None,
) -> RunResult:
    """Publish the days of ``files`` that changed since ``old`` (all of them without it) and make
    ``store`` hold them. ``build``: ``store`` is a database being built (``build.store``), into which
    several workers each write a file of their own."""
    days = tuple(files)
    latest = max(days)
    stored = {d.day: store.snapshot_sha(d.day) for d in store.days()}
    ranking = config.library is not None and config.rank.top > 0
    index = SnapshotIndex(config, files)
    chosen = plan(config, out_dir, files, stored, index, old, full=build is not None)
    log.info("rebuild: %s", chosen.reason)
    todo = {
        day: DayJob(
            out_dir,
            path,
            day,
            day == latest,
            stored.get(day),
            ranking,
            index.sources(day),
            **job_extras(config, chosen, day, day == latest),  # type: ignore[arg-type]
        )
        for day, path in files.items()
        if chosen.renders(day)
    }
    workers = jobs or default_jobs()
    folder = build.worker_folder() if build is not None and parallel(list(todo.values()), workers) else None
    written = deleted = 0
    done: dict[dt.date, DayDone] = {}
    with store.transaction():
        store.drop_days_except(list(days))
        cache = known if chosen.old is not None else None  # a full rebuild matches every paper again
        for result in run_jobs(config, days, list(todo.values()), workers, folder, cache):
            if result.rows is not None:
                with gc_paused():
                    store.replace_day_rows(result.day, result.rows, result.sha)
            written += result.written
            deleted += result.deleted
            done[result.day] = dataclasses.replace(result, rows=None)  # the rows are in the database
    if build is not None:  # the workers have exited: their files are complete
        build.gather()
        store = build.store
    ranker = None
    if ranking:
        from ._for_you import ranker_for

        ranker = ranker_for(config, out_dir, store)
        written += _stage_for_you(config, out_dir, store, days, ranker)
    counts, sizes = _day_counts(chosen, done, days)
    counts_file = reads.counts_file(config, list(zip(counts, sizes, strict=True)))
    fed = _week_days(chosen, done, counts)
    elements: dict[bytes, str] = {}  # the weekly pages' elements (``_stage_spanning``)
    spanning_written, spanning_deleted, weeks = _stage_spanning(
        config, out_dir, store, days, (counts, counts_file, fed, elements), today, ranker, chosen
    )
    if recordable(config):
        _save_match_cache(config, out_dir, known, chosen, done)
        if elements:  # else no weekly page was rendered: the file stays as it is
            week_elements.save(out_dir, chosen.global_, elements)
        manifests.save(out_dir, record(chosen, files, index, done, todo, weeks))
    return _result(chosen, done, latest, written + spanning_written, deleted + spanning_deleted, len(days))


def _save_match_cache(
    config: Config, out_dir: Path, known: match_cache.Known, chosen: Plan, done: dict[dt.date, DayDone]
) -> None:
    vocabulary = match_cache.cached_matcher(config, None).vocabulary
    shas = {**chosen.shas, **{d: r.sha for d, r in done.items()}}
    learned = {d: r.hits for d, r in done.items() if r.hits is not None}
    match_cache.save(out_dir, match_cache.merged(known, vocabulary, shas, learned))


def _day_counts(
    chosen: Plan, done: dict[dt.date, DayDone], days: Sequence[dt.date]
) -> tuple[list[DayCounts], list[int]]:
    """Every day's counts and snapshot size: the jobs', or the manifest's for a day not rendered."""
    counts, sizes = [], []
    for day in days:
        if day in done:
            counts.append(done[day].counts)
            sizes.append(done[day].size)
        else:
            assert chosen.old is not None
            rec = chosen.old.days[day]
            counts.append(DayCounts(day, *rec.counts))
            sizes.append(rec.size)
    return counts, sizes


def _week_days(
    chosen: Plan, done: dict[dt.date, DayDone], counts: Sequence[DayCounts]
) -> dict[dt.date, WeekDay]:
    """What the weekly pages need of each day (issue #15), from its job or, for a day not rendered, the
    manifest: the weekly pass reads no day's papers again, only those its pages show."""
    out = {}
    for c in counts:
        if c.day in done:
            members, scores = done[c.day].members, done[c.day].scores
        else:
            assert chosen.old is not None
            rec = chosen.old.days[c.day]
            members, scores = rec.members, rec.scores
        out[c.day] = WeekDay(c.day, c, {name: listed for name, (listed, _) in members.items()}, scores)
    return out


def _result(
    chosen: Plan, done: dict[dt.date, DayDone], latest: dt.date, written: int, deleted: int, days: int
) -> RunResult:
    if latest in done:
        last = done[latest]
        papers, listed, topics = last.papers, last.listed, last.topics
    else:
        assert chosen.old is not None
        rec = chosen.old.days[latest]
        papers, listed = rec.papers, rec.listed
        topics = {name: len(listed_ids) for name, (listed_ids, _) in rec.members.items()}
    return RunResult(
        day=latest, papers=papers, listed=listed, topics=topics, written=written, deleted=deleted, days=days
    )


def _stage_for_you(
    config: Config, out_dir: Path, store: Store, days: tuple[dt.date, ...], ranker: Ranker | None
) -> int:
    """The second pass of a rebuild with a library (issue #9): each day again, with its For-you part, once
    the database holds the whole history the model is fitted on; one day at a time, in this process."""
    renderer, matcher = MarkdownRenderer(config), topic_matcher(config)
    site = SiteRenderer(config) if config.site else None
    written = 0
    for day in days:
        staging = Staging(out_dir)
        digest = day_digest(config, day, store.papers_for_day(day), matcher, ranker, out_dir, store=store)
        stage_day(staging, renderer, digest, days, latest=day == max(days), site=site)
        written += staging.commit()[0]
    return written


def _stage_spanning(
    config: Config,
    out_dir: Path,
    store: Store,
    days: tuple[dt.date, ...],
    per_day: tuple[Sequence[DayCounts], bytes, dict[dt.date, WeekDay], dict[bytes, str]],
    today: dt.date,
    ranker: Ranker | None,
    chosen: Plan,
) -> tuple[int, int, dict[str, dict[str, manifests.Stat]]]:
    """Write the pages that span days (the archive index, the site's archive and feeds), or remove the
    site when it is turned off; how many files were written and deleted, and the weekly pages' identities
    for the manifest. ``per_day``: every day's counts, data/counts.json, what the weekly pages need, and
    an empty mapping that is then the weekly elements to keep (none when no weekly page was rendered)."""
    counts, counts_file, fed, elements = per_day
    # Every closed week's page (issue #10), as the daily runs wrote them when each week closed: those whose
    # days or topics changed since the manifest (a week lists its days' papers of every topic).
    weeks = sorted({iso_week(d) for d in days if is_closed(days, iso_week(d), today)})
    pages = {w: _week_files(config, w) for w in weeks}
    rendered = {iso_week(d) for d in days if chosen.renders(d)}
    wanted = [w for w in weeks if w in rendered or _week_changed(chosen, w, pages[w], out_dir)]
    if wanted and chosen.old is not None:  # the elements the last rebuild rendered (a full one renders all)
        elements.update(week_elements.load(out_dir, chosen.global_))
    kept = dict(elements)
    _, week_written = publish_weeks(
        config, out_dir, store, wanted, today, days, ranker, fed, elements=elements
    )
    if len(wanted) < len(weeks):  # the weeks not written now may want theirs next time
        elements.update((k, v) for k, v in kept.items() if k not in elements)
    staging = Staging(out_dir)
    staging.add(layout.in_data(COUNTS_NAME), counts_file)
    staging.add(layout.ARCHIVE_INDEX, MarkdownRenderer(config).archive_index(counts))
    if config.site:  # the latest day's top pages were staged by its job
        site = SiteRenderer(config)
        stage_site_extras(
            staging,
            site,
            config,
            store,
            day_matcher(),
            days,
            {},
            latest_staged=True,
            counts=counts,
            ranker=ranker,
        )
    else:
        stage_site_removal(staging, out_dir)
    written, deleted = staging.commit()
    if not config.site:
        prune_site_dirs(out_dir)
    recorded = {w: manifests.identities(out_dir, pages[w]) for w in weeks}
    return written + week_written, deleted, recorded


def _week_files(config: Config, week: str) -> list[str]:
    site = [layout.in_site(layout.site_weekly_page(week))] if config.site else []
    return [layout.weekly_page(week), *site]


def _week_changed(chosen: Plan, week: str, pages: list[str], out_dir: Path) -> bool:
    """Whether a week none of whose days is rendered again needs its pages anew: the topics changed, or
    its pages are not as the manifest recorded them (or it was not closed then)."""
    if chosen.old is None or chosen.changed_topics:
        return True
    recorded = chosen.old.weeks.get(week)
    return recorded is None or set(recorded) != set(pages) or not manifests.unchanged(out_dir, recorded)
