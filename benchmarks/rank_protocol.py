"""Issue #9's evaluation protocol, shared by bench_rank.py and experiments: data, splits, libraries, metrics.

An author with >= 5 papers before a cutoff and >= 3 in the window after it is a reader; their papers before
the cutoff, written as BibTeX with title, abstract and the day it was added only (no names, no ids, neutral
keys), then read back with :func:`arxiv_digest.sources.bibtex.read_bibtex`, are their library; every day of
the window is ranked, and that day's relevant papers are the author's own. Models see only the history
stored before the cutoff.
"""

from __future__ import annotations

import datetime as dt
import gzip
import math
import random
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import orjson
from pylatexenc.latexencode import unicode_to_latex

from arxiv_digest.models import LibraryItem, Paper
from arxiv_digest.sources.bibtex import read_bibtex
from arxiv_digest.text import clean_abstract, clean_title

SEED = 20250318


@dataclass(frozen=True, slots=True)
class Split:
    """One evaluation split: fit on what was stored before ``cutoff``, rank every day in [cutoff, end)."""

    name: str
    cutoff: dt.date
    end: dt.date
    authors: int  # how many readers to draw


#: Hyperparameters are chosen on DEV only; HELD_OUT (later days, other authors) is never used for tuning.
DEV = Split("dev", dt.date(2025, 6, 16), dt.date(2025, 8, 1), 120)
HELD_OUT = Split("held-out", dt.date(2025, 8, 1), dt.date(2025, 11, 1), 150)


@dataclass(frozen=True, slots=True)
class Reader:
    name: str  # for the report's counts only; no model ever sees it
    library: tuple[LibraryItem, ...]
    relevant: dict[dt.date, frozenset[str]]  # day -> the author's paper ids announced that day


@dataclass(frozen=True, slots=True)
class SplitData:
    split: Split
    history: tuple[Paper, ...]  # stored before the cutoff, oldest first
    days: dict[dt.date, tuple[Paper, ...]]  # the window's days, each in id order
    readers: tuple[Reader, ...]


def load_history(path: Path) -> list[Paper]:
    papers = []
    with gzip.open(path, "rb") as f:
        for line in f:
            record = orjson.loads(line)
            record["title"] = clean_title(record["title"])
            record["abstract"] = clean_abstract(record["abstract"])
            papers.append(Paper.from_record(record))
    papers.sort(key=lambda p: (p.announced, p.id))
    return papers


def _bibtex_text(text: str) -> str:
    # As an exporter writes it: every special and non-ASCII character as TeX (é -> \'e, % -> \%, $ -> \$).
    return unicode_to_latex(text, non_ascii_only=False, unknown_char_warning=False)


def library_bibtex(papers: Sequence[Paper]) -> str:
    """A real BibTeX file of ``papers``: title (case-protected), abstract and the day added, nothing else."""
    entries = []
    for n, p in enumerate(papers, 1):
        entries.append(
            f"@article{{item{n},\n"
            f"  title = {{{{{_bibtex_text(p.title)}}}}},\n"
            f"  abstract = {{{_bibtex_text(p.abstract)}}},\n"
            f"  timestamp = {{{p.announced.isoformat()}}},\n"
            f"}}\n"
        )
    return "\n".join(entries)


def build_split(papers: Sequence[Paper], split: Split, exclude: frozenset[str] = frozenset()) -> SplitData:
    """Draw ``split.authors`` readers (seeded) among the eligible authors not in ``exclude``."""
    before: dict[str, list[Paper]] = defaultdict(list)
    after: dict[str, list[Paper]] = defaultdict(list)
    for p in papers:
        if p.announced < split.cutoff:
            target = before
        elif p.announced < split.end:
            target = after
        else:
            continue
        for name in set(p.authors):
            target[name].append(p)
    eligible = sorted(
        n for n in before if len(before[n]) >= 5 and len(after.get(n, ())) >= 3 and n not in exclude
    )
    chosen = sorted(random.Random(f"{SEED}-{split.name}").sample(eligible, min(split.authors, len(eligible))))
    readers = []
    for name in chosen:
        library = read_bibtex(library_bibtex(before[name]), path=f"<library of reader {len(readers) + 1}>")
        relevant: dict[dt.date, set[str]] = defaultdict(set)
        for p in after[name]:
            relevant[p.announced].add(p.id)
        readers.append(Reader(name, library, {d: frozenset(ids) for d, ids in sorted(relevant.items())}))
    days: dict[dt.date, list[Paper]] = defaultdict(list)
    for p in papers:
        if split.cutoff <= p.announced < split.end:
            days[p.announced].append(p)
    return SplitData(
        split,
        tuple(p for p in papers if p.announced < split.cutoff),
        {d: tuple(ps) for d, ps in sorted(days.items())},
        tuple(readers),
    )


