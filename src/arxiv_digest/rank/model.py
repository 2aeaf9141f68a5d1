"""A reader's model: their library against the corpus -> one score per candidate, with reasons.

The score adds three signals, each put on a common scale by its mean and spread over a sample of the
background (fixed at fit time, so a paper's score never depends on the other papers of its day):

* similarity: the mean cosine of the candidate's tf-idf vector to its ``neighbours`` nearest library
  papers (libraries hold several topics; a mean over the whole library blurs them), minus its cosine to
  the nearest disliked paper;
* classifier: a linear SVM, the library against the background (disliked papers as weighted negatives);
* category: how much more often the candidate's categories are listed by the library's nearest history
  papers than by the background (a library carries no categories, so they are estimated from text).

A library below ``min_library_for_classifier`` papers uses the similarity alone and says so in
:attr:`RankModel.note`. Reasons are the terms with the largest share of the linear part of the score and
the title of the nearest library paper: plain text, escaped later by each renderer.
"""

from __future__ import annotations

import hashlib
import weakref
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer

from arxiv_digest.errors import ConfigError
from arxiv_digest.models import LibraryItem, Paper
from arxiv_digest.rank.features import (
    FORMAT_VERSION,
    Corpus,
    Settings,
    category_mass,
    paper_text,
    title_key,
    tokens_of,
    transform,
)
from arxiv_digest.rank.reasons import phrases

#: Terms looked at for a paper's reasons, per reason shown (fragments merge or give way).
_REASON_POOL = 4
_CHUNK_ROWS = 512  # library rows per block when comparing a library with the whole background


@dataclass(frozen=True, slots=True)
class Ranked:
    """One candidate's place: its score and why."""

    paper_id: str
    score: float
    terms: tuple[str, ...]  # the terms that carried the score, strongest first
    like: str  # the title of the nearest library paper

    @property
    def reason(self) -> str:
        """A one-line explanation, plain text (the renderer escapes it)."""
        terms = ", ".join(self.terms)
        return f"{terms}; like: {self.like}" if terms else f"like: {self.like}"


@dataclass(frozen=True, slots=True)
class Explanation:
    """One paper's score taken apart: the weighted, scaled part of each signal (they add up to the score)
    and the library papers nearest to it, with their cosine."""

    ranked: Ranked
    similarity: float
    classifier: float
    category: float
    nearest: tuple[tuple[str, float], ...]


