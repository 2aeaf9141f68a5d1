"""The venue a paper's comment or journal reference says it is accepted at (issue #10).

The rules, as the labelling guide (``tests/data/facts/README.md``) states what authors mean:

- Every spelling of a known venue (``venue_table``) is a mention. Its sentence decides whether it is an
  acceptance: the last verb before it ("accepted", "to appear", "published", "presented", "camera-ready"
  against "submitted", "under review", "in submission"), else a word just after it ("EMNLP 2025
  submission", "NeurIPS-2025 Accepted Paper", "the AAAI 2025 LaTeX style"). With neither, the bare name
  with a year is the conventional way of stating an acceptance ("ICCV 2025, Project page: …"), and so is a
  full venue name alone ("The British Machine Vision Conference") or an acronym naming a part of the venue
  ("ICML Workshop on …"). A sentence about a challenge or competition held at a venue states no accepted
  paper unless a verb says so ("2nd Place Winner, ICCV 2025 2COOOL Competition"). A journal reference is
  a publication statement in itself.
- How much a spelling needs around it depends on how ambiguous it is (``venue_table.Strength``): "ITS"
  or "Pattern Recognition" count only with a year or an acceptance verb right before them.
- A full name that goes on ("International Conference on Machine Learning and Computing", "… Machine
  Learning, Optimization, and Data Science (LOD 2025)") is another venue's, not a mention.
- One venue per paper: the first acceptance in the text (an extended version names its earlier acceptance
  first), the journal reference before the comment; a workshop known only by its own name gives way to its
  host conference named in the same sentence. With no known venue, :mod:`.unknown_venues` may read one.
- Years and tracks: :mod:`.mentions`, :mod:`.tracks`.
"""

from __future__ import annotations

import re

from arxiv_digest.facts.mentions import STATUS, URL, Mention, clause, sentence_ends, year_of
from arxiv_digest.facts.tracks import venue_of
from arxiv_digest.facts.unknown_venues import unknown_venue
from arxiv_digest.facts.values import Venue
from arxiv_digest.facts.venue_table import Spelling, Strength, VenueTable, load_table

# Nouns that state an acceptance when no verb says otherwise ("Proceedings of …", "Oral, ICML").
_PUBLISHED_NOUN = re.compile(r"\bproceedings\b|\bproc\.|\boral\b|\bspotlight\b|\bposter\b", re.IGNORECASE)
# Words just after a venue (a few words may stand between) that settle it when nothing before it does:
# "EMNLP 2025 Industry Track submission", "ACL-2025 industry-track accepted".
_AFTER = re.compile(
    r"\W{0,3}(?:[\w#&'-]+\W{1,3}){0,3}?"
    r"\b(?:(?P<no>submission|submitted|under[\s-]*review|in[\s-]*review)|(?P<yes>accept\w*|paper\b))",
    re.IGNORECASE,
)
# A venue's template or style is no acceptance either ("Based on the AAMAS 2026 paper template").
_TEMPLATE = re.compile(r"\W{0,3}(?:[\w-]+\s+){0,2}?(?:template|style(?:\s+file)?)\b", re.IGNORECASE)
# An acceptance verb right before a weak spelling ("Accepted for publication at IV 2025").
_VERB_BESIDE = re.compile(
    r"\b(?:accept\w*|appear(?:s|ed)?|publish\w*|present\w*)(?:\s+for\s+(?:publication|presentation))?"
    r"\s+(?:to|at|by|in|on)(?:\s+the)?\s*$",
    re.IGNORECASE,
)
_VENUE_PART = re.compile(r"\W{0,2}(?:workshops?|findings|main\s+conference|demo\s+track)\b", re.IGNORECASE)
_CHALLENGE = re.compile(r"\bcompetition|\bchallenge|\bcontest", re.IGNORECASE)
_NAME_GOES_ON = re.compile(r",?\s+(?:and|&)\s+[A-Z]")
_OWN_ACRONYM = re.compile(r"[^()]{0,80}?\((?P<acronym>[A-Za-z][\w&*+-]*[A-Z][\w&*+-]*)")


def find_venue(comment: str | None, journal_ref: str | None) -> Venue | None:
    """The venue the journal reference states, else the one the comment states, else ``None``."""
    table = load_table()
    for text, published in ((journal_ref, True), (comment, False)):
        if text:
            venue = _venue_in(" ".join(text.split()), published, table)
            if venue is not None:
                return venue
    return None


def _venue_in(text: str, published: bool, table: VenueTable) -> Venue | None:
    ends = sentence_ends(text)
    mentions = _mentions(text, ends, table)
    accepted = [m for m in mentions if _is_accepted(text, m, published)]
    if not accepted:
        unknown = unknown_venue(text, ends)
        return None if unknown is None else venue_of(text, unknown, [unknown])
    first = accepted[0]
    sentence = [m for m in mentions if m.clause == first.clause]
    if first.spelling.kind == "workshop":  # "TrustNLP workshop at NAACL 2025": the host conference's
        host = [m for m in accepted if m.clause == first.clause and m.spelling.kind == "conference"]
        if host:
            return venue_of(text, host[0], sentence, workshop=True)
    return venue_of(text, first, sentence)


def _mentions(text: str, ends: list[int], table: VenueTable) -> list[Mention]:
    urls = [m.span() for m in URL.finditer(text)]
    mentions = []
    for m in table.pattern.finditer(text):
        if any(a <= m.start() < b for a, b in urls):
            continue  # a name inside a URL (github.com/org/CVPR2025-code) states nothing
        spelling = table.spelling(m.group())
        year, tail = year_of(text, m.start(), m.end())
        if " " in m.group() and _goes_on(text, tail, spelling, table):
            continue
        sentence = clause(ends, m.start(), m.end(), len(text))
        mentions.append(Mention(m.start(), m.end(), spelling, sentence, year, tail))
    return mentions


def _goes_on(text: str, tail: int, spelling: Spelling, table: VenueTable) -> bool:
    """Is a full name only the start of a longer one: more capitalised words after "and", or another
    venue's acronym in parentheses after more words?"""
    if _NAME_GOES_ON.match(text, tail):
        return True
    longer = _OWN_ACRONYM.match(text, tail)
    if longer is None or not text[tail : longer.start("acronym") - 1].strip():
        return False
    own = table.pattern.fullmatch(longer["acronym"])
    return own is None or table.spelling(own.group()).venue != spelling.venue


def _is_accepted(text: str, m: Mention, published: bool) -> bool:
    start, end = m.clause
    before = text[start : m.start]
    weak = m.spelling.strength is Strength.WEAK and m.year is None
    if weak and not (published or _VERB_BESIDE.search(before)):
        return False  # "ITS", "Pattern Recognition" alone are ordinary words or other names
    statuses = list(STATUS.finditer(before))
    if statuses:
        return statuses[-1]["yes"] is not None
    if _TEMPLATE.match(text, m.tail, end):
        return False
    settled = _AFTER.match(text, m.tail, end)
    if settled:
        return settled["yes"] is not None
    if _CHALLENGE.search(text, start, end):
        return False
    if published or _PUBLISHED_NOUN.search(before):
        return True
    if m.year is not None or m.spelling.strength is Strength.STRONG:
        return True
    return m.spelling.strength is Strength.PLAIN and _VENUE_PART.match(text, m.tail, end) is not None
