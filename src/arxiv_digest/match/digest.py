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
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from ..config import CategorySpec, Config, Order, Topic
from ..models import AnnounceType, Paper, id_sort_key
from ..taxonomy import load_taxonomy
from . import Matcher
from .seen import Earlier, split_seen
from .topics import topic_matcher


@dataclass(frozen=True, slots=True)
class Listing:
    """A paper as listed on a page; ``cross_from`` is its primary category when listed as a cross-list."""

    paper: Paper
    cross_from: str | None = None


@dataclass(frozen=True, slots=True)
class TopicDigest:
    topic: Topic
    papers: tuple[Paper, ...]
    seen: tuple[Paper, ...] = ()  # replacements of papers the topic listed before (``seen``), not listed


@dataclass(frozen=True, slots=True)
class CategoryDigest:
    spec: CategorySpec
    listings: tuple[Listing, ...]
    counts: Counter[str] = field(default_factory=Counter, compare=False)  # by kind_label, filled below

    def __post_init__(self) -> None:
        if not self.counts and self.listings:
            self.counts.update(kind_label(item.paper.announce_type) for item in self.listings)


@dataclass(frozen=True, slots=True)
class DayCounts:
    """A day's listed papers by kind: the one count the README, its category table, the archive, the site,
    ``status`` and the run's summary print (issue #7). Listed means on a category page: an announce type
    in ``include``, and a tracked category to sit under. A paper stored but not listed (a replace-cross
    when ``include`` leaves it out, a category since removed from config.yml) is counted nowhere."""

    day: dt.date
    new: int = 0
    cross: int = 0
    updated: int = 0

    @property
    def total(self) -> int:
        return self.new + self.cross + self.updated

    @classmethod
    def of(cls, day: dt.date, kinds: Counter[str]) -> DayCounts:
        """From counts by :func:`kind_label`."""
        return cls(day, kinds.get("new", 0), kinds.get("cross", 0), kinds.get("updated", 0))

    def by_kind(self) -> dict[str, int]:
        return {"new": self.new, "cross": self.cross, "updated": self.updated}


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

    @property
    def day_counts(self) -> DayCounts:
        return DayCounts.of(self.day, self.counts)

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


def listings(config: Config, papers: Iterable[Paper]) -> Iterator[tuple[str, Listing]]:
    """Each listed paper, with the tracked category whose page lists it. The one rule of what a day lists:
    :func:`build_digest` builds the pages from it and :func:`count_day` counts it."""
    tracked = config.category_codes
    for paper in papers:
        if paper.announce_type not in config.include:
            continue
        home = home_category(paper, tracked)
        if home is None:  # e.g. a category removed from config.yml since the day was stored
            continue
        code, crossed = home
        yield code, Listing(paper, paper.primary_category if crossed else None)


def count_day(config: Config, day: dt.date, papers: Iterable[Paper]) -> DayCounts:
    """What :func:`build_digest` would list for the day, counted without matching or sorting (the archive
    counts every stored day on every run)."""
    return DayCounts.of(
        day, Counter(kind_label(item.paper.announce_type) for _, item in listings(config, papers))
    )


def build_digest(
    config: Config,
    day: dt.date,
    papers: Sequence[Paper],
    matcher: Matcher | None = None,
    earlier: Earlier | None = None,
) -> Digest:
    """The day's pages. ``earlier``: what the store holds of the day's ids on earlier days, for the
    papers-already-shown rules (``seen``); without it every matched paper is listed."""
    tracked = config.category_codes
    homes: dict[str, list[Listing]] = {code: [] for code in tracked}
    for code, item in listings(config, papers):
        homes[code].append(item)
    # A paper the topics may take: any with a tracked category, whether or not the category pages list it.
    relevant = [paper for paper in papers if home_category(paper, tracked) is not None]
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
    seen: dict[str, list[Paper]] = {t.name: [] for t in config.topics}
    if earlier is not None:
        selected, seen = split_seen(
            config, day, selected, earlier, matcher, lambda p: home_category(p, tracked) is not None
        )
    topics = tuple(
        TopicDigest(
            t, tuple(sort_papers(selected[t.name], t.order)), tuple(sort_papers(seen[t.name], Order.NEWEST))
        )
        for t in config.topics
    )
    return Digest(
        day=day, topics=topics, categories=tuple(categories), total=sum(len(c.listings) for c in categories)
    )
