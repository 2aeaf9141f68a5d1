"""What a rule lacked for a paper: ``explain`` says why a topic did *not* take it, not only what matched.

Given the terms that hit, a false tree is walked down to the smallest change that would make it true:
a term that did not hit is *needed*; a ``NOT x`` whose ``x`` hit *excluded* the paper; of an OR's
alternatives the closest one is followed (fewest needs, then most terms already hit), and an OR none of
whose terms hit is needed as a whole ("one of ..."). The walk recurses once per level, within the
parser's nesting limit like every other walker.
"""

from __future__ import annotations

from collections.abc import Sequence, Set
from dataclasses import dataclass

from ..models import Paper
from ..query.ast import And, Node, Not, Or, Term, terms
from .engine import Hit


@dataclass(frozen=True, slots=True)
class Lack:
    """Why a tree is false: what it needs (terms, or ORs none of whose parts hit) and the NOTs whose
    inside hit."""

    needs: tuple[Node, ...] = ()
    excluded_by: tuple[Node, ...] = ()

    @property
    def cost(self) -> int:
        return len(self.needs) + len(self.excluded_by)


def holds(node: Node, hits: Set[Term]) -> bool:
    """The tree's value when exactly ``hits`` hit (what the matcher computes, in plain form)."""
    if isinstance(node, Term):
        return node in hits
    if isinstance(node, Not):
        return not holds(node.item, hits)
    if isinstance(node, And):
        return all(holds(item, hits) for item in node.items)
    return any(holds(item, hits) for item in node.items)


def missing(node: Node, hits: Set[Term]) -> Lack:
    """What the (false) tree lacked; an empty Lack when it holds."""
    if holds(node, hits):
        return Lack()
    if isinstance(node, Term):
        return Lack(needs=(node,))
    if isinstance(node, Not):
        return Lack(excluded_by=(node.item,))
    if isinstance(node, And):
        parts = [missing(item, hits) for item in node.items]
        return Lack(
            needs=tuple(n for p in parts for n in p.needs),
            excluded_by=tuple(x for p in parts for x in p.excluded_by),
        )
    assert isinstance(node, Or)
    if not any(t in hits for t in terms(node)):
        return Lack(needs=(node,))  # nothing of it hit: any alternative will do
    best = min(
        ((missing(item, hits), -sum(t in hits for t in terms(item))) for item in node.items),
        key=lambda pair: (pair[0].cost, pair[1]),
    )
    return best[0]


def describe_need(node: Node, shown: int = 5) -> str:
    """A need as a person reads it: the term, or "one of (a, b, c, … 4 more)"."""
    if not isinstance(node, Or):
        return str(node)
    items = [str(i) if isinstance(i, Term | Not) else f"({i})" for i in node.items]
    more = f", … {len(items) - shown} more" if len(items) > shown else ""
    return f"one of ({', '.join(items[:shown])}{more})"


def lacked(paper: Paper, tree: Node, hits: Sequence[Hit], hit_terms: Set[Term]) -> list[str]:
    """What a topic that did not take the paper lacked, as ``explain`` prints it: the terms its closest
    alternative still needs, or the NOT (a filter) that excluded it, with what matched there."""
    lack = missing(tree, hit_terms)
    lines = []
    if lack.needs:
        needs = " AND ".join(describe_need(n) for n in lack.needs)
        if any(t.field == "cat" for n in lack.needs for t in terms(n)):
            needs += f" (the paper is in {' '.join(paper.categories)})"
        lines.append(f"needs: {needs}")
    for excluded in lack.excluded_by:
        inside = set(terms(excluded))
        why = "; ".join(f"{h.term} matched in {h.where}: {h.words!r}" for h in hits if h.term in inside)
        lines.append(f"excluded by {Not(excluded)}" + (f": {why}" if why else ""))
    return lines
