"""What "For you" (issue #9) adds to a daily run: `run` with a library beside the same `run` without one.

    python benchmarks/bench_for_you.py [--days 60] [--library 200] [--repeat 3]

The digest folder: the last ``--days`` days of the real history (``../shared/data/history/``, its days
moved so that they end on 2026-06-29), its database built, then the real day 2026-06-30 served by the fake
arXiv on 127.0.0.1 (tests/fakearxiv) and published by ``run_daily``. The library: ``--library`` papers of
the history (every 37th, deterministic), as BibTeX with title and abstract only (no ids: nothing to ask
arXiv for).

Measured, each on a fresh copy of the prepared folder, ``--repeat`` times (median; wall and this process's
CPU time):

  without    the run without `library:` (the baseline)
  cached     the run with `library:`, the reader's model cached by an earlier run in the same corpus period:
             a normal day (the corpus is refitted when the history grew by 10 % or 30 days passed)
  cold       the run with `library:` and no cached model: the first day of a period, or a machine without
             the cache (the corpus and the reader's model are fitted, then saved)
  fresh ...  the same three on a fresh clone (no .arxiv-digest/: GitHub Actions without its cache; the
             model, where cached, restored alone): the run imports the days it reads, library or not
  command .. without and cached again, as `arxiv-digest run` in a new process (its CPU time from
             getrusage): what a scheduled run pays, imports included (the cases above import
             arxiv-digest, and the cached ones scikit-learn, before they are timed)

The ratio the issue bounds (<= 1.5x) is cached / without.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import gzip
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

from tests.fakearxiv import FakeArxiv  # noqa: E402

from arxiv_digest.cli import main as cli_main  # noqa: E402
from arxiv_digest.config import load_config  # noqa: E402
from arxiv_digest.jobs._for_you import cache_dir, corpus_period  # noqa: E402
from arxiv_digest.jobs.daily import run_daily  # noqa: E402

DAY = dt.date(2026, 6, 30)
SOURCE = "shared/data/history/dw-2025-03-18_2025-10-31.jsonl.gz"


def history_file() -> Path:
    for base in (ROOT.parent, ROOT.parent.parent):
        if (base / SOURCE).is_file():
            return base / SOURCE
    sys.exit(f"{SOURCE} not found next to the repository (see ../shared/data/README.md)")


def history_days(count: int) -> dict[dt.date, list[dict[str, object]]]:
    """The last ``count`` days of the real history, moved to end on the day before DAY, such that the new
    day stays in the corpus period of the days before it (a normal day, not a period's first)."""
    days: dict[str, list[dict[str, object]]] = {}
    with gzip.open(history_file(), "rt", encoding="utf-8") as f:
        for line in f:
            record = json.loads(line)
            days.setdefault(str(record["announced"]), []).append(record)
    chosen = sorted(days)[-count:]
    while True:
        shift = DAY - dt.timedelta(days=1) - dt.date.fromisoformat(chosen[-1])
        moved = [dt.date.fromisoformat(d) + shift for d in chosen]
        if corpus_period(moved) == corpus_period([*moved, DAY]):
            break
        chosen = chosen[:-1]  # the new day would open a period: end the history a day earlier
    out = {}
    for d in chosen:
        day = dt.date.fromisoformat(d) + shift
        out[day] = [{**r, "announced": day.isoformat()} for r in days[d]]
    return out


def bibtex(records: Sequence[dict[str, object]]) -> str:
    def tex(text: object) -> str:
        return str(text).replace("\\", " ").replace("{", "(").replace("}", ")").replace("\n", " ")

    return "\n".join(
        f"@article{{item{n},\n  title = {{{tex(r['title'])}}},\n  abstract = {{{tex(r['abstract'])}}},\n}}\n"
        for n, r in enumerate(records)
    )


def prepare(root: Path, days: int, library: int) -> tuple[Path, Path, Path]:
    """Three folders: without a library, with one (no model yet), with one and its model cached."""
    history = history_days(days)
    plain = root / "without"
    assert cli_main(["-q", "init", str(plain)]) == 0
    (plain / "data").mkdir(exist_ok=True)
    for day, records in history.items():
        lines = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)
        (plain / "data" / f"{day.isoformat()}.jsonl").write_text(lines, encoding="utf-8")
    assert cli_main(["-q", "rebuild", "--config", str(plain / "config.yml"), "--out", str(plain)]) == 0
    every = [r for records in history.values() for r in records]
    cold = root / "cold"
    shutil.copytree(plain, cold)
    (cold / "library.bib").write_text(bibtex(every[::37][:library]), encoding="utf-8")
    with (cold / "config.yml").open("a", encoding="utf-8") as f:
        f.write("\nlibrary:\n  bibtex: [library.bib]\n")
    cached = root / "cached"
    shutil.copytree(cold, cached)
    # The model of the period, as yesterday's run left it: a rebuild fits and saves it.
    assert cli_main(["-q", "rebuild", "--config", str(cached / "config.yml"), "--out", str(cached)]) == 0
    assert len(list(cache_dir(cached).glob("*.npz"))) == 1
    print(
        f"history: {sum(len(r) for r in history.values()):,} papers over {len(history)} days "
        f"({min(history)}..{max(history)}); library: {min(library, len(every[::37]))} papers"
    )
    return plain, cold, cached


