"""A day's papers -> a :class:`Digest`: which papers are listed, on which category page, in which topics,
in what order. No I/O; every output format renders a Digest.

Rules (issue #2):
- listed: the announce types in ``include`` (default new, cross-lists and replacements);
- a paper sits on its primary category's page when that category is tracked, else on the first tracked
  category it is cross-listed to, marked as a cross-list. The reference dropped every paper with any
  category outside its set; we drop none;
- order: arXiv id, newest first; or, for ``order: reference``, the reference's own order (category list,
  then id, both descending, which is what its ``sorted(..., reverse=True)`` produced).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from .config import CategorySpec, Config, Order, Topic
from .match import Matcher
from .match.topics import topic_matcher
from .models import AnnounceType, Paper, id_sort_key
from .taxonomy import load_taxonomy


@dataclass(frozen=True, slots=True)
class Listing:
    """A paper as listed on a page; ``cross_from`` is its primary category when listed as a cross-list."""

    paper: Paper
    cross_from: str | None = None


@dataclass(frozen=True, slots=True)
class TopicDigest:
    topic: Topic
    papers: tuple[Paper, ...]


@dataclass(frozen=True, slots=True)
class CategoryDigest:
    spec: CategorySpec
    listings: tuple[Listing, ...]
    counts: Counter[str] = field(default_factory=Counter, compare=False)  # by kind_label, filled below

    def __post_init__(self) -> None:
        if not self.counts and self.listings:
            self.counts.update(kind_label(item.paper.announce_type) for item in self.listings)


@dataclass(frozen=True, slots=True)
class Digest:
    day: dt.date
    topics: tuple[TopicDigest, ...]
    categories: tuple[CategoryDigest, ...]
    total: int  # papers listed on category pages

    @property
    def counts(self) -> Counter[str]:
        out: Counter[str] = Counter()
        for c in self.categories:
            out.update(c.counts)
        return out

    def topics_by_count(self) -> list[TopicDigest]:
        return sorted(self.topics, key=lambda t: -len(t.papers))


def kind_label(kind: AnnounceType) -> str:
    """The reader's three kinds: new work, cross-lists, updated (replaced) papers."""
    if kind is AnnounceType.NEW:
        return "new"
    if kind is AnnounceType.CROSS:
        return "cross"
    return "updated"


def sort_papers(papers: Sequence[Paper], order: Order) -> list[Paper]:
    if order is Order.REFERENCE:
        return sorted(papers, key=lambda p: (p.categories, p.id), reverse=True)
    return sorted(papers, key=lambda p: id_sort_key(p.id), reverse=True)


def home_category(paper: Paper, tracked: Sequence[str]) -> tuple[str, bool] | None:
    """The tracked category whose page lists the paper, and whether it is there as a cross-list."""
    return _home(paper.categories, tuple(tracked))


@lru_cache(maxsize=8192)
def _home(categories: tuple[str, ...], tracked: tuple[str, ...]) -> tuple[str, bool] | None:
    taxonomy = load_taxonomy()
    for code in tracked:
        if taxonomy.covers(code, categories[0]):
            return code, False
    for category in categories[1:]:
        for code in tracked:
            if taxonomy.covers(code, category):
                return code, True
    return None


def build_digest(
    config: Config, day: dt.date, papers: Sequence[Paper], matcher: Matcher | None = None
) -> Digest:
    tracked = config.category_codes
    homes: dict[str, list[Listing]] = {code: [] for code in tracked}
    relevant: list[Paper] = []
    for paper in papers:
        home = home_category(paper, tracked)
        if home is None:  # e.g. a category removed from config.yml since the day was stored
            continue
        relevant.append(paper)
        if paper.announce_type in config.include:
            code, crossed = home
            homes[code].append(Listing(paper, paper.primary_category if crossed else None))
    categories = []
    for spec in config.categories:
        ordered = sort_papers([item.paper for item in homes[spec.code]], config.order)
        by_id = {item.paper.id: item for item in homes[spec.code]}
        categories.append(CategoryDigest(spec, tuple(by_id[p.id] for p in ordered)))

    matcher = matcher or topic_matcher(config)
    selected: dict[str, list[Paper]] = {t.name: [] for t in config.topics}
    topics_by_name = {t.name: t for t in config.topics}
    for paper in relevant:
        for name in matcher.match(paper):
            if paper.announce_type in topics_by_name[name].include:
                selected[name].append(paper)
    topics = tuple(TopicDigest(t, tuple(sort_papers(selected[t.name], t.order))) for t in config.topics)
    return Digest(
        day=day, topics=topics, categories=tuple(categories), total=sum(len(c.listings) for c in categories)
    )
