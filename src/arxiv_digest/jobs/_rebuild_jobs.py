"""A rebuild's day jobs: one snapshot read, its day published, in a worker process or in this one.

A job publishes the whole day, or (issue #15, ``only``) the pages of the topics whose settings changed
alone, when nothing else of the day did: the other topics' listings are the manifest's (``members``), and
should a changed topic list other papers than before, the job also publishes the day's READMEs and its
site pages (which name each paper's topics), not its category pages nor the other topics' Markdown pages.
Every job tells which files it wrote, with their identity, for the next manifest, and what the weekly
pages need of its day (each listed paper's match score: the weekly pass reads no day's papers again).

The history's days are handed to each worker once, when it starts, not with every job: a job is then the
size of its day, not of the history (they were pickled with every job: O(days²), 146 MiB at 3,430 days).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import gc
import multiprocessing
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from ..config import Config
from ..errors import StoreError, cannot_read
from ..match import Matcher
from ..match.cache import CachedMatcher, Entries
from ..match.digest import build_digest
from ..match.week import week_day
from ..models import DayCounts, Digest, Paper
from ..output import layout
from ..output.files import Staging
from ..render.compiled import compile_all
from ..render.markdown import MarkdownRenderer
from ..render.site import SiteRenderer
from ..render.site_day import DayRender
from ..store import Store, announcement_rows, worker_store
from ..store import snapshot as snapshots
from ._manifest import Members, Stat, identities
from ._match_cache import Known, cached_matcher
from ._publish import stage_day
from ._seen import EarlierSources
from ._summaries import attach_cached

#: Below this many days a rebuild runs in one process (starting workers would cost more than it saves).
PARALLEL_MIN_DAYS = 16


@dataclass(frozen=True, slots=True)
class DayJob:
    out_dir: Path
    path: Path
    day: dt.date
    latest: bool
    stored_sha: str | None  # the database's copy of this day, if any
    for_you_later: bool = False  # a second pass stages the day again with its For-you part (issue #9)
    earlier: EarlierSources | None = None  # where its earlier announcements are (papers already shown)
    only: tuple[str, ...] | None = None  # issue #15: these topics' pages alone (names), if nothing else
    members: Members | None = None  # with ``only``: every topic's listing, as the manifest recorded it
    recorded: tuple[str, ...] = ()  # with ``only``: the files of those topics' pages the manifest lists
    published: tuple[str, ...] = ()  # with ``only``: the day's site pages the manifest lists (their elements)


@dataclass(frozen=True, slots=True)
class DayDone:
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
    members: Members  # each topic's listed and seen ids
    scores: dict[str, float]  # each listed paper's match score: what the weekly pages rank by (issue #15)
    files: dict[str, Stat]  # the pages the job wrote (or found as they were), with their identity
    partial: bool = False  # only the ``only`` topics' pages were rendered
    hits: Entries | None = None  # what each paper the job matched hit (the match cache's entries)


_worker: tuple[Config, MarkdownRenderer, CachedMatcher, SiteRenderer | None, Store | None] | None = None
_days: tuple[dt.date, ...] = ()


def start_worker(
    config: Config, days: Sequence[dt.date], worker_folder: Path | None = None, known: Known | None = None
) -> None:
    """Set up a worker. ``worker_folder``: when building a new database with several workers, each writes
    its days into a database of its own there (``store.building``); sending the rows back instead would
    pickle the whole history through a pipe. ``known``: the match cache's entries (``match.cache``)."""
    global _worker, _days
    site = SiteRenderer(config) if config.site else None
    scratch = worker_store(worker_folder) if worker_folder else None
    _worker = (config, MarkdownRenderer(config), cached_matcher(config, known), site, scratch)
    _days = tuple(days)


def matcher() -> Matcher:
    """The matcher :func:`start_worker` made in this process (answering from the match cache)."""
    assert _worker is not None
    return _worker[2]


def rebuild_day(job: DayJob) -> DayDone:
    """Read one snapshot, publish its pages, and hand back rows if the database needs them. Runs in a
    worker process (or in-process for small histories); the caller owns the lock and the database."""
    with gc_paused():
        return _rebuild_day_now(job)


