"""What the venue rules share: a mention of a venue in a text, its sentence, its year, and the verbs that
say whether a sentence states an acceptance."""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass

from arxiv_digest.facts.venue_table import Spelling

_SENTENCE_END = re.compile(r"[.;!?](?=\s|$)")
URL = re.compile(r"(?:https?://|www\.)\S+|\S+\.(?:com|org|io|net)/\S*", re.IGNORECASE)

# The verbs that settle a sentence's status; the last one before a mention wins, so that "submitted to and
# accepted by X" and "Pre-print Paper accepted to ITS 2025" are acceptances and "Accepted at X. Extended
# version submitted to Y" names X.
STATUS = re.compile(
    r"\b(?:(?P<no>submit\w*|(?:re)?submission|under[\s-]*review|underreview|in[\s-]*review|for[\s-]*review"
    r"|under[\s-]*consideration|rejected|withdrawn|in[\s-]*preparation|to[\s-]+be[\s-]+submitted)"
    r"|(?P<yes>accept\w*|to[\s-]+appear|appear(?:s|ed|ing)?|publish\w*|present\w*|camera[\s-]*ready"
    r"|peer[\s-]*reviewed|version[\s-]+of[\s-]+record))",
    re.IGNORECASE,
)

# A year right after a name, maybe past a closing parenthesis, a comma and a word or two: ``ICCV2025``,
# ``NeurIPS-2025``, ``CVPRW'25``, ``(CCNC) 2026``, ``(TMI), 2025``, ``ICCV Conference 2025``,
# ``ECCV26``, ``ACM MM 25``.
YEAR_AFTER = re.compile(
    r"\)?,?(?:\s+(?:conference|workshops?|main|findings|adjunct|industry|track|demo|short|long)){0,2}"
    r"(?:[\s-]*(?P<y4>(?:19|20)\d{2})(?!\d)|\s*['’-](?P<y2>\d{2})(?!\w)|\s(?P<y2s>\d{2})(?=$|[),;])"
    r"|(?P<y2g>\d{2})(?!\w))",
    re.IGNORECASE,
)
_YEAR_BEFORE = re.compile(r"(?P<y4>(?:19|20)\d{2})\s+(?:the\s+)?(?:\d+(?:st|nd|rd|th)\s+)?$", re.IGNORECASE)
# A year standing alone in a sentence, not inside an identifier (10.1109/TNNLS.2025.3561172).
_SENTENCE_YEAR = re.compile(r"(?<![\w./-])(?:19|20)\d{2}(?![\w/-]|\.\d)")
_LATEST_TWO_DIGIT_YEAR = 40  # '24, -26 are years; HICSS-59, SSW-13 are editions (an old one may pass)


@dataclass(frozen=True, slots=True)
class Mention:
    """A venue named in a text: where, which, in which sentence, with which year."""

    start: int
    end: int
    spelling: Spelling
    clause: tuple[int, int]  # the sentence it stands in
    year: int | None
    tail: int  # where the name and its year end


def sentence_ends(text: str) -> list[int]:
    return [m.end() for m in _SENTENCE_END.finditer(text)]


def clause(ends: list[int], start: int, end: int, length: int) -> tuple[int, int]:
    """The sentence around ``text[start:end]``, given the text's sentence ends (sorted)."""
    before = bisect_right(ends, start)
    after = bisect_left(ends, end)
    return (ends[before - 1] if before else 0), (ends[after] if after < len(ends) else length)


def full_year(digits: str) -> int | None:
    """``2025``, ``25`` -> 2025. A two-digit number past the bound is an edition ("HICSS-59"), no year."""
    if len(digits) == 4:
        return int(digits)
    return 2000 + int(digits) if int(digits) <= _LATEST_TWO_DIGIT_YEAR else None


def year_after(text: str, position: int) -> tuple[int | None, int]:
    """The year written right after ``position``, and where it ends (``position`` when there is none)."""
    after = YEAR_AFTER.match(text, position)
    if after:
        year = full_year(after["y4"] or after["y2"] or after["y2s"] or after["y2g"])
        if year is not None:
            return year, after.end()
    return None, position


def year_of(text: str, start: int, end: int) -> tuple[int | None, int]:
    """The year beside the name ``text[start:end]``: after it, else right before it ("2024 IEEE
    International Conference on …", "2025 19th International Conference on …"); and where the name with its
    year ends."""
    year, tail = year_after(text, end)
    if year is not None:
        return year, tail
    before = _YEAR_BEFORE.search(text, 0, start)
    return (int(before["y4"]) if before else None), end


def sentence_year(text: str, start: int, end: int) -> int | None:
    """The one year a sentence states, if it states exactly one ("IEEE/CVF Conference on Computer Vision
    and Pattern Recognition Workshops (CVPRW), Nashville (TN), USA, 2025"): the venue's, not a guess."""
    years = set(_SENTENCE_YEAR.findall(URL.sub(" ", text[start:end])))
    return int(years.pop()) if len(years) == 1 else None
