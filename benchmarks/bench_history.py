"""Issue #3's speed claims, measured in one run on the same data, beside their baselines.

    python benchmarks/bench_history.py [--papers 120000] [--keep DIR]

Builds a history of about 120,000 papers from the real records in tests/data/arxiv-days (replicated over
consecutive weekdays with shifted dates and ids; titles, abstracts, authors and categories stay real), then
measures:

1. a full ``rebuild`` (no database, no pages: import every snapshot, match 8 topics, render every day's
   pages, write them) against the reference's substring loops *alone* over the same papers (target: the
   whole rebuild no slower than the reference's matching alone). This line is the Markdown pages only
   (``site: false``); the next one is the same rebuild with the HTML site and its feeds (issue #4), against
   the Markdown-only rebuild (target: under 2x of it);
2. topic matching with 8 and with 50 topics (target: 50 topics under 2x the time of 8);
3. ``search`` latency (warm index) against ``grep -c`` over the ``data/*.jsonl`` files (target: within 3x
   of grep); the one-time index build is reported too.

Timings are wall-clock best-of-N with time.perf_counter on a shared machine: compare the ratios, which are
measured in the same run, rather than the absolute numbers.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from arxiv_digest.config import Config, load_config, parse_config  # noqa: E402
from arxiv_digest.match import parse_query  # noqa: E402
from arxiv_digest.match.topics import topic_matcher  # noqa: E402
from arxiv_digest.models import Paper  # noqa: E402
from arxiv_digest.rebuilder import rebuild  # noqa: E402
from arxiv_digest.search import search  # noqa: E402
from arxiv_digest.store import snapshot  # noqa: E402
from arxiv_digest.store.opening import default_db_path, open_store  # noqa: E402
from arxiv_digest.text import clean_abstract, clean_author, clean_title  # noqa: E402

DATA = ROOT / "tests" / "data"
REFERENCE_CONFIG = DATA / "reference" / "2025-11-14" / "config.yml"
SEARCHES = [
    ('"vision language model"', "vision language model"),
    ("diffusion", "diffusion"),
    ("ti:benchmark", "benchmark"),
]
# 42 more topics for the 50-topic run: single words, phrases, prefixes, AND groups, filters.
EXTRA_TOPICS = [
    ("Agents", ["agent*", "multi-agent"], ["survey"]), ("RL", ["reinforcement learning", "RL"], []),
    ("RAG", ["retrieval-augmented", "RAG"], []), ("Robotics", ["robot*", "manipulation"], []),
    ("Segmentation", ["segmentation"], []), ("Detection", ["object detection", "detector*"], []),
    ("Tracking", ["tracking"], []), ("Depth", ["depth estimation", "monocular depth"], []),
    ("Medical", ["medical", "clinical", "radiology"], []), ("Speech", ["speech", "ASR", "TTS"], []),
    ("Translation", ["machine translation"], []), ("Summaries", ["summarization"], []),
    ("QA", ["question answering", "QA"], []), ("Safety", ["safety", "jailbreak*", "red teaming"], []),
    ("Alignment", ["alignment", "RLHF", "DPO"], []), ("Quantization", ["quantization", "quantized"], []),
    ("Pruning", ["pruning", "sparsity"], []), ("Distillation", ["distillation", "distilled"], []),
    ("MoE", ["mixture of experts", "MoE"], []), ("Transformers", ["transformer*"], []),
    ("GNN", ["graph neural network", "GNN"], []), ("Federated", ["federated"], []),
    ("Privacy", ["privacy", "differential privacy"], []), ("Fairness", ["fairness", "bias"], []),
    ("Explainability", ["explainab*", "interpretab*"], []), ("Causal", ["causal*"], []),
    ("Time series", ["time series", "forecasting"], []), ("Recommendation", ["recommend*"], []),
    ("Code", ["code generation", "program synthesis"], []), ("Math", ["mathematical reasoning"], []),
    ("Video", ["video understanding", "video"], ["video generation"]),
    ("Audio", ["audio"], []), ("Remote sensing", ["remote sensing", "satellite"], []),
    ("Autonomous driving", ["autonomous driving", "self-driving"], []),
    ("Point clouds", ["point cloud*"], []),
    ("NeRF", ["neural radiance field*", "NeRF"], []), ("OCR", ["OCR", "document understanding"], []),
    ("Hallucination", ["hallucination*"], []), ("Prompting", ["prompt*", "in-context learning"], []),
    ("Continual", ["continual learning", "catastrophic forgetting"], []),
    ("Few-shot", ["few-shot", "zero-shot"], []), ("Contrastive", [["contrastive", "learning"]], []),
]


def build_history(target: int, out: Path) -> int:
    records, seen = [], set()
    for f in sorted((DATA / "arxiv-days").glob("*.jsonl")):
        for line in f.read_text(encoding="utf-8").splitlines():
            r = json.loads(line)
            if r["id"] not in seen:
                seen.add(r["id"])
                records.append(r)
    per_day = 500
    (out / "data").mkdir(parents=True, exist_ok=True)
    day, written, k = dt.date(2024, 1, 1), 0, 0
    while written < target:
        while day.weekday() >= 5:
            day += dt.timedelta(days=1)
        papers = []
        for i in range(min(per_day, target - written)):
            r = records[(k * per_day + i) % len(records)]
            papers.append(Paper.from_record({
                "id": f"{day:%y%m}.{(day.day * 1000 + i) % 100000:05d}", "version": 1,
                "title": clean_title(r["title"]), "authors": [clean_author(a) for a in r["authors"]],
                "abstract": clean_abstract(r["summary"]), "categories": r["categories"],
                "announce_type": "new", "announced": day.isoformat(), "comment": r["comment"],
            }))
        (out / "data" / snapshot.snapshot_name(day)).write_bytes(snapshot.dumps(papers))
        written += len(papers)
        day += dt.timedelta(days=1)
        k += 1
    return written


def best(fn: Callable[[], object], repeat: int) -> float:
    return best_of_pair(fn, None, repeat)[0]


def best_of_pair(a: Callable[[], object], b: Callable[[], object] | None, repeat: int) -> tuple[float, float]:
    """Best times of ``a`` and ``b``, run in turns (a, b, a, b, ...) so that a burst of load from the
    machine's other tenants falls on both sides of a ratio rather than on one."""
    times: tuple[list[float], list[float]] = ([], [])
    for _ in range(repeat):
        for fn, out in ((a, times[0]), (b, times[1])):
            if fn is not None:
                t = time.perf_counter()
                fn()
                out.append(time.perf_counter() - t)
    return min(times[0]), min(times[1], default=0.0)


