"""The tree every topic compiles to: keyword lists and queries alike.

``str(node)`` prints a query in the documented syntax, fully parenthesised where precedence needs it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .fields import NAMES

#: The field names (described in :mod:`.fields`).
FIELDS = NAMES
_BARE_WORD = re.compile(r"^[^\s()\"]+$")
_OPERATORS = {"AND", "OR", "NOT", "ANDNOT"}
FIELD_PREFIX = re.compile(r"([A-Za-z]+):")


def _reads_as_field(word: str) -> bool:
    """Would this bare word be read as `field:term` (or refused as an unknown field)? A word such as `1:2`,
    `x1:y` or `note:` is just a word."""
    m = FIELD_PREFIX.match(word)
    return m is not None and (m.group(1).lower() in FIELDS or m.end() < len(word))


@dataclass(frozen=True, slots=True)
class Term:
    """A word or phrase looked for in one field. ``substring`` terms use the reference's rule."""

    text: str
    field: str = "all"
    quoted: bool = False
    substring: bool = False

    def __str__(self) -> str:
        needs_quotes = (
            self.quoted
            or not _BARE_WORD.match(self.text)
            # after `ti:` the rest is the word; without a field, `AND` or `ti:x` would read as syntax
            or (self.field == "all" and (self.text in _OPERATORS or _reads_as_field(self.text)))
        )
        body = '"' + self.text + '"' if needs_quotes else self.text
        return body if self.field == "all" else f"{self.field}:{body}"


@dataclass(frozen=True, slots=True)
class Not:
    item: Node

    def __str__(self) -> str:
        return f"NOT {_wrap(self.item, tight=True)}"


@dataclass(frozen=True, slots=True)
class And:
    items: tuple[Node, ...]

    def __str__(self) -> str:
        return " AND ".join(_wrap(i, tight=False, parent=And) for i in self.items)


@dataclass(frozen=True, slots=True)
class Or:
    items: tuple[Node, ...]

    def __str__(self) -> str:
        return " OR ".join(_wrap(i, tight=False, parent=Or) for i in self.items)


Node = Term | Not | And | Or


def _wrap(node: Node, *, tight: bool, parent: type | None = None) -> str:
    """Parenthesise every AND/OR inside another operator: not needed for precedence when an AND sits in
    an OR, but a reader should not have to remember precedence to read a topic."""
    if isinstance(node, Term | Not):
        return str(node)
    return f"({node})"


def terms(node: Node) -> list[Term]:
    """Every term of a tree, left to right."""
    if isinstance(node, Term):
        return [node]
    if isinstance(node, Not):
        return terms(node.item)
    out: list[Term] = []
    for item in node.items:
        out.extend(terms(item))
    return out
