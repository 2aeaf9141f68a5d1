"""The reader's day (issue #9): the day's papers ranked for them, each with why, as plain values."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

from .paper import Paper


@dataclass(frozen=True, slots=True)
class Pick:
    """One paper of the "For you" list (issue #9): its place, score and why. Text is plain, unescaped."""

    paper: Paper
    rank: int  # 1 = best
    score: float
    terms: tuple[str, ...]  # the terms that carried the score, strongest first
    like: str  # the title of the nearest library paper (the reader's own text: untrusted)

    @property
    def reasons(self) -> list[str]:
        """The terms, then "like: <title>": what ``rank --json`` and the JSON webhook carry."""
        return [*self.terms, f"like: {self.like}"]

    @property
    def reason(self) -> str:
        """The same on one line: "term, term; like: <title>"."""
        terms = ", ".join(self.terms)
        return f"{terms}; like: {self.like}" if terms else f"like: {self.like}"


@dataclass(frozen=True, slots=True)
class ForYou:
    """A day's papers ranked for the reader: the best ``top`` (``picks``) and every listed paper's score
    (``scores``, by id: what ``rank.order: relevance`` sorts pages by). ``note``: why the model is reduced
    (a library of 1-3 papers ranks by similarity alone), "" when it is not."""

    day: dt.date
    picks: tuple[Pick, ...]
    scores: Mapping[str, float] = field(default_factory=dict, compare=False)
    note: str = ""
    library_size: int = 0
