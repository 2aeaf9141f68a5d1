"""The jobs behind the commands: ``run`` (fetch today, keep it, publish) and ``rebuild`` (every page from
``data/*.jsonl``). The CLI parses arguments and prints; everything it does happens here.

A run does all its fallible work (fetch, parse, check, match, render) before it writes anything, then
writes the day's snapshot first and the pages after it, each file atomically, and commits the database
last. A failure before the writes changes nothing; a crash during them leaves whole files, and the next run
converges (the database re-imports any snapshot whose hash it does not know).
"""

from __future__ import annotations

import datetime as dt
import logging
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from .config import Config
from .digest import Digest, build_digest
from .errors import FeedFormatError, StoreError
from .http import PoliteClient
from .match import Matcher
from .match.topics import topic_matcher
from .models import Announcement, Paper
from .publish import STATE_DIR, OutputLock, Staging
from .render.markdown import MarkdownRenderer
from .sources import rss
from .store import Store
from .store import snapshot as snapshots

log = logging.getLogger(__name__)

#: A day this far below the recent average, with parse warnings, is treated as a format change.
MIN_FRACTION_OF_AVERAGE = 0.2


@dataclass(frozen=True, slots=True)
class RunResult:
    day: dt.date | None
    papers: int = 0
    listed: int = 0
    topics: dict[str, int] = field(default_factory=dict)
    written: int = 0
    deleted: int = 0
    days: int = 0
    empty: bool = False
    warnings: tuple[str, ...] = ()


def default_db_path(out_dir: Path) -> Path:
    return out_dir / STATE_DIR / "digest.db"


def open_store(db_path: Path, data_dir: Path) -> Store:
    """Open (or recreate) the database and make it mirror ``data_dir``. A corrupt database is a cache:
    it is moved aside and rebuilt."""
    try:
        store = Store.open(db_path)
        store.sync(data_dir)
        return store
    except StoreError as e:
        if db_path.exists() and "cannot open the database" in str(e):
            aside = db_path.with_suffix(db_path.suffix + ".corrupt")
            log.warning("%s; moving it to %s and rebuilding it from %s", e, aside, data_dir)
            shutil.move(db_path, aside)
            store = Store.open(db_path)
            store.sync(data_dir)
            return store
        raise


def _stage_day(
    staging: Staging, renderer: MarkdownRenderer, digest: Digest, days: Sequence[dt.date], *, latest: bool
) -> None:
    pages = renderer.list_pages(digest)  # rendered once, published in the archive and (latest) at the top
    owned = ("hot_topic", "category")
    archived = {**pages, "README.md": renderer.index_page(digest, days=days, archived=True)}
    staging.add_tree(f"archive/{digest.day.isoformat()}/", archived, owned=owned)
    if latest:
        staging.add_tree(
            "", {**pages, "README.md": renderer.index_page(digest, days=days, archived=False)}, owned=owned
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
            f"only {len(announcement.papers)} papers could be "
            f"read, against {average:.0f} a day recently, with {len(announcement.warnings)} "
            f"parse warnings (first: {announcement.warnings[0]})",
        )


def run_daily(
    config: Config,
    out_dir: Path,
    db_path: Path | None = None,
    *,
    transport: httpx.BaseTransport | None = None,
    sleep: Callable[[float], None] | None = None,
) -> RunResult:
    """Fetch the current announcement for the tracked categories, keep it and publish its pages."""
    db_path = db_path or default_db_path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    with OutputLock(out_dir):
        with PoliteClient(config.arxiv, transport=transport, sleep=sleep or time.sleep) as client:
            announcement = rss.fetch_announcement(client, config.arxiv.rss_url, config.category_codes)
        if announcement.is_empty:
            return RunResult(day=announcement.day, empty=True, warnings=announcement.warnings)
        assert announcement.day is not None
        store = open_store(db_path, out_dir / "data")
        try:
            check_plausible(announcement, store)
            return _publish_day(
                config,
                out_dir,
                store,
                announcement.day,
                list(announcement.papers),
                warnings=announcement.warnings,
            )
        finally:
            store.close()


def _publish_day(
    config: Config,
    out_dir: Path,
    store: Store,
    day: dt.date,
    papers: list[Paper],
    *,
    warnings: tuple[str, ...] = (),
) -> RunResult:
    content = snapshots.dumps(papers)
    sha = snapshots.sha256(content)
    store.begin()
    try:
        store.replace_day(day, papers, sha)
        days = [d.day for d in store.days()]
        latest = max(days)
        renderer = MarkdownRenderer(config)
        matcher = topic_matcher(config)
        digest = build_digest(config, day, papers, matcher)
        staging = Staging(out_dir)
        snapshot_path = f"data/{snapshots.snapshot_name(day)}"
        staging.add(snapshot_path, content)
        _stage_day(staging, renderer, digest, days, latest=day == latest)
        # The neighbours' day links change too: a new latest day is the day before's "next day", and an
        # older day arriving late sits between two days.
        _restage_neighbours(staging, renderer, config, store, matcher, day, days, latest)
        staging.add("archive/README.md", renderer.archive_index(store.days()))
        written, deleted = staging.commit(first=[snapshot_path])
        store.commit()
    except BaseException:
        store.rollback()
        raise
    return RunResult(
        day=day,
        papers=len(papers),
        listed=digest.total,
        topics={t.topic.name: len(t.papers) for t in digest.topics},
        written=written,
        deleted=deleted,
        days=len(days),
        warnings=warnings,
    )


def _restage_neighbours(
    staging: Staging,
    renderer: MarkdownRenderer,
    config: Config,
    store: Store,
    matcher: Matcher,
    day: dt.date,
    days: list[dt.date],
    latest: dt.date,
) -> None:
    ordered = sorted(days)
    i = ordered.index(day)
    for neighbour in ordered[max(0, i - 1) : i] + ordered[i + 1 : i + 2]:
        digest = build_digest(config, neighbour, store.papers_for_day(neighbour), matcher)
        _stage_day(staging, renderer, digest, days, latest=neighbour == latest)


def rebuild(config: Config, out_dir: Path, db_path: Path | None = None) -> RunResult:
    """Recreate the database (if missing) and every page of every stored day from ``data/*.jsonl``."""
    db_path = db_path or default_db_path(out_dir)
    if not out_dir.is_dir():
        out_dir.mkdir(parents=True)
    with OutputLock(out_dir):
        store = open_store(db_path, out_dir / "data")
        try:
            summaries = store.days()
            days = [d.day for d in summaries]
            if not days:
                return RunResult(day=None, empty=True)
            renderer = MarkdownRenderer(config)
            matcher = topic_matcher(config)
            latest = max(days)
            written = deleted = 0
            result_digest: Digest | None = None
            for day in days:
                digest = build_digest(config, day, store.papers_for_day(day), matcher)
                staging = Staging(out_dir)
                _stage_day(staging, renderer, digest, days, latest=day == latest)
                w, d = staging.commit()
                written += w
                deleted += d
                if day == latest:
                    result_digest = digest
            staging = Staging(out_dir)
            staging.add("archive/README.md", renderer.archive_index(summaries))
            written += staging.commit()[0]
            assert result_digest is not None
            return RunResult(
                day=latest,
                papers=summaries[-1].paper_count,
                listed=result_digest.total,
                topics={t.topic.name: len(t.papers) for t in result_digest.topics},
                written=written,
                deleted=deleted,
                days=len(days),
            )
        finally:
            store.close()
