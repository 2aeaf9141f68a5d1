"""A configured topic -> the query tree it stands for: ``((keywords) OR (query) OR (authors)) ANDNOT
(filters)``, limited to the topic's ``categories`` when it names some. It derives from the config alone, so
it lives here: ``match`` compiles it, ``render`` prints it, ``cli`` shows it."""

from __future__ import annotations

from ..models import MatchMode, Topic
from ..query.ast import And, Node, Not, Or, Term
from ..query.keywords import any_of


def topic_tree(topic: Topic) -> Node:
    """The tree a configured topic stands for."""
    substring = topic.match is MatchMode.SUBSTRING
    positive: list[Node] = []
    if topic.keywords:
        positive.append(any_of(topic.keywords, substring=substring))
    if isinstance(topic.query_tree, Term | Not | And | Or):
        positive.append(topic.query_tree)
    if topic.authors:
        positive.extend(Term(text=name, field="au", quoted=True) for name in topic.authors)
    node: Node = positive[0] if len(positive) == 1 else Or(tuple(positive))
    if topic.filters:
        node = And((node, Not(any_of(topic.filters, substring=substring))))
    if topic.categories:
        cats = [Term(text=c, field="cat") for c in topic.categories]
        limit: Node = cats[0] if len(cats) == 1 else Or(tuple(cats))
        node = And((*node.items, limit)) if isinstance(node, And) else And((node, limit))
    return node
