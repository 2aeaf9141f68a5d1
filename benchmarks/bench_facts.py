"""Paper facts (issue #10): precision and recall of our extractor beside a naive one, and its speed.

    python benchmarks/bench_facts.py [--history PATH] [--repeat N]

Quality, on the hand-checked set of ``tests/data/facts/`` (476 distinct papers of two real days, scored as
``tests/factsets.py`` describes: a link is right when its normalised URL and kind are labelled; a venue when
name, year and workshop flag are):

  ours      arxiv_digest.facts.extract(abstract, comment, journal_ref)
  baseline  what a digest tool would write in a few lines: code = every match of ``https?://github\\.com/\\S+``
            in the abstract and the comment (trailing ``.,;:)`` dropped, as any reader would), kind github;
            venue = the word after "accepted (to|at|by|in|for) (the)?" in the comment, the 4-digit year
            after it if any, workshop when the comment says "workshop".

Speed: extraction time per 1,000 papers, best of ``--repeat`` runs, on the labelled set and (when found)
on the 34k-paper history (``shared/data/history``), with the share of its papers that get a code link and
a venue. The history's records have no journal_ref (its source keeps none): venues come from comments only.

Completion (issue #13): on each real day of ``tests/data/arxiv-days/`` (every distinct record), the share
of papers with a venue badge and with a code badge from what the daily feed gives (the abstract; no comment,
no journal_ref) beside what the run has once it completes them from the export API (the record's real
comment). Then its cost, against the fake arXiv on 127.0.0.1 (``tests/fakearxiv``, its API answering
``id_list`` from the day's records) with ``delay_seconds: 0``, for the day as a default config tracks it
(``init``'s six categories): the feed's fetch and parse alone (the baseline, ``comments: false``) beside
the fetch, parse and completion, wall and CPU, best of ``--repeat``; and the requests arXiv gets, whose
three-second spacing (its terms of use) is the real cost: ``requests x 3 s``.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
import re
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))  # benchmarks import from tests, not back

from tests.factsets import Extractor, Labelled, Scores, labelled_papers, score  # noqa: E402

from arxiv_digest.facts import CodeLink, Facts, LinkKind, Track, Venue, extract  # noqa: E402

_HISTORY_NAME = Path("shared") / "data" / "history" / "dw-2025-03-18_2025-10-31.jsonl.gz"
# From the main checkout (/work/main) or from a worktree one folder deeper (/work/wt/<name>).
HISTORY_CANDIDATES = (ROOT.parent / _HISTORY_NAME, ROOT.parent.parent / _HISTORY_NAME)

_NAIVE_GITHUB = re.compile(r"https?://github\.com/\S+")
_NAIVE_ACCEPTED = re.compile(
    r"accepted\s+(?:to|at|by|in|for)?\s*(?:the\s+)?(?P<name>\S+)(?:\s+(?P<year>\d{4}))?", re.I
)


def naive(abstract: str, comment: str | None, journal_ref: str | None) -> Facts:
    text = f"{abstract} {comment or ''}"
    urls = dict.fromkeys(m.group().rstrip(".,;:)") for m in _NAIVE_GITHUB.finditer(text))
    code = tuple(CodeLink(url, LinkKind.GITHUB) for url in urls)
    found = _NAIVE_ACCEPTED.search(comment or "")
    if found is None:
        return Facts(code, None)
    track = Track.WORKSHOP if "workshop" in (comment or "").lower() else Track.MAIN
    name = found["name"].strip(".,;:()")
    return Facts(code, Venue(name, int(found["year"]) if found["year"] else None, track))


def ours(abstract: str, comment: str | None, journal_ref: str | None) -> Facts:
    return extract(abstract, comment, journal_ref)


def _cell(s: Scores, fact: str) -> str:
    part = s.code if fact == "code" else s.venue
    return f"P {part.precision:6.1%} R {part.recall:6.1%} ({part.right}/{part.predicted}/{part.labelled})"


def quality(papers: list[Labelled]) -> None:
    days = sorted({p.day for p in papers}, reverse=True)
    groups = [(day, [p for p in papers if p.day == day]) for day in days] + [("overall", papers)]
    print("quality (right/predicted/labelled, per distinct paper)")
    print(f"{'fact':<6} {'papers':<18} {'ours':<34} {'baseline':<34}")
    for fact in ("code", "venue"):
        for name, group in groups:
            mine, theirs = score(ours, group), score(naive, group)
            print(
                f"{fact:<6} {name + f' ({len(group)})':<18} {_cell(mine, fact):<34} {_cell(theirs, fact):<34}"
            )
    track = score(ours, papers).track
    print(f"track of the right venues, ours: {track.right}/{track.labelled}")
    print("targets (issue #10): code precision >= 98%; venue precision >= 95%, recall >= 90%\n")


def _per_thousand(
    extractor: Extractor, rows: Sequence[tuple[str, str | None, str | None]], repeat: int
) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for abstract, comment, journal_ref in rows:
            extractor(abstract, comment, journal_ref)
        best = min(best, time.perf_counter() - start)
    return best / len(rows) * 1000


def speed(name: str, rows: Sequence[tuple[str, str | None, str | None]], repeat: int) -> None:
    mine, theirs = _per_thousand(ours, rows, repeat), _per_thousand(naive, rows, repeat)
    print(
        f"speed, {name} ({len(rows)} papers): ours {mine * 1000:.1f} ms per 1,000 papers, "
        f"baseline {theirs * 1000:.1f} ms ({mine / theirs:.1f}x)"
    )


def history(path: Path, repeat: int) -> None:
    with gzip.open(path, "rt", encoding="utf-8") as f:
        records: list[dict[str, Any]] = [json.loads(line) for line in f]
    rows = [(str(r["abstract"]), r.get("comment"), r.get("journal_ref")) for r in records]
    speed(f"history {path.name}", rows, repeat)
    facts = [extract(*row) for row in rows]
    code = sum(f.has_code for f in facts)
    venues = [f.venue for f in facts if f.venue is not None]
    github = sum(any(link.kind is LinkKind.GITHUB for link in f.code) for f in facts)
    workshops = sum(v.workshop for v in venues)
    n = len(facts)
    print(
        f"history: {code / n:.1%} of papers with a code link ({github / n:.1%} GitHub), "
        f"{len(venues) / n:.1%} with a venue ({workshops / n:.1%} workshops); "
        f"{sum(bool(r['comment']) for r in records) / n:.1%} have a comment"
    )


DAYS = ("2025-06-06", "2025-10-15", "2026-06-30")
INIT_CATEGORIES = ("cs.AI", "cs.CL", "cs.CV", "cs.LG", "cs.MA", "cs.RO")


def _share(facts: Sequence[Facts]) -> tuple[float, float]:
    return sum(f.venue is not None for f in facts) / len(facts), sum(f.has_code for f in facts) / len(facts)


def coverage() -> None:
    from tests.fakearxiv.feeds import load_records

    from arxiv_digest.text import clean_abstract, normalize_whitespace

    print("completion (issue #13): papers with a badge, from the feed alone -> completed from the API")
    print(f"{'day':<11} {'papers':>6} {'comment':>8}  {'venue':<16} {'code':<16}")
    for day in DAYS:
        records = load_records(day)
        rows = [(clean_abstract(str(r["summary"])), r.get("comment")) for r in records]
        feed = [extract(abstract) for abstract, _ in rows]
        done = [extract(a, normalize_whitespace(str(c)) if c else None) for a, c in rows]
        (v0, c0), (v1, c1) = _share(feed), _share(done)
        commented = sum(bool(c) for _, c in rows) / len(rows)
        print(
            f"{day:<11} {len(rows):>6} {commented:>8.1%}  {v0:>5.1%} -> {v1:>5.1%}  {c0:>5.1%} -> {c1:>5.1%}"
        )


def _timed(job: Any, repeat: int) -> tuple[float, float, Any]:
    best_wall = best_cpu = float("inf")
    out = None
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        out = job()
        best_wall = min(best_wall, time.perf_counter() - wall)
        best_cpu = min(best_cpu, time.process_time() - cpu)
    return best_wall, best_cpu, out


def completion_cost(repeat: int) -> None:
    import tempfile

    from tests.fakearxiv import FakeArxiv

    from arxiv_digest.config import ArxivSettings
    from arxiv_digest.jobs._comments import complete_comments
    from arxiv_digest.sources import rss
    from arxiv_digest.sources.http import PoliteClient

    print("\ncompletion's cost, loopback, delay 0 (best of", repeat, "runs; the server shares the CPU)")
    head = f"{'feed only: wall / CPU':<24} {'feed + completion: wall / CPU':<30}"
    print(f"{'day':<11} {'papers':>6}  {head} arXiv")
    with FakeArxiv() as fake, tempfile.TemporaryDirectory() as empty:
        settings = ArxivSettings(
            rss_url=fake.rss_url, api_url=fake.url + "/api/query", delay_seconds=0.0, comments=True
        )
        for day in DAYS:
            fake.announce(day)
            fake.serve_comments()

            def feed_only() -> Any:
                with PoliteClient(settings) as client:
                    return rss.fetch_announcement(client, settings.rss_url, INIT_CATEGORIES)

            def completed() -> Any:
                with PoliteClient(settings) as client:
                    a = rss.fetch_announcement(client, settings.rss_url, INIT_CATEGORIES)
                    assert a.day is not None
                    return complete_comments(client, settings, a.papers, Path(empty), a.day)

            w0, c0, announcement = _timed(feed_only, repeat)
            w1, c1, completion = _timed(completed, repeat)
            n = len(announcement.papers)
            print(
                f"{day:<11} {n:>6}  {w0 * 1000:>7.0f} ms / {c0 * 1000:>5.0f} ms      "
                f"{w1 * 1000:>7.0f} ms / {c1 * 1000:>5.0f} ms            "
                f"1 -> {1 + completion.requests} requests (+{completion.requests * 3} s at 3 s apart)"
            )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--history", type=Path, help="the 34k-paper history (.jsonl.gz); found if omitted")
    parser.add_argument("--repeat", type=int, default=3, help="timing runs; the best is reported")
    args = parser.parse_args(argv)
    cpu = platform.processor() or platform.machine()
    print(
        f"machine: {platform.platform()}; {platform.python_implementation()} {platform.python_version()}; "
        f"{os.cpu_count()} CPUs ({cpu})\n"
    )
    papers = labelled_papers()
    quality(papers)
    speed("labelled set", [(p.abstract, p.comment, p.journal_ref) for p in papers], args.repeat)
    path = args.history or next((p for p in HISTORY_CANDIDATES if p.exists()), None)
    if path is None:
        print("history: not found (pass --history PATH)")
    else:
        history(path, args.repeat)
    print()
    coverage()
    completion_cost(args.repeat)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
