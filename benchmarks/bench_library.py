"""How long reading a reader's library takes (issue #9): a 5,000-entry BibTeX file written from real
records (title case-protected, every special and non-ASCII character as TeX, the day added: what
``rank_protocol.library_bibtex`` writes for the ranking benchmark), read by ``sources.bibtex.parse_bibtex``
and, for the 5,000 ids, looked up in a real SQLite store of the history.

Baselines, measured in the same run on the same text: bibtexparser splitting the file alone (no TeX
decoding), and bibtexparser with its own ``LatexDecodingMiddleware`` (what ``read_bibtex`` did before it
cleaned text as arXiv's is, with ``text.tex_to_unicode``).

    python benchmarks/bench_library.py [--entries 5000] [--history PATH]
"""

from __future__ import annotations

import argparse
import platform
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import rank_protocol as rp  # noqa: E402
from bibtexparser import middlewares  # noqa: E402
from bibtexparser.entrypoint import parse_string  # noqa: E402

from arxiv_digest.sources.bibtex import parse_bibtex  # noqa: E402
from arxiv_digest.store import open_store, snapshot  # noqa: E402

DEFAULT_HISTORY = ROOT / ".." / "shared" / "data" / "history" / "dw-2025-03-18_2025-10-31.jsonl.gz"


def timed(what: str, call: Callable[[], object]) -> float:
    started = time.perf_counter(), time.process_time()
    call()
    wall, cpu = time.perf_counter() - started[0], time.process_time() - started[1]
    print(f"| {what} | {wall:.2f} s | {cpu:.2f} s |")
    return wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=5000)
    parser.add_argument("--history", type=Path, default=DEFAULT_HISTORY)
    args = parser.parse_args()
    history = rp.load_history(args.history)
    papers = history[-args.entries :]
    text = rp.library_bibtex(papers)
    print(
        f"{len(papers):,} entries, {len(text) / 1e6:.1f} MB of BibTeX; {platform.python_version()}, "
        f"{platform.machine()}\n"
    )
    print("| step | wall | CPU |\n| --- | --- | --- |")
    plain = [middlewares.ResolveStringReferencesMiddleware(True), middlewares.RemoveEnclosingMiddleware(True)]
    timed("baseline: bibtexparser, no TeX decoding", lambda: parse_string(text, parse_stack=plain))
    decoding = [*plain, middlewares.LatexDecodingMiddleware(True, keep_math_mode=True)]
    timed(
        "baseline: bibtexparser + LatexDecodingMiddleware", lambda: parse_string(text, parse_stack=decoding)
    )
    found = parse_bibtex(text, path="library.bib")
    timed("parse_bibtex (text cleaned as arXiv's)", lambda: parse_bibtex(text, path="library.bib"))
    assert len(found.items) == len(papers)
    with tempfile.TemporaryDirectory() as folder:
        data = Path(folder) / "data"
        data.mkdir()
        by_day: dict[str, list[object]] = {}
        for p in history:
            by_day.setdefault(p.announced.isoformat(), []).append(p)
        for day, day_papers in by_day.items():
            (data / f"{day}.jsonl").write_bytes(snapshot.dumps(day_papers))  # type: ignore[arg-type]
        with open_store(Path(folder) / "digest.db", data) as store:
            ids = [p.id for p in papers]
            timed(
                f"{len(ids):,} history lookups (latest_announcement)",
                lambda: [store.latest_announcement(i) for i in ids],
            )


if __name__ == "__main__":
    main()
