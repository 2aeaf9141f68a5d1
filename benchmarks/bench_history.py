"""Issue #3's topic-matching claim: 50 topics cost under twice 8, on the real history, wall and CPU time.

    python benchmarks/bench_history.py [--papers N] [--repeat 4]

``topic_matcher(config).match`` over every paper of the real history (33,954 papers, 158 days, built by
``scale_data.py`` from ``../shared/data/history/``: real titles and abstracts, none repeated), with the
reference's 8 topics and with 50 (the 8 plus ``EXTRA_TOPICS``: phrases, prefixes, AND groups, filters),
the two run in turns; best and median of the repetitions, wall (``time.perf_counter``) and CPU
(``time.process_time``) time. Target: 50 topics under 2x the time of 8.

Superseded (issue #12): this script also measured the full rebuild against the reference's loops and
search against ``grep -c``. Those lines flattered us: a synthetic history of 1,008 distinct abstracts
repeated ~119 times (caches hit), a baseline loop slower than the reference's own (a generator per
keyword), a headline rebuild without the site, and wall time only (two workers against one thread).
``bench_scale.py`` measures them now, on real records, as the command, in wall and CPU time.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks import scale_data  # noqa: E402

from arxiv_digest.config import parse_config  # noqa: E402
from arxiv_digest.match.topics import topic_matcher  # noqa: E402
from arxiv_digest.models import Paper  # noqa: E402
from arxiv_digest.store import snapshot  # noqa: E402

REFERENCE_CONFIG = ROOT / "tests" / "data" / "reference" / "2025-11-14" / "config.yml"

# 42 more topics for the 50-topic run: single words, phrases, prefixes, AND groups, filters.
EXTRA_TOPICS = [
    ("Agents", ["agent*", "multi-agent"], ["survey"]),
    ("RL", ["reinforcement learning", "RL"], []),
    ("RAG", ["retrieval-augmented", "RAG"], []),
    ("Robotics", ["robot*", "manipulation"], []),
    ("Segmentation", ["segmentation"], []),
    ("Detection", ["object detection", "detector*"], []),
    ("Tracking", ["tracking"], []),
    ("Depth", ["depth estimation", "monocular depth"], []),
    ("Medical", ["medical", "clinical", "radiology"], []),
    ("Speech", ["speech", "ASR", "TTS"], []),
    ("Translation", ["machine translation"], []),
    ("Summaries", ["summarization"], []),
    ("QA", ["question answering", "QA"], []),
    ("Safety", ["safety", "jailbreak*", "red teaming"], []),
    ("Alignment", ["alignment", "RLHF", "DPO"], []),
    ("Quantization", ["quantization", "quantized"], []),
    ("Pruning", ["pruning", "sparsity"], []),
    ("Distillation", ["distillation", "distilled"], []),
    ("MoE", ["mixture of experts", "MoE"], []),
    ("Transformers", ["transformer*"], []),
    ("GNN", ["graph neural network", "GNN"], []),
    ("Federated", ["federated"], []),
    ("Privacy", ["privacy", "differential privacy"], []),
    ("Fairness", ["fairness", "bias"], []),
    ("Explainability", ["explainab*", "interpretab*"], []),
    ("Causal", ["causal*"], []),
    ("Time series", ["time series", "forecasting"], []),
    ("Recommendation", ["recommend*"], []),
    ("Code", ["code generation", "program synthesis"], []),
    ("Math", ["mathematical reasoning"], []),
    ("Video", ["video understanding", "video"], ["video generation"]),
    ("Audio", ["audio"], []),
    ("Remote sensing", ["remote sensing", "satellite"], []),
    ("Autonomous driving", ["autonomous driving", "self-driving"], []),
    ("Point clouds", ["point cloud*"], []),
    ("NeRF", ["neural radiance field*", "NeRF"], []),
    ("OCR", ["OCR", "document understanding"], []),
    ("Hallucination", ["hallucination*"], []),
    ("Prompting", ["prompt*", "in-context learning"], []),
    ("Continual", ["continual learning", "catastrophic forgetting"], []),
    ("Few-shot", ["few-shot", "zero-shot"], []),
    ("Contrastive", [["contrastive", "learning"]], []),
]


def fifty_topic_config(base: str) -> str:
    lines = [base.rstrip(), ""]
    for name, keywords, filters in EXTRA_TOPICS:
        lines.append(f"  {json.dumps(name)}:")
        lines.append(f"    keywords: {json.dumps(keywords)}")
        lines.append(f"    filters: {json.dumps(filters)}")
    return "\n".join(lines) + "\n"


def real_papers(papers: int | None, source: Path) -> list[Paper]:
    history = scale_data.build(source, papers)
    out: list[Paper] = []
    for path in sorted(history.data.glob("*.jsonl")):
        out += snapshot.loads(path.read_bytes(), source=str(path), day=dt.date.fromisoformat(path.stem))
    return out


Times = list[tuple[float, float]]


def in_turns(a: Callable[[], object], b: Callable[[], object], repeat: int) -> list[Times]:
    """(wall, CPU) seconds of ``a`` and ``b``, run in turns (a, b, a, b, ...) so that a burst of load from
    the machine's other tenants falls on both sides of the ratio rather than on one."""
    times: list[Times] = [[], []]
    for _ in range(repeat):
        for fn, out in ((a, times[0]), (b, times[1])):
            wall, cpu = time.perf_counter(), time.process_time()
            fn()
            out.append((time.perf_counter() - wall, time.process_time() - cpu))
    return times


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--papers", type=int, help="papers of the real history (default: all)")
    parser.add_argument("--repeat", type=int, default=4, help="repetitions of each side (default 4)")
    parser.add_argument("--source", type=Path, help="the real history (default: scale_data's)")
    args = parser.parse_args()
    started = time.perf_counter()
    papers = real_papers(args.papers, args.source or scale_data.default_source())
    config_text = REFERENCE_CONFIG.read_text(encoding="utf-8")
    m8 = topic_matcher(parse_config(config_text))
    m50 = topic_matcher(parse_config(fifty_topic_config(config_text)))
    print(f"history: {len(papers):,} real papers; 8 topics vs 50")
    print(f"machine: {platform.platform()}; CPython {platform.python_version()}; {os.cpu_count()} CPUs")
    eight, fifty = in_turns(
        lambda: [m8.match(p) for p in papers], lambda: [m50.match(p) for p in papers], args.repeat
    )
    print()
    print(f"{'topic matching':<16} {'8 topics':>16} {'50 topics':>16} {'ratio':>7}  target")
    for i, name in enumerate(("wall", "CPU")):
        a, b = [t[i] for t in eight], [t[i] for t in fifty]
        cell = [f"{min(x):.2f}s ({statistics.median(x):.2f})" for x in (a, b)]
        print(f"{name:<16} {cell[0]:>16} {cell[1]:>16} {min(b) / min(a):>6.2f}x  < 2.0x")
    print()
    best = min(t[0] for t in eight)
    print(f"matching throughput, 8 topics: {len(papers) / best:,.0f} papers/s (best wall)")
    print(f"measured in {time.perf_counter() - started:.0f}s (best and median of {args.repeat})")


if __name__ == "__main__":
    main()
