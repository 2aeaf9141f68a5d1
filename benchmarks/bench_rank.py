"""Issue #9's quality benchmark: "For you" rankings against the peers' rankers, on the same data, in one run.

    python benchmarks/bench_rank.py [--history PATH] [--split dev|held-out|both] [--skip-speed]

Protocol (rank_protocol.py): readers are authors with >= 5 papers before a cutoff and >= 3 after it; a
reader's library is their papers before the cutoff written as BibTeX (title, abstract, day added; no
names, no ids) and read back by ``arxiv_digest.rank.read_bibtex``; every day after the cutoff is ranked
and its relevant papers are the reader's own. nDCG@10 and recall@50 are averaged over the (reader, day)
pairs with at least one relevant paper. Every method sees the same history (stored before the cutoff,
title + abstract only), fits its vocabulary on it alone (the day's papers are unknown at fit time), and
leaves the reader's own library papers out of its negatives (matched by title, as a production system
would skip what the reader already has).

Methods:
  random              seeded uniform scores
  arxiv-sanity-lite   its compute.py TfidfVectorizer (1-2 grams, 20,000 features, min_df 5, max_df 0.1,
                      sublinear tf, English stop words, its token pattern) fitted on the history, and its
                      serve.py LinearSVC(C=0.01, class_weight='balanced'): library positive, every other
                      history paper negative; score = decision_function
  zotero-arxiv-daily  its recommender's score, 10 x the weighted mean cosine to the library, the i-th
                      newest item (i from 0) weighted 1/(1+log10(i+1)), normalised; on the same tf-idf
  ours                arxiv_digest.rank (fit_corpus once per split, fit_model per reader)

Splits: hyperparameters were chosen on "dev" (cutoff 2025-06-16, days to 2025-07-31, 120 readers); the
headline is "held-out" (cutoff 2025-08-01, days to 2025-10-31, 150 other readers), never used for tuning.
Everything is seeded: two runs print the same numbers.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import resource
import sys
import time
import zlib
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.svm import LinearSVC

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import rank_protocol as rp  # noqa: E402

from arxiv_digest.models import Paper  # noqa: E402
from arxiv_digest.rank import LibraryItem, fit_corpus, fit_model  # noqa: E402
from arxiv_digest.rank.features import title_key  # noqa: E402

DEFAULT_HISTORY = ROOT / ".." / "shared" / "data" / "history" / "dw-2025-03-18_2025-10-31.jsonl.gz"


def text(title: str, abstract: str) -> str:
    return f"{title} {abstract}"


def sanity_vectorizer() -> TfidfVectorizer:
    """arxiv-sanity-lite's compute.py settings, as its defaults are today."""
    return TfidfVectorizer(
        input="content",
        encoding="utf-8",
        decode_error="replace",
        strip_accents="unicode",
        lowercase=True,
        analyzer="word",
        stop_words="english",
        token_pattern=r"(?u)\b[a-zA-Z_][a-zA-Z0-9_]+\b",
        ngram_range=(1, 2),
        max_features=20000,
        norm="l2",
        use_idf=True,
        smooth_idf=True,
        sublinear_tf=True,
        max_df=0.1,
        min_df=5,
        dtype=np.float32,
    )


class Anchors:
    """The peers' rankers, on one split's history."""

    def __init__(self, data: rp.SplitData) -> None:
        self.vectorizer = sanity_vectorizer()
        self.history = sp.csr_matrix(
            self.vectorizer.fit_transform(text(p.title, p.abstract) for p in data.history)
        )
        self.title_keys = np.array([title_key(p.title) for p in data.history])

    def library(self, items: Sequence[LibraryItem]) -> sp.csr_matrix:
        return sp.csr_matrix(self.vectorizer.transform([text(i.title, i.abstract) for i in items]))

    def candidates(self, papers: Sequence[Paper]) -> sp.csr_matrix:
        return sp.csr_matrix(self.vectorizer.transform([text(p.title, p.abstract) for p in papers]))

    def svm(self, reader: rp.Reader) -> rp.Scorer:
        lib = self.library(reader.library)
        own = {title_key(i.title) for i in reader.library}
        negatives = self.history[~np.isin(self.title_keys, sorted(own))]
        x = sp.vstack([lib, negatives], format="csr")
        y = np.r_[np.ones(lib.shape[0]), np.zeros(negatives.shape[0])]
        clf = LinearSVC(
            class_weight="balanced", verbose=False, max_iter=10000, tol=1e-6, C=0.01, random_state=0
        )
        clf.fit(x, y)
        return lambda papers: np.asarray(clf.decision_function(self.candidates(papers)))

    def zotero(self, reader: rp.Reader) -> rp.Scorer:
        lib = self.library(reader.library)
        # Newest first (by day added; file order breaks ties), then 1/(1+log10(i+1)) for i = 0, 1, ...
        newest = sorted(
            range(len(reader.library)), key=lambda i: (reader.library[i].added or dt.date.min, i)
        )[::-1]
        weight = np.zeros(len(newest))
        weight[newest] = 1 / (1 + np.log10(np.arange(len(newest)) + 1))
        weight /= weight.sum()
        return lambda papers: 10 * np.asarray((self.candidates(papers) @ lib.T).todense()) @ weight


