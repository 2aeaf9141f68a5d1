"""Keywords and the query language: parse -> tree -> one compiled matcher for all topics."""

from __future__ import annotations

from ..config import Config, MatchMode, Topic
from .ast import And, Node, Not, Or, Term
from .engine import Hit, Matcher, TopicRule
from .keywords import keywords_tree
from .words import compile_keyword, tokenize


def topic_tree(topic: Topic) -> Node:
    """The tree a configured topic stands for."""
    return keywords_tree(topic.keywords, topic.filters, substring=topic.match is MatchMode.SUBSTRING)


def topic_matcher(config: Config) -> Matcher:
    return Matcher([TopicRule(t.name, topic_tree(t)) for t in config.topics])


__all__ = [
    "And",
    "Hit",
    "Matcher",
    "Node",
    "Not",
    "Or",
    "Term",
    "TopicRule",
    "compile_keyword",
    "keywords_tree",
    "tokenize",
    "topic_matcher",
    "topic_tree",
]
