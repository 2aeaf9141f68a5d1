"""What one run of the summariser did, paper by paper: the value ``status`` and the run's log show.

Every chosen paper has exactly one outcome, in the order it was chosen: summarised now, found in the
cache, failed (with the reason), skipped because the day's budget was spent, or not tried (the endpoint
refused the key, the run's time ran out, …: ``problems`` says why once). Only the first two have a
summary; every other paper keeps its abstract alone, and is tried again on the next run. No outcome
touches the day's pages, topics or exit code.

``to_record()`` is plain JSON with no clock in it, so a job may store it beside the day's snapshot
(``data/<day>.meta.json``) and a rerun that changed nothing writes the same bytes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from .cache import CachedSummary


class Outcome(StrEnum):
    SUMMARISED = "summarised"
    CACHED = "cached"
    FAILED = "failed"
    OVER_BUDGET = "over budget"
    NOT_TRIED = "not tried"


@dataclass(frozen=True, slots=True)
class PaperOutcome:
    id: str
    version: int
    outcome: Outcome
    reason: str = ""  # for FAILED, OVER_BUDGET and NOT_TRIED
    tokens: int = 0  # spent on this paper by this run, failed tries included

    @property
    def versioned_id(self) -> str:
        return f"{self.id}v{self.version}"


@dataclass(frozen=True, slots=True)
class SummaryReport:
    """One run's summaries. ``summaries`` holds the chosen papers' summaries (new or cached), in order."""

    day: dt.date
    language: str  # ISO 639-1 code
    model: str
    papers: tuple[PaperOutcome, ...]
    summaries: tuple[CachedSummary, ...]
    tokens_used: int  # by this run: what responses reported (our estimate where they reported nothing)
    tokens_used_today: int  # by every run of ``day``, this one included
    budget: int  # max_tokens_per_day
    requests: int  # HTTP requests sent, retries included
    problems: tuple[str, ...] = ()  # run-level: no key, the endpoint refused, a cache file unreadable

    def _with(self, outcome: Outcome) -> tuple[PaperOutcome, ...]:
        return tuple(p for p in self.papers if p.outcome is outcome)

    @property
    def summarised(self) -> tuple[PaperOutcome, ...]:
        return self._with(Outcome.SUMMARISED)

    @property
    def cached(self) -> tuple[PaperOutcome, ...]:
        return self._with(Outcome.CACHED)

    @property
    def failed(self) -> tuple[PaperOutcome, ...]:
        return self._with(Outcome.FAILED)

    @property
    def over_budget(self) -> tuple[PaperOutcome, ...]:
        return self._with(Outcome.OVER_BUDGET)

    @property
    def not_tried(self) -> tuple[PaperOutcome, ...]:
        return self._with(Outcome.NOT_TRIED)

    def text_of(self, arxiv_id: str, version: int) -> str | None:
        """The summary of that version of the paper, if this run has one."""
        for s in self.summaries:
            if s.id == arxiv_id and s.version == version:
                return s.text
        return None

    def counts(self) -> Mapping[str, int]:
        return {o.value: len(self._with(o)) for o in Outcome}

    def to_record(self) -> dict[str, Any]:
        return {
            "day": self.day.isoformat(),
            "language": self.language,
            "model": self.model,
            "counts": dict(self.counts()),
            "tokens_used": self.tokens_used,
            "tokens_used_today": self.tokens_used_today,
            "budget": self.budget,
            "requests": self.requests,
            "problems": list(self.problems),
            "papers": [
                {
                    "id": p.id,
                    "version": p.version,
                    "outcome": p.outcome.value,
                    "reason": p.reason,
                    "tokens": p.tokens,
                }
                for p in self.papers
                if p.outcome not in (Outcome.SUMMARISED, Outcome.CACHED)
            ],
        }

    def lines(self) -> list[str]:
        """What ``status`` prints: one line of counts and tokens, then one per problem and failure."""
        c = self.counts()
        head = (
            f"summaries {self.day.isoformat()} ({self.model}, {self.language}): "
            f"{c['summarised']} new, {c['cached']} cached, {c['failed']} failed, "
            f"{c['over budget']} over budget, {c['not tried']} not tried; "
            f"{self.tokens_used:,} tokens this run, {self.tokens_used_today:,} of {self.budget:,} today"
        )
        out = [head, *(f"  {p}" for p in self.problems)]
        out += [f"  {p.versioned_id}: {p.outcome.value}: {p.reason}" for p in self.papers if p.reason]
        return out
