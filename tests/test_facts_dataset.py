"""The hand-checked paper-facts set (issue #10) stays consistent with the records it labels.

The labels are the ground truth of the facts extractor's precision and recall, so a label that no longer
points at text of its paper, or a venue missing from the venue table, would silently skew the measure.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

FACTS = Path(__file__).resolve().parent / "data" / "facts"
VENUES = Path(__file__).resolve().parents[1] / "src" / "arxiv_digest" / "data" / "venues.json"
KINDS = {"github", "gitlab", "huggingface", "codeberg", "bitbucket", "project"}


def _lines(name: str) -> list[dict[str, Any]]:
    with (FACTS / name).open(encoding="utf-8") as f:
        return [json.loads(line) for line in f]


PAPERS = _lines("papers.jsonl")
LABELS = _lines("labels.jsonl")


def test_one_label_per_paper_in_the_same_order() -> None:
    assert len(PAPERS) == len(LABELS) == 549
    assert [p["id"] for p in PAPERS] == [label["id"] for label in LABELS]
    assert {label["day"] for label in LABELS} == {"2025-10-15", "2025-06-06"}


def test_repeated_records_carry_the_same_labels() -> None:
    first: dict[tuple[str, str], dict[str, Any]] = {}
    for label in LABELS:
        facts = {k: v for k, v in label.items() if k != "note"}
        first.setdefault((label["day"], label["id"]), facts)
        assert facts == first[(label["day"], label["id"])]


def _problems(paper: dict[str, Any], label: dict[str, Any]) -> list[str]:
    """What in one label does not match its record (empty when all of it does)."""
    fields = {"summary": paper["summary"], "comment": paper["comment"] or ""}
    problems = []
    for link in label["code"] + label["not_code"]:
        for field in link["field"].split(","):
            if link["raw"] not in fields[field]:
                problems.append(f"raw {link['raw']!r} not in {field}")
        if link["wrapped"] != bool(re.search(r"\s", link["raw"])):
            problems.append(f"wrapped flag of {link['raw']!r}")
    for link in label["code"]:
        url = link["url"]
        if link["kind"] not in KINDS or not url.startswith("https://") or " " in url:
            problems.append(f"code link {url!r}")
        if url.endswith(("/", ".", ",", ";", ".git")):
            problems.append(f"url not normalised {url!r}")
    venue = label["venue"]
    if venue is not None:
        if venue["evidence"] not in fields["comment"]:
            problems.append(f"evidence {venue['evidence']!r} not in comment")
        if venue["workshop"] != (venue["track"] == "workshop"):
            problems.append("workshop flag disagrees with track")
    nv = label["not_venue_evidence"]
    if nv is not None and nv not in fields["comment"]:
        problems.append(f"not_venue_evidence {nv!r} not in comment")
    return [f"{paper['id']}: {problem}" for problem in problems]


def test_every_label_quotes_its_own_record() -> None:
    problems = [p for paper, label in zip(PAPERS, LABELS, strict=True) for p in _problems(paper, label)]
    assert problems == []


def test_every_labelled_venue_is_in_the_venue_table() -> None:
    table = json.loads(VENUES.read_text(encoding="utf-8"))
    assert "_source" in table
    assert list(table) == sorted(table)
    assert {label["venue"]["name"] for label in LABELS if label["venue"]} <= set(table)
    for name, entry in table.items():
        if name != "_source":
            assert entry["kind"] in {"conference", "journal", "workshop"}, name


def test_no_alias_names_two_venues() -> None:
    table = json.loads(VENUES.read_text(encoding="utf-8"))
    owner: dict[str, str] = {}
    for name, entry in table.items():
        if name == "_source":
            continue
        for alias in [name, *entry["aliases"], *entry.get("workshop_aliases", [])]:
            assert owner.setdefault(alias.casefold(), name) == name, alias
