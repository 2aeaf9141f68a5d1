"""Text -> tf-idf vectors, and the corpus a reader's model is fitted against (the stored history).

The corpus depends on the history only, never on a reader, so one fit serves every library (the benchmark
fits it once per split; the integration can cache it by :attr:`Corpus.key`). It keeps the most recent
``max_background`` papers: they set the vocabulary and idf, are the classifier's negatives, and give the
background rate of each category. Choices and their measured effect are in docs/ranking.md.
"""

from __future__ import annotations

import hashlib
import re
import weakref
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from itertools import islice, repeat

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer

from arxiv_digest.models import Paper

#: Bumped whenever a change to this package changes what a fitted model would contain.
FORMAT_VERSION = 1


@dataclass(frozen=True, slots=True)
class Settings:
    """The model's hyperparameters, chosen on the development split (docs/ranking.md)."""

    max_background: int = 12_000  # most recent history papers kept as the corpus
    min_df: int = 2  # a term must occur in 2 background papers: rare method names still count
    max_df: float = 0.5  # terms in half of all papers say nothing about a reader
    neighbours: int = 3  # similarity = mean cosine to the 3 nearest library papers
    classifier_c: float = 0.01  # LinearSVC regularisation
    min_library_for_classifier: int = 4  # below this, similarity only
    weight_classifier: float = 1.0  # chosen on dev (docs/ranking.md, second round; 0.25 before)
    weight_category: float = 0.15
    category_neighbours: int = 10  # history papers per library paper that estimate its categories
    normalisation_sample: int = 2_000  # background papers whose scores set each signal's scale
    reason_terms: int = 5

    def as_dict(self) -> dict[str, float | int]:
        return {name: getattr(self, name) for name in self.__slots__}


def paper_text(title: str, abstract: str) -> str:
    return f"{title}. {abstract}"


_TITLE_KEY = re.compile(r"[^0-9a-z]+")


def title_key(title: str) -> str:
    """A title reduced to its letters and digits: the same paper, whatever its TeX or punctuation."""
    return _TITLE_KEY.sub("", title.lower())


def new_vectorizer(settings: Settings, vocabulary: Sequence[str] | None = None) -> TfidfVectorizer:
    # Unigrams and bigrams, sublinear tf, accents folded, no stop-word list (max_df and idf already mute
    # function words, and the list cost accuracy on the development split); tokens may start with a
    # digit so "3d" and "4d" count.
    return TfidfVectorizer(
        strip_accents="unicode",
        lowercase=True,
        token_pattern=r"(?u)\b\w\w+\b",
        ngram_range=(1, 2),
        min_df=settings.min_df if vocabulary is None else 1,
        max_df=settings.max_df if vocabulary is None else 1.0,
        sublinear_tf=True,
        dtype=np.float32,
        vocabulary=list(vocabulary) if vocabulary is not None else None,
    )


@dataclass(frozen=True, slots=True, eq=False)
class Corpus:
    """The fitted vectorizer and the background papers' vectors, titles and categories."""

    key: str
    settings: Settings
    vectorizer: TfidfVectorizer
    vectors: sp.csr_matrix  # one row per background paper, L2-normalised
    title_keys: tuple[str, ...]
    categories: tuple[tuple[str, ...], ...]
    category_share: dict[str, float]  # each category's share of the background's listings (smoothed)

    def transform(self, texts: Iterable[str]) -> sp.csr_matrix:
        return transform(self.vectorizer, list(texts))

    @property
    def vocabulary(self) -> list[str]:
        return [str(t) for t in self.vectorizer.get_feature_names_out()]


#: Rows kept per vectorizer (about 2 kB each): a run scores the day, then the week holding it, and a text
#: is transformed once. The oldest go first.
MEMO_ROWS = 8_000

_Row = tuple[np.ndarray, np.ndarray]  # a row's column indices and values
_MEMO: weakref.WeakKeyDictionary[TfidfVectorizer, dict[bytes, _Row]] = weakref.WeakKeyDictionary()


def text_key(text: str) -> bytes:
    """What a row is kept under: 16 bytes of the text's BLAKE2b digest."""
    return hashlib.blake2b(text.encode(), digest_size=16).digest()


def _memo(vectorizer: TfidfVectorizer) -> dict[bytes, _Row]:
    memo = _MEMO.get(vectorizer)
    if memo is None:
        memo = _MEMO[vectorizer] = {}
    return memo


def remember(vectorizer: TfidfVectorizer, keys: Sequence[bytes], rows: sp.csr_matrix) -> None:
    """Keep ``rows`` (one per key, as :func:`transform` made them with ``vectorizer``, e.g. in an earlier
    run: ``rank.cache.load_rows``) for :func:`transform` to reuse."""
    if rows.shape != (len(keys), len(vectorizer.idf_)):
        raise ValueError(f"{rows.shape[0]} rows of {rows.shape[1]} columns for {len(keys)} keys")
    memo = _memo(vectorizer)
    for n, k in enumerate(keys):
        if k not in memo:
            start, end = rows.indptr[n], rows.indptr[n + 1]
            memo[k] = (rows.indices[start:end].astype(np.int32), rows.data[start:end].astype(np.float32))
    _trim(memo)


