"""One matcher for every topic: each paper's text is tokenised once and scanned once for all topics.

The reference looped topics x keywords x papers with substring tests, so each topic multiplied the cost.
Here every distinct term of every topic is compiled once into per-field indexes keyed by the term's first
word; a paper's word set is intersected with those keys (a C-speed set operation), and only the few hits
are checked position by position. Adding a topic adds keys, not passes over the text. Each topic's boolean
tree is then evaluated over the set of terms that hit.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from ..models import Paper
from .ast import And, Node, Not, Or, Term
from .words import Phrase, compile_keyword, normalize, phrase_at, tokenize

# Which token streams a field's terms are looked for in.
_SCAN_FIELDS = {
    "all": ("title", "abstract"),
    "ti": ("title",),
    "abs": ("abstract",),
    "co": ("comment",),
    "au": ("author",),
}


@dataclass(frozen=True, slots=True)
class Hit:
    """Where a term matched: the stream (title, abstract, comment, author #n, category, text) and words."""

    term: Term
    where: str
    start: int = 0  # token index (word rule) or character offset (substring rule)
    end: int = 0
    words: str = ""


@dataclass(slots=True)
class _Index:
    exact: dict[str, list[tuple[int, Phrase]]] = field(default_factory=dict)
    prefix: dict[str, list[tuple[int, Phrase]]] = field(default_factory=dict)
    prefix_lengths: list[int] = field(default_factory=list)

    def add(self, term_id: int, phrase: Phrase) -> None:
        first = phrase[0]
        if first.prefix:
            self.prefix.setdefault(first.text, []).append((term_id, phrase))
            if len(first.text) not in self.prefix_lengths:
                self.prefix_lengths.append(len(first.text))
            return
        keys = [first.text]
        if len(phrase) == 1 and first.plural:
            keys += [first.text + "s", first.text + "es"]
        for key in keys:
            self.exact.setdefault(key, []).append((term_id, phrase))

    def scan(
        self, tokens: list[str], hits: set[int], where: str, record: list[tuple[int, str, int, int]] | None
    ) -> None:
        if not tokens:
            return
        token_set = set(tokens)
        candidates: list[tuple[str, list[tuple[int, Phrase]]]] = [
            (key, self.exact[key]) for key in token_set.intersection(self.exact)
        ]
        if self.prefix:
            for token in token_set:
                for length in self.prefix_lengths:
                    entries = self.prefix.get(token[:length]) if len(token) >= length else None
                    if entries:
                        candidates.append((token, entries))
        for token, entries in candidates:
            for term_id, phrase in entries:
                if term_id in hits and record is None:
                    continue
                for i, t in enumerate(tokens):
                    if t == token and phrase_at(phrase, tokens, i):
                        hits.add(term_id)
                        if record is not None:
                            record.append((term_id, where, i, i + len(phrase)))
                        break


@dataclass(frozen=True, slots=True)
class TopicRule:
    name: str
    tree: Node


class Matcher:
    """Compiled rules. ``match(paper)`` returns the names of the rules that select it, in rule order."""

    def __init__(self, rules: Sequence[TopicRule]) -> None:
        self.rules = tuple(rules)
        self._terms: list[Term] = []
        term_ids: dict[Term, int] = {}
        self._indexes: dict[str, _Index] = {}
        self._substrings: list[tuple[int, str]] = []
        self._categories: list[tuple[int, str, bool]] = []
        self._needs: set[str] = set()

        def term_id(term: Term) -> int:
            if term in term_ids:
                return term_ids[term]
            tid = len(self._terms)
            term_ids[term] = tid
            self._terms.append(term)
            if term.substring:
                self._substrings.append((tid, term.text.lower()))
                self._needs.add("text")
            elif term.field == "cat":
                text = term.text.lower()
                self._categories.append((tid, text.rstrip("*"), text.endswith("*")))
            else:
                for stream in _SCAN_FIELDS[term.field]:
                    index = self._indexes.setdefault(stream, _Index())
                    for phrase in compile_keyword(term.text):
                        index.add(tid, phrase)
                    self._needs.add(stream)
            return tid

        def compile_node(node: Node) -> Callable[[set[int]], bool]:
            if isinstance(node, Term):
                tid = term_id(node)
                return lambda hits: tid in hits
            if isinstance(node, Not):
                inner = compile_node(node.item)
                return lambda hits: not inner(hits)
            parts = [compile_node(item) for item in node.items]
            if isinstance(node, And):
                return lambda hits: all(p(hits) for p in parts)
            assert isinstance(node, Or)
            return lambda hits: any(p(hits) for p in parts)

        self._programs = [(rule.name, compile_node(rule.tree)) for rule in self.rules]

    @property
    def terms(self) -> tuple[Term, ...]:
        return tuple(self._terms)

    def _hits(self, paper: Paper, record: list[tuple[int, str, int, int]] | None = None) -> set[int]:
        hits: set[int] = set()
        needs = self._needs
        idx = self._indexes
        if "title" in needs:
            idx["title"].scan(tokenize(paper.title), hits, "title", record)
        if "abstract" in needs:
            idx["abstract"].scan(tokenize(paper.abstract), hits, "abstract", record)
        if "comment" in needs and paper.comment:
            idx["comment"].scan(tokenize(paper.comment), hits, "comment", record)
        if "author" in needs:
            for n, author in enumerate(paper.authors):
                idx["author"].scan(tokenize(author), hits, f"author {n}", record)
        if self._categories:
            cats = [c.lower() for c in paper.categories]
            for tid, text, prefix in self._categories:
                for n, cat in enumerate(cats):
                    if cat == text or cat.startswith(text if prefix else text + "."):
                        hits.add(tid)
                        if record is not None:
                            record.append((tid, "category", n, n + 1))
                        break
        if self._substrings:
            text = (paper.title + " " + paper.abstract).lower()
            for tid, needle in self._substrings:
                pos = text.find(needle)
                if pos >= 0:
                    hits.add(tid)
                    if record is not None:
                        record.append((tid, "text", pos, pos + len(needle)))
        return hits

    def match(self, paper: Paper) -> list[str]:
        hits = self._hits(paper)
        return [name for name, program in self._programs if program(hits)]

    def match_many(self, papers: Iterable[Paper]) -> dict[str, list[Paper]]:
        out: dict[str, list[Paper]] = {rule.name: [] for rule in self.rules}
        for paper in papers:
            for name in self.match(paper):
                out[name].append(paper)
        return out

    def explain(self, paper: Paper) -> tuple[list[str], list[Hit]]:
        """The rules that select the paper, and every term hit with where it occurred."""
        record: list[tuple[int, str, int, int]] = []
        hits = self._hits(paper, record)
        selected = [name for name, program in self._programs if program(hits)]
        out = []
        for tid, where, start, end in record:
            term = self._terms[tid]
            out.append(
                Hit(term=term, where=where, start=start, end=end, words=_hit_words(paper, where, start, end))
            )
        return selected, out


def _hit_words(paper: Paper, where: str, start: int, end: int) -> str:
    if where == "title":
        return " ".join(tokenize(paper.title)[start:end])
    if where == "abstract":
        return " ".join(tokenize(paper.abstract)[start:end])
    if where == "comment":
        return " ".join(tokenize(paper.comment or "")[start:end])
    if where.startswith("author "):
        return paper.authors[int(where.split()[1])]
    if where == "category":
        return paper.categories[start]
    if where == "text":
        return (paper.title + " " + paper.abstract)[start:end]
    return ""


def normalized(text: str) -> str:
    """Exposed for callers that highlight: the text the word rule sees."""
    return normalize(text)
