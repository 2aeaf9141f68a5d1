"""Issue #12 ("scale"): the daily run, the rebuild and search as history grows, each beside its baseline.

    python benchmarks/bench_scale.py                     # everything, full sizes (see benchmarks/README.md)
    python benchmarks/bench_scale.py --quick             # small sizes: a few minutes
    python benchmarks/bench_scale.py --only run --big-papers 300000 --repeat 5

A black box: it drives the installed ``arxiv-digest`` command (child processes: ``run``, ``rebuild``,
``search``, and ``explain`` to bring a cloned database up to date, untimed) against the fake arXiv of
``tests/fakearxiv`` on 127.0.0.1 and against history folders built by ``scale_data.py`` from the real
history (shifted copies of it up to 1.2M papers). It imports nothing from ``arxiv_digest``, so it measures
the code after a restructure the same way; the config is the reference's (6 categories, 8 topics, site on).

Measurements (sample keys in brackets), each side run in turns with the other in every repetition:

run      the daily run of the 2,000-paper day of ``tests/bigday.py`` (2026-06-30, real titles and
         abstracts), on an empty folder [run/empty] against the real history (34k) and the big one (1.2M),
         with the database [run/<size>/db] and without it, as a fresh clone on GitHub Actions has it
         [run/<size>/nodb]; and, after the 1.2M run with the database, the first search against the next
         one [search-after-run/first, /warm];
rebuild  the default rebuild (site on) of the real history from its snapshots alone, as a fresh clone of a
         published repository has them (each paper's facts in, as ``run`` writes them) [rebuild/full] against
         the reference's matching loop over the same papers and topics, in this process, papers already
         in memory [rebuild/reference]; and a rebuild after one topic's keywords changed, database and
         pages present [rebuild/one-topic];
search   each query of QUERIES at 1.2M as the command (a new process, warm index) [search/<query>]
         against ``grep -c -i -F`` over the snapshot files [grep/<query>].

Reported: best and median of the repetitions, wall and CPU time (the child's and its children's, from
``os.wait4``), the peak RSS of the child; ratios of best times against the issue's targets.
Folders are built once and cached under ``benchmarks/.work/`` (gitignored), keyed on the history and on
a hash of the installed package's files; the rebuild and the index build that made each are printed.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import pstats
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # tests.bigday and tests.fakearxiv serve the day

from benchmarks import scale_data  # noqa: E402
from benchmarks.scale_folders import (  # noqa: E402
    INDEX_QUERY,
    Master,
    Setup,
    cloned,
    code_fingerprint,
    kept_before,
    published,
    size_label,
    write_config,
)
from benchmarks.scale_harness import (  # noqa: E402
    BenchError,
    Results,
    Row,
    machine,
    run_child,
    run_here,
    table,
)
from tests import bigday  # noqa: E402
from tests.fakearxiv import FakeArxiv  # noqa: E402

CONFIG = bigday.REFERENCE_CONFIG_PATH
#: (query, the fixed string grep counts for it): a prefix, a common word, a phrase, an author, a negation.
QUERIES = (
    ("bench*", "bench"),
    ("learning", "learning"),
    ('"vision language model"', "vision language model"),
    ('au:"Yang Liu"', "Yang Liu"),  # the most frequent author of the real history
    ("diffusion ANDNOT survey", "diffusion"),
)
AFTER_RUN_QUERY = INDEX_QUERY
#: The change of one topic for rebuild/one-topic: the reference's Benchmark topic gains a keyword.
TOPIC_BEFORE = "  Benchmark:\n    keywords:\n      - Bench\n"
TOPIC_AFTER = TOPIC_BEFORE + "      - Leaderboard\n"
PARTS = ("run", "rebuild", "search")

# -- the measurements -------------------------------------------------------------------------------------


def measure_runs(setup: Setup, results: Results, masters: Sequence[Master], day_papers: int) -> None:
    cases: list[tuple[str, Master | None, bool]] = [("run/empty", None, False)]
    for m in masters:
        cases += [(f"run/{m.label}/db", m, True), (f"run/{m.label}/nodb", m, False)]
    biggest = masters[-1] if masters else None
    with FakeArxiv() as fake:
        fake.feed_override = bigday.big_day_feed(day_papers)
        env = {**setup.env, **fake.environment("0.05")}
        # What the day before's run would have kept beside the database (issue #15): from one untimed run.
        kept = {m.label: setup.scratch / f"kept-{m.label}" for m in masters}
        for m in masters:
            with cloned(setup, m, "warm-up", database=True) as folder:
                argv = setup.command("run", "--config", folder / "config.yml", "--out", folder)
                run_child(argv, setup.log("run"), env=env)
                kept_before(folder, bigday.BIG_DAY, kept[m.label])
        for rep in range(setup.repeat):
            for key, master, database in cases:
                where = kept[master.label] if master is not None and database else None
                with cloned(setup, master, "run", database=database, kept=where) as folder:
                    argv = setup.command("run", "--config", folder / "config.yml", "--out", folder)
                    s = results.add(key, run_child(argv, setup.log("run"), env=env))
                    stored = folder / "data" / f"{bigday.BIG_DAY.isoformat()}.jsonl"
                    if not stored.is_file():
                        raise BenchError(f"{key}: the run exited 0 but wrote no {stored}")
                    print(
                        f"  {key:<18} {s.wall_seconds:8.2f} s wall {s.cpu_seconds:8.2f} s CPU "
                        f"{(s.rss_bytes or 0) / 2**20:7.0f} MB   (round {rep + 1})",
                        flush=True,
                    )
                    if master is biggest and database:
                        search = setup.command("search", "--out", folder, AFTER_RUN_QUERY)
                        results.add("search-after-run/first", run_child(search, setup.log("search"), env=env))
                        results.add("search-after-run/warm", run_child(search, setup.log("search"), env=env))


def reference_lists(papers: list[dict[str, Any]], topics: dict[str, dict[str, Any]]) -> int:
    """The reference's topic matching, written as the reference wrote it: lFelixC/awesome-daily-AI-arxiv,
    ``scrape.py`` (commit db950a9), ``update_hot_topic``: each paper's text made once, ``title + " " +
    abstract``; then for each topic a list comprehension over the papers keeps those where any keyword
    condition holds and no filter condition does, a condition being a string (``kw.lower() in
    text.lower()``) or a list of strings (all of them, so tested). Returns the number of topic hits."""
    texts = [(paper, paper["title"] + " " + paper["abstract"]) for paper in papers]
    hits = 0
    for meta in topics.values():
        keywords = meta["keywords"]
        filters = meta["filters"] or []

        def holds(text: str, condition: Any) -> Any:  # no bool(): the reference returns the test itself
            if isinstance(condition, list):
                return all(word.lower() in text.lower() for word in condition)
            return condition.lower() in text.lower()

        kept = [
            paper
            for paper, text in texts
            if any(holds(text, c) for c in keywords) and not any(holds(text, c) for c in filters)
        ]
        hits += len(kept)
    return hits


def measure_rebuilds(setup: Setup, results: Results, history: scale_data.History, master: Master) -> None:
    days = [
        [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
        for path in sorted(history.data.glob("*.jsonl"))
    ]
    topics = yaml.safe_load(setup.config_text)["topic"]
    if TOPIC_BEFORE not in setup.config_text:
        raise BenchError(f"{CONFIG}: no Benchmark topic to change (expected {TOPIC_BEFORE!r})")
    changed = setup.config_text.replace(TOPIC_BEFORE, TOPIC_AFTER)
    for rep in range(setup.repeat):
        with cloned(setup, None, "rebuild", database=False) as folder:
            # The snapshots as a repository has them once published: with each paper's facts, which `run`
            # writes at ingestion and the first rebuild fills in (the master's, by the measured code).
            subprocess.run(["cp", "-al", str(master.root / "data"), str(folder / "data")], check=True)
            argv = setup.command("rebuild", "--config", folder / "config.yml", "--out", folder)
            full = results.add("rebuild/full", run_child(argv, setup.log("rebuild"), env=setup.env))
        loop = results.add(
            "rebuild/reference", run_here(lambda: sum(reference_lists(d, topics) for d in days))
        )
        with cloned(setup, master, "rebuild", database=True) as folder:
            write_config(folder, changed)
            argv = setup.command("rebuild", "--config", folder / "config.yml", "--out", folder)
            one = results.add("rebuild/one-topic", run_child(argv, setup.log("rebuild"), env=setup.env))
        print(
            f"  round {rep + 1}: full {full.wall_seconds:.2f} s ({full.cpu_seconds:.2f} CPU), reference "
            f"loop {loop.wall_seconds:.2f} s ({loop.cpu_seconds:.2f}), one topic {one.wall_seconds:.2f} s "
            f"({one.cpu_seconds:.2f})",
            flush=True,
        )


def measure_searches(setup: Setup, results: Results, master: Master) -> None:
    with cloned(setup, master, "search", database=True) as folder:
        warm_up = setup.command("search", "--out", folder, "--limit", "1", AFTER_RUN_QUERY)
        run_child(warm_up, setup.log("search"), env=setup.env)
        files = sorted(p.name for p in (folder / "data").glob("*.jsonl"))
        grep_env = {**setup.env, "LC_ALL": "C.UTF-8"}
        for rep in range(setup.repeat):
            for query, needle in QUERIES:
                ours = results.add(
                    f"search/{query}",
                    run_child(
                        setup.command("search", "--out", folder, query), setup.log("search"), env=setup.env
                    ),
                )
                grep = results.add(
                    f"grep/{query}",
                    run_child(
                        ["grep", "-c", "-i", "-F", "--", needle, *files],
                        setup.log("grep"),
                        env=grep_env,
                        cwd=folder / "data",
                        ok=(0, 1),
                    ),
                )
                print(
                    f"  {query:<26} ours {ours.wall_seconds:6.2f} s, grep {grep.wall_seconds:6.2f} s "
                    f"(round {rep + 1})",
                    flush=True,
                )


def profile_runs(setup: Setup, master: Master, day_papers: int, top: int = 10) -> None:
    """The daily run once each under cProfile (the console script run as a program), as ``measure_runs``
    runs it: on the empty history, and on the biggest with its database (and what the day before's run
    kept) and without it. For each, the functions that cost most by their own time and the package's by
    cumulative time; then the package's functions whose cumulative time grew most over the empty run's,
    which is the work that grows with history."""
    with FakeArxiv() as fake:
        fake.feed_override = bigday.big_day_feed(day_papers)
        env = {**setup.env, **fake.environment("0.05")}
        kept = setup.scratch / f"kept-{master.label}"
        with cloned(setup, master, "warm-up", database=True) as folder:
            run_child(
                setup.command("run", "--config", folder / "config.yml", "--out", folder),
                setup.log("run"),
                env=env,
            )
            kept_before(folder, bigday.BIG_DAY, kept)
        profiles: dict[str, pstats.Stats] = {}
        for name, source, database in (
            ("run-empty", None, False),
            (f"run-{master.label}-db", master, True),
            (f"run-{master.label}-nodb", master, False),
        ):
            out = setup.work / f"profile-{name}.prof"
            with cloned(
                setup, source, "profile", database=database, kept=kept if database else None
            ) as folder:
                argv = [
                    sys.executable,
                    "-m",
                    "cProfile",
                    "-o",
                    out,
                    *setup.command("run", "--config", folder / "config.yml", "--out", folder),
                ]
                s = run_child(argv, setup.log("profile"), env=env)
            print(f"\n{name} under cProfile: {s.wall_seconds:.1f} s wall, {s.cpu_seconds:.1f} s CPU; {out}")
            profiles[name] = pstats.Stats(str(out))
            for order, only in (("tottime", ""), ("cumulative", "arxiv_digest")):
                text = io.StringIO()
                pstats.Stats(str(out), stream=text).sort_stats(order).print_stats(only, top)
                body = text.getvalue()
                print(body[body.index("   ncalls") :].rstrip())
        base = _cumulative(profiles.pop("run-empty"))
        for name, stats in profiles.items():
            grown = sorted(((t - base.get(f, 0.0), f) for f, t in _cumulative(stats).items()), reverse=True)
            print(f"\n{name}: the package's functions by cumulative time over the empty run's (profiled s)")
            for extra, function in grown[: 2 * top]:
                print(f"  {extra:+7.3f}  {function}")


def _cumulative(stats: pstats.Stats) -> dict[str, float]:
    """The package's functions' cumulative times, by ``module:line(name)``."""
    table: dict[str, float] = {}
    for (path, line, function), row in stats.stats.items():  # type: ignore[attr-defined]
        if "arxiv_digest" in path:
            where = path[path.rindex("arxiv_digest") :]
            table[f"{where}:{line}({function})"] = row[3]
    return table


# -- report -----------------------------------------------------------------------------------------------


def rows(masters: Sequence[Master], day_papers: int) -> list[Row]:
    out: list[Row] = []
    biggest = masters[-1].label if masters else ""

    def pair(label: str, ours: str, base: str, at_most: float | None, rss: float | None = None) -> None:
        out.extend(Row(f"{label} ({m})", ours, base, m, at_most) for m in ("wall", "cpu"))
        if rss is not None or ours.startswith("run/"):
            out.append(Row(f"{label} (peak RSS)", ours, base, "rss", rss))

    day = f"run, {day_papers:,}-paper day"
    out.append(Row(f"{day}, empty history (peak RSS)", "run/empty", None, "rss"))
    for m in masters:
        big = m.label == biggest and len(masters) > 1
        pair(f"{day}, {m.label} with db vs empty", f"run/{m.label}/db", "run/empty", 1.3 if big else None)
        pair(
            f"{day}, {m.label} without db vs empty",
            f"run/{m.label}/nodb",
            "run/empty",
            1.5 if big else None,
            300 * 2**20 if big else None,
        )
    pair(
        f"first search after the run vs the next ({biggest})",
        "search-after-run/first",
        "search-after-run/warm",
        1.5,
    )
    pair("full rebuild (site on) vs the reference's loop", "rebuild/full", "rebuild/reference", 1.0)
    pair("rebuild after one topic changed vs full rebuild", "rebuild/one-topic", "rebuild/full", 0.2)
    for query, _ in QUERIES:
        pair(f"search {query} ({biggest}) vs grep -c", f"search/{query}", f"grep/{query}", 0.5)
    return out


def report(results: Results, masters: Sequence[Master], day_papers: int, json_path: Path) -> None:
    print()
    for line in table(results, rows(masters, day_papers)):
        print(line)
    print()
    for m in masters:
        b: dict[str, Any] = m.built
        rebuilt, first = b["rebuild"], b["first_search"]
        print(
            f"{m.label}: published folder {b['files']:,} files, {b['bytes'] / 1e9:.2f} GB (database "
            f"{b['database_bytes'] / 1e6:,.0f} MB); when it was built ({b['date']}): rebuild "
            f"{rebuilt['wall_seconds']:.1f} s wall, {rebuilt['cpu_seconds']:.1f} s CPU, "
            f"{rebuilt['rss_bytes'] / 2**20:,.0f} MB; first search (builds the index) "
            f"{first['wall_seconds']:.1f} s wall, {first['cpu_seconds']:.1f} s CPU"
        )
    for name, seconds in results.parts.items():
        print(f"part {name}: {seconds:,.0f} s")
    json_path.write_text(
        json.dumps(
            {
                "machine": machine(),
                "parts": results.parts,
                "samples": {k: [asdict(s) for s in v] for k, v in results.samples.items()},
                "masters": {m.label: {"papers": m.papers, **m.built} for m in masters},
            },
            indent=1,
        )
        + "\n",
        encoding="utf-8",
    )
    print(f"samples written to {json_path}")


# -- main -------------------------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description=__doc__.split("\n", 1)[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=__doc__,
    )
    p.add_argument("--only", action="append", choices=PARTS, help="run only this part (repeatable)")
    p.add_argument("--repeat", type=int, default=3, help="repetitions of every pair (default 3)")
    p.add_argument("--real-papers", type=int, help="papers of the real history (default: all, 33,954)")
    p.add_argument("--big-papers", type=int, default=1_200_000, help="papers of the big history")
    p.add_argument("--day-papers", type=int, default=bigday.PAPER_COUNT, help="papers of the day run")
    p.add_argument(
        "--quick",
        action="store_true",
        help="a quick check: --real-papers 3000 --big-papers 10000 --day-papers 300",
    )
    p.add_argument("--source", type=Path, help=f"the real history (default {scale_data.SOURCE_RELATIVE})")
    p.add_argument("--work", type=Path, default=scale_data.WORK, help="cache folder (benchmarks/.work)")
    p.add_argument("--command", type=Path, help="the arxiv-digest executable (default: beside python)")
    p.add_argument(
        "--publish-with",
        type=Path,
        metavar="SRC",
        help="publish the folders with the package under SRC (put first on PYTHONPATH) instead of the "
        "measured code: to iterate on code that changes neither the schema nor a byte of the pages "
        "without publishing 1.2M papers again (final figures: folders published by the measured code)",
    )
    p.add_argument(
        "--profile",
        action="store_true",
        help="then profile the biggest history's daily run, with and without the database",
    )
    args = p.parse_args(argv)
    if args.quick:
        args.real_papers, args.big_papers, args.day_papers = 3000, 10_000, 300
    return args


def find_cli(given: Path | None) -> Path:
    found = given or Path(sys.executable).with_name("arxiv-digest")
    if not found.is_file():
        which = shutil.which("arxiv-digest")
        if given is None and which:
            return Path(which)
        sys.exit(f"{found}: no arxiv-digest command; install it (pip install -e .) or pass --command")
    return found


def timed(results: Results, name: str, work: Callable[[], None]) -> None:
    started = time.perf_counter()
    print(f"\n== {name}", flush=True)
    work()
    results.parts[name] = results.parts.get(name, 0.0) + time.perf_counter() - started


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    parts = args.only or list(PARTS)
    env = {k: v for k, v in os.environ.items() if not k.startswith("ARXIV_DIGEST_")}
    work = args.work.resolve()
    publish_env = None
    if args.publish_with is not None:
        src = args.publish_with.resolve()
        if not (src / "arxiv_digest" / "__init__.py").is_file():
            sys.exit(f"{src}: no arxiv_digest package here (--publish-with takes a src/ folder)")
        publish_env = {**env, "PYTHONPATH": str(src)}
    setup = Setup(
        find_cli(args.command),
        env,
        work,
        work / "scratch",
        CONFIG.read_text(encoding="utf-8"),
        args.repeat,
        publish_env,
    )
    results = Results()
    print(f"machine: {machine()}")
    print(f"command: {setup.cli}; config: {CONFIG.relative_to(ROOT)}; repetitions: {args.repeat}")
    print(
        f"PYTHONPATH={env.get('PYTHONPATH', '')!r}, "
        f"PYTHONDONTWRITEBYTECODE={env.get('PYTHONDONTWRITEBYTECODE')!r}"
        + (f"; folders published with {publish_env['PYTHONPATH']}" if publish_env else "")
    )
    source = args.source or scale_data.default_source()
    histories: list[scale_data.History] = []
    masters: list[Master] = []

    def prepare() -> None:
        fingerprint = code_fingerprint(setup)
        for papers in (args.real_papers, args.big_papers):
            history = scale_data.build(source, papers, work)
            print(f"history {size_label(history.papers)}: {history.describe()}")
            histories.append(history)
            masters.append(published(setup, history, fingerprint))

    timed(results, "prepare (cached after the first time)", prepare)
    if "run" in parts:
        timed(results, "run", lambda: measure_runs(setup, results, masters, args.day_papers))
    if "rebuild" in parts:
        timed(results, "rebuild", lambda: measure_rebuilds(setup, results, histories[0], masters[0]))
    if "search" in parts:
        timed(results, "search", lambda: measure_searches(setup, results, masters[-1]))
    print(f"\nmachine at the end: {machine()}")
    report(results, masters, args.day_papers, work / f"scale-results-{time.strftime('%Y%m%d-%H%M%S')}.json")
    if args.profile:
        timed(results, "profile", lambda: profile_runs(setup, masters[-1], args.day_papers))
        print(f"part profile: {results.parts['profile']:,.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
