"""One day's papers as the site shows them (:class:`DayRender`): each paper's element rendered once a day
and reused on every page of the day that lists it; and (issue #15) the elements a rebuild can take from
the day's pages as they are published instead of rendering them again.

A paper's element is a function of the paper and its :class:`PaperInfo` alone (its kind, topics,
cross-list, summary), not of the page it stands on. When a rebuild renders a day's pages again because a
topic now lists other papers, only the papers it moved (into or out of a topic) have another element: the
others' are taken, byte for byte, from the pages the last rebuild published (``reuse``), which the
rebuild's manifest has checked are still as it wrote them, with the same package and templates. An
element is taken only from where the packaged ``_paper.html.j2`` puts it (``<article class="paper"
data-arxiv-id="…"`` to ``</article>``, ``<li class="paper" data-arxiv-id="…"`` to ``</li>``; no text of
a paper can hold either, all of it is escaped) and only for a paper of the day (a day whose
snapshot holds an id twice is rendered whole).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Protocol

from markupsafe import Markup

from ..models import Digest, Paper, kind_label
from .site_context import PaperInfo

KIND_LABELS = {"new": "New", "cross": "Cross-list", "updated": "Updated"}
_FULL = ('<article class="paper" data-arxiv-id="', "</article>\n")
_BRIEF = ('<li class="paper" data-arxiv-id="', "</li>\n")


class Elements(Protocol):
    def paper(self, paper: Paper, info: PaperInfo) -> Markup: ...
    def brief(self, paper: Paper, info: PaperInfo) -> Markup: ...


class DayRender:
    """One day's digest and what each of its papers' elements says (:class:`PaperInfo`), for every page."""

    def __init__(self, site: Elements, digest: Digest) -> None:
        self.site = site
        self.digest = digest
        topics: dict[str, list[str]] = {}
        for t in digest.topics:
            for p in t.papers:
                topics.setdefault(p.id, []).append(t.topic.slug)
        cross: dict[str, str | None] = {}
        papers: dict[str, Paper] = {}
        for c in digest.categories:
            for item in c.listings:
                cross[item.paper.id] = item.cross_from
                papers[item.paper.id] = item.paper
        for t in digest.topics:
            for p in t.papers:
                papers.setdefault(p.id, p)
        self.infos: dict[str, PaperInfo] = {}
        for pid, paper in papers.items():
            kind = kind_label(paper.announce_type)
            self.infos[pid] = PaperInfo(
                kind, KIND_LABELS[kind], tuple(topics.get(pid, ())), cross.get(pid), digest.summary_of(paper)
            )
        self._full: dict[str, Markup] = {}
        self._brief: dict[str, Markup] = {}

    def info(self, paper: Paper) -> PaperInfo:
        """What the paper's element says besides the paper (its kind, topics, cross-list, summary)."""
        return self.infos[paper.id]

    def full(self, paper: Paper) -> Markup:
        """The paper's element with its abstract (topic and category pages), rendered once a day."""
        entry = self._full.get(paper.id)
        if entry is None:
            entry = self._full[paper.id] = self.site.paper(paper, self.infos[paper.id])
        return entry

    def brief(self, paper: Paper) -> Markup:
        """The paper's element without its abstract (the day's overview), rendered once a day."""
        entry = self._brief.get(paper.id)
        if entry is None:
            entry = self._brief[paper.id] = self.site.brief(paper, self.infos[paper.id])
        return entry

    def reuse(self, pages: Iterable[bytes], moved: set[str]) -> None:
        """Take the elements of the papers not in ``moved`` from ``pages`` (the day's pages as published
        with the same package and templates, the same papers' infos but for ``moved``)."""
        once = set(self.infos) - moved
        for page in pages:
            text = page.decode("utf-8")
            for marks, pool in ((_FULL, self._full), (_BRIEF, self._brief)):
                for pid, element in _elements(text, *marks):
                    if pid in once and pid not in pool:
                        pool[pid] = Markup(element)


def _elements(text: str, start: str, end: str) -> Iterator[tuple[str, str]]:
    """Each ``(id, element)`` of a page: from ``start`` (which the id follows, then a quote) to ``end``."""
    i = text.find(start)
    while i >= 0:
        j = text.find(end, i)
        if j < 0:
            return
        quote = text.find('"', i + len(start))
        yield text[i + len(start) : quote], text[i : j + len(end)]
        i = text.find(start, j)
