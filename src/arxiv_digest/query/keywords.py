"""The reference's vocabulary, keyword lists and filters, compiled to the same tree queries use.

``keywords: [k1, k2, [a, b]]`` with ``filters: [f1, f2]`` means ``(k1 OR k2 OR (a AND b)) ANDNOT (f1 OR f2)``.
"""

from __future__ import annotations

from collections.abc import Sequence

from .ast import And, Node, Not, Or, Term


def _group(items: Sequence[str], *, substring: bool) -> Node:
    nodes: list[Node] = [Term(text=k, quoted=" " in k, substring=substring) for k in items]
    return nodes[0] if len(nodes) == 1 else And(tuple(nodes))


def any_of(groups: Sequence[Sequence[str]], *, substring: bool = False) -> Node:
    """``k1 OR k2 OR (a AND b)`` for a keyword list."""
    nodes = [_group(g, substring=substring) for g in groups]
    return nodes[0] if len(nodes) == 1 else Or(tuple(nodes))


def keywords_tree(
    keywords: Sequence[Sequence[str]], filters: Sequence[Sequence[str]] = (), *, substring: bool = False
) -> Node:
    """The tree for a keyword list and its filters."""
    positive = any_of(keywords, substring=substring)
    if not filters:
        return positive
    return And((positive, Not(any_of(filters, substring=substring))))
