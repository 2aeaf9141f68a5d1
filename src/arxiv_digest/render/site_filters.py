"""What the filters beside a site page's search box offer (site.js makes them work): the topics and
categories of the page's papers, and the venues they are accepted at (issue #10; the venue filter also
offers "any venue" and "workshops", and a "has code" box sits beside it), and the abstracts the search
box loads."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence

from ..models import Digest, Paper
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


def search_data(digest: Digest) -> bytes:
    """The abstracts the day page does not show, for its search box (JSON inside a function call: a
    script loads from the disk too, where a fetch() would be refused)."""
    data: dict[str, str] = {}
    for t in digest.topics:
        for p in t.papers:
            data.setdefault(p.id, p.abstract)
    body = json.dumps(data, ensure_ascii=True, separators=(",", ":"))
    return f"arxivDigestSearchData({body});\n".encode("ascii")