def ndcg_at(order: np.ndarray, relevant: np.ndarray, k: int) -> float:
    """Binary-relevance nDCG@k of a ranking (``order``: candidate indices best first)."""
    gains = relevant[order[:k]]
    dcg = float(np.sum(gains / np.log2(np.arange(2, len(gains) + 2))))
    ideal = min(int(relevant.sum()), k)
    idcg = float(np.sum(1.0 / np.log2(np.arange(2, ideal + 2))))
    return dcg / idcg if idcg else 0.0


def recall_at(order: np.ndarray, relevant: np.ndarray, k: int) -> float:
    return float(relevant[order[:k]].sum() / relevant.sum())


def rank_order(scores: np.ndarray, ids: Sequence[str]) -> np.ndarray:
    """Best first; ties broken by id, so a method that ties many papers gets no luck from list order."""
    return np.lexsort((np.array(ids), -np.asarray(scores, dtype=np.float64)))


#: A method, once fitted for one reader: the day's candidates -> one score each (higher is better).
Scorer = Callable[[Sequence[Paper]], np.ndarray]


@dataclass(frozen=True, slots=True)
class Result:
    ndcg10: float
    recall50: float
    pairs: int
    authors: int
    per_pair: tuple[float, ...]  # nDCG@10 per (author, day), in a fixed order, for paired comparisons
    pair_reader: tuple[int, ...]  # the reader of each pair, to resample by reader


def evaluate(data: SplitData, fit: Callable[[Reader], Scorer]) -> Result:
    """Average nDCG@10 and recall@50 over the (reader, day) pairs with at least one relevant paper."""
    ndcgs: list[float] = []
    recalls: list[float] = []
    owners: list[int] = []
    authors = 0
    for n, reader in enumerate(data.readers):
        scorer = fit(reader)
        counted = False
        for day, ids in reader.relevant.items():
            candidates = data.days[day]
            relevant = np.array([p.id in ids for p in candidates], dtype=np.float64)
            if not relevant.any():
                continue
            order = rank_order(scorer(candidates), [p.id for p in candidates])
            ndcgs.append(ndcg_at(order, relevant, 10))
            recalls.append(recall_at(order, relevant, 50))
            owners.append(n)
            counted = True
        authors += counted
    return Result(
        float(np.mean(ndcgs)), float(np.mean(recalls)), len(ndcgs), authors, tuple(ndcgs), tuple(owners)
    )


def split_counts(data: SplitData) -> str:
    sizes = sorted(len(r.library) for r in data.readers)
    per_day = Counter(len(ps) for ps in data.days.values())
    return (
        f"{data.split.name}: history before {data.split.cutoff} = {len(data.history)} papers; "
        f"{len(data.days)} days ranked ({min(per_day)}-{max(per_day)} papers); {len(data.readers)} readers, "
        f"library sizes {sizes[0]}-{sizes[-1]} (median {sizes[len(sizes) // 2]})"
    )


def bootstrap_ratio_interval(ours: Result, base: Result, seed: int = SEED) -> tuple[float, float]:
    """95% interval of ours/base nDCG@10, resampling readers (with all their days) with replacement."""
    a, b, who = np.asarray(ours.per_pair), np.asarray(base.per_pair), np.asarray(ours.pair_reader)
    readers = np.unique(who)
    rows = [np.flatnonzero(who == r) for r in readers]
    rng = np.random.default_rng(seed)
    ratios = []
    for _ in range(1000):
        picked = np.concatenate([rows[i] for i in rng.integers(0, len(rows), size=len(rows))])
        ratios.append(a[picked].mean() / max(b[picked].mean(), 1e-12))
    lo, hi = np.percentile(ratios, [2.5, 97.5])
    return float(lo), float(hi)


def fmt(x: float) -> str:
    return f"{x:.4f}" if not math.isnan(x) else "-"
