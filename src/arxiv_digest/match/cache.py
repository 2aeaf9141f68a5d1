"""Which terms each paper hit, kept from one rebuild to the next (issue #15): a :class:`CachedMatcher`
answers as :class:`Matcher` does, tokenising only the papers it does not know, and for a paper it knows,
only for the terms it does not know.

A paper is known by its *content* (:func:`content_key`: the text every text, author and category term
reads, hashed), not by its day or place: the same announcement read from another day's snapshot (the
papers-already-shown rules read earlier days) is the same entry, and a changed snapshot's changed paper
is a new one. An entry lists the terms of the vocabulary (the terms of every topic of the rebuild that
made it, by their value) that the paper hit; a term outside the vocabulary is looked for in the paper's
text again, and only in papers whose text holds the word it starts with (:func:`_needles`: a word of
an ASCII text is a substring of its lower case). Fact terms (``has:``, ``venue:``) are always tested:
they need no tokenising and read what the hash does not cover.

Whoever keeps the entries must drop them when the package changes (its tokenising rule may have):
``jobs/_match_cache`` keys them on the package's files.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence

from ..models import Paper
from ..query.ast import Or, Term
from ..query.fields import Kind, field_of
from .engine import Matcher, Record, TopicRule

#: Content key -> the indexes (in the vocabulary) of the terms the paper hit.
Entries = dict[bytes, tuple[int, ...]]
_TEXT_STREAMS = frozenset(("all", "title", "abstract"))


def content_key(paper: Paper) -> bytes:
    """What every cached term's test reads of a paper: its title, abstract, comment, authors, categories."""
    text = "\x00".join((paper.title, paper.abstract, paper.comment or "", "\x1f".join(paper.authors)))
    data = (text + "\x00" + "\x1f".join(paper.categories)).encode("utf-8", "surrogatepass")
    return hashlib.blake2b(data, digest_size=16).digest()


def term_key(term: Term) -> str:
    return repr(term)


class CachedMatcher(Matcher):
    """A :class:`Matcher` over ``rules`` that takes each known paper's hits of the ``vocabulary``'s terms
    from ``known``, and remembers every paper it matched (:meth:`entries`, under :attr:`vocabulary`)."""

    def __init__(
        self, rules: Sequence[TopicRule], known: Mapping[bytes, Sequence[int]], vocabulary: Sequence[str]
    ):
        super().__init__(rules)
        self._known = known
        ids = {term_key(t): tid for tid, t in enumerate(self._terms)}
        self._old = [ids.get(k) for k in vocabulary]  # an old vocabulary index -> this matcher's term id
        cached = {tid for tid, t in enumerate(self._terms) if field_of(t.field).kind is not Kind.FACT}
        self.vocabulary = [term_key(self._terms[tid]) for tid in sorted(cached)]
        self._index = {tid: i for i, tid in enumerate(sorted(cached))}  # term id -> new vocabulary index
        fresh = [t for tid, t in enumerate(self._terms) if tid not in cached or term_key(t) not in vocabulary]
        self._fresh = Matcher([TopicRule("", Or(tuple(fresh)))]) if fresh else None
        self._fresh_ids = [ids[term_key(t)] for t in self._fresh._terms] if self._fresh else []
        self._needles = _needle_pattern(self._fresh) if self._fresh else None
        self._learned: Entries = {}

    def _hits(self, paper: Paper, record: Record | None = None) -> set[int]:
        if record is not None:  # `explain`: where each term hit, which no entry keeps
            return super()._hits(paper, record)
        key = content_key(paper)
        known = self._known.get(key)
        if known is None:
            hits = super()._hits(paper)
        else:
            old = self._old
            hits = {tid for i in known if (tid := old[i]) is not None}
            if self._fresh is not None and self._may_hit(paper):
                fresh_ids = self._fresh_ids
                hits.update(fresh_ids[tid] for tid in self._fresh._hits(paper))
        index = self._index
        self._learned[key] = tuple(sorted(index[tid] for tid in hits if tid in index))
        return hits

    def _may_hit(self, paper: Paper) -> bool:
        """Whether a fresh term could hit the paper (False only when none can)."""
        if self._needles is None:
            return True
        text = paper.title + " " + paper.abstract
        if not text.isascii():
            return True
        return self._needles.search(text.lower()) is not None

    def take(self) -> Entries:
        """Every paper matched since the last call: its hits of :attr:`vocabulary`."""
        out, self._learned = self._learned, {}
        return out


def _needle_pattern(fresh: Matcher) -> re.Pattern[str] | None:
    needles = _needles(fresh)
    return None if needles is None else re.compile("|".join(map(re.escape, needles)))


def _needles(fresh: Matcher) -> tuple[str, ...] | None:
    """Words one of which a title or abstract in ASCII must hold (in lower case) for a term of ``fresh``
    to hit it; None when a term reads something else (an author, a comment, a category, a fact)."""
    if set(fresh._indexes) - _TEXT_STREAMS or fresh._categories or fresh._facts:
        return None
    out: set[str] = set()
    for index in fresh._indexes.values():
        out.update(index.exact)
        out.update(index.prefix)
    out.update(text for _, text in fresh._substrings)
    return tuple(sorted(out))