def _trim(memo: dict[bytes, _Row]) -> None:
    for old in list(islice(memo, max(0, len(memo) - MEMO_ROWS))):
        del memo[old]


_READERS: weakref.WeakKeyDictionary[TfidfVectorizer, Callable[[str], list[str]]] = weakref.WeakKeyDictionary()


_CLAUSE_END = re.compile(r"[.,;:!?()\[\]{}]")


def tokens_of(vectorizer: TfidfVectorizer, text: str) -> list[str]:
    """``text``'s words as ``vectorizer`` reads them (accents folded, lower case, its token pattern), with
    an empty string where a clause ends (a full stop, comma, colon, bracket): no phrase spans one."""
    read = _READERS.get(vectorizer)
    if read is None:
        preprocess, tokenize = vectorizer.build_preprocessor(), vectorizer.build_tokenizer()
        read = _READERS[vectorizer] = lambda t: tokenize(preprocess(t))
    out: list[str] = []
    for clause in _CLAUSE_END.split(text):
        out += read(clause)
        out.append("")
    return out


def transform(vectorizer: TfidfVectorizer, texts: Sequence[str]) -> sp.csr_matrix:
    """The rows of ``texts`` (none is fine: sklearn refuses an empty batch, an empty matrix does not).

    sklearn's transform makes each row from its own text alone, so a row transformed earlier by the same
    vectorizer is reused as it is (the same bytes as transforming it again): only the texts not seen
    lately are transformed, in one batch."""
    width = len(vectorizer.idf_)
    if not texts:
        return sp.csr_matrix((0, width), dtype=np.float32)
    memo = _memo(vectorizer)
    keys = [text_key(t) for t in texts]
    missing = {k: t for k, t in zip(keys, texts, strict=True) if k not in memo}
    new: dict[bytes, _Row] = {}
    if missing:
        fresh = sp.csr_matrix(vectorizer.transform(list(missing.values())), dtype=np.float32)
        for n, k in enumerate(missing):
            start, end = fresh.indptr[n], fresh.indptr[n + 1]
            new[k] = (fresh.indices[start:end].copy(), fresh.data[start:end].copy())
    rows = [new[k] if k in new else memo[k] for k in keys]
    memo.update(new)
    _trim(memo)
    indptr = np.zeros(len(rows) + 1, dtype=np.int32)
    np.cumsum([r[0].size for r in rows], out=indptr[1:])
    data = np.concatenate([r[1] for r in rows])
    indices = np.concatenate([r[0] for r in rows])
    return sp.csr_matrix((data, indices, indptr), shape=(len(rows), width), dtype=np.float32)


def background(history: Sequence[Paper], settings: Settings) -> list[Paper]:
    """The most recent ``max_background`` papers, in a fixed order (announced day, then id)."""
    ordered = sorted(history, key=lambda p: (p.announced, p.id))
    return ordered[-settings.max_background :] if settings.max_background else ordered


def history_key(papers: Sequence[Paper], settings: Settings) -> str:
    """What the corpus depends on: the background papers' ids, versions and text, and the settings."""
    h = hashlib.sha256(f"corpus v{FORMAT_VERSION} {sorted(settings.as_dict().items())}".encode())
    for p in papers:
        h.update(
            f"\x1e{p.id}\x1f{p.version}\x1f{p.title}\x1f{p.abstract}\x1f{','.join(p.categories)}".encode()
        )
    return h.hexdigest()


def fit_corpus(
    history: Sequence[Paper], settings: Settings | None = None, *, key: str | None = None
) -> Corpus:
    """Fit the vocabulary and idf on the recent history; raise ValueError when it is too small to.

    ``key``: the corpus's key, when the caller names the history by something cheaper to compute than its
    papers' text (the daily job keys a corpus on the period of history it was fitted on)."""
    settings = settings or Settings()
    papers = background(history, settings)
    if len(papers) < 2 * settings.min_df:
        raise ValueError(f"a history of {len(papers)} papers is too small to rank against (need 4 or more)")
    vectorizer = new_vectorizer(settings)
    vectors = sp.csr_matrix(vectorizer.fit_transform(paper_text(p.title, p.abstract) for p in papers))
    mass = category_mass(p.categories for p in papers)
    total = sum(mass.values()) + len(mass)
    return Corpus(
        key=key if key is not None else history_key(papers, settings),
        settings=settings,
        vectorizer=vectorizer,
        vectors=vectors,
        title_keys=tuple(title_key(p.title) for p in papers),
        categories=tuple(p.categories for p in papers),
        category_share={c: (n + 1) / total for c, n in sorted(mass.items())},
    )


def category_mass(lists: Iterable[Sequence[str]], weights: Iterable[float] | None = None) -> dict[str, float]:
    """How much each category is listed: 1 for a paper's primary category, 0.5 for each cross-list."""
    mass: defaultdict[str, float] = defaultdict(float)
    for categories, weight in zip(lists, weights if weights is not None else repeat(1.0), strict=False):
        for n, c in enumerate(categories):
            mass[c] += weight * (1.0 if n == 0 else 0.5)
    return dict(mass)
