"""What a day publishes, shared by the jobs that publish (``daily``, ``rebuild`` and, through it,
``backfill``): the result of a run, one day's pages staged, the site's files that span days, the site's
removal with ``site: false``."""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import posixpath
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from ..config import Config
from ..errors import PublishError, StoreError, cannot_read
from ..match import Matcher
from ..match.digest import build_digest
from ..models import DayCounts, Digest, ForYou, Paper, WeekDigest
from ..output import layout
from ..output.files import Staging
from ..output.layout import SITE
from ..render.markdown import MarkdownRenderer
from ..render.site import SiteRenderer
from ..store import Store, picks
from ._seen import earlier_in_store
from ._summaries import attach_cached

if TYPE_CHECKING:  # ranking (scikit-learn) is imported only by a run that ranks; delivery (httpx) by `run`
    from ..notify import DeliveryReport
    from ._feed_cache import FeedDays
    from ._for_you import Ranker

log = logging.getLogger(__name__)


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
    digest: Digest | None = field(default=None, repr=False, compare=False)  # the day run_daily published
    weeks: tuple[WeekDigest, ...] = field(default=(), repr=False, compare=False)  # closed weeks written
    delivery: DeliveryReport | None = None  # what run_daily delivered (None: nothing published)


def stage_day(
    staging: Staging,
    renderer: MarkdownRenderer,
    digest: Digest,
    days: Sequence[dt.date],
    *,
    latest: bool,
    site: SiteRenderer | None = None,
    for_you_later: bool = False,
    links_only: bool = False,
) -> None:
    """Stage ``digest``'s pages. ``links_only``: only the pages that link to other days, for a day that is
    already published and whose listing cannot have changed (the day before a new latest day): its
    archived README and its site pages; its Markdown lists and For-you picks stay as published."""
    index = renderer.index_page(digest, days=days, archived=True)
    if links_only:
        staging.add(layout.archive_folder(digest.day) + layout.README, index)
    else:
        _stage_lists(staging, renderer, digest, days, index, latest=latest, for_you_later=for_you_later)
    if site is not None:  # the HTML site (issue #4): the day's pages, and the top pages for the latest
        site_files, site_owned = site.day_files(digest, days, latest=latest)
        staging.add_tree(layout.in_site(""), site_files, owned=site_owned)


def _stage_lists(
    staging: Staging,
    renderer: MarkdownRenderer,
    digest: Digest,
    days: Sequence[dt.date],
    index: bytes,
    *,
    latest: bool,
    for_you_later: bool,
) -> None:
    """The day's Markdown pages (``index``: its archived README) and its For-you picks."""
    pages = renderer.list_pages(digest)  # rendered once, published in the archive and (latest) at the top
    owned = layout.LIST_FOLDERS
    archived = {**pages, layout.README: index}
    staging.add_tree(layout.archive_folder(digest.day), archived, owned=owned)
    if latest:
        top = {**pages, layout.README: renderer.index_page(digest, days=days, archived=False)}
        staging.add_tree("", top, owned=owned)
    # The day's picks, kept for the For-you feed of the days after (store/picks.py), or gone with its page.
    if digest.for_you is not None:
        staging.add(layout.for_you_picks(digest.day), picks.dumps(digest.for_you))
    elif not for_you_later:
        staging.remove(layout.for_you_picks(digest.day))
    # Ranking off, or skipped: no For-you page the day's README does not link (unless a second pass of a
    # rebuild will stage the day again with its For-you part: ``for_you_later``).
    if digest.for_you is None and not for_you_later:
        staging.remove(layout.archived_for_you_page(digest.day))
        staging.remove(layout.in_site(layout.site_for_you_page(digest.day)))
        if latest:
            staging.remove(layout.FOR_YOU_PAGE)
            staging.remove(layout.in_site(layout.site_for_you_page(None)))


def stage_site_extras(
    staging: Staging,
    site: SiteRenderer,
    config: Config,
    store: Store,
    matcher: Matcher,
    days: Sequence[dt.date],
    known: dict[dt.date, Digest],
    *,
    latest_staged: bool,
    counts: Sequence[DayCounts],
    ranker: Ranker | None = None,
    kept: FeedDays | None = None,
) -> None:
    """The site's files that span days: archive.html (with ``counts``, every day's), the assets, the feeds
    (the last ``feed_days`` days) and, unless already staged, the latest day's top pages (they list every
    day, and an older day can arrive late). The For-you feed's days are their kept picks (staged by this
    run, else ``data/for_you/``), with ``ranker`` (ranking on) only. ``kept``: the feed days a run keeps
    (``_feed_cache``); the feeds' days are then taken from there where they can be."""

    def digest_of(day: dt.date) -> Digest:
        if day not in known:
            # Only the latest day's top pages need its For-you part ranked; the feeds' days are read
            # from their kept picks (a run's cost stays a day's, issue #9).
            chosen = ranker if day == max(days) and not latest_staged else None
            papers = store.papers_for_day(day)
            known[day] = day_digest(config, day, papers, matcher, chosen, staging.root, store=store)
        return known[day]

    if not latest_staged:
        top = site.top_files(digest_of(max(days)), days)
        staging.add_tree(layout.in_site(""), top, owned=layout.SITE_LIST_FOLDERS)
    staging.add_tree(layout.in_site(""), site.archive_files(counts))
    if kept is not None:
        feeds = site.feeds_of_days(kept.feeds_days(days, digest_of))
        staging.add_tree(layout.in_site(""), feeds, owned=(layout.FEEDS,))
        return
    recent = [digest_of(d) for d in sorted(days)[-config.feed_days :]]
    if ranker is not None:
        recent = [replace(d, for_you=kept_picks(staging, d)) for d in recent]
    feeds = site.feed_files(recent)
    staging.add_tree(layout.in_site(""), feeds, owned=(layout.FEEDS,))


