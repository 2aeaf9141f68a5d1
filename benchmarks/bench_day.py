"""One busy announcement day (2,000 papers), stage by stage: our pipeline beside a naive baseline.

Both sides read the same bytes: an RSS 2.0 feed in arXiv's format built by ``tests/bigday.py`` from the real
records in ``tests/data/arxiv-days/`` (deterministic: same bytes on every run), for the reference's
config (``tests/data/reference/2025-11-14/config.yml``: 6 categories, 8 topics, our default word rule).

ours      parse   arxiv_digest.sources.rss.parse_feed
          store   snapshot.dumps + sha256, then Store.open on a fresh SQLite file in a temporary folder
                  and Store.replace_day in one transaction
          match   topic_matcher (compile the 8 topics) + build_digest (match every paper, place each on
                  its category page, sort)
          render  MarkdownRenderer(config).day_pages: README.md, category pages, topic pages, escaped,
                  split into parts under max_page_bytes
baseline  parse   feedparser.parse of the same bytes (+ picking the fields the next stages read)
          store   nothing (the reference kept no store)
          match   the reference's loops (its scrape.py): text = title + " " + abstract once per paper;
                  for each topic, paper and keyword ``k.lower() in text.lower()``; AND groups, filters;
                  then papers grouped by tracked category and sorted
          render  string concatenation of the same entries, no escaping, no paging, the reference's layout
                  (topic pages, and a README that lists every paper with its abstract)

Each repetition runs the whole chain once, timing every stage with time.perf_counter; ``total`` is the
chain end to end. Reported: best and median of the repetitions.

Run from the repository root: ``python benchmarks/bench_day.py`` (needs the ``[bench]`` extra: feedparser).
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # tests.bigday builds the input; benchmarks import from tests, not back

try:
    import feedparser
except ImportError:  # the baseline's parser comes with the [bench] extra only
    sys.exit("benchmarks/bench_day.py needs feedparser: pip install -e '.[bench]'")
from tests import bigday  # noqa: E402

from arxiv_digest.config import Config, parse_config  # noqa: E402
from arxiv_digest.match.digest import build_digest  # noqa: E402
from arxiv_digest.match.topics import topic_matcher  # noqa: E402
from arxiv_digest.models import Digest, Topic  # noqa: E402
from arxiv_digest.render.markdown import MarkdownRenderer  # noqa: E402
from arxiv_digest.sources.rss import parse_feed  # noqa: E402
from arxiv_digest.store import Store, snapshot  # noqa: E402

STAGES = ("parse", "store", "match", "render")
MAX_AUTHORS = 6  # the reference's "et al." rule


# -- ours ---------------------------------------------------------------------------------------------


def ours(
    feed: bytes, config: Config, tmp: Path, run: int
) -> tuple[dict[str, float], tuple[dict[str, bytes], Digest, int]]:
    times: dict[str, float] = {}
    t0 = time.perf_counter()
    announcement = parse_feed(feed, "bench.xml")
    assert announcement.day is not None
    papers = list(announcement.papers)
    t1 = time.perf_counter()
    content = snapshot.dumps(papers)
    sha = snapshot.sha256(content)
    store = Store.open(tmp / f"run-{run}" / "digest.db")
    try:
        with store.transaction():
            store.replace_day(announcement.day, papers, sha)
    finally:
        store.close()
    t2 = time.perf_counter()
    digest = build_digest(config, announcement.day, papers, topic_matcher(config))
    t3 = time.perf_counter()
    pages = MarkdownRenderer(config).day_pages(digest, days=[announcement.day], archived=False)
    t4 = time.perf_counter()
    times.update(parse=t1 - t0, store=t2 - t1, match=t3 - t2, render=t4 - t3, total=t4 - t0)
    return times, (pages, digest, len(papers))


# -- baseline -----------------------------------------------------------------------------------------


def baseline_parse(feed: bytes) -> list[dict[str, Any]]:
    parsed = feedparser.parse(feed)
    papers = []
    for e in parsed.entries:
        abstract = e.summary.split("Abstract:", 1)[-1]
        papers.append(
            {
                "id": e.link.rsplit("/", 1)[-1],
                "link": e.link,
                "title": e.title,
                "authors": e.get("author", "").split(", "),
                "abstract": " ".join(abstract.split()),
                "categories": [t.term for t in e.get("tags", [])],
            }
        )
    return papers


def baseline_match(
    papers: Sequence[dict[str, Any]], topics: Sequence[Topic], categories: Sequence[str]
) -> tuple[dict[str, list[dict[str, Any]]], dict[str, list[dict[str, Any]]]]:
    # As the reference's scrape.py does it: each paper's text made once, then for each topic and paper, the
    # keywords tested as substrings, both sides lower-cased at each test.
    selected: dict[str, list[dict[str, Any]]] = {t.name: [] for t in topics}
    texts = [(paper, paper["title"] + " " + paper["abstract"]) for paper in papers]
    for topic in topics:
        for paper, text in texts:
            hit = any(all(k.lower() in text.lower() for k in group) for group in topic.keywords)
            if hit and any(all(f.lower() in text.lower() for f in group) for group in topic.filters):
                hit = False
            if hit:
                selected[topic.name].append(paper)
    by_category: dict[str, list[dict[str, Any]]] = {code: [] for code in categories}
    for paper in papers:
        for code in paper["categories"]:
            if code in by_category:
                by_category[code].append(paper)
                break
    for code in by_category:
        by_category[code] = sorted(by_category[code], key=lambda p: p["id"], reverse=True)
    for name in selected:
        selected[name] = sorted(selected[name], key=lambda p: p["id"], reverse=True)
    return selected, by_category


def baseline_entry(paper: dict[str, Any], open_: bool) -> str:
    authors = paper["authors"]
    line = ", ".join(authors[:MAX_AUTHORS]) + (", et al." if len(authors) > MAX_AUTHORS else "")
    entry: str = "- **[" + paper["title"] + "](" + paper["link"] + ")**  `arXiv:" + paper["id"] + "`  "
    entry += " ".join("`" + c + "`" for c in paper["categories"]) + "  \n"
    entry += "  _" + line + "_\n"
    entry += "  <details" + (" open" if open_ else "") + "><summary>Abstract</summary>\n"
    entry += "  " + paper["abstract"] + "\n  </details>\n\n"
    return entry


def baseline_render(
    selected: dict[str, list[dict[str, Any]]], by_category: dict[str, list[dict[str, Any]]], config: Config
) -> dict[str, str]:
    pages: dict[str, str] = {}
    for topic in config.topics:
        page = "# 🔍 " + topic.name + " Papers\n\n## 📚 Paper List\n\n"
        for paper in selected[topic.name]:
            page += baseline_entry(paper, True)
        pages["hot_topic/" + topic.slug + ".md"] = page
    readme = "# 🚀 Daily AI arXiv Digest\n\n## 🌟 Today's Highlights\n\n- 🔥 Hot Topic\n"
    for topic in config.topics:
        readme += "  - [" + topic.name + "](hot_topic/" + topic.slug + ".md)\n"
    readme += "\n## 📌 Full Archive\n\n"
    for spec in config.categories:
        readme += "### " + spec.display + "\n\n"
        for paper in by_category[spec.code]:
            readme += baseline_entry(paper, False)
    pages["README.md"] = readme
    return pages


def baseline(
    feed: bytes, config: Config
) -> tuple[dict[str, float], tuple[dict[str, str], dict[str, list[dict[str, Any]]], int]]:
    t0 = time.perf_counter()
    papers = baseline_parse(feed)
    t1 = time.perf_counter()
    selected, by_category = baseline_match(papers, config.topics, config.category_codes)
    t2 = time.perf_counter()
    pages = baseline_render(selected, by_category, config)
    t3 = time.perf_counter()
    return {"parse": t1 - t0, "match": t2 - t1, "render": t3 - t2, "total": t3 - t0}, (
        pages,
        selected,
        len(papers),
    )


# -- report -------------------------------------------------------------------------------------------


def repeat(fn: Callable[[int], dict[str, float]], times: int) -> dict[str, list[float]]:
    out: dict[str, list[float]] = {}
    for run in range(times):
        gc.collect()
        for stage, seconds in fn(run).items():
            out.setdefault(stage, []).append(seconds)
    return out


def cell(samples: list[float] | None) -> str:
    if not samples:
        return "—"
    return f"{min(samples) * 1000:8.1f} ms ({statistics.median(samples) * 1000:7.1f})"


def ratio(ours_: list[float] | None, base: list[float] | None) -> str:
    if not ours_ or not base:
        return "—"
    r = min(base) / min(ours_)
    return f"{r:.1f}× faster" if r >= 1 else f"{1 / r:.1f}× slower"


def kib(n: int) -> str:
    return f"{n / 1024:,.1f} KiB ({n:,} bytes)"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--repeat", type=int, default=5, help="repetitions per side (default 5)")
    parser.add_argument("--papers", type=int, default=bigday.PAPER_COUNT, help="papers in the day")
    args = parser.parse_args(argv)

    config = parse_config(
        bigday.REFERENCE_CONFIG_PATH.read_text(encoding="utf-8"), file=str(bigday.REFERENCE_CONFIG_PATH)
    )
    feed = bigday.big_day_feed(args.papers)
    last: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="bench-day-") as tmp:

        def run_ours(run: int) -> dict[str, float]:
            times, last["ours"] = ours(feed, config, Path(tmp), run)
            return times

        def run_baseline(run: int) -> dict[str, float]:
            times, last["baseline"] = baseline(feed, config)
            return times

        started = time.perf_counter()
        ours_times = repeat(run_ours, args.repeat)
        base_times = repeat(run_baseline, args.repeat)
        elapsed = time.perf_counter() - started

    ours_pages, digest, ours_count = last["ours"]  # what the last repetition produced
    base_pages, base_selected, base_count = last["baseline"]

    print(
        f"arxiv-digest day benchmark: {args.papers:,}-item feed, {kib(len(feed))}; papers read: "
        f"ours {ours_count:,}, baseline {base_count:,}"
    )
    cpu = platform.processor() or platform.machine()
    print(
        f"machine: {platform.platform()}; {platform.python_implementation()} {platform.python_version()}; "
        f"{os.cpu_count()} CPUs ({cpu})"
    )
    print(
        f"config: the reference's ({len(config.categories)} categories, {len(config.topics)} topics, "
        f"match: {config.match})"
    )
    print(f"best of {args.repeat} (median in parentheses), time.perf_counter\n")
    header = f"| {'stage':<7} | {'ours':>22} | {'baseline':>22} | {'ratio':>13} |"
    print(header)
    print("|" + "|".join("-" * (len(c)) for c in header.split("|")[1:-1]) + "|")
    for stage in (*STAGES, "total"):
        o, b = ours_times.get(stage), base_times.get(stage)
        print(f"| {stage:<7} | {cell(o):>22} | {cell(b):>22} | {ratio(o, b):>13} |")

    print()
    largest = max((p for p in ours_pages if p != "README.md"), key=lambda p: len(ours_pages[p]))
    print(
        f"ours: {len(ours_pages)} pages; README.md {kib(len(ours_pages['README.md']))}; "
        f"largest page {largest} {kib(len(ours_pages[largest]))}"
    )
    base_readme = len(base_pages["README.md"].encode("utf-8"))
    print(
        f"baseline: {len(base_pages)} pages; README.md {kib(base_readme)} (GitHub stops rendering at 512 KiB)"
    )
    print(
        f"listed on category pages: {digest.total:,}; topic hits: ours "
        f"{sum(len(t.papers) for t in digest.topics):,} (word rule), baseline "
        f"{sum(len(v) for v in base_selected.values()):,} (substrings, which also hit inside words)"
    )
    print(f"measured in {elapsed:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