def reference_loops(papers: list[Paper], topics: list[tuple[str, list[list[str]], list[list[str]]]]) -> int:
    """The reference's matching as its scrape.py (`update_hot_topic`) does it: the text of each paper is
    title + " " + abstract, made once; then for each topic, for each paper, a keyword (or every keyword of
    an AND group) must be a substring of the text, both lower-cased at each test, and the filters are
    tested only for a paper a keyword selected."""
    texts = [p.title + " " + p.abstract for p in papers]
    hits = 0
    for _name, keywords, filters in topics:
        for text in texts:
            ok = any(all(k.lower() in text.lower() for k in group) for group in keywords)
            if ok and any(all(k.lower() in text.lower() for k in group) for group in filters):
                ok = False
            hits += ok
    return hits


def fifty_topic_config(base: str) -> str:
    lines = [base.rstrip(), ""]
    for name, keywords, filters in EXTRA_TOPICS:
        lines.append(f"  {json.dumps(name)}:")
        lines.append(f"    keywords: {json.dumps(keywords)}")
        lines.append(f"    filters: {json.dumps(filters)}")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--papers", type=int, default=120_000)
    parser.add_argument("--keep", type=Path, help="build the history here and keep it")
    parser.add_argument("--work", type=Path, default=ROOT / "benchmarks" / ".work",
                        help="where to build it (default benchmarks/.work; some /tmp folders create files "
                        "an order of magnitude slower than the disk they sit on)")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    work = args.keep or Path(tempfile.mkdtemp(prefix="history-", dir=args.work))
    started = time.perf_counter()
    try:
        count = build_history(args.papers, work)
        days = len(list((work / "data").glob("*.jsonl")))
        config_text = REFERENCE_CONFIG.read_text(encoding="utf-8")
        (work / "config.yml").write_text(config_text, encoding="utf-8")
        config = load_config(work / "config.yml")
        print(f"history: {count:,} papers over {days} announcement days in {work}")
        print(f"machine: {platform.platform()}; CPython {platform.python_version()}; {os.cpu_count()} CPUs")
        print()

        # 1. full rebuild vs the reference's loops alone ---------------------------------------------
        def full_rebuild(config: Config = config) -> None:
            for name in ("hot_topic", "category", "archive", "README.md", ".arxiv-digest", "site"):
                target = work / name
                if target.is_dir():
                    shutil.rmtree(target)
                elif target.exists():
                    target.unlink()
            rebuild(config, work)

        full_rebuild(replace(config, site=False))  # once, to have the papers in memory for the loops
        store = open_store(default_db_path(work), work / "data")
        papers = [p for d in store.days() for p in store.papers_for_day(d.day)]
        store.close()
        ref_topics = [
            (t.name, [list(g) for g in t.keywords], [list(g) for g in t.filters]) for t in config.topics
        ]
        rebuild_s, loops_s = best_of_pair(
            lambda: full_rebuild(replace(config, site=False)), lambda: reference_loops(papers, ref_topics), 3
        )
        site_s = best(full_rebuild, 2)  # the same, with the HTML site and the feeds (the default)
        store = open_store(default_db_path(work), work / "data")

        # 2. matching with 8 and 50 topics -----------------------------------------------------------
        config50 = parse_config(fifty_topic_config(config_text))
        m8, m50 = topic_matcher(config), topic_matcher(config50)
        match8_s, match50_s = best_of_pair(
            lambda: [m8.match(p) for p in papers], lambda: [m50.match(p) for p in papers], 4
        )

        # 3. search vs grep -c -----------------------------------------------------------------------
        t = time.perf_counter()
        search(store, parse_query("warmup"))  # builds the index once
        index_s = time.perf_counter() - t
        files = sorted(str(p) for p in (work / "data").glob("*.jsonl"))
        rows = []
        command = [sys.executable, "-m", "arxiv_digest", "search", "--out", str(work), "--limit", "20"]
        for query, needle in SEARCHES:
            tree = parse_query(query)
            ours = best(lambda tree=tree: search(store, tree, limit=20), 5)
            grep = best(lambda needle=needle: subprocess.run(["grep", "-c", "-i", needle, *files],
                                                             capture_output=True, check=False), 5)
            # The whole command a user types: Python starting, imports, checking data/ for changes, search.
            cli = best(lambda q=query: subprocess.run([*command, q], capture_output=True, check=True), 5)
            rows.append((query, ours, grep, cli))
        store.close()

        print(f"{'measure':<44} {'ours':>10} {'baseline':>10} {'ratio':>8}  target")
        print("-" * 92)
        print(f"{'full rebuild (site: false) vs ref. loops':<44} {rebuild_s:>9.2f}s {loops_s:>9.2f}s "
              f"{rebuild_s / loops_s:>7.2f}x  <= 1.0x")
        print(f"{'full rebuild with the site vs site: false':<44} {site_s:>9.2f}s {rebuild_s:>9.2f}s "
              f"{site_s / rebuild_s:>7.2f}x  (what the site adds; no target)")
        print(f"{'topic matching: 50 topics vs 8 topics':<44} {match50_s:>9.2f}s {match8_s:>9.2f}s "
              f"{match50_s / match8_s:>7.2f}x  < 2.0x")
        for query, ours, grep, cli in rows:
            as_command = "  the same, as the command (new process)"
            for label, took in ((f"search {query} vs grep -c", ours), (as_command, cli)):
                ratio = f"{took / grep:>7.2f}x"
                print(f"{label[:44]:<44} {took * 1000:>8.1f}ms {grep * 1000:>8.1f}ms {ratio}  <= 3.0x")
        print()
        print(f"one-time search index build: {index_s:.2f}s for {count:,} papers (first search only)")
        print(f"matching throughput, 8 topics: {count / match8_s:,.0f} papers/s; reference loops: "
              f"{count / loops_s:,.0f} papers/s")
        print(f"measured in {time.perf_counter() - started:.0f}s")
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
