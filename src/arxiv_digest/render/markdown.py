"""The Markdown pages: topic pages in the reference's layout line for line, category pages, the index
(README.md) and the archive index. Jinja2 templates, overridable one at a time (``templates:`` in the
config names a folder searched before the packaged one).

Escaping is on by default: every ``{{ value }}`` that is a plain string is escaped for Markdown inline
context (:func:`escape.inline`); a template says explicitly when a value lands elsewhere (``| html_text``,
``| code``, ``| cell``) or is already safe (``| trusted``, for values we built ourselves). Titles and
abstracts go through ``| title`` and ``| abstract``: their TeX becomes readable text (:mod:`.tex_text`)
before it is escaped, except in the compatibility mode (``match: substring``), which prints them as the
reference did.

A page larger than ``max_page_bytes`` (GitHub stops rendering Markdown files at 512 KB) is split into
numbered parts that link to each other.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, NamedTuple

import jinja2

from .. import PROJECT_URL
from ..config import Config
from ..models import DayCounts, Digest, ForYou, Listing, MatchMode, Paper, closed_weeks, week_rows
from ..output import layout
from . import escape
from .badges import markdown_destination, page_badges
from .compiled import compiled_cache
from .jinja_output import use_fast_output
from .loading import LocatedEnvironment, check_templates, folder_loaders
from .tex_text import runs_to_html, tex_runs, tex_to_text

TEMPLATES = "markdown"


class Md(str):
    """Markdown that is already escaped for where it stands."""

    __slots__ = ()


class _ArchiveDay(NamedTuple):
    """A row of archive/README.md (a named tuple: see ``site_context.ArchiveDay``)."""

    day: str
    total: int
    new: int
    cross: int
    updated: int


class _ArchiveWeek(NamedTuple):
    week: str
    link: str
    first: str
    last: str
    days: int
    papers: int


def _finalize(value: Any) -> Any:
    if value.__class__ is Md:  # most values: what a filter made (an exact type test is the fastest)
        return value
    if value is None:
        return ""
    if isinstance(value, bool | int | float):
        return str(value)
    return escape.inline(str(value))


def make_environment(
    kind: str,
    user_dir: Path | None,
    *,
    finalize: Any = _finalize,
    autoescape: bool = False,
    located_errors: bool = False,
) -> jinja2.Environment:
    """Jinja2 for one kind of template: the person's folder first (nothing outside it), then the packaged
    templates. With ``located_errors``, a mistake in the person's templates is a ConfigError naming its
    file and line (``loading.LocatedEnvironment``); otherwise Jinja's own errors, for callers that handle
    those."""
    loaders: list[jinja2.BaseLoader] = []
    if user_dir is not None:
        loaders.extend(folder_loaders(kind, user_dir))
    loaders.append(jinja2.PackageLoader("arxiv_digest", f"render/templates/{kind}"))
    env_class = LocatedEnvironment if located_errors else jinja2.Environment
    env = env_class(
        loader=jinja2.ChoiceLoader(loaders),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
        finalize=finalize,
        autoescape=autoescape,
        # A renderer lives for one run: its templates are read once, not stat()ed again at every page
        # and every `{% extends %}` or `{% from %}` of one (a new renderer reads them afresh).
        auto_reload=False,
        bytecode_cache=compiled_cache(kind, env_class, finalize, autoescape),
    )
    if isinstance(env, LocatedEnvironment):
        env.user_root = user_dir
    use_fast_output(env)  # autoescaped values without a Markup object each (`jinja_output`)
    return env


def markdown_environment(user_dir: Path | None) -> jinja2.Environment:
    """Jinja2 for the Markdown pages, with the filters their templates use."""
    env = make_environment(TEMPLATES, user_dir, located_errors=True)
    env.filters["trusted"] = lambda v: Md("" if v is None else str(v))
    env.filters["html_text"] = lambda v, compat=False: Md(escape.html_text(str(v), keep_inert_tags=compat))
    # Titles and abstracts: TeX as readable text, escaped for where they stand (raw TeX in `compat`).
    env.filters["title"] = lambda v, compat=False: Md(_title(str(v), compat))
    env.filters["abstract"] = lambda v, compat=False: Md(_abstract(str(v), compat))
    env.filters["author_line"] = lambda authors, limit: Md(_authors(authors, limit))
    env.filters["code"] = lambda v: Md(escape.code(str(v)))
    # Each a code span, joined by spaces: `| map("code") | join(" ")` in one call (a paper's categories).
    env.filters["codes"] = lambda values: Md(" ".join([escape.code(str(v)) for v in values]))
    env.filters["cell"] = lambda v: Md(escape.table_cell(str(v)))
    env.filters["url"] = lambda v: Md(escape.url_path(str(v)))
    env.filters["badges"] = page_badges
    env.filters["link"] = lambda v: Md(markdown_destination(str(v)))  # an http(s) URL from badges()
    return env


#: What opens a machine-written summary (issue #11) in Markdown: a raw HTML block (no Markdown, no GFM
#: autolink applies to the text in it), the mark, the label.
SUMMARY_LABEL = "<blockquote>🤖 <b>Summary</b> (machine-written):"


def author_line(authors: Sequence[str], limit: int) -> str:
    """The first ``limit`` authors, then "et al." (the reference's rule, with its default of 6)."""
    if not authors:
        return "(no authors listed)"
    shown = ", ".join(authors[:limit])
    return shown + ", et al." if len(authors) > limit else shown


# A paper is listed on its category page and on each of its topics' pages: escape its text once.
@lru_cache(maxsize=4096)
def _title(text: str, compat: bool) -> str:
    """The title as link text: its TeX made readable, then escaped (the reference's bytes in ``compat``)."""
    return escape.inline(text if compat else tex_to_text(text))


def _authors(authors: Sequence[str], limit: int) -> str:
    """The author line, escaped to end the entry's author paragraph; once a paper a day (see ``_title``)."""
    if type(authors) is tuple:
        return _authors_once(authors, limit)
    return escape.inline(author_line(authors, limit), ends_paragraph=True)


@lru_cache(maxsize=4096)
def _authors_once(authors: tuple[str, ...], limit: int) -> str:
    return escape.inline(author_line(authors, limit), ends_paragraph=True)


@lru_cache(maxsize=4096)
def _abstract(text: str, compat: bool) -> str:
    """The abstract inside ``<details>``: readable TeX with its emphasis as HTML, each piece escaped for
    the raw HTML block; in ``compat`` the reference's text as it printed it."""
    runs = () if compat else tex_runs(text)
    if not runs:  # compat, or TeX that reads as nothing (a lone citation): the text as written
        return escape.html_text(text, keep_inert_tags=compat)
    return runs_to_html(runs, escape.html_text)


@dataclass(frozen=True, slots=True)
class Page:
    number: int = 1
    total: int = 1
    previous: str | None = None
    next: str | None = None


@dataclass(frozen=True, slots=True)
class NavLink:
    label: str
    link: str


def part_name(slug: str, number: int) -> str:
    return f"{slug}.md" if number == 1 else f"{slug}-{number}.md"


class MarkdownRenderer:
    """The Markdown pages from the templates, one template call a page; each entry is the ``entry`` macro
    of ``_entry.md.j2``, called from here (no Python twin), once for a paper listed alike in two topics."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.env = markdown_environment(config.templates_dir)
        if config.templates_dir is not None:  # every template of the kind, before anything is rendered
            check_templates(config.templates_dir, {TEMPLATES: [self.env]}, every_kind=False)
        self._entry = self.env.get_template("_entry.md.j2").module.entry  # type: ignore[attr-defined]

    def entry(
        self,
        paper: Paper,
        *,
        mark_updates: bool,
        open_: bool,
        cross_from: str | None = None,
        compat: bool = False,
        summary: str | None = None,
    ) -> str:
        """One paper as the ``entry`` macro of ``_entry.md.j2`` (the entry's one source) renders it;
        ``summary`` (issue #11) is shown above its abstract, except in ``compat``, whose bytes are the
        reference's."""
        summary = None if compat else summary
        args = (paper, self.config.max_authors, mark_updates, open_, cross_from, compat)
        # A person's own `_entry.md.j2` written before summaries takes no `summary`: it shows none.
        if summary and "summary" in getattr(self._entry, "arguments", ()):
            return str(self._entry(*args, summary=summary))
        return str(self._entry(*args))

    def _paged(
        self, template: str, slug: str, entries: Sequence[str], context: dict[str, Any]
    ) -> dict[str, str]:
        """Render a list page, split into parts when it would pass ``max_page_bytes``."""
        tpl = self.env.get_template(template)
        whole = tpl.render(entries=entries, page=Page(), **context)
        budget = self.config.max_page_bytes
        # UTF-8 takes 1 to 4 bytes a character: only pages near the budget need encoding to measure.
        if len(whole) * 4 <= budget or len(entries) <= 1 or len(whole.encode("utf-8")) <= budget:
            return {part_name(slug, 1): whole}
        header = len(tpl.render(entries=[], page=Page(2, 2, "x", "y"), **context).encode("utf-8"))
        groups: list[list[str]] = [[]]
        size = header
        for e in entries:
            n = len(e.encode("utf-8")) + 1
            if groups[-1] and size + n > budget:
                groups.append([])
                size = header
            groups[-1].append(e)
            size += n
        total = len(groups)
        out = {}
        for i, group in enumerate(groups, 1):
            page = Page(
                i,
                total,
                part_name(slug, i - 1) if i > 1 else None,
                part_name(slug, i + 1) if i < total else None,
            )
            out[part_name(slug, i)] = tpl.render(entries=group, page=page, **context)
        return out

    def list_pages(self, digest: Digest) -> dict[str, bytes]:
        """The topic and category pages of one day, by path relative to the day's root. They are the same
        bytes in the output folder (the latest day) and in ``archive/<day>/``: their links are relative."""
        cfg = self.config
        day = digest.day.isoformat()
        pages: dict[str, str] = {}
        seen: dict[tuple[str, bool, bool], str] = {}  # a paper in several topics is rendered once
        for t in digest.topics:
            compat = t.topic.match is MatchMode.SUBSTRING
            mark = t.topic.mark_updates
            entries = []
            for p in t.papers:
                key = (p.id, mark, compat)
                entry = seen.get(key)
                if entry is None:
                    entry = seen[key] = self.entry(
                        p, mark_updates=mark, open_=True, compat=compat, summary=digest.summary_of(p)
                    )
                entries.append(entry)
            for name, text in self._paged(
                "topic.md.j2",
                t.topic.slug,
                entries,
                {"topic": t.topic, "day": day, "count": len(t.papers), "repo": cfg.repo, "seen": t.seen},
            ).items():
                pages[f"hot_topic/{name}"] = text
        for c in digest.categories:
            entries = [self._category_entry(item, digest.summary_of(item.paper)) for item in c.listings]
            counts = c.counts
            for name, text in self._paged(
                "category.md.j2",
                c.spec.slug,
                entries,
                {
                    "category": c.spec,
                    "day": day,
                    "count": len(c.listings),
                    "repo": cfg.repo,
                    "counts": {k: counts.get(k, 0) for k in ("new", "cross", "updated")},
                    "index_link": "../README.md",
                },
            ).items():
                pages[f"category/{name}"] = text
        if digest.for_you is not None:  # beside README.md, at the top and in the day's archive folder
            pages[layout.FOR_YOU_PAGE] = self.for_you_page(digest, digest.for_you)
        return {path: text.encode("utf-8") for path, text in pages.items()}

    def for_you_page(self, digest: Digest, for_you: ForYou) -> str:
        """``for_you.md``: the day's best papers for the reader, each with its reasons (issue #9); each
        entry is the ``entry`` macro's, with the paper's summary (issue #11) when it has one."""
        mark = self.config.mark_updates
        entries = [
            self.entry(p.paper, mark_updates=mark, open_=True, summary=digest.summary_of(p.paper))
            for p in for_you.picks
        ]
        return self.env.get_template("for_you.md.j2").render(
            day=for_you.day.isoformat(),
            picks=for_you.picks,
            entries=entries,
            note=for_you.note,
            library_size=for_you.library_size,
            max_authors=self.config.max_authors,
            mark_updates=self.config.mark_updates,
            project_url=PROJECT_URL,
        )

    def day_pages(self, digest: Digest, *, days: Sequence[dt.date], archived: bool) -> dict[str, bytes]:
        """Every page of one day: the list pages and its README.md."""
        return {**self.list_pages(digest), "README.md": self.index_page(digest, days=days, archived=archived)}

    def index_page(self, digest: Digest, *, days: Sequence[dt.date], archived: bool) -> bytes:
        """The day's README.md: at the top of the output folder (``archived=False``) or in the archive."""
        return self._index(digest, days=days, archived=archived).encode("utf-8")

    def _category_entry(self, item: Listing, summary: str | None = None) -> str:
        return self.entry(
            item.paper,
            mark_updates=self.config.mark_updates,
            open_=False,
            cross_from=item.cross_from,
            compat=self.config.match is MatchMode.SUBSTRING,
            summary=summary,
        )

    def _index(self, digest: Digest, *, days: Sequence[dt.date], archived: bool) -> str:
        counts = digest.day_counts
        ordered = sorted(days)
        position = ordered.index(digest.day) if digest.day in ordered else len(ordered)
        before = ordered[position - 1] if position > 0 else None
        after = ordered[position + 1] if position + 1 < len(ordered) else None
        prefix = "../" if archived else "archive/"
        nav = {
            "previous": NavLink(f"previous day ({before})", f"{prefix}{before}/README.md")
            if before
            else None,
            "next": NavLink(f"next day ({after})", f"{prefix}{after}/README.md") if after else None,
        }
        recent = [d.isoformat() for d in sorted(days, reverse=True)[:7]]
        weeks = [] if archived else closed_weeks(days)  # the latest pages link the latest week (#10)
        week = NavLink(weeks[0], layout.weekly_page(weeks[0])) if weeks else None
        return self.env.get_template("index.md.j2").render(
            week=week,
            title=self.config.title,
            digest=digest,
            day=digest.day.isoformat(),
            repo=self.config.repo,
            total=counts.total,
            counts=counts.by_kind(),
            topics=digest.topics_by_count(),
            nav=nav,
            archive_link="archive/README.md" if not archived else "../README.md",
            archived=archived,
            archive_prefix=prefix,
            archive_days=len(days),
            recent=recent,
            project_url=PROJECT_URL,
        )

    def archive_index(self, days: Sequence[DayCounts]) -> bytes:
        """``archive/README.md``: every stored day with the counts its own README shows (``count_day``)."""
        rows = [
            _ArchiveDay(d.day.isoformat(), d.total, d.new, d.cross, d.updated)
            for d in sorted(days, key=lambda c: c.day, reverse=True)
        ]
        weeks = [
            _ArchiveWeek(
                w.week,
                f"../{layout.weekly_page(w.week)}",
                w.first_day.isoformat(),
                w.last_day.isoformat(),
                w.days,
                w.papers,
            )
            for w in week_rows(days)
        ]
        text = self.env.get_template("archive.md.j2").render(title=self.config.title, days=rows, weeks=weeks)
        return text.encode("utf-8")
