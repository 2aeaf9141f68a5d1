"""Issue #8's speed rule for the templates: rendering every page of the real history, Markdown and site.

    python benchmarks/bench_render.py [--papers N] [--repeat 3]
    python benchmarks/bench_render.py --baseline-src /tmp/base/src     # beside another version's code

What a rebuild renders for each of the real history's days (33,954 papers, 158 days, built by
``scale_data.py`` from ``../shared/data/history/``), with the reference's config (6 categories, 8 topics):
``MarkdownRenderer.list_pages`` and both ``index_page`` calls (archive and top) [markdown], and
``SiteRenderer.day_files`` with the top pages [site]. The digests are built once beforehand, untimed;
each render is timed with ``time.perf_counter`` (wall) and ``time.process_time`` (CPU).

With ``--baseline-src``, the same measurement runs in child processes with that source folder first on
``PYTHONPATH`` (say, an unpacked ``git archive`` of main) and with this checkout's ``src/``, in turns
(baseline, ours, baseline, ours ...), so that load from the machine's other tenants falls on both sides.
Best and median of the repetitions; the ratio is ours over the baseline's best.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks import scale_data  # noqa: E402

REFERENCE_CONFIG = ROOT / "tests" / "data" / "reference" / "2025-11-14" / "config.yml"
PARTS = ("markdown", "site", "total")


def measure(papers: int | None, repeat: int) -> dict[str, list[tuple[float, float]]]:
    """(wall, CPU) seconds of each part, once a repetition, with the arxiv_digest found on sys.path."""
    from arxiv_digest.config import parse_config
    from arxiv_digest.match.digest import build_digest
    from arxiv_digest.match.topics import topic_matcher
    from arxiv_digest.render.markdown import MarkdownRenderer
    from arxiv_digest.render.site import SiteRenderer
    from arxiv_digest.store import snapshot

    history = scale_data.build(scale_data.default_source(), papers)
    config = parse_config(REFERENCE_CONFIG.read_text(encoding="utf-8"))
    matcher = topic_matcher(config)
    digests = []
    for path in sorted(history.data.glob("*.jsonl")):
        day = dt.date.fromisoformat(path.stem)
        digests.append(
            build_digest(config, day, snapshot.loads(path.read_bytes(), source=str(path)), matcher)
        )
    days = [d.day for d in digests]
    out: dict[str, list[tuple[float, float]]] = {part: [] for part in PARTS}
    for _ in range(repeat):
        markdown, site = MarkdownRenderer(config), SiteRenderer(config)  # fresh caches every repetition
        spent = {"markdown": [0.0, 0.0], "site": [0.0, 0.0]}
        for digest in digests:
            wall, cpu = time.perf_counter(), time.process_time()
            markdown.list_pages(digest)
            markdown.index_page(digest, days=days, archived=True)
            markdown.index_page(digest, days=days, archived=False)
            spent["markdown"][0] += time.perf_counter() - wall
            spent["markdown"][1] += time.process_time() - cpu
            wall, cpu = time.perf_counter(), time.process_time()
            site.day_files(digest, days, latest=True)
            spent["site"][0] += time.perf_counter() - wall
            spent["site"][1] += time.process_time() - cpu
        for part in ("markdown", "site"):
            out[part].append((spent[part][0], spent[part][1]))
        out["total"].append(
            (spent["markdown"][0] + spent["site"][0], spent["markdown"][1] + spent["site"][1])
        )
    out["_papers"] = [(float(sum(d.total for d in digests)), float(len(digests)))]
    return out


def child(src: Path, papers: int | None, repeat: int) -> dict[str, list[tuple[float, float]]]:
    env = {**os.environ, "PYTHONPATH": f"{src}{os.pathsep}{ROOT}"}
    argv = [sys.executable, __file__, "--child", "--repeat", str(repeat)]
    if papers:
        argv += ["--papers", str(papers)]
    done = subprocess.run(argv, env=env, check=True, capture_output=True, text=True)
    result: dict[str, list[tuple[float, float]]] = json.loads(done.stdout)
    return result


def cell(times: list[float]) -> str:
    return f"{min(times):.2f}s ({statistics.median(times):.2f})"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--papers", type=int, help="papers of the real history (default: all)")
    parser.add_argument("--repeat", type=int, default=3, help="repetitions of each side (default 3)")
    parser.add_argument("--baseline-src", type=Path, help="another version's src/ folder, run beside ours")
    parser.add_argument(
        "--src", type=Path, default=ROOT / "src", help="our src/ folder (default: this checkout's)"
    )
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.papers, args.repeat)))
        return
    started = time.perf_counter()
    print(f"machine: {platform.platform()}; CPython {platform.python_version()}; {os.cpu_count()} CPUs")
    sides = {"ours": args.src.resolve()}
    if args.baseline_src:
        sides = {"baseline": args.baseline_src.resolve(), **sides}
    results: dict[str, dict[str, list[tuple[float, float]]]] = {name: {} for name in sides}
    for _ in range(args.repeat):  # one repetition a child, the sides in turns
        for name, src in sides.items():
            got = child(src, args.papers, 1)
            for key, values in got.items():
                results[name].setdefault(key, []).extend(values)
    listed, days = results["ours"]["_papers"][0]
    print(
        f"history: {int(days)} days, {int(listed):,} listed papers; every Markdown and site page of each day"
    )
    print()
    names = list(sides)
    print(
        f"{'render':<16}"
        + "".join(f"{n + ' wall':>18}{n + ' CPU':>18}" for n in names)
        + "   ratio (wall, CPU)"
    )
    for part in PARTS:
        row = f"{part:<16}"
        for n in names:
            row += f"{cell([t[0] for t in results[n][part]]):>18}{cell([t[1] for t in results[n][part]]):>18}"
        if "baseline" in results:
            ratios = [
                min(t[i] for t in results["ours"][part]) / min(t[i] for t in results["baseline"][part])
                for i in (0, 1)
            ]
            row += f"   {ratios[0]:.2f}x, {ratios[1]:.2f}x"
        print(row)
    print()
    print(
        f"measured in {time.perf_counter() - started:.0f}s (best and median of {args.repeat}; target <= 1.2x)"
    )


if __name__ == "__main__":
    main()
