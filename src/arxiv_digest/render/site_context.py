"""What the site's templates are given: their Jinja2 environment (autoescape on, the ``tex`` and
``author_line`` filters) and the plain values its pages read (links between days, a topic's or category's
entry in a day's overview, a paper's :class:`PaperInfo`). ``site.py`` renders the pages with them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, NamedTuple

import jinja2
from markupsafe import Markup

from .badges import page_badges
from .markdown import author_line, make_environment
from .math import CONTROL_CHARACTERS, tex_to_html

TEMPLATES = "site"


def _finalize(value: Any) -> Any:
    return "" if value is None else value


def site_environment(user_dir: Path | None) -> jinja2.Environment:
    """Jinja2 for HTML: autoescape on, a user's ``site/`` templates searched before the packaged ones."""
    env = make_environment(TEMPLATES, user_dir, finalize=_finalize, autoescape=True, located_errors=True)
    env.filters["tex"] = lambda text: _tex(str(text))
    env.filters["author_line"] = authors_text
    env.filters["badges"] = page_badges  # the paper's code and venue badges (issue #10)
    return env


class ArchiveDay(NamedTuple):
    """A row of archive.html: a day, its page and its counts. A named tuple, not a dict: the page lists
    every day, and a template reads a tuple's fields (``d.href``) without the failed attribute lookup
    Jinja tries on a dict first (issue #15; ``d["href"]`` reads it too)."""

    day: str
    href: str
    total: int
    new: int
    cross: int
    updated: int


class ArchiveWeek(NamedTuple):
    """A row of archive.html's weeks: a closed week, its page, its dates and totals."""

    week: str
    href: str
    first: str
    last: str
    days: int
    papers: int


@dataclass(frozen=True, slots=True)
class DayLink:
    day: str
    href: str


@dataclass(frozen=True, slots=True)
class DaysNav:
    previous: DayLink | None
    next: DayLink | None
    day_page: str
    latest: str | None = None
    past: tuple[DayLink, ...] = ()  # the latest pages' newest PAST_LINKS earlier days
    older: int = 0  # earlier days beyond those (the archive page lists them)


@dataclass(frozen=True, slots=True)
class ListLink:
    name: str
    slug: str
    href: str
    count: int
    entries: tuple[Markup, ...] = ()  # its papers' elements (``brief``), rendered once a day
    feed: str | None = None


@dataclass(frozen=True, slots=True)
class CategoryLink:
    display: str
    code: str
    href: str
    count: int


@dataclass(frozen=True, slots=True)
class FilterTopic:
    name: str
    slug: str


@dataclass(frozen=True, slots=True)
class PaperInfo:
    """What a paper's element says besides the paper itself, the same on every page of its day."""

    kind: str
    label: str
    topics: tuple[str, ...]  # slugs, for the topic filter
    cross_from: str | None
    summary: str | None = None  # machine-written (issue #11): untrusted text, escaped like the abstract


def authors_text(authors: Sequence[str], limit: int) -> str:
    """The author line (six, then "et al."), without the control characters HTML has no place for; a
    day's paper stands on several pages, so it is made once (by the tuple a paper holds)."""
    if type(authors) is tuple:
        return _authors_once(authors, limit)
    return CONTROL_CHARACTERS.sub("", author_line(authors, limit))


@lru_cache(maxsize=4096)
def _authors_once(authors: tuple[str, ...], limit: int) -> str:
    return CONTROL_CHARACTERS.sub("", author_line(authors, limit))


@lru_cache(maxsize=16384)
def _tex(text: str) -> Markup:
    """A title or abstract as HTML; a day's paper stands on several pages (topic, category, the day's)."""
    return tex_to_html(text)
