"""Whether a model's answer is a summary to keep: not malformed, not a refusal (OpenAI's structured
``refusal``, a content filter, or the words models refuse with), not cut off at ``max_output_tokens``,
not empty once cleaned, and in the language asked for. Anything else is a failure with its reason, and
the paper keeps its abstract alone until a later run.

A summary in the wrong language is a failure, not a summary to show with a warning: a reader who asked
for Chinese cannot use an English one, and showing it would teach nobody to fix anything; the next run
tries again, within the budget, and ``status`` shows how often it happened.
"""

from __future__ import annotations

from ..languages import Language, language_problem
from .client import Answer
from .prompt import clean_summary, looks_like_refusal, printable_line
from .settings import SummarySettings

#: How much of a model's words a reason quotes.
QUOTED_CHARS = 80


def _quoted(text: str) -> str:
    text = printable_line(text)
    return repr(text if len(text) <= QUOTED_CHARS else text[: QUOTED_CHARS - 1] + "…")


def judge(answer: Answer, language: Language, settings: SummarySettings) -> tuple[str | None, str]:
    """(the summary to keep, "") or (None, why the answer is not one)."""
    if answer.malformed:
        return None, f"malformed answer: {answer.malformed}"
    if answer.refusal:
        return None, f"refused: {_quoted(answer.refusal)}"
    if answer.finish_reason == "content_filter":
        return (
            None,
            "refused: the endpoint's content filter withheld the answer (finish_reason content_filter)",
        )
    if answer.finish_reason == "length":
        return (
            None,
            f"cut off at summaries.max_output_tokens={settings.max_output_tokens} (finish_reason length)",
        )
    if answer.finish_reason in ("tool_calls", "function_call"):
        return None, f"malformed answer: a {answer.finish_reason} instead of text"
    text = clean_summary(answer.content or "", settings.max_summary_chars)
    if not text:
        return None, "empty answer"
    if looks_like_refusal(text):
        return None, f"refused: {_quoted(text)}"
    problem = language_problem(text, language)
    if problem:
        return None, f"wrong language: {problem}"
    return text, ""