@dataclass(frozen=True, slots=True, eq=False)
class RankModel:
    """A fitted model; everything :meth:`scores` needs, and nothing it does not (see ``cache``)."""

    key: str
    settings: Settings
    vectorizer: TfidfVectorizer
    library: sp.csr_matrix  # L2-normalised tf-idf rows of the library
    library_titles: tuple[str, ...]
    dislikes: sp.csr_matrix  # possibly with no rows
    coef: np.ndarray | None  # the classifier's weights over the vocabulary; None: similarity only
    intercept: float
    category_logodds: dict[str, float]
    scale: np.ndarray  # (3, 2): mean and spread of similarity, classifier, category on the sample
    note: str  # "" or why the model is reduced (a small library)

    def vectors(self, candidates: Sequence[Paper]) -> sp.csr_matrix:
        return transform(self.vectorizer, [paper_text(p.title, p.abstract) for p in candidates])

    def scores(self, candidates: Sequence[Paper]) -> np.ndarray:
        """One score per candidate, in the candidates' order (float64; higher is closer to the reader)."""
        return self._signals(candidates, self.vectors(candidates))[0]

    def rank(self, candidates: Sequence[Paper], *, limit: int | None = None) -> tuple[Ranked, ...]:
        """The candidates best first (ties by id), each with its score and reasons; the best ``limit``."""
        return self.scored(candidates, limit=limit)[0]

    def scored(
        self, candidates: Sequence[Paper], *, limit: int | None = None
    ) -> tuple[tuple[Ranked, ...], np.ndarray]:
        """:meth:`rank` (only the best ``limit`` explained: reasons cost more than scores) and every
        candidate's score in the candidates' order, from one pass over their text."""
        if not candidates:
            return (), np.zeros(0)
        x = self.vectors(candidates)
        score, sims = self._signals(candidates, x)
        order = np.lexsort((np.array([p.id for p in candidates]), -score))[:limit]
        names = feature_names(self.vectorizer)
        ranked = tuple(self._explain(candidates[i], float(score[i]), x[i], sims[i], names) for i in order)
        return ranked, score

    def explain(self, paper: Paper) -> Explanation:
        """Why ``paper`` gets its score: each signal's part, its terms, its nearest library papers."""
        x = self.vectors([paper])
        sims = np.asarray((x @ self.library.T).todense(), dtype=np.float64)
        raw = np.column_stack(
            [
                similarity(sims, x, self.dislikes, self.settings.neighbours),
                self._classifier(x),
                category_score([paper.categories], self.category_logodds),
            ]
        )[0]
        parts = (raw - self.scale[:, 0]) / self.scale[:, 1] * self.weights
        ranked = self._explain(paper, float(parts.sum()), x[0], sims[0], feature_names(self.vectorizer))
        nearest = np.argsort(-sims[0], kind="stable")[: self.settings.neighbours]
        return Explanation(
            ranked,
            similarity=float(parts[0]),
            classifier=float(parts[1]),
            category=float(parts[2]),
            nearest=tuple((self.library_titles[int(i)], float(sims[0, i])) for i in nearest),
        )

    def _signals(self, candidates: Sequence[Paper], x: sp.csr_matrix) -> tuple[np.ndarray, np.ndarray]:
        sims = np.asarray((x @ self.library.T).todense(), dtype=np.float64)
        raw = np.column_stack(
            [
                similarity(sims, x, self.dislikes, self.settings.neighbours),
                self._classifier(x),
                category_score([p.categories for p in candidates], self.category_logodds),
            ]
        )
        return combine(raw, self.scale, self.weights), sims

    def _classifier(self, x: sp.csr_matrix) -> np.ndarray:
        if self.coef is None:
            return np.zeros(x.shape[0])
        return np.asarray(x @ self.coef, dtype=np.float64) + self.intercept

    @property
    def weights(self) -> np.ndarray:
        if self.coef is None:
            return np.array([1.0, 0.0, 0.0])
        return np.array([1.0, self.settings.weight_classifier, self.settings.weight_category])

    def _explain(
        self, paper: Paper, score: float, x: sp.csr_matrix, sims: np.ndarray, names: np.ndarray
    ) -> Ranked:
        k = min(self.settings.neighbours, sims.shape[0])
        nearest = np.argsort(-sims, kind="stable")[:k]
        terms, values = x.indices, x.data.astype(np.float64)
        share = values * np.asarray(self.library[nearest][:, terms].mean(axis=0)).ravel() / self.scale[0, 1]
        if self.coef is not None:
            share += self.weights[1] * values * self.coef[terms] / self.scale[1, 1]
        like = self.library_titles[int(nearest[0])]
        return Ranked(paper.id, score, self._terms(paper, terms, share, names), like)

    def _terms(
        self, paper: Paper, terms: np.ndarray, share: np.ndarray, names: np.ndarray
    ) -> tuple[str, ...]:
        """The terms that carried the score, strongest first, as readable phrases (``reasons``)."""
        order = np.lexsort((terms, -share))[: _REASON_POOL * self.settings.reason_terms]
        strongest = (str(names[terms[j]]) for j in order if share[j] > 0)
        raw = paper_text(paper.title, paper.abstract)
        return phrases(strongest, tokens_of(self.vectorizer, raw), raw, self.settings.reason_terms)


_NAMES: weakref.WeakKeyDictionary[TfidfVectorizer, np.ndarray] = weakref.WeakKeyDictionary()


