"""What the papers-already-shown rules (issue #10) cost: a day's digest with its earlier announcements
looked up, against the same digest without them, on real history days.

    python benchmarks/bench_seen.py [--days 40] [--repeat 3]

The first ``--days`` days of the real history (``../shared/data/history/``), with one paper in five of each
day re-announced as a replacement (v2) five days later, are written as a digest folder and rebuilt once.
Then, in turns: every day's digest from the store with the rules (``jobs._seen.day_digest``: one indexed
query for the earlier announcements of the day's ids, their matching), and without them
(``match.digest.build_digest`` on the same papers), best and median wall and CPU time. Also the rebuild's
extra work, ``SnapshotIndex`` (every snapshot's ids read in the main process), beside reading every
snapshot in full (``snapshot.loads``), the rebuild's baseline per day.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import json
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from arxiv_digest.config import load_config  # noqa: E402
from arxiv_digest.jobs._rebuild import rebuild  # noqa: E402
from arxiv_digest.jobs._seen import SnapshotIndex, day_digest  # noqa: E402
from arxiv_digest.match.digest import build_digest  # noqa: E402
from arxiv_digest.match.topics import topic_matcher  # noqa: E402
from arxiv_digest.store import open_db, snapshot  # noqa: E402

HISTORY = ROOT.parent.parent / "shared" / "data" / "history" / "dw-2025-03-18_2025-10-31.jsonl.gz"
SCAFFOLD = ROOT / "src" / "arxiv_digest" / "scaffold" / "config.yml"


def write_folder(out: Path, days: int) -> None:
    by_day: dict[str, list[dict[str, object]]] = defaultdict(list)
    with gzip.open(HISTORY, "rt", encoding="utf-8") as f:
        for line in f:
            record = json.loads(line)
            by_day[record["announced"]].append(record)
    chosen = sorted(by_day)[:days]
    (out / "data").mkdir(parents=True)
    out.joinpath("config.yml").write_text(SCAFFOLD.read_text(encoding="utf-8"), encoding="utf-8")
    extra: dict[str, list[dict[str, object]]] = defaultdict(list)
    for i, day in enumerate(chosen):
        if i + 5 < len(chosen):
            later = chosen[i + 5]
            extra[later] += [
                dict(r, announced=later, announce_type="replace", version=2) for r in by_day[day][::5]
            ]
    for day in chosen:
        rows = by_day[day] + extra[day]
        text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
        (out / "data" / f"{day}.jsonl").write_text(text, encoding="utf-8")


def timed(work: Callable[[], object]) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    work()
    return time.perf_counter() - wall, time.process_time() - cpu


def report(name: str, runs: list[tuple[float, float]]) -> float:
    walls, cpus = [w for w, _ in runs], [c for _, c in runs]
    print(
        f"  {name:<46} wall best {min(walls):7.3f} s  median {statistics.median(walls):7.3f} s"
        f"   cpu best {min(cpus):7.3f} s"
    )
    return min(walls)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--days", type=int, default=40)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "digest"
        write_folder(out, args.days)
        config = load_config(out / "config.yml")
        rebuild(config, out, jobs=1, today=dt.date(2026, 1, 1))
        matcher = topic_matcher(config)
        files = snapshot.day_files(out / "data")
        with open_db(out / ".arxiv-digest" / "digest.db") as store:
            days = [d.day for d in store.days()]
            papers = {d: store.papers_for_day(d) for d in days}
            count = sum(map(len, papers.values()))
            print(f"{len(days)} real days, {count} announcements, {len(config.topics)} topics")
            with_rules: list[tuple[float, float]] = []
            without: list[tuple[float, float]] = []
            for _ in range(args.repeat):
                without.append(timed(lambda: [build_digest(config, d, papers[d], matcher) for d in days]))
                with_rules.append(timed(lambda: [day_digest(config, store, d, matcher) for d in days]))
        base = report("every day's digest, no rules (baseline)", without)
        ours = report("every day's digest, rules and store lookups", with_rules)
        print(f"  -> the rules cost {ours / base - 1:+.0%} of a day's digest")

        def read_all() -> None:
            for path in files.values():
                snapshot.loads(path.read_bytes(), source=str(path))

        loads: list[tuple[float, float]] = []
        index: list[tuple[float, float]] = []
        for _ in range(args.repeat):
            loads.append(timed(read_all))
            index.append(timed(lambda: SnapshotIndex(config, files)))
        base = report("reading every snapshot (rebuild's baseline)", loads)
        ours = report("SnapshotIndex: every snapshot's ids", index)
        print(f"  -> the rebuild's index costs {ours / base:.0%} of reading the snapshots once")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
