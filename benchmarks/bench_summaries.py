"""Issue #11: what the summaries of a typical day cost, in tokens, measured against the fake API.

    python benchmarks/bench_summaries.py [--papers 30] [--languages English,Chinese,German]

The day is the bundled demo day (2026-06-30, 500 real papers) with the default config that `init` and
`demo` write; the candidates are its topics' papers in config order, as the daily job orders them
(``jobs._summaries.candidates``; no "For you" ranking: the demo has no library), and the top ``--papers``
are summarised by ``arxiv_digest.summarize.summarise_day`` against ``tests/fakes/chat.py`` on 127.0.0.1.
The tokens are the fake's ``usage`` counts, which follow a BPE tokenizer's average (a token per 4 ASCII
characters, one per other character, 4 per message, 3 for the reply), of the real prompts and of answers
of a real summary's length. A second run of the same day is measured too: it must cost nothing. Prices
change; multiply by your provider's own.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import sys
import tempfile
from importlib import resources
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the fake lives in tests/; benchmarks import from tests, never back

from tests.fakes.chat import FakeChat  # noqa: E402

from arxiv_digest.config import load_config  # noqa: E402
from arxiv_digest.jobs._summaries import candidates as day_candidates  # noqa: E402
from arxiv_digest.match.digest import build_digest  # noqa: E402
from arxiv_digest.models import Paper  # noqa: E402
from arxiv_digest.summarize import (  # noqa: E402
    SummarySettings,
    build_messages,
    estimate_request_tokens,
    find_language,
    summarise_day,
)

DAY = dt.date(2026, 6, 30)
KEY = "sk-bench-0000000000000000"


def demo_candidates() -> list[Paper]:
    package = resources.files("arxiv_digest")
    text = package.joinpath(f"demo/{DAY}.jsonl").read_text(encoding="utf-8")
    papers = [Paper.from_record(json.loads(line)) for line in text.splitlines()]
    with tempfile.TemporaryDirectory() as folder:
        config_path = Path(folder) / "config.yml"
        config_path.write_text(package.joinpath("scaffold/config.yml").read_text(encoding="utf-8"))
        config = load_config(config_path)
    digest = build_digest(config, DAY, papers)
    return list(day_candidates(digest))  # the daily job's own order


def measure(candidates: list[Paper], language: str, papers: int) -> dict[str, object]:
    with FakeChat(key=KEY) as fake, tempfile.TemporaryDirectory() as folder:
        settings = SummarySettings(
            endpoint=fake.url, model="gpt-4o-mini", key_env="KEY", language=language, papers=papers
        )
        first = summarise_day(candidates, settings, day=DAY, data_dir=Path(folder), environ={"KEY": KEY})
        usage = fake.usage_totals()
        again = summarise_day(candidates, settings, day=DAY, data_dir=Path(folder), environ={"KEY": KEY})
    per_paper = [p.tokens for p in first.summarised]
    reserved = [
        estimate_request_tokens(build_messages(p.title, p.abstract, find_language(language)), 200)
        for p in candidates[:papers]
    ]
    return {
        "language": language,
        "summarised": len(first.summarised),
        "requests": first.requests,
        "prompt": usage["prompt_tokens"],
        "completion": usage["completion_tokens"],
        "total": usage["total_tokens"],
        "mean": statistics.mean(per_paper),
        "max": max(per_paper),
        "reserved": sum(reserved),
        "rerun": again.tokens_used,
        "rerun_requests": again.requests,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--papers", type=int, default=30)
    parser.add_argument("--languages", default="English,Chinese,German")
    args = parser.parse_args()
    candidates = demo_candidates()
    distinct = len({p.id for p in candidates})
    print(
        f"demo day {DAY}: {distinct} distinct papers in the default topics; summarising the top {args.papers}"
    )
    print()
    print(
        "| language | summarised | requests | prompt | completion | total | per paper (mean, max) "
        "| reserved before sending | rerun |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for language in args.languages.split(","):
        r = measure(candidates, language, args.papers)
        print(
            f"| {r['language']} | {r['summarised']} | {r['requests']} | {r['prompt']:,} "
            f"| {r['completion']:,} | {r['total']:,} | {r['mean']:.0f}, {r['max']:,} | {r['reserved']:,} "
            f"| {r['rerun']} tokens, {r['rerun_requests']} requests |"
        )


if __name__ == "__main__":
    main()
