"""A query tree -> an SQLite FTS5 expression that finds a *superset* of the papers the tree matches.

The index proposes candidates; the exact matcher judges them, so search results equal a full scan's.
The index holds each field as the word rule sees it (NFKC, lower case, words separated by spaces), so its
tokens are our tokens. A term becomes a phrase whose last word is a prefix (covering plurals and ``*``),
one phrase per hyphen variant; a prefix inside a phrase loosens it to an AND of words. NOT, categories
and substring terms cannot narrow a superset, so they contribute no restriction (``None``); a tree with no
restriction at all is answered by scanning the date range. A fact field (``has:``, ``venue:``) has a column
of its own holding its words (:mod:`arxiv_digest.query.fields`): every word of its value must be there.
Which column a field narrows is the fields table's :attr:`~arxiv_digest.query.fields.Field.fts_target`.

FTS5's own parser has a fixed stack (100 entries; ``a AND (b OR (`` takes about three a level, so 16 such
levels overflow it), so a subtree deeper than :data:`MAX_FTS_DEPTH` levels is left out: it only makes the
superset larger, and the matcher still judges every candidate.
"""

from __future__ import annotations

from ..query.ast import And, Node, Not, Or, Term
from ..query.fields import Kind, field_of
from ..query.words import Phrase, compile_keyword, tokenize

#: How many levels of a tree become FTS5 operators (each is one level of parentheses in the expression).
MAX_FTS_DEPTH = 20


def _phrase(phrase: Phrase) -> str:
    words = [w.text for w in phrase]
    if any(w.prefix for w in phrase[:-1]):
        return "(" + " AND ".join(f'"{w.text}"' + (" *" if w.prefix else "") for w in phrase) + ")"
    last = phrase[-1]
    loose_end = last.prefix or last.plural
    return '"' + " ".join(words) + '"' + (" *" if loose_end else "")


def fts_expression(node: Node, depth: int = 0) -> str | None:
    """The FTS5 MATCH expression for ``node``, or None when the index cannot narrow it down. ``depth`` is
    how deep ``node`` sits in the whole tree."""
    if depth >= MAX_FTS_DEPTH:
        return None  # no restriction: a larger superset, never a wrong result
    if isinstance(node, Term):
        described = field_of(node.field)
        target = described.fts_target
        if node.substring or target is None:
            return None
        if described.kind is Kind.FACT:
            words = tokenize(node.text)
            return f"{target} : (" + " AND ".join(f'"{w}"' for w in words) + ")" if words else None
        variants = compile_keyword(node.text)
        if not variants:
            return None
        body = " OR ".join(_phrase(p) for p in variants)
        return f"{target} : ({body})"
    if isinstance(node, Not):
        return None
    parts = [fts_expression(item, depth + 1) for item in node.items]
    if isinstance(node, And):
        kept = [p for p in parts if p is not None]
        if not kept:
            return None
        return kept[0] if len(kept) == 1 else "(" + " AND ".join(kept) + ")"
    assert isinstance(node, Or)
    if any(p is None for p in parts):
        return None
    return "(" + " OR ".join(p for p in parts if p is not None) + ")"