def random_method(reader: rp.Reader) -> rp.Scorer:
    def score(papers: Sequence[Paper]) -> np.ndarray:
        seed = zlib.crc32(f"{rp.SEED} {reader.name} {papers[0].announced}".encode())
        return np.random.default_rng(seed).random(len(papers))

    return score


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def timed(fn: Callable[[], object]) -> tuple[object, float, float]:
    wall, cpu = time.perf_counter(), cpu_seconds()
    out = fn()
    return out, time.perf_counter() - wall, cpu_seconds() - cpu


def run_split(data: rp.SplitData) -> list[tuple[str, rp.Result]]:
    print(rp.split_counts(data), flush=True)
    anchors = Anchors(data)
    corpus = fit_corpus(data.history)
    results = []
    for name, fit in (
        ("random", random_method),
        ("arxiv-sanity-lite SVM", anchors.svm),
        ("zotero-arxiv-daily", anchors.zotero),
        ("ours", lambda reader: fit_model(corpus, reader.library).scores),
    ):
        started = time.perf_counter()
        results.append((name, rp.evaluate(data, fit)))
        print(f"  {name}: done in {time.perf_counter() - started:.0f} s", flush=True)
    return results


def print_table(split: str, results: list[tuple[str, rp.Result]]) -> None:
    best_name, best = max(results[1:3], key=lambda r: r[1].ndcg10)
    ours = results[3][1]
    print(f"\n{split}: | method | nDCG@10 | recall@50 | pairs | authors | ours / best anchor |")
    print("| --- | --- | --- | --- | --- | --- |")
    for name, r in results:
        ratio = f"{ours.ndcg10 / r.ndcg10:.2f}x" if name != "ours" else f"{ours.ndcg10 / best.ndcg10:.2f}x"
        print(f"| {name} | {rp.fmt(r.ndcg10)} | {rp.fmt(r.recall50)} | {r.pairs} | {r.authors} | {ratio} |")
    lo, hi = rp.bootstrap_ratio_interval(ours, best)
    print(
        f"ours / {best_name}: {ours.ndcg10 / best.ndcg10:.3f} (95% interval over readers {lo:.3f}-{hi:.3f})"
    )


def speed(papers: Sequence[Paper], history_end: rp.Split) -> None:
    """Fit and score for a 700-paper day against a 5,000-item library, wall and CPU seconds."""
    history = [p for p in papers if p.announced < history_end.cutoff]
    later = [p for p in papers if p.announced >= history_end.cutoff]
    library = [LibraryItem(p.title, p.abstract, added=p.announced) for p in history[-5000:]]
    day = later[:700]
    corpus, corpus_wall, corpus_cpu = timed(lambda: fit_corpus(history))
    model, fit_wall, fit_cpu = timed(lambda: fit_model(corpus, library))  # type: ignore[arg-type]
    _, score_wall, score_cpu = timed(lambda: model.rank(day))  # type: ignore[attr-defined]
    print(f"\nspeed: a {len(day)}-paper day, a {len(library)}-item library, {len(history)} history papers")
    print("| step | wall | CPU |\n| --- | --- | --- |")
    print(f"| fit the corpus (vocabulary, idf, background) | {corpus_wall:.2f} s | {corpus_cpu:.2f} s |")
    print(f"| fit the reader's model | {fit_wall:.2f} s | {fit_cpu:.2f} s |")
    print(f"| score and explain the day | {score_wall:.2f} s | {score_cpu:.2f} s |")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--history", type=Path, default=DEFAULT_HISTORY)
    parser.add_argument("--split", choices=("dev", "held-out", "both", "none"), default="both")
    parser.add_argument("--skip-speed", action="store_true")
    args = parser.parse_args()
    if not args.history.exists():
        parser.error(f"{args.history}: no such file (give the 34k-paper history with --history)")
    print(
        f"machine: {platform.platform()}; {platform.python_implementation()} {platform.python_version()}; "
        f"{os.cpu_count()} CPUs"
    )
    papers = rp.load_history(args.history)
    dev = rp.build_split(papers, rp.DEV)
    if args.split in ("dev", "both"):
        print_table("dev", run_split(dev))
    if args.split in ("held-out", "both"):
        held = rp.build_split(papers, rp.HELD_OUT, exclude=frozenset(r.name for r in dev.readers))
        print_table("held-out", run_split(held))
    if not args.skip_speed:
        speed(papers, rp.HELD_OUT)


if __name__ == "__main__":
    main()