def feature_names(vectorizer: TfidfVectorizer) -> np.ndarray:
    """The vocabulary's terms by column, built once per vectorizer (200,000 strings: not once per day)."""
    names = _NAMES.get(vectorizer)
    if names is None:
        names = _NAMES[vectorizer] = vectorizer.get_feature_names_out()
    return names


def known_feature_names(vectorizer: TfidfVectorizer, terms: Sequence[str]) -> None:
    """Give :func:`feature_names` the terms of ``vectorizer``'s columns when they are already at hand (a
    loaded model's vocabulary, in column order), so they are not gathered from its vocabulary again."""
    _NAMES[vectorizer] = np.array(terms, dtype=object)


def similarity(sims: np.ndarray, x: sp.csr_matrix, dislikes: sp.csr_matrix, neighbours: int) -> np.ndarray:
    """Mean cosine to the ``neighbours`` nearest library rows, minus the cosine to the nearest dislike."""
    k = min(neighbours, sims.shape[1])
    nearest = -np.sort(-sims, axis=1)[:, :k]
    value: np.ndarray = nearest.mean(axis=1)
    if dislikes.shape[0]:
        value -= np.asarray((x @ dislikes.T).max(axis=1).todense(), dtype=np.float64).ravel()
    return value


def category_score(lists: Sequence[Sequence[str]], logodds: dict[str, float]) -> np.ndarray:
    """The mean log-odds of a paper's categories, its primary one counting double."""
    out = np.zeros(len(lists))
    for n, categories in enumerate(lists):
        weights = [1.0 if i == 0 else 0.5 for i in range(len(categories))]
        total = sum(w * logodds.get(c, 0.0) for w, c in zip(weights, categories, strict=True))
        out[n] = total / sum(weights) if weights else 0.0
    return out


def combine(raw: np.ndarray, scale: np.ndarray, weights: np.ndarray) -> np.ndarray:
    return np.asarray(((raw - scale[:, 0]) / scale[:, 1]) @ weights, dtype=np.float64)


def reader_key(corpus_key: str, library: Sequence[LibraryItem], dislikes: Sequence[LibraryItem]) -> str:
    """What a reader's model depends on: the corpus, and every library and dislike entry's text."""
    h = hashlib.sha256(f"reader v{FORMAT_VERSION} {corpus_key}".encode())
    for tag, items in (("like", library), ("dislike", dislikes)):
        for item in items:
            added = item.added.isoformat() if item.added else ""
            h.update(
                f"\x1e{tag}\x1f{item.title}\x1f{item.abstract}\x1f{item.arxiv_id or ''}\x1f{added}".encode()
            )
    return h.hexdigest()


def fit_model(
    corpus: Corpus, library: Sequence[LibraryItem], *, dislikes: Sequence[LibraryItem] = ()
) -> RankModel:
    """Fit a reader's model; raise ConfigError on an empty library (there is nothing to rank by)."""
    if not library:
        raise ConfigError("the library is empty: add at least one paper to rank by", path="<library>")
    settings = corpus.settings
    lib = corpus.transform(paper_text(i.title, i.abstract) for i in library)
    bad = corpus.transform(paper_text(i.title, i.abstract) for i in dislikes)
    own = {title_key(i.title) for i in (*library, *dislikes)} - {""}  # "": a title with no Latin letter
    # The reader's own papers are often in the history too; they are neither negatives nor neighbours.
    others = np.array([k not in own for k in corpus.title_keys], dtype=bool)
    coef, intercept, note = None, 0.0, ""
    if len(library) >= settings.min_library_for_classifier:
        coef, intercept = _classifier(lib, bad, corpus.vectors[others], settings)
    else:
        note = (
            f"similarity only: the library has {len(library)} paper{'s' if len(library) > 1 else ''} "
            f"(a classifier needs {settings.min_library_for_classifier})"
        )
    logodds = _category_logodds(lib, corpus, others) if coef is not None else {}
    model = RankModel(
        key=reader_key(corpus.key, library, dislikes),
        settings=settings,
        vectorizer=corpus.vectorizer,
        library=lib,
        library_titles=tuple(i.title for i in library),
        dislikes=bad,
        coef=coef,
        intercept=intercept,
        category_logodds=logodds,
        scale=np.array([[0.0, 1.0]] * 3),
        note=note,
    )
    return _with_scale(model, corpus, others)


