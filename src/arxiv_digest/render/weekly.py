"""The weekly pages (issue #10): ``weekly/<YYYY-Www>.md`` and ``site/weekly/<YYYY-Www>.html``, from a
:class:`~arxiv_digest.match.week.WeekDigest`. The templates are ``markdown/weekly.md.j2`` and
``site/weekly.html.j2`` (overridable like the others); a paper is rendered by the same entry template as
on the day pages, so it is escaped the same way in each format, and its cached machine-written summary
(issue #11: ``WeekDigest.summaries``) is shown above its abstract, marked as on the day pages.

A paper's element is a function of the paper (all of its record) and what its call says besides (the
topic's slug and ``mark_updates``, the summary), with the package, the templates and the settings fixed:
a rebuild hands the renderer the elements its last run rendered under the same of those (``reuse``, keyed
by :func:`element_key`) and renders only the others (issue #15: after one topic changed, the other
topics' elements are the same). :attr:`WeeklyRenderer.elements` holds every element this renderer used.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping

import orjson
from markupsafe import Markup

from .. import PROJECT_URL
from ..config import Config
from ..models import Paper, WeekDigest, kind_label
from .markdown import MarkdownRenderer, Md
from .site import SiteRenderer
from .site_context import PaperInfo

_KIND_LABELS = {"new": "New", "cross": "Cross-list", "updated": "Updated"}


def github_anchor(heading: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, each space a hyphen."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def element_key(form: str, paper: Paper, *call: object, record: bytes | None = None) -> bytes:
    """What an element of ``form`` ("md", "html") is made of: the paper's record (``record``: its
    :func:`record_digest`, if known) and the ``call``'s other arguments, hashed (the package, templates
    and settings are the caller's to key on)."""
    body = orjson.dumps([form, *call]) + (record or record_digest(paper))
    return hashlib.blake2b(body, digest_size=16).digest()


def record_digest(paper: Paper) -> bytes:
    return hashlib.blake2b(orjson.dumps(paper.to_record()), digest_size=16).digest()


class WeeklyRenderer:
    def __init__(self, config: Config, reuse: Mapping[bytes, str] | None = None) -> None:
        self.config = config
        self.markdown = MarkdownRenderer(config)
        self.markdown.env.filters["anchor"] = lambda v: Md(github_anchor(str(v)))
        self.site = SiteRenderer(config) if config.site else None
        self._reuse = reuse or {}
        self.elements: dict[bytes, str] = {}  # every element used, by :func:`element_key`
        self._records: dict[int, tuple[Paper, bytes]] = {}  # by the paper object: its and its digest

    def _key(self, form: str, paper: Paper, *call: object) -> bytes:
        known = self._records.get(id(paper))
        if known is None or known[0] is not paper:
            known = self._records[id(paper)] = (paper, record_digest(paper))
        return element_key(form, paper, *call, record=known[1])

    def _element(self, key: bytes, render: Callable[[], str]) -> str:
        found = self.elements.get(key)
        if found is None:
            found = self._reuse.get(key)
            if found is None:
                found = render()
            self.elements[key] = found
        return found

    def _entry(self, paper: Paper, mark_updates: bool, summary: str | None) -> str:
        key = self._key("md", paper, mark_updates, summary)
        md = self.markdown
        return self._element(
            key, lambda: md.entry(paper, mark_updates=mark_updates, open_=False, summary=summary)
        )

    def markdown_page(self, week: WeekDigest) -> bytes:
        entries = {
            t.topic.slug: [self._entry(p, t.topic.mark_updates, week.summary_of(p)) for p in t.papers]
            for t in week.topics
        }
        text = self.markdown.env.get_template("weekly.md.j2").render(
            title=self.config.title,
            week=week,
            entries=entries,
            top=self.config.weekly.top,
            project_url=PROJECT_URL,
        )
        return text.encode("utf-8")

    def site_page(self, week: WeekDigest) -> bytes | None:
        """The week's HTML page (None: the site is off)."""
        if self.site is None:
            return None
        site = self.site
        entries: dict[str, list[Markup]] = {}
        for t in week.topics:
            entries[t.topic.slug] = []
            for p in t.papers:
                kind = kind_label(p.announce_type)
                info = PaperInfo(kind, _KIND_LABELS[kind], (t.topic.slug,), None, week.summary_of(p))
                key = self._key("html", p, t.topic.slug, info.summary)
                html = self._element(key, lambda: str(site.paper(p, info)))  # noqa: B023 (called here)
                entries[t.topic.slug].append(Markup(html))
        text = self.site.env.get_template("weekly.html.j2").render(
            root="../",
            title=self.config.title,
            project_url=PROJECT_URL,
            week=week,
            entries=entries,
            top=self.config.weekly.top,
        )
        return text.encode("utf-8")
