"""The query language: arXiv's own API syntax, so users already know it.

::

    query = or
    or    = and { "OR" and }
    and   = unary { ["AND"] unary | "ANDNOT" unary }
    unary = "NOT" unary | "(" or ")" | [field ":"] ( "phrase in quotes" | word )
    field = ti | abs | au | co | cat | all          (no field: all = title + abstract)

Operators are upper case (a lower-case ``and`` is a word); juxtaposition means AND; NOT binds tighter than
AND, AND tighter than OR. ``a ANDNOT b`` is ``a AND NOT b``. Groups of the same operator are flattened, so
``(a AND b) AND c`` and ``a AND b AND c`` are the same tree. A malformed query raises
:class:`QuerySyntaxError`, whose message shows the query with a caret under the fault.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..errors import QuerySyntaxError
from .ast import FIELD_PREFIX, FIELDS, And, Node, Not, Or, Term

OPERATORS = ("AND", "OR", "NOT", "ANDNOT")


@dataclass(frozen=True, slots=True)
class _Token:
    kind: str  # "(", ")", "op", "term", "end"
    value: str
    position: int
    field: str = "all"
    quoted: bool = False


def _lex(query: str, context: str | None) -> list[_Token]:
    tokens: list[_Token] = []
    i, n = 0, len(query)
    while i < n:
        ch = query[i]
        if ch.isspace():
            i += 1
            continue
        if ch in "()":
            tokens.append(_Token(ch, ch, i))
            i += 1
            continue
        start = i
        field = "all"
        m = FIELD_PREFIX.match(query, i)
        if m and m.group(1).lower() in FIELDS:
            field = m.group(1).lower()
            i = m.end()
            if i >= n or query[i].isspace() or query[i] in "()":
                raise QuerySyntaxError(
                    query, i, f"expected a word or \"phrase\" after '{m.group(0)}'", context=context
                )
        elif m and m.end() < n and not (query[m.end()].isspace() or query[m.end()] == ")"):
            raise QuerySyntaxError(
                query, i, f"unknown field '{m.group(1)}' (fields: {', '.join(FIELDS)})", context=context
            )
        if i < n and query[i] == '"':
            end = query.find('"', i + 1)
            if end < 0:
                expected = f"expected '\"' to close the phrase begun at column {i + 1}, found the end"
                raise QuerySyntaxError(query, n, expected, context=context)
            phrase = " ".join(query[i + 1 : end].split())
            if not phrase:
                raise QuerySyntaxError(query, i, "expected words inside the quotes", context=context)
            tokens.append(_Token("term", phrase, start, field, True))
            i = end + 1
            continue
        j = i
        while j < n and not query[j].isspace() and query[j] not in '()"':
            j += 1
        word = query[i:j]
        if field == "all" and word in OPERATORS:
            tokens.append(_Token("op", word, start))
        else:
            if not re.search(r"[^\W_]", word):
                raise QuerySyntaxError(query, i, "expected a word with a letter or digit", context=context)
            tokens.append(_Token("term", word, start, field, False))
        i = j
    tokens.append(_Token("end", "", n))
    return tokens


class _Parser:
    def __init__(self, query: str, context: str | None) -> None:
        self.query = query
        self.context = context
        self.tokens = _lex(query, context)
        self.pos = 0

    def peek(self) -> _Token:
        return self.tokens[self.pos]

    def take(self) -> _Token:
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def fail(self, token: _Token, expected: str) -> QuerySyntaxError:
        return QuerySyntaxError(self.query, token.position, expected, context=self.context)

    def parse(self) -> Node:
        if self.peek().kind == "end":
            raise self.fail(self.peek(), "expected a word, \"phrase\", NOT or '(' (the query is empty)")
        node = self.parse_or()
        token = self.peek()
        if token.kind != "end":
            if token.kind == ")":
                raise self.fail(token, "unexpected ')' with no '(' to close")
            raise self.fail(token, "expected AND, OR, ANDNOT or the end of the query")
        return node

    def parse_or(self) -> Node:
        items = [self.parse_and()]
        while self.peek().kind == "op" and self.peek().value == "OR":
            self.take()
            items.append(self.parse_and())
        return _flatten(Or, items)

    def parse_and(self) -> Node:
        items = [self.parse_unary()]
        while True:
            token = self.peek()
            if token.kind == "op" and token.value == "AND":
                self.take()
                items.append(self.parse_unary())
            elif token.kind == "op" and token.value == "ANDNOT":
                self.take()
                items.append(Not(self.parse_unary()))
            elif token.kind in ("term", "(") or (token.kind == "op" and token.value == "NOT"):
                items.append(self.parse_unary())  # juxtaposition means AND
            else:
                break
        return _flatten(And, items)

    def parse_unary(self) -> Node:
        token = self.take()
        if token.kind == "op" and token.value == "NOT":
            return Not(self.parse_unary())
        if token.kind == "(":
            if self.peek().kind == ")":
                raise self.fail(self.peek(), "expected a word, \"phrase\", NOT or '(' inside the parentheses")
            node = self.parse_or()
            closing = self.peek()
            if closing.kind != ")":
                raise self.fail(closing, "expected ')'")
            self.take()
            return node
        if token.kind == "term":
            return Term(text=token.value, field=token.field, quoted=token.quoted)
        raise self.fail(token, "expected a word, \"phrase\", NOT or '('")


def _flatten(kind: type[And] | type[Or], items: list[Node]) -> Node:
    if len(items) == 1:
        return items[0]
    flat: list[Node] = []
    for item in items:
        if isinstance(item, kind):
            flat.extend(item.items)
        else:
            flat.append(item)
    return kind(tuple(flat))


def parse_query(query: str, *, context: str | None = None) -> Node:
    """Parse a query into a tree. ``context`` (e.g. "config.yml:12: topic.LLM.query") prefixes errors."""
    return _Parser(query, context).parse()
