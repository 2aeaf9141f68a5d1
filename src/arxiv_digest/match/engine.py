"""One matcher for every topic: each paper's text is tokenised once and scanned once for all topics.

The reference looped topics x keywords x papers with substring tests, so each topic multiplied the cost.
Here every distinct term of every topic is compiled once into per-stream indexes keyed by the term's first
word; a paper's word set is intersected with those keys (a set operation, in C), and only the few hits are
checked position by position. Adding a topic adds keys, not passes over the text. Each topic's boolean tree
is compiled to set operations over the ids of the terms that hit.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from ..models import Paper
from ..query.ast import And, Node, Not, Or, Term
from ..query.fields import ALL, Field, Kind, field_of
from ..query.words import Phrase, compile_keyword, phrase_at, tokenize

Record = list[tuple[int, str, int, int]]
_BOUNDARY = "\x00"


@dataclass(frozen=True, slots=True)
class Hit:
    """Where a term matched: the stream (all, title, abstract, comment, author N, category, text, or a
    fact field's name: has, venue), the position (token index for the word rule, character offset for
    the substring rule) and the words."""

    term: Term
    where: str
    start: int = 0
    end: int = 0
    words: str = ""


#: How many distinct words an index remembers as starting (or not) with one of its prefixes.
PREFIX_CACHE_WORDS = 200_000


@dataclass(slots=True)
class _Index:
    exact: dict[str, list[tuple[int, Phrase]]] = field(default_factory=dict)
    prefix: dict[str, list[tuple[int, Phrase]]] = field(default_factory=dict)
    prefix_lengths: list[int] = field(default_factory=list)
    keys: frozenset[str] = frozenset()  # the exact first words, kept in step by `add`
    # Prefix terms (`Bench*`): a word is looked up once and remembered, as starting with no prefix
    # (`_plain`) or with the entries of the prefixes it starts with (`_prefixed`). Papers share most of
    # their words, so after the first few hundred a paper costs two set operations in C.
    _plain: set[str] = field(default_factory=set)
    _prefixed: dict[str, list[list[tuple[int, Phrase]]]] = field(default_factory=dict)

    def _prefix_entries(self, word: str) -> list[list[tuple[int, Phrase]]]:
        found = []
        for length in self.prefix_lengths:
            if len(word) >= length and (entries := self.prefix.get(word[:length])) is not None:
                found.append(entries)
        if len(self._plain) + len(self._prefixed) >= PREFIX_CACHE_WORDS:
            self._plain.clear()
            self._prefixed.clear()
        if found:
            self._prefixed[word] = found
        else:
            self._plain.add(word)
        return found

    def add(self, term_id: int, phrase: Phrase) -> None:
        first = phrase[0]
        if first.prefix:
            self.prefix.setdefault(first.text, []).append((term_id, phrase))
            if len(first.text) not in self.prefix_lengths:
                self.prefix_lengths.append(len(first.text))
            self._plain.clear()  # a new prefix may change what a remembered word starts with
            self._prefixed.clear()
            return
        keys = [first.text]
        if len(phrase) == 1 and first.plural:  # a one-word phrase: its plural forms are keys too
            keys += [first.text + "s", first.text + "es"]
        for key in keys:
            self.exact.setdefault(key, []).append((term_id, phrase))
        self.keys = frozenset(self.exact)

    def scan(self, tokens: list[str], hits: set[int], where: str, record: Record | None) -> None:
        # Probing the keys with each word (in C) is cheaper than building the text's word set first;
        # that set is built only if a phrase of several words needs checking.
        candidates = [(key, self.exact[key]) for key in self.keys.intersection(tokens)]
        token_set: set[str] | None = None
        if self.prefix:
            token_set = set(tokens)
            prefixed = self._prefixed
            for word in token_set.difference(self._plain):
                found = prefixed.get(word)
                for entries in self._prefix_entries(word) if found is None else found:
                    candidates.append((word, entries))
        for token, entries in candidates:
            for term_id, phrase in entries:
                if record is None and term_id in hits:
                    continue
                if len(phrase) == 1:  # one word: it matches wherever that word is
                    hits.add(term_id)
                    if record is not None:
                        i = tokens.index(token)
                        record.append((term_id, where, i, i + 1))
                    continue
                if token_set is None:
                    token_set = set(tokens)
                if not _viable(phrase, token_set):
                    continue  # some other word of the phrase is not in the text at all
                i = -1
                while True:
                    try:
                        i = tokens.index(token, i + 1)
                    except ValueError:
                        break
                    if phrase_at(phrase, tokens, i):
                        hits.add(term_id)
                        if record is not None:
                            record.append((term_id, where, i, i + len(phrase)))
                        break


def _required_any(node: Node) -> frozenset[Term] | None:
    """Terms of which at least one must hit for ``node`` to be true; None when no hit is needed."""
    if isinstance(node, Term):
        return frozenset((node,))
    if isinstance(node, Not):
        return None
    parts = [_required_any(item) for item in node.items]
    if isinstance(node, Or):
        if any(p is None for p in parts):
            return None
        return frozenset().union(*(p for p in parts if p is not None))
    known = [p for p in parts if p is not None]  # And: any one conjunct's requirement will do
    return min(known, key=len) if known else None


def _viable(phrase: Phrase, token_set: set[str]) -> bool:
    """Could the phrase occur? Each of its plain words (after the first) must be among the text's words."""
    for w in phrase[1:]:
        if w.prefix:
            continue
        if w.text not in token_set and not (
            w.plural and (w.text + "s" in token_set or w.text + "es" in token_set)
        ):
            return False
    return True


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
        self._facts: list[tuple[int, Field, str]] = []

        def term_id(term: Term) -> int:
            if term in term_ids:
                return term_ids[term]
            tid = len(self._terms)
            term_ids[term] = tid
            self._terms.append(term)
            described = field_of(term.field)
            if term.substring:
                self._substrings.append((tid, term.text.lower()))
            elif described.kind is Kind.CATEGORY:
                text = term.text.lower()
                self._categories.append((tid, text.rstrip("*"), text.endswith("*")))
            elif described.kind is Kind.FACT:
                self._facts.append((tid, described, term.text))
            else:
                assert described.stream is not None  # every text field names its stream
                index = self._indexes.setdefault(described.stream, _Index())
                for phrase in compile_keyword(term.text):
                    index.add(tid, phrase)
            return tid

        def compile_node(node: Node) -> Callable[[set[int]], bool]:
            if isinstance(node, Term):
                tid = term_id(node)
                return lambda hits: tid in hits
            if isinstance(node, Not):
                inner = compile_node(node.item)
                return lambda hits: not inner(hits)
            if all(isinstance(item, Term) for item in node.items):  # the common case: one set operation
                ids = frozenset(term_id(item) for item in node.items if isinstance(item, Term))
                if isinstance(node, And):
                    return ids.issubset
                return lambda hits: not ids.isdisjoint(hits)
            parts = [compile_node(item) for item in node.items]
            if isinstance(node, And):
                return lambda hits: all(p(hits) for p in parts)
            return lambda hits: any(p(hits) for p in parts)

        self._programs = [(rule.name, compile_node(rule.tree)) for rule in self.rules]
        self._streams = frozenset(self._indexes)
        # Most topics can only be true when one of their positive terms hit. Index them by those terms,
        # so a paper evaluates only the topics its hits can trigger (plus those that need no hit at all,
        # such as `NOT x`): adding topics does not add work for papers they cannot select.
        self._always: list[int] = []
        self._triggers: dict[int, list[int]] = {}
        for n, rule in enumerate(self.rules):
            needed = _required_any(rule.tree)
            if needed is None:
                self._always.append(n)
            else:
                for term in needed:
                    self._triggers.setdefault(term_ids[term], []).append(n)

    def _hits(self, paper: Paper, record: Record | None = None) -> set[int]:
        hits: set[int] = set()
        streams = self._streams
        idx = self._indexes
        if streams.intersection(("all", "title", "abstract")):
            title = tokenize(paper.title)
            abstract = tokenize(paper.abstract)
            if "all" in streams:
                # A boundary word no pattern can match: a phrase cannot run from the title into the abstract.
                both = [*title, _BOUNDARY, *abstract]
                idx["all"].scan(both, hits, "all", record)
            if "title" in streams:
                idx["title"].scan(title, hits, "title", record)
            if "abstract" in streams:
                idx["abstract"].scan(abstract, hits, "abstract", record)
        if "comment" in streams and paper.comment:
            tokens = tokenize(paper.comment)
            idx["comment"].scan(tokens, hits, "comment", record)
        if "author" in streams:
            for n, author in enumerate(paper.authors):
                tokens = tokenize(author)
                idx["author"].scan(tokens, hits, f"author {n}", record)
        if self._categories:
            cats = [c.lower() for c in paper.categories]
            for tid, text, prefix in self._categories:
                for n, cat in enumerate(cats):
                    if cat == text or cat.startswith(text if prefix else text + "."):
                        hits.add(tid)
                        if record is not None:
                            record.append((tid, "category", n, n + 1))
                        break
        for tid, described, value in self._facts:
            assert described.test is not None  # every fact field has its test
            if described.test(value, paper):
                hits.add(tid)
                if record is not None:
                    record.append((tid, described.name, 0, 0))
        if self._substrings:
            text = (paper.title + " " + paper.abstract).lower()
            for tid, needle in self._substrings:
                pos = text.find(needle)
                if pos >= 0:
                    hits.add(tid)
                    if record is not None:
                        record.append((tid, "text", pos, pos + len(needle)))
        return hits

    def _selected(self, hits: set[int]) -> list[str]:
        candidates = set(self._always)
        for tid in hits:
            topics = self._triggers.get(tid)
            if topics:
                candidates.update(topics)
        programs = self._programs
        return [programs[n][0] for n in sorted(candidates) if programs[n][1](hits)]

    def match(self, paper: Paper) -> list[str]:
        return self._selected(self._hits(paper))

    def explain(self, paper: Paper) -> tuple[list[str], list[Hit]]:
        """The rules that select the paper, and every term hit with where it occurred."""
        record: Record = []
        hits = self._hits(paper, record)
        selected = self._selected(hits)
        skip = len(tokenize(paper.title)) + 1 if any(r[1] == "all" for r in record) else 0
        out = []
        for tid, where, start, end in record:
            if where == "all":  # say which of the two it was in
                where, start, end = (
                    ("title", start, end) if start < skip else ("abstract", start - skip, end - skip)
                )
            out.append(
                Hit(
                    term=self._terms[tid],
                    where=where,
                    start=start,
                    end=end,
                    words=hit_words(paper, where, start, end),
                )
            )
        return selected, out


def stream_tokens(paper: Paper, where: str) -> list[str]:
    """The words of the stream a hit refers to."""
    if where == "all":
        return [*tokenize(paper.title), _BOUNDARY, *tokenize(paper.abstract)]
    if where == "title":
        return tokenize(paper.title)
    if where == "abstract":
        return tokenize(paper.abstract)
    if where == "comment":
        return tokenize(paper.comment or "")
    if where.startswith("author "):
        return tokenize(paper.authors[int(where.split()[1])])
    return []


def hit_words(paper: Paper, where: str, start: int, end: int) -> str:
    if where == "category":
        return paper.categories[start]
    if where == "text":
        return (paper.title + " " + paper.abstract)[start:end]
    if where.startswith("author "):
        return paper.authors[int(where.split()[1])]
    evidence = field_of(where).evidence if where in _FACT_FIELDS else None
    if evidence is not None:
        return evidence(paper)
    return " ".join(stream_tokens(paper, where)[start:end])


_FACT_FIELDS = frozenset(f.name for f in ALL if f.kind is Kind.FACT)