def _classifier(
    lib: sp.csr_matrix, bad: sp.csr_matrix, negatives: sp.csr_matrix, settings: Settings
) -> tuple[np.ndarray, float]:
    x = sp.vstack([lib, bad, negatives], format="csr")
    y = np.r_[np.ones(lib.shape[0]), np.zeros(bad.shape[0] + negatives.shape[0])]
    # 'balanced' weights each class by its size; a disliked paper then weighs as much as a liked one.
    weight = np.ones(x.shape[0])
    weight[lib.shape[0] : lib.shape[0] + bad.shape[0]] = (bad.shape[0] + negatives.shape[0]) / lib.shape[0]
    from sklearn.svm import LinearSVC  # here: a run that loads its model never imports it (0.3 s)

    clf = LinearSVC(
        C=settings.classifier_c, class_weight="balanced", max_iter=10_000, tol=1e-6, random_state=0
    )
    clf.fit(x, y, sample_weight=weight)
    return clf.coef_.ravel().astype(np.float32), float(clf.intercept_[0])


def _category_logodds(lib: sp.csr_matrix, corpus: Corpus, others: np.ndarray) -> dict[str, float]:
    """log(share among the library's nearest history papers / share in the background), per category."""
    k = corpus.settings.category_neighbours
    index = np.flatnonzero(others)
    vectors = corpus.vectors[index]
    lists: list[tuple[str, ...]] = []
    weights: list[float] = []
    for start in range(0, lib.shape[0], _CHUNK_ROWS):
        sims = np.asarray((lib[start : start + _CHUNK_ROWS] @ vectors.T).todense())
        for row in sims:
            cols = _top(row, k)
            lists.extend(corpus.categories[index[c]] for c in cols)
            weights.extend(float(row[c]) for c in cols)
    mass = category_mass(lists, weights)
    total = sum(mass.values())
    if total <= 0:
        return {}
    # Smoothed towards the background (one part in eleven), so one stray neighbour cannot dominate.
    share = corpus.category_share
    floor = min(share.values())
    return {
        c: float(np.log((mass.get(c, 0.0) / total * 10 + share.get(c, floor)) / 11 / share.get(c, floor)))
        for c in sorted(set(mass) | set(share))
    }


def _top(row: np.ndarray, k: int) -> np.ndarray:
    """The indices of the ``k`` largest values, largest first, ties by index: what a stable argsort gives,
    without sorting a whole row of the background."""
    if k >= row.size:
        return np.argsort(-row, kind="stable")
    kth = np.partition(row, row.size - k)[row.size - k]
    above = np.flatnonzero(row > kth)
    tied = np.flatnonzero(row == kth)[: k - above.size]
    return np.concatenate([above[np.lexsort((above, -row[above]))], tied])


def _with_scale(model: RankModel, corpus: Corpus, others: np.ndarray) -> RankModel:
    """Set each signal's mean and spread from the most recent background papers that are not the reader's."""
    index = np.flatnonzero(others)[-corpus.settings.normalisation_sample :]
    if index.size < 2:
        return model
    x = corpus.vectors[index]
    sims = np.asarray((x @ model.library.T).todense(), dtype=np.float64)
    raw = np.column_stack(
        [
            similarity(sims, x, model.dislikes, model.settings.neighbours),
            model._classifier(x),
            category_score([corpus.categories[i] for i in index], model.category_logodds),
        ]
    )
    spread = raw.std(axis=0)
    scale = np.column_stack([raw.mean(axis=0), np.where(spread > 1e-9, spread, 1.0)])
    return replace(model, scale=scale)
