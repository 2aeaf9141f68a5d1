"""Republishing every stored day from ``data/*.jsonl`` (``rebuild``, and ``backfill`` after it fetched).

Each snapshot is read once: the same objects are imported (if the database lacks that version of the day)
and rendered. Days are independent, so worker processes render and write them while this process holds the
output lock. An existing database is updated in one transaction, from rows the workers send back; a missing
one is built whole by ``store.building``, from files the workers write their days into. Small histories run
in one process.
"""

from __future__ import annotations

import datetime as dt
import gc
import multiprocessing
import os
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from ..config import Config
from ..errors import StoreError, cannot_read
from ..match import Matcher
from ..match.digest import build_digest
from ..match.topics import topic_matcher
from ..models import DayCounts, arxiv_today, iso_week
from ..output import layout
from ..output.files import Staging, make_folder, refuse_symlinks
from ..output.lock import OutputLock
from ..render.markdown import MarkdownRenderer
from ..render.site import SiteRenderer
from ..store import (
    Building,
    Store,
    announcement_rows,
    building,
    database_exists,
    default_db_path,
    incomplete,
    open_db,
    retry_if_damaged,
    worker_store,
)
from ..store import snapshot as snapshots
from ..store.counts import COUNTS_NAME
from . import _reads as reads
from ._for_you import Ranker, ranker_for
from ._publish import (
    RunResult,
    day_digest,
    prune_site_dirs,
    stage_day,
    stage_site_extras,
    stage_site_removal,
)
from ._seen import EarlierSources, SnapshotIndex
from ._summaries import attach_cached
from ._week import is_closed, publish_weeks

#: Below this many days a rebuild runs in one process (starting workers would cost more than it saves).
PARALLEL_MIN_DAYS = 16


def default_jobs() -> int:
    return max(1, min(os.cpu_count() or 1, 4))


@dataclass(frozen=True, slots=True)
class _DayJob:
    out_dir: Path
    path: Path
    day: dt.date
    days: tuple[dt.date, ...]
    latest: bool
    stored_sha: str | None  # the database's copy of this day, if any
    for_you_later: bool = False  # a second pass stages the day again with its For-you part (issue #9)
    earlier: EarlierSources | None = None  # where its earlier announcements are (papers already shown)


@dataclass(frozen=True, slots=True)
class _DayDone:
    day: dt.date
    sha: str
    rows: list[tuple[object, ...]] | None  # for the database, when its copy is missing or stale
    written: int
    deleted: int
    papers: int
    listed: int
    topics: dict[str, int]
    counts: DayCounts  # for the archive pages
    size: int  # of the snapshot, for data/counts.json


_worker: tuple[Config, MarkdownRenderer, Matcher, SiteRenderer | None, Store | None] | None = None


def _start_worker(config: Config, worker_folder: Path | None = None) -> None:
    """Set up a worker. ``worker_folder``: when building a new database with several workers, each writes
    its days into a database of its own there (``store.building``); sending the rows back instead would
    pickle the whole history through a pipe."""
    global _worker
    site = SiteRenderer(config) if config.site else None
    scratch = worker_store(worker_folder) if worker_folder else None
    _worker = (config, MarkdownRenderer(config), topic_matcher(config), site, scratch)


def _rebuild_day(job: _DayJob) -> _DayDone:
    """Read one snapshot, publish its pages, and hand back rows if the database needs them. Runs in a
    worker process (or in-process for small histories); the caller owns the lock and the database."""
    with _gc_paused():
        return _rebuild_day_now(job)


@contextmanager
def _gc_paused() -> Iterator[None]:
    """A day's work allocates hundreds of thousands of short-lived objects and makes no reference cycles
    worth chasing; pausing the cycle collector meanwhile saves 5-20% of a rebuild."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _rebuild_day_now(job: _DayJob) -> _DayDone:
    assert _worker is not None
    config, renderer, matcher, site, scratch = _worker
    try:
        content = job.path.read_bytes()
    except OSError as e:
        raise StoreError(cannot_read(job.path, e)) from e
    papers, lacked_facts = snapshots.loads_filling(content, source=str(job.path), day=job.day)
    earlier = job.earlier.load() if job.earlier is not None else None
    staging = Staging(job.out_dir)
    snapshot_path = layout.in_data(layout.snapshot_name(job.day))
    if lacked_facts:  # written before paper facts existed, or by older rules: write them in, once
        content = snapshots.dumps(papers)
        staging.add(snapshot_path, content)
    sha = snapshots.sha256(content)
    # The cached summaries only (issue #11): a rebuild never calls the API, so it costs zero tokens.
    digest = build_digest(config, job.day, papers, matcher, earlier)
    digest = attach_cached(config, digest, job.out_dir / layout.DATA)
    later = job.for_you_later
    stage_day(staging, renderer, digest, job.days, latest=job.latest, site=site, for_you_later=later)
    written, deleted = staging.commit(first=[snapshot_path])
    rows = announcement_rows(job.day, papers) if sha != job.stored_sha else None
    if rows is not None and scratch is not None:
        with scratch.transaction():
            scratch.replace_day_rows(job.day, rows, sha)
        rows = None
    return _DayDone(
        day=job.day,
        sha=sha,
        rows=rows,
        written=written,
        deleted=deleted,
        papers=len(papers),
        listed=digest.total,
        topics={t.topic.name: len(t.papers) for t in digest.topics},
        counts=digest.day_counts,
        size=len(content),
    )


def _parallel(jobs: list[_DayJob], workers: int) -> bool:
    return workers > 1 and len(jobs) >= PARALLEL_MIN_DAYS


def _run_jobs(
    config: Config, jobs: list[_DayJob], workers: int, worker_folder: Path | None = None
) -> Iterator[_DayDone]:
    """The jobs' results in order: in worker processes when there are enough days and CPUs."""
    if not _parallel(jobs, workers):
        _start_worker(config)
        yield from map(_rebuild_day, jobs)
        return
    # The renderers are made here first: a mistake in a template is then a clean error in this process,
    # not a worker whose initializer failed (a BrokenProcessPool).
    _start_worker(config)
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    with ProcessPoolExecutor(
        max_workers=workers, mp_context=context, initializer=_start_worker, initargs=(config, worker_folder)
    ) as pool:
        yield from pool.map(_rebuild_day, jobs, chunksize=2)


