"""Paper facts, read from the record itself: links to the paper's code, and the venue it is accepted at.

Issue #10. Offline by design: no outside service to fail (the code-link column of a whole family of digest
tools went blank when Papers with Code shut down in 2025). The rules are in :mod:`.links` and
:mod:`.venues`; the values and their snapshot form in :mod:`.values`.

    >>> facts = extract("Code: https://github.com/org/repo/tree/main.", comment="Accepted to CVPR 2026")
    >>> [link.url for link in facts.code], facts.venue.label
    (['https://github.com/org/repo'], 'CVPR 2026')

A snapshot record carries them as ``facts`` (``Facts.to_record()``); :func:`facts_of_record` reads a record
written before that field existed, or by older rules, by extracting the facts again from its text.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from arxiv_digest.facts.links import find_links
from arxiv_digest.facts.values import RULES_VERSION, CodeLink, Facts, LinkKind, Track, Venue
from arxiv_digest.facts.venues import find_venue
from arxiv_digest.models import Paper, Submission

__all__ = [
    "RULES_VERSION",
    "CodeLink",
    "Facts",
    "LinkKind",
    "Track",
    "Venue",
    "extract",
    "extract_paper",
    "facts_of_record",
    "is_current",
    "with_facts",
    "with_submission_facts",
]


def extract(abstract: str, comment: str | None = None, journal_ref: str | None = None) -> Facts:
    """The facts a paper's abstract, comment and journal reference state.

    Code links come from the comment, then the abstract, each once (by normalised URL, GitHub's paths
    compared without case, as GitHub compares them); the venue from the journal reference, else the comment.
    """
    links: dict[str, CodeLink] = {}
    for text in (comment, abstract):
        for link in find_links(text or ""):
            key = link.url if link.kind is LinkKind.PROJECT else link.url.casefold()
            links.setdefault(key, link)
    return Facts(tuple(links.values()), find_venue(comment, journal_ref), RULES_VERSION)


def extract_paper(paper: Paper) -> Facts:
    """The facts of a :class:`~arxiv_digest.models.Paper`."""
    return extract(paper.abstract, paper.comment, paper.journal_ref)


def is_current(facts: Facts | None) -> bool:
    """Were these facts made by the current rules (and so need no extracting again)?"""
    return facts is not None and facts.rules == RULES_VERSION


def with_facts(paper: Paper) -> Paper:
    """The paper with facts made by the current rules: itself when it has them, else with them extracted
    (what ingestion and the loading of an older snapshot do)."""
    if is_current(paper.facts):
        return paper
    return paper.with_(facts=extract_paper(paper))


def with_submission_facts(submission: Submission) -> Submission:
    """:func:`with_facts` for a paper of a remote search."""
    if is_current(submission.facts):
        return submission
    facts = extract(submission.abstract, submission.comment, submission.journal_ref)
    return dataclasses.replace(submission, facts=facts)


def facts_of_record(record: Mapping[str, Any]) -> Facts:
    """The facts of a snapshot record: its stored ``facts`` when the current rules made them, else
    extracted again from its ``abstract``, ``comment`` and ``journal_ref`` (a record written before the
    field existed, or by older rules). Raises ValueError or TypeError on a malformed record, as
    :meth:`Paper.from_record <arxiv_digest.models.Paper.from_record>` does."""
    stored = record.get("facts")
    if stored is not None:
        facts = Facts.from_record(stored)
        if stored["rules"] == RULES_VERSION:
            return facts
    abstract, comment, journal_ref = record["abstract"], record.get("comment"), record.get("journal_ref")
    if type(abstract) is not str:
        raise TypeError("abstract must be a string")
    for value in (comment, journal_ref):
        if value is not None and type(value) is not str:
            raise TypeError("comment and journal_ref must be strings or null")
    return extract(abstract, comment, journal_ref)
