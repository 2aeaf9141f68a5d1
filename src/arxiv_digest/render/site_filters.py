"""What the filters beside a site page's search box offer (site.js makes them work): the topics and
categories of the page's papers, and the venues they are accepted at (issue #10; the venue filter also
offers "any venue" and "workshops", and a "has code" box sits beside it)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from ..models import Paper
from .site_context import FilterTopic, PaperInfo


def categories_of(papers: Iterable[Paper]) -> list[str]:
    return sorted({c for p in papers for c in p.categories})


def filter_topics(
    info: Callable[[Paper], PaperInfo], papers: Sequence[Paper], names: dict[str, str]
) -> list[FilterTopic]:
    """The topics (in ``names``' order) that some of the papers belong to."""
    present = {slug for p in papers for slug in info(p).topics}
    return [FilterTopic(name, slug) for slug, name in names.items() if slug in present]


def venue_names(papers: Iterable[Paper]) -> list[str]:
    """The venue names the papers are accepted at, sorted."""
    return sorted({p.facts.venue.name for p in papers if p.facts is not None and p.facts.venue is not None})
