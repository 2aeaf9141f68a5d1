"""The static HTML site under ``site/``: pages a person would rather read than the Markdown (issue #4).

Layout (every link relative, so the folder works from GitHub Pages, any web server, or the disk)::

    index.html                      the latest day: topics with their papers, categories, feeds
    topic/<Topic>.html              the latest day's papers of a topic, abstracts included
    category/<code>.html            the latest day's papers of a category
    day/<YYYY-MM-DD>.html           every day at a glance, as the index shows the latest
    day/<YYYY-MM-DD>/topic/…html    that day's topic and category pages, linking to the same page on the
    day/<YYYY-MM-DD>/category/…     previous and next days
    day/<YYYY-MM-DD>/search.js      the abstracts of the papers the day page lists without them, loaded
                                    when someone first searches there
    for-you.html, day/<D>/for-you.html  the day ranked for the reader (issue #9; with a ``library:``)
    archive.html                    every day with its counts
    feeds/<Topic>.xml, all.xml      Atom feeds (``feeds.py``)
    assets/site.css, site.js        the look, and the search box and filters (no dependency)

Templates are Jinja2 with autoescape on, overridable one at a time from ``templates/site/`` in the
config's ``templates`` folder. Text from arXiv reaches HTML only through autoescape or through
:func:`math.tex_to_html` (math checked as MathML, everything else escaped). A day's papers are rendered
once each and reused on its topic, category and day pages. Same input, same bytes: nothing here reads a
clock or depends on which process renders a day.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from importlib import resources
from typing import Any

from markupsafe import Markup

from .. import PROJECT_URL
from ..config import Config, topic_tree
from ..models import DayCounts, Digest, Paper, closed_weeks, week_rows
from ..output import layout
from . import feeds
from .escape import url_path
from .loading import check_templates
from .site_context import (
    TEMPLATES,
    ArchiveDay,
    ArchiveWeek,
    CategoryLink,
    DayLink,
    DaysNav,
    FilterTopic,
    ListLink,
    PaperInfo,
    site_environment,
)
from .site_day import DayRender
from .site_filters import categories_of, filter_topics, search_data, venue_names

OWNED = layout.SITE_LIST_FOLDERS  # the site layout (and what `site: false` removes) is in output/
Keep = Callable[[str | None, Sequence[Paper]], bool]  # which list pages to render: (slug or None, papers)


def asset(name: str) -> bytes:
    return resources.files("arxiv_digest").joinpath(f"render/static/{name}").read_bytes()


#: The earlier days the latest topic and category pages link to; older ones are on archive.html.
PAST_LINKS = 60


def day_file(day: dt.date) -> str:
    return layout.site_day_page(day)


class SiteRenderer:
    """The site's pages from the templates, one template call a page. A paper's element is the ``paper``
    (or ``brief``) macro of ``_paper.html.j2``, its one source, called once a day for each paper and
    reused on every page of the day that lists it (no Python twin)."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.env = site_environment(config.templates_dir)
        if config.templates_dir is not None:  # every template of the kind, before anything is rendered
            check_templates(config.templates_dir, {TEMPLATES: [self.env]}, every_kind=False)
        template = self.env.get_template("_paper.html.j2")
        self._paper = template.module.paper  # type: ignore[attr-defined]
        self._brief = template.module.brief  # type: ignore[attr-defined]
        self._queries = {t.slug: str(topic_tree(t)) for t in config.topics}

    def paper(self, paper: Paper, info: PaperInfo) -> Markup:
        """A paper's element on a topic or category page, as the ``paper`` macro renders it."""
        return Markup(self._paper(paper, info, self.config.max_authors))

    def brief(self, paper: Paper, info: PaperInfo) -> Markup:
        """A paper's element on a day's overview (no abstract), as the ``brief`` macro renders it."""
        return Markup(self._brief(paper, info, self.config.max_authors))

    def _render(self, template: str, root: str, **context: Any) -> bytes:
        text = self.env.get_template(template).render(
            root=root,
            title=self.config.title,
            project_url=PROJECT_URL,
            **context,
        )
        return text.encode("utf-8")

    # -- one day ----------------------------------------------------------------------------------------
    def day_files(
        self,
        digest: Digest,
        days: Sequence[dt.date],
        *,
        latest: bool,
        touching: set[str] | None = None,
        render: DayRender | None = None,
    ) -> tuple[dict[str, bytes], tuple[str, ...]]:
        """Every file of one day, by path under ``site/``, and the folders whose other pages are stale.
        With ``latest``, the top-level pages too (index, topic/, category/). ``touching`` (ids; issue #15):
        of the day's list pages only those listing one of these papers, and no folder is stale. ``render``:
        the day's papers' elements, some perhaps taken from its published pages (:meth:`DayRender.reuse`)."""
        render = render or DayRender(self, digest)
        ordered = sorted(set(days) | {digest.day})
        i = ordered.index(digest.day)
        before = ordered[i - 1] if i > 0 else None
        after = ordered[i + 1] if i + 1 < len(ordered) else None
        d = digest.day.isoformat()
        files: dict[str, bytes] = {}
        files[day_file(digest.day)] = self._overview(
            render,
            root="../",
            base=f"{d}/",
            day_href=lambda x: f"{x}.html",
            before=before,
            after=after,
            days=len(ordered),
            feeds=False,
        )
        files[f"day/{d}/search.js"] = search_data(digest)
        if digest.for_you is not None:
            files[layout.site_for_you_page(digest.day)] = self._for_you(
                render, root="../../", day_page=f"../{d}.html"
            )
        keep = None if touching is None else lambda _, ps: not touching.isdisjoint(p.id for p in ps)
        for name, page in self._list_pages(
            render, root="../../../", nav=self._day_nav(d, before, after), keep=keep
        ).items():
            files[f"day/{d}/{name}"] = page
        owned = tuple(f"day/{d}/{o}" for o in OWNED) if touching is None else ()
        if latest:
            files.update(self.top_files(digest, ordered, render=render))
            owned += OWNED if touching is None else ()
        return files, owned

    def top_files(
        self, digest: Digest, days: Sequence[dt.date], *, render: DayRender | None = None
    ) -> dict[str, bytes]:
        """The latest day's pages at the top of the site: index.html, topic/ and category/."""
        render = render or DayRender(self, digest)
        ordered = sorted(set(days) | {digest.day})
        earlier = [x for x in ordered if x < digest.day]
        before = earlier[-1] if earlier else None
        files = {
            "index.html": self._overview(
                render,
                root="",
                base="",
                day_href=lambda x: f"day/{x}.html",
                before=before,
                after=None,
                days=len(ordered),
                feeds=True,
                weeks=closed_weeks(ordered),
            )
        }

        shown = earlier[::-1][:PAST_LINKS]  # newest first; a run's pages stay the same size in year ten

        def nav(kind: str, slug: str) -> DaysNav:
            past = tuple(
                DayLink(x.isoformat(), url_path(f"../day/{x.isoformat()}/{kind}/{slug}.html")) for x in shown
            )
            older = len(earlier) - len(shown)
            return DaysNav(past[0] if past else None, None, "../index.html", None, past, older)

        files.update(self._list_pages(render, root="../", nav=nav, feeds=True))
        if digest.for_you is not None:
            files[layout.site_for_you_page(None)] = self._for_you(
                render, root="", day_page=layout.SITE_INDEX, feed=layout.FOR_YOU_FEED
            )
        return files

    def topic_pages(
        self, digest: Digest, days: Sequence[dt.date], only: set[str], render: DayRender | None = None
    ) -> dict[str, bytes]:
        """Only the day's pages of the topics ``only`` (slugs), as :meth:`day_files` makes them: what a
        rebuild renders again when nothing else of the day changed (issue #15)."""
        ordered = sorted(set(days) | {digest.day})
        i = ordered.index(digest.day)
        before, after = ordered[i - 1] if i > 0 else None, ordered[i + 1] if i + 1 < len(ordered) else None
        d = digest.day.isoformat()
        nav = self._day_nav(d, before, after)
        render = render or DayRender(self, digest)
        pages = self._list_pages(render, root="../../../", nav=nav, keep=lambda slug, _: slug in only)
        return {f"day/{d}/{name}": page for name, page in pages.items()}

    def _for_you(self, render: DayRender, *, root: str, day_page: str, feed: str | None = None) -> bytes:
        """The day's For-you page: its picks, each as on a topic page, with its reasons."""
        for_you = render.digest.for_you
        assert for_you is not None
        return self._render(
            "for-you.html.j2",
            root,
            day=for_you.day.isoformat(),
            picks=for_you.picks,
            entries=[render.full(pick.paper) for pick in for_you.picks],
            note=for_you.note,
            library_size=for_you.library_size,
            day_page=url_path(day_page),
            feed=url_path(feed) if feed else None,
        )

    def _day_nav(self, d: str, before: dt.date | None, after: dt.date | None) -> Any:
        def nav(kind: str, slug: str) -> DaysNav:
            def link(x: dt.date | None) -> DayLink | None:
                if x is None:
                    return None
                return DayLink(x.isoformat(), url_path(f"../../{x.isoformat()}/{kind}/{slug}.html"))

            return DaysNav(link(before), link(after), f"../../{d}.html", "../../../index.html")

        return nav

    def _overview(
        self,
        render: DayRender,
        *,
        root: str,
        base: str,
        day_href: Any,
        before: dt.date | None,
        after: dt.date | None,
        days: int,
        feeds: bool,
        weeks: Sequence[str] = (),
    ) -> bytes:
        """A day at a glance; ``weeks`` (the index only): the closed weeks, newest first, for the link to
        the latest week's page (issue #10)."""
        digest = render.digest
        topics = [
            ListLink(
                t.topic.name,
                t.topic.slug,
                url_path(f"{base}topic/{t.topic.slug}.html"),
                len(t.papers),
                tuple(render.brief(p) for p in t.papers),
                url_path(f"feeds/{t.topic.slug}.xml") if feeds else None,
            )
            for t in digest.topics_by_count()
        ]
        categories = [
            CategoryLink(
                c.spec.display, c.spec.code, url_path(f"{base}category/{c.spec.slug}.html"), len(c.listings)
            )
            for c in digest.categories
        ]
        listed = {p.id: p for t in digest.topics for p in t.papers}
        counts = digest.day_counts
        return self._render(
            "index.html.j2",
            root,
            day=digest.day.isoformat(),
            total=counts.total,
            counts=counts.by_kind(),
            previous=DayLink(before.isoformat(), url_path(day_href(before.isoformat()))) if before else None,
            next=DayLink(after.isoformat(), url_path(day_href(after.isoformat()))) if after else None,
            day_count=days,
            topics=topics,
            categories=categories,
            filter_topics=[FilterTopic(t.name, t.slug) for t in topics if t.count],
            filter_categories=categories_of(listed.values()),
            filter_venues=venue_names(listed.values()),
            listed=len(listed),
            search_data=url_path(f"{'day/' if not base else ''}{digest.day.isoformat()}/search.js"),
            for_you=url_path(f"{base}{layout.SITE_FOR_YOU}") if digest.for_you is not None else None,
            week={"week": weeks[0], "href": url_path(layout.site_weekly_page(weeks[0]))} if weeks else None,
        )

    def _list_pages(
        self, render: DayRender, *, root: str, nav: Any, feeds: bool = False, keep: Keep | None = None
    ) -> dict[str, bytes]:
        """The day's topic and category pages; with ``keep``, those it keeps (issue #15: a rebuild's)."""
        digest = render.digest
        day = digest.day.isoformat()
        names = {t.topic.slug: t.topic.name for t in digest.topics}
        pages: dict[str, bytes] = {}
        for t in digest.topics:
            slug = t.topic.slug
            if keep is not None and not keep(slug, t.papers):
                continue
            pages[f"topic/{slug}.html"] = self._render(
                "topic.html.j2",
                root,
                day=day,
                topic=t.topic,
                query=self._queries.get(slug, ""),
                entries=[render.full(p) for p in t.papers],
                seen=t.seen,
                nav=nav("topic", slug),
                feed=url_path(f"../feeds/{slug}.xml") if feeds else None,
                filter_topics=filter_topics(render.info, t.papers, names),
                filter_categories=categories_of(t.papers),
                filter_venues=venue_names(t.papers),
            )
        for c in digest.categories:
            papers = [item.paper for item in c.listings]
            if keep is not None and not keep(None, papers):
                continue
            counts = c.counts
            pages[f"category/{c.spec.slug}.html"] = self._render(
                "category.html.j2",
                root,
                day=day,
                category=c.spec,
                counts={k: counts.get(k, 0) for k in ("new", "cross", "updated")},
                entries=[render.full(p) for p in papers],
                nav=nav("category", c.spec.slug),
                filter_topics=filter_topics(render.info, papers, names),
                filter_categories=categories_of(papers),
                filter_venues=venue_names(papers),
            )
        return pages

    # -- across days ------------------------------------------------------------------------------------
    def archive_files(self, days: Sequence[DayCounts]) -> dict[str, bytes]:
        """archive.html and the assets: the files that do not belong to one day. Each day's counts are the
        ones its own pages show (``digest.count_day``)."""
        rows = [
            ArchiveDay(c.day.isoformat(), url_path(day_file(c.day)), c.total, c.new, c.cross, c.updated)
            for c in sorted(days, key=lambda c: c.day, reverse=True)
        ]
        weeks = [
            ArchiveWeek(
                w.week,
                url_path(layout.site_weekly_page(w.week)),
                w.first_day.isoformat(),
                w.last_day.isoformat(),
                w.days,
                w.papers,
            )
            for w in week_rows(days)
        ]
        return {
            "archive.html": self._render("archive.html.j2", "", days=rows, weeks=weeks),
            "assets/site.css": asset("site.css"),
            "assets/site.js": asset("site.js"),
        }

    def feed_files(self, digests: Sequence[Digest]) -> dict[str, bytes]:
        """``feeds/<Topic>.xml`` and ``feeds/all.xml`` from the last ``feed_days`` days' digests."""
        return feeds.feed_files(self.config, digests)

    def feeds_of_days(self, days: Sequence[feeds.DayFeed]) -> dict[str, bytes]:
        """The same feeds from what the feeds take of each day (no For-you feed: ``jobs``' feed cache)."""
        return feeds.feeds_of_days(self.config, days)