def fresh(template: Path, target: Path, *, keep_model: bool) -> Path:
    """``template`` as a fresh clone has it: no database (and no model unless ``keep_model``)."""
    shutil.copytree(template, target, ignore=shutil.ignore_patterns(".arxiv-digest"))
    if keep_model and cache_dir(template).is_dir():
        shutil.copytree(cache_dir(template), cache_dir(target))
    return target


@contextlib.contextmanager
def fake_arxiv() -> Iterator[None]:
    with FakeArxiv() as fake:
        fake.announce(DAY.isoformat())
        pointed = fake.environment("0")  # the feed, and the export API for the day's comments
        old = {k: os.environ.get(k) for k in pointed}
        os.environ.update(pointed)
        try:
            yield
        finally:
            for k, v in old.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v


def measure(template: Path, scratch: Path, repeat: int) -> tuple[list[float], list[float], int]:
    walls, cpus, picks = [], [], 0
    for n in range(repeat):
        folder = scratch / f"{template.name}-{n}"
        shutil.copytree(template, folder)
        config = load_config(folder / "config.yml")
        wall, cpu = time.perf_counter(), time.process_time()
        result = run_daily(config, folder, sleep=lambda s: None)
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
        assert result.day == DAY
        picks = len(result.digest.for_you.picks) if result.digest and result.digest.for_you else 0
        shutil.rmtree(folder)
    return walls, cpus, picks


def measure_command(template: Path, scratch: Path, repeat: int) -> tuple[list[float], list[float], int]:
    """``arxiv-digest run`` of a copy of ``template`` in a new Python process, ``repeat`` times."""
    walls, cpus, picks = [], [], 0
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    for n in range(repeat):
        folder = scratch / f"{template.name}-command-{n}"
        shutil.copytree(template, folder)
        command = [sys.executable, "-m", "arxiv_digest", "-q", "run"]
        command += ["--config", str(folder / "config.yml"), "--out", str(folder)]
        before, wall = resource.getrusage(resource.RUSAGE_CHILDREN), time.perf_counter()
        subprocess.run(command, check=True, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        walls.append(time.perf_counter() - wall)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
        kept = folder / "data" / "for_you" / f"{DAY.isoformat()}.json"
        picks = len(json.loads(kept.read_text(encoding="utf-8"))["picks"]) if kept.is_file() else 0
        shutil.rmtree(folder)
    return walls, cpus, picks


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--days", type=int, default=60, help="days of real history (default 60)")
    parser.add_argument("--library", type=int, default=200, help="library papers (default 200)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per case (default 3)")
    args = parser.parse_args(argv)
    print(f"{platform.platform()}, {os.cpu_count()} CPUs, Python {platform.python_version()}")
    print(f"load average before: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    with tempfile.TemporaryDirectory() as tmp, fake_arxiv():
        root = Path(tmp)
        plain, cold, cached = prepare(root / "templates", args.days, args.library)
        scratch = root / "runs"
        scratch.mkdir()
        clones = root / "clones"
        cases = [
            ("without", plain),
            ("cached", cached),
            ("cold", cold),
            ("fresh without", fresh(plain, clones / "without", keep_model=False)),
            ("fresh cached", fresh(cached, clones / "cached", keep_model=True)),
            ("fresh cold", fresh(cold, clones / "cold", keep_model=False)),
        ]
        rows = []
        for name, template in cases:
            walls, cpus, picks = measure(template, scratch, args.repeat)
            rows.append((name, statistics.median(walls), statistics.median(cpus), picks))
        for name, template in (("command without", plain), ("command cached", cached)):
            walls, cpus, picks = measure_command(template, scratch, args.repeat)
            rows.append((name, statistics.median(walls), statistics.median(cpus), picks))
    base_wall, base_cpu = rows[0][1], rows[0][2]
    print(f"\n`run` of {DAY} (median of {args.repeat}; ratio to the run without a library)\n")
    print("| case | For-you papers | wall | CPU | wall ratio | CPU ratio |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for name, wall, cpu, picks in rows:
        ratios = f"{wall / base_wall:.2f}x | {cpu / base_cpu:.2f}x"
        print(f"| {name} | {picks} | {wall:.2f} s | {cpu:.2f} s | {ratios} |")
    print(f"\nload average after: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
