"""The weekly pages (issue #10): ``weekly/<YYYY-Www>.md`` and ``site/weekly/<YYYY-Www>.html``, from a
:class:`~arxiv_digest.match.week.WeekDigest`. The templates are ``markdown/weekly.md.j2`` and
``site/weekly.html.j2`` (overridable like the others); a paper is rendered by the same entry template as
on the day pages, so it is escaped the same way in each format, and its cached machine-written summary
(issue #11: ``WeekDigest.summaries``) is shown above its abstract, marked as on the day pages.
"""

from __future__ import annotations

import re

from markupsafe import Markup

from .. import PROJECT_URL
from ..config import Config
from ..models import WeekDigest, kind_label
from .markdown import MarkdownRenderer, Md
from .site import SiteRenderer
from .site_context import PaperInfo

_KIND_LABELS = {"new": "New", "cross": "Cross-list", "updated": "Updated"}


def github_anchor(heading: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, each space a hyphen."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


class WeeklyRenderer:
    def __init__(self, config: Config) -> None:
        self.config = config
        self.markdown = MarkdownRenderer(config)
        self.markdown.env.filters["anchor"] = lambda v: Md(github_anchor(str(v)))
        self.site = SiteRenderer(config) if config.site else None

    def markdown_page(self, week: WeekDigest) -> bytes:
        entries = {
            t.topic.slug: [
                self.markdown.entry(
                    p, mark_updates=t.topic.mark_updates, open_=False, summary=week.summary_of(p)
                )
                for p in t.papers
            ]
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
        entries: dict[str, list[Markup]] = {}
        for t in week.topics:
            entries[t.topic.slug] = []
            for p in t.papers:
                kind = kind_label(p.announce_type)
                info = PaperInfo(kind, _KIND_LABELS[kind], (t.topic.slug,), None, week.summary_of(p))
                entries[t.topic.slug].append(self.site.paper(p, info))
        text = self.site.env.get_template("weekly.html.j2").render(
            root="../",
            title=self.config.title,
            project_url=PROJECT_URL,
            week=week,
            entries=entries,
            top=self.config.weekly.top,
        )
        return text.encode("utf-8")