@contextmanager
def gc_paused() -> Iterator[None]:
    """A day's work allocates hundreds of thousands of short-lived objects and makes no reference cycles
    worth chasing; pausing the cycle collector meanwhile saves 5-20% of a rebuild."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def members_of(digest: Digest) -> Members:
    return {t.topic.name: (tuple(p.id for p in t.papers), tuple(p.id for p in t.seen)) for t in digest.topics}


def _rebuild_day_now(job: DayJob) -> DayDone:
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
    digest = None
    if job.only is not None and not lacked_facts:
        digest = _stage_topics(job, staging, papers, earlier)
    partial = digest is not None
    if digest is None:
        # The cached summaries only (issue #11): a rebuild never calls the API, so it costs zero tokens.
        digest = build_digest(config, job.day, papers, matcher, earlier)
        digest = attach_cached(config, digest, job.out_dir / layout.DATA)
        later = job.for_you_later
        stage_day(staging, renderer, digest, _days, latest=job.latest, site=site, for_you_later=later)
    written, deleted = staging.commit(first=[snapshot_path])
    files = identities(job.out_dir, (p for p in staging.files if p != snapshot_path))
    rows = announcement_rows(job.day, papers) if sha != job.stored_sha else None
    if rows is not None and scratch is not None:
        with scratch.transaction():
            scratch.replace_day_rows(job.day, rows, sha)
        rows = None
    return DayDone(
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
        members=members_of(digest),
        scores=dict(week_day(digest, matcher).scores),
        files=files,
        partial=partial,
        hits=matcher.take(),
    )


def _stage_topics(job: DayJob, staging: Staging, papers: Sequence[Paper], earlier: object) -> Digest | None:
    """Stage the pages of the ``only`` topics; None (nothing staged) when the day must be published whole
    (an id stands twice in the snapshot). Should a changed topic list other papers than the manifest says,
    the day's READMEs, its site overview and search data and the site's list pages of the papers that
    moved are staged too (they count the topics' papers; the site names each paper's topics), not its
    other pages: a Markdown category page, or another topic's, shows no paper's topics."""
    assert _worker is not None and job.only is not None and job.members is not None
    config, renderer, matcher, site, _ = _worker
    names = set(job.only)
    # The whole day's digest: matching costs the words of each paper, read once for every topic, so one
    # topic's alone would cost about as much; and its scores are those the weekly pages need.
    digest = build_digest(config, job.day, papers, matcher, earlier)  # type: ignore[arg-type]
    fresh = members_of(digest)
    if len({p.id for p in papers}) != len(papers):
        return None
    if any(fresh[n] != job.members.get(n) for n in fresh if n not in names):
        return None  # never so (an unchanged topic's inputs are the manifest's); then the whole day
    listed_again = any(fresh[n] != job.members.get(n) for n in names)
    sub = dataclasses.replace(digest, topics=tuple(t for t in digest.topics if t.topic.name in names))
    pages = renderer.list_pages(dataclasses.replace(sub, categories=()))
    _stage_markdown(staging, renderer, digest, pages, latest=job.latest, readme=listed_again)
    if site is not None:
        slugs = {t.topic.slug for t in sub.topics}
        moved = set().union(*(set(fresh[n][0]) ^ set(job.members.get(n, ((), ()))[0]) for n in names))
        render = _seeded(job, DayRender(site, digest), moved, slugs)
        if listed_again:  # the day's overview and search data, and the list pages of the papers moved
            files = site.day_files(digest, _days, latest=job.latest, touching=moved, render=render)[0]
            staging.add_tree(layout.in_site(""), files)
        staging.add_tree(layout.in_site(""), site.topic_pages(digest, _days, slugs, render))
        if job.latest and not listed_again:  # the top topic pages, as the day's whole job renders them
            top = site.top_files(digest, _days, render=render)
            wanted = {f"topic/{slug}.html" for slug in slugs}
            staging.add_tree(layout.in_site(""), {k: v for k, v in top.items() if k in wanted})
    for rel in job.recorded:  # a part a topic's page no longer has
        if rel not in staging.files:
            staging.remove(rel)
    return digest


def _seeded(job: DayJob, render: DayRender, moved: set[str], slugs: set[str]) -> DayRender:
    """``render`` with the elements of the papers not ``moved`` taken from the day's pages as published
    (``DayRender.reuse``): its overview, the changed topics' pages and the list pages that list a moved
    paper (every list page of the day, for the latest, whose top pages are rendered from them). Only pages
    the manifest recorded, unchanged since, are read."""
    digest = render.digest
    touched = {f"topic/{t.topic.slug}.html" for t in digest.topics if t.topic.slug in slugs}
    touched |= {f"topic/{t.topic.slug}.html" for t in digest.topics if _lists(t.papers, moved)}
    touched |= {
        f"category/{c.spec.slug}.html"
        for c in digest.categories
        if _lists((i.paper for i in c.listings), moved)
    }
    folder = layout.in_site(layout.site_day_folder(job.day))
    overview = layout.in_site(layout.site_day_page(job.day))
    pages = []
    for rel in job.published:
        name = rel.removeprefix(folder)
        if (rel == overview and moved) or (name != rel and (job.latest or name in touched)):
            try:
                pages.append((job.out_dir / rel).read_bytes())
            except OSError:
                continue  # then its papers' elements are rendered
    render.reuse(pages, moved)
    return render


def _lists(papers: Iterable[Paper], ids: set[str]) -> bool:
    return not ids.isdisjoint(p.id for p in papers)


def _stage_markdown(
    staging: Staging,
    renderer: MarkdownRenderer,
    digest: Digest,
    pages: dict[str, bytes],
    *,
    latest: bool,
    readme: bool,
) -> None:
    """The changed topics' Markdown ``pages`` in the day's archive folder (and at the top for the latest
    day), with the day's READMEs when ``readme`` (the topics' counts changed)."""
    for archived, folder in ((True, layout.archive_folder(digest.day)), (False, "")):
        if not (archived or latest):
            continue
        extra = {layout.README: renderer.index_page(digest, days=_days, archived=archived)} if readme else {}
        staging.add_tree(folder, {**pages, **extra})


def parallel(jobs: Sequence[DayJob], workers: int) -> bool:
    return workers > 1 and len(jobs) >= PARALLEL_MIN_DAYS


def run_jobs(
    config: Config,
    days: Sequence[dt.date],
    jobs: list[DayJob],
    workers: int,
    worker_folder: Path | None = None,
    known: Known | None = None,
) -> Iterator[DayDone]:
    """The jobs' results in order: in worker processes when there are enough days and CPUs."""
    # The renderers are made here first: a mistake in a template is then a clean error in this process,
    # not a worker whose initializer failed (a BrokenProcessPool).
    start_worker(config, days, None, known)
    if not parallel(jobs, workers):
        yield from map(rebuild_day, jobs)
        return
    assert _worker is not None
    for renderer in (_worker[1], _worker[3]):  # forked workers then load each template compiled
        if renderer is not None:
            compile_all(renderer.env)
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    with ProcessPoolExecutor(
        max_workers=workers,
        mp_context=context,
        initializer=start_worker,
        initargs=(config, tuple(days), worker_folder, known),
    ) as pool:
        yield from pool.map(rebuild_day, jobs, chunksize=2)
