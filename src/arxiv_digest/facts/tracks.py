"""Which part of a venue a paper was accepted to: a workshop, kept apart from the main track (issue #10),
or findings, a demo, a datasets track, industry, IAAI, short, adjunct; a journal's track is ``journal``.

- A workshop: the word "workshop" in the sentence, outside the venue's own name (IWSLT is the
  International *Workshop* on Spoken Language Translation, yet a conference); a workshop spelling
  (``ICCVW``, ``CVPR-W``); a workshop named by its acronym or in quotes "at" the conference ("iMIMIC at
  MICCAI 2025", "ASI @ ICCV 2025", "RAIL 2026 @ LREC-COLING 2026"). Its venue name is the host
  conference's.
- The other tracks are words beside the venue's name ("EMNLP 2025 Findings", "Findings of ACL 2025",
  "ACMMM 2025 Dataset Track"); a word elsewhere in the sentence may be about something else.
"""

from __future__ import annotations

import re

from arxiv_digest.facts.mentions import URL, Mention, sentence_year
from arxiv_digest.facts.values import Track, Venue

_WORKSHOP = re.compile(r"\bworkshops?\b|\bSRW\b", re.IGNORECASE)  # SRW: ACL's Student Research Workshop
_WORKSHOP_SUFFIX = re.compile(r"-W\b")
# A workshop's acronym (a capital after its first letter: iMIMIC, ALA) or quoted name, maybe its year,
# then "at" or "@" right before the conference.
_NAMED_AT = re.compile(
    r"(?:(?<![\w'])(?P<acronym>[A-Za-z][\w-]*[A-Z][\w-]*)|['\"“‘][^'\"”’]{3,80}['\"”’])"
    r"(?:\)?\s*(?:['’]\d{2}|(?:19|20)\d{2}))?\s*(?:\bat\b|@)\s*(?:the\s+)?$"
)
_NOT_WORKSHOPS = frozenset({"ORAL", "POSTER", "SPOTLIGHT", "HIGHLIGHT", "PAPER", "IEEE", "ACM", "CVF"})
_TRACK_WORDS = (
    (Track.FINDINGS, re.compile(r"\bfindings\b", re.IGNORECASE)),
    (Track.DEMO, re.compile(r"\bdemo(?:s|nstrations?)?\b", re.IGNORECASE)),
    (Track.DATASET, re.compile(r"\bdatasets?\s+(?:and\s+benchmarks?\s+)?track|\bD&B\b", re.IGNORECASE)),
    (Track.INDUSTRY, re.compile(r"\bindustr(?:y|ial)\b", re.IGNORECASE)),
    (Track.IAAI, re.compile(r"\bIAAI\b|innovative\s+applications", re.IGNORECASE)),
    (Track.SHORT, re.compile(r"\bshort(?:\s+paper)?\b", re.IGNORECASE)),
    (Track.ADJUNCT, re.compile(r"\badjunct\b", re.IGNORECASE)),
)
_TRACK_REACH = 40  # how far from the venue's name a track word may stand ("Findings of The 63rd Annual …")


def venue_of(text: str, chosen: Mention, sentence: list[Mention], *, workshop: bool = False) -> Venue:
    """The venue a chosen mention states, reading its track from its sentence (``sentence``: every
    mention in it) and its year from any mention of the same venue there ("… Computer Vision and Pattern
    Recognition (CVPR) conference" after "the 2025 Conference on …"), else from the sentence."""
    name = chosen.spelling.venue
    same = [m for m in sentence if m.spelling.venue == name]
    start, end = chosen.clause
    year = next((m.year for m in same if m.year is not None), None) or sentence_year(text, start, end)
    masked = list(text[start:end])
    for m in sentence:  # the venue names themselves say nothing about the track
        masked[m.start - start : m.end - start] = " " * (m.end - m.start)
    words = URL.sub(lambda url: " " * len(url.group()), "".join(masked))  # nor do URLs
    if workshop or _is_workshop(text, words, same):
        return Venue(name, year, Track.WORKSHOP)
    if chosen.spelling.kind == "journal":
        return Venue(name, year, Track.JOURNAL)
    for track, pattern in _TRACK_WORDS:
        for m in same:
            if pattern.search(words, max(0, m.start - start - _TRACK_REACH), m.tail - start + _TRACK_REACH):
                return Venue(name, year, track)
    return Venue(name, year, Track.MAIN)


def _is_workshop(text: str, words: str, same: list[Mention]) -> bool:
    if _WORKSHOP.search(words):
        return True
    for m in same:
        if m.spelling.workshop or m.spelling.kind == "workshop" or _WORKSHOP_SUFFIX.match(text, m.end):
            return True
        named = _NAMED_AT.search(text, m.clause[0], m.start)
        if named and (named["acronym"] or "").upper() not in _NOT_WORKSHOPS:
            return True
    return False
