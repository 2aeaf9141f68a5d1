"""What config.yml names: a tracked category, a topic, how a topic matches and orders. Plain values, read
by ``config/parse.py`` (a topic takes its defaults from the top level) and by every stage after it."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from .paper import AnnounceType


class MatchMode(StrEnum):
    WORD = "word"
    SUBSTRING = "substring"


class Order(StrEnum):
    NEWEST = "newest"  # arXiv id, newest first (the seed's order)
    REFERENCE = "reference"  # the reference's late-2025 order: category list, then id, both descending


@dataclass(frozen=True, slots=True)
class CategorySpec:
    code: str
    display: str
    slug: str


@dataclass(frozen=True, slots=True)
class Topic:
    name: str
    slug: str
    keywords: tuple[tuple[str, ...], ...]  # each item an AND group; a plain keyword is a 1-tuple
    filters: tuple[tuple[str, ...], ...]
    match: MatchMode
    order: Order
    mark_updates: bool
    include: frozenset[AnnounceType]
    line: int | None = None
    query: str | None = None
    # The parsed `query:`, a ``query.ast.Node``. Typed `object` because models imports nothing above it
    # (the query language is a layer up); ``config.topics.topic_tree`` narrows it.
    query_tree: object | None = None
    categories: tuple[str, ...] = ()
    authors: tuple[str, ...] = ()
    # `include:` written in the file (the topic's or the top level's): a reader who asked for replacements
    # explicitly gets them even when seen before (issue #10).
    include_given: bool = False
