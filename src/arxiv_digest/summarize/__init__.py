"""Optional one- or two-sentence summaries of the day's top papers, by any OpenAI-compatible
chat-completions API (issue #11), built so that they can never break the digest: every failure leaves the
abstract alone in place and is reported, nothing is dropped or filtered, and the day's pages, topics and
exit code are what they would be without summaries.

The stage's public face::

    settings, problems = settings_from_mapping(section)  # or SummarySettings(…) and settings_problems
    report = summarise_day(candidates, settings, day=day, data_dir=out / "data")
    report.text_of(paper.id, paper.version)  # the summary to show, or None
    cached_summaries(papers, "en", out / "data")  # a rebuild: the files only, never the API

| module | owns |
|---|---|
| ``settings.py`` | ``SummarySettings`` and its rules (messages name the key); ``from_config`` |
| ``prompt.py`` | the prompt and its version, the token estimate, the cleaning of an answer |
| ``client.py`` | one chat-completions request over the project's HTTP transport |
| ``budget.py`` | ``max_tokens_per_day`` as reservations and settlements |
| ``cache.py`` | ``data/summaries/<YYYY-MM>.jsonl`` and ``tokens.json`` |
| ``choose.py`` | which papers: the first N of an ordered candidate list |
| ``judge.py`` | whether an answer is a summary to keep (refusals, cut-offs, empty, wrong language) |
| ``run.py`` | one day's summaries: cache, budget, concurrency, retries, which failures stop the day |
| ``report.py`` | what a run did, paper by paper |

The accepted languages and the check that a summary is in its language are ``arxiv_digest.languages``
(below config/, which validates ``language:`` when config.yml loads).
"""

from __future__ import annotations

from ..languages import LANGUAGES, Language, accepted_languages, find_language, language_problem
from .cache import SUMMARIES_DIR, TOKENS_FILE, CachedSummary, SummaryCache, cached_summaries, month_file
from .choose import top_papers
from .prompt import PROMPT_VERSION, build_messages, clean_summary, estimate_request_tokens, estimate_tokens
from .report import Outcome, PaperOutcome, SummaryReport
from .run import read_key, summarise_day
from .settings import (
    Problem,
    SummarySettings,
    endpoint_problem,
    from_config,
    parse_key_reference,
    settings_from_mapping,
    settings_problems,
)

__all__ = [
    "LANGUAGES",
    "PROMPT_VERSION",
    "SUMMARIES_DIR",
    "TOKENS_FILE",
    "CachedSummary",
    "Language",
    "Outcome",
    "PaperOutcome",
    "Problem",
    "SummaryCache",
    "SummaryReport",
    "SummarySettings",
    "accepted_languages",
    "build_messages",
    "cached_summaries",
    "clean_summary",
    "endpoint_problem",
    "estimate_request_tokens",
    "estimate_tokens",
    "find_language",
    "from_config",
    "language_problem",
    "month_file",
    "parse_key_reference",
    "read_key",
    "settings_from_mapping",
    "settings_problems",
    "summarise_day",
    "top_papers",
]
