"""The hand-checked paper-facts set (``tests/data/facts/``) and how an extractor is scored on it (issue #10).

Shared by ``tests/test_facts.py`` (which asserts the issue's targets) and ``benchmarks/bench_facts.py``
(which prints the figures beside a naive baseline); benchmarks import from tests, never the other way round.

Scoring, per distinct paper (the source days repeat records verbatim, once per category a paper is listed
in, and a repeated paper must not count two or three times):

- code links: a predicted link is right when its normalised URL and kind are both in the paper's labels;
  precision over the predicted links, recall over the labelled ones.
- venue: a predicted venue is right when name, year and workshop flag all equal the label's (the issue's
  three facts); the track is scored apart, over the venues that are right.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from arxiv_digest.facts import Facts

FACTS_DATA = Path(__file__).resolve().parent / "data" / "facts"

#: An extractor under test: (abstract, comment, journal_ref) -> Facts.
Extractor = Callable[[str, str | None, str | None], Facts]


@dataclass(frozen=True, slots=True)
class Labelled:
    """One distinct paper of the set, with its hand-made labels."""

    day: str
    record: dict[str, Any]
    label: dict[str, Any]

    @property
    def abstract(self) -> str:
        return str(self.record["summary"])

    @property
    def comment(self) -> str | None:
        return self.record.get("comment")

    @property
    def journal_ref(self) -> str | None:
        return self.record.get("journal_ref")

    def links(self) -> set[tuple[str, str]]:
        return {(link["url"], link["kind"]) for link in self.label["code"]}

    def venue(self) -> tuple[str, int | None, bool] | None:
        venue = self.label["venue"]
        return None if venue is None else (venue["name"], venue["year"], venue["workshop"])


def labelled_papers() -> list[Labelled]:
    """Every distinct paper of the set (the first of repeated lines), in file order."""
    with (FACTS_DATA / "papers.jsonl").open(encoding="utf-8") as f:
        records = [json.loads(line) for line in f]
    with (FACTS_DATA / "labels.jsonl").open(encoding="utf-8") as f:
        labels = [json.loads(line) for line in f]
    seen: set[tuple[str, str]] = set()
    out = []
    for record, label in zip(records, labels, strict=True):
        key = (label["day"], label["id"])
        if key not in seen:
            seen.add(key)
            out.append(Labelled(label["day"], record, label))
    return out


@dataclass(frozen=True, slots=True)
class Score:
    """Counts for one fact over some papers; ``misses`` names what went wrong, for a failing test."""

    right: int
    predicted: int
    labelled: int
    misses: tuple[str, ...] = ()

    @property
    def precision(self) -> float:
        return self.right / self.predicted if self.predicted else 1.0

    @property
    def recall(self) -> float:
        return self.right / self.labelled if self.labelled else 1.0

    def __add__(self, other: Score) -> Score:
        return Score(
            self.right + other.right,
            self.predicted + other.predicted,
            self.labelled + other.labelled,
            self.misses + other.misses,
        )


@dataclass(frozen=True, slots=True)
class Scores:
    code: Score
    venue: Score
    track: Score  # over the venues that are right: is the track right too?


def score(extractor: Extractor, papers: Iterable[Labelled]) -> Scores:
    code = venue = track = Score(0, 0, 0)
    for paper in papers:
        facts = extractor(paper.abstract, paper.comment, paper.journal_ref)
        predicted = {(link.url, link.kind.value) for link in facts.code}
        gold = paper.links()
        wrong = [f"{paper.record['id']}: code {x} not labelled" for x in sorted(predicted - gold)]
        wrong += [f"{paper.record['id']}: code {x} missed" for x in sorted(gold - predicted)]
        code += Score(len(predicted & gold), len(predicted), len(gold), tuple(wrong))
        got = facts.venue
        mine = None if got is None else (got.name, got.year, got.workshop)
        label = paper.venue()
        right = mine is not None and mine == label
        miss = () if right or mine == label else (f"{paper.record['id']}: venue {mine} != label {label}",)
        venue += Score(int(right), int(mine is not None), int(label is not None), miss)
        if right and got is not None:
            ok = got.track.value == paper.label["venue"]["track"]
            why = () if ok else (f"{paper.record['id']}: track {got.track.value}",)
            track += Score(int(ok), 1, 1, why)
    return Scores(code, venue, track)