def kept_picks(staging: Staging, digest: Digest) -> ForYou | None:
    """The day's For-you picks as kept (store/picks.py): staged by this run, else ``data/for_you/``; None
    for a day without (no library then, ranking skipped, or a file that cannot be read: a warning)."""
    relative = layout.for_you_picks(digest.day)
    content = staging.files.get(relative)
    if content is None and relative not in staging.removed:
        try:
            content = (staging.root / relative).read_bytes()
        except FileNotFoundError:
            return None
        except OSError as e:
            log.warning("For you feed: %s", cannot_read(staging.root / relative, e))
            return None
    if content is None:
        return None
    papers = [item.paper for c in digest.categories for item in c.listings]
    papers += [p for t in digest.topics for p in t.papers]
    try:
        return picks.loads(content, papers, day=digest.day, source=relative)
    except StoreError as e:
        log.warning("For you feed: %s; the day's picks are left out", e)
        return None


def stage_site_removal(staging: Staging, out_dir: Path) -> None:
    """With ``site: false``, the files of ``site/`` that arxiv-digest writes are removed (issue #7): the
    paths of its layout, which it overwrites when the site is on. Anything else there is the user's."""
    root = out_dir / SITE
    if not root.is_dir():
        return
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if layout.is_site_file(rel) and path.is_file() and not path.is_symlink():
            staging.remove(layout.in_site(rel))


def prune_site_dirs(out_dir: Path) -> None:
    """The folders of the site's layout that the removal left empty (a folder holding a user's file stays)."""
    root = out_dir / SITE
    if not root.is_dir():
        return
    for folder in sorted((p for p in root.rglob("*") if p.is_dir()), key=lambda p: -len(p.parts)):
        if layout.is_site_file(folder.relative_to(root).as_posix(), folder=True):
            with contextlib.suppress(OSError):  # not empty: it holds something of the user's
                folder.rmdir()
    with contextlib.suppress(OSError):
        root.rmdir()


def fill_site(
    config: Config,
    out_dir: Path,
    store: Store,
    matcher: Matcher,
    days: Sequence[dt.date],
    site: SiteRenderer,
    ranker: Ranker | None = None,
) -> int:
    """The site pages of stored days that have none (the site was off, or deleted), one day at a time so a
    long history is never held in memory at once; returns the files written. ``site: true`` after
    ``site: false`` is thus a whole site again on the next run, as ``rebuild`` makes it. The database is
    brought up to date for those days first (a run syncs only the days it reads)."""
    written = 0
    missing = _without_site_page(out_dir, days)
    if missing:
        store.sync_days(out_dir / layout.DATA, missing)
    for day in missing:
        staging = Staging(out_dir)
        digest = day_digest(config, day, store.papers_for_day(day), matcher, ranker, out_dir, store=store)
        files, owned = site.day_files(digest, days, latest=False)
        staging.add_tree(layout.in_site(""), files, owned=owned)
        written += staging.commit()[0]
    return written


def _without_site_page(out_dir: Path, days: Sequence[dt.date]) -> list[dt.date]:
    """The days whose site page is not a file, from one listing of the folder that holds them (issue #15:
    not a ``stat`` a day, every run)."""
    pages = [(day, *posixpath.split(layout.in_site(layout.site_day_page(day)))) for day in days]
    present: dict[str, set[str]] = {}
    for folder in {folder for _, folder, _ in pages}:
        try:
            with os.scandir(out_dir / folder) as entries:
                present[folder] = {e.name for e in entries if e.is_file()}  # (a link: where it leads)
        except (FileNotFoundError, NotADirectoryError):  # no site yet: every day is missing
            present[folder] = set()
        except OSError as e:
            raise PublishError(cannot_read(f"the folder {out_dir / folder}", e)) from e
    return [day for day, folder, name in pages if name not in present[folder]]


def day_digest(
    config: Config,
    day: dt.date,
    papers: Sequence[Paper],
    matcher: Matcher,
    ranker: Ranker | None,
    out_dir: Path,
    *,
    store: Store | None = None,
) -> Digest:
    """The day's digest with the papers-already-shown rules (issue #10: the earlier announcements in
    ``store``), its cached summaries (issue #11: never the API) and, with a reader's library, its For-you
    part (issue #9)."""
    earlier = earlier_in_store(config, store, day, papers) if store is not None else None
    built = build_digest(config, day, papers, matcher, earlier)
    digest = attach_cached(config, built, out_dir / layout.DATA)
    return ranker.attach(digest) if ranker is not None else digest
