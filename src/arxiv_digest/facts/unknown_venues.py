"""Venues the table does not know, when the text leaves no doubt that it names one (issue #10).

The table (``data/venues.json``) cannot list every venue ("Accepted to COLM 2025", "Accepted at SCIA
2025"). Three shapes are read without it; the name is then the one the authors wrote:

- an acronym with a year right after an acceptance verb: "Accepted to NLP4DH 2025", "presented at
  VISAPP2025", "Accepted at AGI-25";
- an acronym in parentheses after a venue's full name in an accepted sentence: "accepted to the 23rd
  International Conference on Cognitive Modeling (ICCM 2025)", "Accepted to IEEE Conference on Artificial
  Intelligence (CAI), 2025";
- a journal's full name after an acceptance verb: "Accepted by IEEE Transactions on Wireless
  Communications", "Accepted by IEEE Communications Magazine".

Nothing else: a bare unknown name ("CITALA 2014") or one after "submitted to" is not read.
"""

from __future__ import annotations

import re

from arxiv_digest.facts.mentions import STATUS, Mention, clause, full_year, year_after
from arxiv_digest.facts.venue_table import Spelling, Strength

# An acronym: letters (digits only inside, as in NLP4DH), a capital after the first letter (checked
# apart), maybe a second all-capital word (APSIPA ASC); a year glued to it is not part of it (ICDAR2025).
_ACRONYM = (
    r"(?-i:(?P<name>[A-Za-z](?:[A-Za-z&+]|-(?=[A-Za-z])|\d+(?=[A-Za-z]))*(?<=[A-Za-z])"
    r"(?: [A-Z]{2,}\b)?))"
)
_VERB = r"\b(?:accept\w*|to\s+appear|appear(?:s|ed)?|publish\w*|present\w*)"
_VERB_ACRONYM_YEAR = re.compile(
    rf"{_VERB}(?:\s+(?:for|as)\s+(?:an?\s+)?(?:\w+\s+)?(?:publication|presentation|paper|poster))?"
    r"\s+(?:to|at|by|in|on|for)\s+(?:the\s+)?(?:\d+(?:st|nd|rd|th)\s+)?(?:(?:IEEE|ACM|IEEE/CVF|ISCA|SPIE)[\s-]+)?"
    rf"{_ACRONYM}(?:[\s-]*(?P<y4>(?:19|20)\d{{2}})|\s*['’-](?P<y2>\d{{2}}))(?!\w)",
    re.IGNORECASE,
)
_PAREN_ACRONYM = re.compile(rf"\({_ACRONYM}(?:[\s'’-]*(?:(?P<y4>(?:19|20)\d{{2}})|(?P<y2>\d{{2}})))?\)")
_VENUE_WORD = re.compile(
    r"\b(?:conference|symposium|workshop|congress|summit|meeting|forum|journal|transactions|letters)\b",
    re.IGNORECASE,
)
_YEAR = re.compile(r"\b(?:19|20)\d{2}\b")
_JOURNAL_NAME = re.compile(
    rf"{_VERB}(?:\s+for\s+publication)?\s+(?:to|at|by|in|on)\s+(?:the\s+)?"
    r"(?-i:(?P<name>(?:[A-Z][\w&/-]*\s+)*(?:Transactions|Journal|Letters|Magazine)"
    r"(?:\s+(?:of|on|in|for|and|&)\s+[A-Z][\w&/-]*|\s+[A-Z][\w&/-]*)*))",
    re.IGNORECASE,
)
_JOURNAL_WORD = re.compile(r"\b(?:journal|transactions|letters|magazine)\b", re.IGNORECASE)
# Acronyms after "accepted at" that are publishers, series or formats, not venues.
_NOT_VENUES = frozenset({
    "ACM", "AI", "CEUR", "CCIS", "IEEE", "ISCA", "LLM", "LLMS", "LNAI", "LNCS", "ML", "NLP", "ORAL",
    "PMLR", "SPIE", "USA",
})  # fmt: skip
_PUBLISHERS = frozenset({"IEEE", "ACM", "IEEE/ACM", "Springer", "Elsevier", "The"})


def unknown_venue(text: str, ends: list[int]) -> Mention | None:
    """The first venue of the three shapes in ``text`` (sentence ends ``ends``), or ``None``."""
    for found in (_VERB_ACRONYM_YEAR.search(text), _named_in_parentheses(text)):
        if found is None or not _is_acronym(found["name"]):
            continue
        digits = found["y4"] or found["y2"]
        year = None if digits is None else full_year(digits)
        if year is None:  # "(CAI), 2025", or "Accepted at the 2026 IEEE … Conference (CAI)"
            year = year_after(text, found.end())[0] or _year_between(text, found)
        return _mention(text, ends, found, year, found.end())
    journal = _JOURNAL_NAME.search(text)
    if journal is not None and _names_a_journal(journal["name"]):
        year, tail = year_after(text, journal.end())
        return _mention(text, ends, journal, year, tail)
    return None


def _names_a_journal(name: str) -> bool:
    """Two capitalised words besides the publisher: "IEEE Communications Magazine", not "IEEE Journal"."""
    return sum(word[0].isupper() and word not in _PUBLISHERS for word in name.split()) >= 2


def _is_acronym(name: str) -> bool:
    first = name.split()[0]
    return first.upper() not in _NOT_VENUES and re.search("[A-Z]", first[1:]) is not None


def _named_in_parentheses(text: str) -> re.Match[str] | None:
    for found in _PAREN_ACRONYM.finditer(text):
        statuses = list(STATUS.finditer(text, 0, found.start()))
        if statuses and statuses[-1]["yes"] and _VENUE_WORD.search(text, statuses[-1].end(), found.start()):
            return found
    return None


def _year_between(text: str, found: re.Match[str]) -> int | None:
    statuses = list(STATUS.finditer(text, 0, found.start()))
    years = _YEAR.findall(text, statuses[-1].end() if statuses else 0, found.start())
    return int(years[-1]) if years else None


def _mention(text: str, ends: list[int], found: re.Match[str], year: int | None, tail: int) -> Mention:
    start, end = found.span("name")
    sentence = clause(ends, start, end, len(text))
    kind = "journal" if _JOURNAL_WORD.search(text, sentence[0], end) else "conference"
    return Mention(start, end, Spelling(found["name"], kind, False, Strength.PLAIN), sentence, year, tail)
