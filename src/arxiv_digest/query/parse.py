"""The query language: arXiv's own API syntax, so users already know it.

::

    query = or
    or    = and { "OR" and }
    and   = unary { ["AND"] unary | "ANDNOT" unary }
    unary = "NOT" unary | "(" or ")" | [field ":"] ( "phrase in quotes" | word )
    field = ti | abs | au | co | cat | has | venue | all    (no field: all = title + abstract)

The fields are described in :mod:`.fields`, the one table every walker reads.

Operators are upper case (a lower-case ``and`` is a word); juxtaposition means AND; NOT binds tighter than
AND, AND tighter than OR. ``a ANDNOT b`` is ``a AND NOT b``. Groups of the same operator are flattened, so
``(a AND b) AND c`` and ``a AND b AND c`` are the same tree. A malformed query raises
:class:`QuerySyntaxError`, whose message shows the query with a caret under the fault.

A query nests at most :data:`MAX_DEPTH` levels: parentheses and NOTs as written, and operators inside
operators in the tree. The parser and everything that walks a tree (printing, the matcher, the FTS and
API translations, ``explain``) recurse, a few Python frames a level; the limit keeps every one of them far
from Python's recursion limit (1000 frames), so a deep query is a syntax error with a caret, never a
RecursionError. Counting the tree's levels too keeps a tree's printed form (which parenthesises every
group inside another) within the limit, so it parses back. No real query comes near it (a test measures
each walker's frames at the limit).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..errors import QuerySyntaxError
from ..taxonomy import load_taxonomy
from .ast import FIELD_PREFIX, FIELDS, And, Node, Not, Or, Term
from .fields import field_of

OPERATORS = ("AND", "OR", "NOT", "ANDNOT")
#: How many levels a query may nest. The deepest walkers (printing, the API translation) need about 5
#: frames a level: some 320 at the limit, a third of Python's, wherever they are called from.
MAX_DEPTH = 64
_TOO_DEEP = f"query nested too deeply (more than {MAX_DEPTH} levels of parentheses, NOT, AND and OR)"


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


def unknown_category(code: str) -> str | None:
    """Why ``cat:code`` can match no arXiv category (with a suggestion), or None when it can. Codes match
    without regard to case; ``cs.C*`` must be the start of some code."""
    taxonomy = load_taxonomy()
    known = [c.lower() for c in (*taxonomy.categories, *taxonomy.archives)]
    lowered = code.lower()
    if lowered.endswith("*"):
        if any(c.startswith(lowered[:-1]) for c in known):
            return None
        return f"no arXiv category starts with {code[:-1]!r}"
    if lowered in known:
        return None
    suggestion = taxonomy.suggest(code)
    return f"unknown arXiv category {code!r}" + (f" (did you mean {suggestion!r}?)" if suggestion else "")


class _Parser:
    def __init__(self, query: str, context: str | None, check_categories: bool) -> None:
        self.query = query
        self.context = context
        self.tokens = _lex(query, context)
        self.pos = 0
        self.depth = 0  # parentheses and NOTs open (the parser's own recursion)
        self.check_categories = check_categories
        self.starts: dict[int, tuple[Node, int]] = {}  # id(node) -> (node, where it starts in the query)

    def at(self, node: Node, token: _Token) -> Node:
        """Remember where ``node`` starts, for an error about it once the tree is built (the outermost
        mention wins: a group starts at its opening parenthesis)."""
        self.starts[id(node)] = (node, token.position)
        return node

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
        self.check_depth(node)
        return node

    def check_depth(self, root: Node) -> None:
        """Refuse a tree with more than MAX_DEPTH operators inside one another (walked without recursion),
        the caret under where the first too deep operator starts."""
        stack: list[tuple[Node, int]] = [(root, 0)]
        while stack:
            node, above = stack.pop()
            if isinstance(node, Term):
                continue
            if above >= MAX_DEPTH:
                _, position = self.starts.get(id(node), (node, 0))
                raise QuerySyntaxError(self.query, position, _TOO_DEEP, context=self.context)
            children = (node.item,) if isinstance(node, Not) else node.items
            stack.extend((child, above + 1) for child in reversed(children))

    def parse_or(self) -> Node:
        first = self.peek()
        items = [self.parse_and()]
        while self.peek().kind == "op" and self.peek().value == "OR":
            self.take()
            items.append(self.parse_and())
        return self.at(_flatten(Or, items), first)

    def parse_and(self) -> Node:
        first = self.peek()
        items = [self.parse_unary()]
        while True:
            token = self.peek()
            if token.kind == "op" and token.value == "AND":
                self.take()
                items.append(self.parse_unary())
            elif token.kind == "op" and token.value == "ANDNOT":
                self.take()
                items.append(self.at(Not(self.parse_unary()), token))
            elif token.kind in ("term", "(") or (token.kind == "op" and token.value == "NOT"):
                items.append(self.parse_unary())  # juxtaposition means AND
            else:
                break
        return self.at(_flatten(And, items), first)

    def parse_unary(self) -> Node:
        token = self.take()
        if token.kind == "(" or (token.kind == "op" and token.value == "NOT"):
            if self.depth >= MAX_DEPTH:
                raise self.fail(token, _TOO_DEEP)
            self.depth += 1
            try:
                return self.at(self.parse_nested(token), token)
            finally:
                self.depth -= 1
        if token.kind == "term":
            if token.field == "cat" and self.check_categories:
                problem = unknown_category(token.value)
                if problem is not None:
                    raise self.fail(token, problem)
            problem = field_of(token.field).problem(token.value)  # a closed set: has:code, has:venue
            if problem is not None:
                raise self.fail(token, problem)
            return Term(text=token.value, field=token.field, quoted=token.quoted)
        raise self.fail(token, "expected a word, \"phrase\", NOT or '('")

    def parse_nested(self, token: _Token) -> Node:
        """What follows a NOT or an opening parenthesis."""
        if token.kind == "op":
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
        raise AssertionError(token)  # parse_unary passes only "(" and NOT


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


def parse_query(query: str, *, context: str | None = None, check_categories: bool = False) -> Node:
    """Parse a query into a tree. ``context`` (e.g. "config.yml:12: topic.LLM.query") prefixes errors.
    With ``check_categories``, a ``cat:`` term that can match no arXiv category is an error too (what a
    person typed or configured; a tree rebuilt from stored text need not be checked again)."""
    return _Parser(query, context, check_categories).parse()