def rebuild(
    config: Config,
    out_dir: Path,
    db_path: Path | None = None,
    *,
    jobs: int | None = None,
    today: dt.date | None = None,
) -> RunResult:
    """Recreate the database (if missing) and every page of every stored day from ``data/*.jsonl``.

    Days are independent, so they are rendered by ``jobs`` worker processes (default: the CPUs, at most
    4); this process holds the lock and writes the database in one transaction. ``today`` (default: the
    clock's, in US Eastern time) says which weeks have closed: their weekly pages are written too.
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
        # Until it goes, `status` says the pages are not wholly published (a failure among them: disk
        # full, a name the file system refuses); only a rebuild that finishes removes it (issue #7).
        if snapshots.day_files(data):
            incomplete.mark_rebuild(data)
        # A damaged database is a cache: moved aside, and the rebuild starts again without it.
        result = retry_if_damaged(
            db_path, lambda: _rebuild_locked(config, out_dir, db_path, jobs, today or arxiv_today())
        )
        # Every day with a snapshot is now wholly published: no run's unfinished publication remains.
        incomplete.clear(data, incomplete.marked_days(data))
        incomplete.clear_rebuild(data)
        return result


def _rebuild_locked(
    config: Config, out_dir: Path, db_path: Path, jobs: int | None, today: dt.date
) -> RunResult:
    files = snapshots.day_files(out_dir / layout.DATA)
    if files and not database_exists(db_path):  # a missing database is built whole, then moved into place
        with building(db_path) as build:
            return _rebuild_days(config, out_dir, files, jobs, today, build.store, build)
    with open_db(db_path) as store:
        if not files:
            store.sync(out_dir / layout.DATA)  # drops days whose snapshot is gone
            return RunResult(day=None, empty=True)
        return _rebuild_days(config, out_dir, files, jobs, today, store)


def _rebuild_days(
    config: Config,
    out_dir: Path,
    files: dict[dt.date, Path],
    jobs: int | None,
    today: dt.date,
    store: Store,
    build: Building | None = None,
) -> RunResult:
    """Publish every day of ``files`` and make ``store`` hold them. ``build``: ``store`` is a database
    being built (``build.store``), into which several workers each write a file of their own."""
    days = tuple(files)
    latest = max(days)
    stored = {d.day: store.snapshot_sha(d.day) for d in store.days()}
    ranking = config.library is not None and config.rank.top > 0
    index = SnapshotIndex(config, files)
    todo = [
        _DayJob(out_dir, path, day, days, day == latest, stored.get(day), ranking, index.sources(day))
        for day, path in files.items()
    ]
    workers = jobs or default_jobs()
    folder = build.worker_folder() if build is not None and _parallel(todo, workers) else None
    written = deleted = 0
    last: _DayDone | None = None
    counts: list[DayCounts] = []
    sizes: list[int] = []
    with store.transaction():
        store.drop_days_except(list(days))
        for done in _run_jobs(config, todo, workers, folder):
            if done.rows is not None:
                with _gc_paused():
                    store.replace_day_rows(done.day, done.rows, done.sha)
            written += done.written
            deleted += done.deleted
            counts.append(done.counts)
            sizes.append(done.size)
            if done.day == latest:
                last = done
    if build is not None:  # the workers have exited: their files are complete
        build.gather()
        store = build.store
    ranker = ranker_for(config, out_dir, store) if ranking else None
    if ranking:
        written += _stage_for_you(config, out_dir, store, days, ranker)
    counts_file = reads.counts_file(config, list(zip(counts, sizes, strict=True)))
    spanning_written, spanning_deleted = _stage_spanning(
        config, out_dir, store, days, counts, counts_file, today, ranker
    )
    written += spanning_written
    deleted += spanning_deleted
    assert last is not None
    return RunResult(
        day=latest,
        papers=last.papers,
        listed=last.listed,
        topics=last.topics,
        written=written,
        deleted=deleted,
        days=len(days),
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
    counts: Sequence[DayCounts],
    counts_file: bytes,
    today: dt.date,
    ranker: Ranker | None = None,
) -> tuple[int, int]:
    """Write the pages that span days (the archive index, the site's archive and feeds), or remove the
    site when it is turned off; how many files were written and deleted."""
    # Every closed week's page (issue #10), as the daily runs wrote them when each week closed.
    weeks = sorted({iso_week(d) for d in days if is_closed(days, iso_week(d), today)})
    _, week_written = publish_weeks(config, out_dir, store, weeks, today, days, ranker)
    staging = Staging(out_dir)
    staging.add(layout.in_data(COUNTS_NAME), counts_file)
    staging.add(layout.ARCHIVE_INDEX, MarkdownRenderer(config).archive_index(counts))
    if config.site:  # the latest day's top pages were staged by its job
        site = SiteRenderer(config)
        matcher = topic_matcher(config)
        stage_site_extras(
            staging, site, config, store, matcher, days, {}, latest_staged=True, counts=counts, ranker=ranker
        )
    else:
        stage_site_removal(staging, out_dir)
    written, deleted = staging.commit()
    if not config.site:
        prune_site_dirs(out_dir)
    return written + week_written, deleted
