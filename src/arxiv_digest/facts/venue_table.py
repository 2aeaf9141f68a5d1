"""The table of known venues (``data/venues.json``), compiled once into one pattern that finds any spelling.

Each venue has a canonical short name, aliases and, for some conferences, spellings that mean its workshops
(``ICCVW``). How much context a spelling needs before it is read as an acceptance depends on how likely it is
to mean something else (the table's ``_source`` note):

- ``strong``: several words naming an institution or a kind of venue ("The British Machine Vision
  Conference", "IEEE TPAMI"). Named alone, it is the venue.
- ``plain``: a single acronym of four or more characters (``NeurIPS``, ``MICCAI``). It needs a year or an
  acceptance in its sentence.
- ``weak``: a short acronym (``IV``, ``ITS``, ``RSS``, ``DAC``, ``TIP``), one the table marks
  ``ambiguous`` (``MedIA``: "Computational Visual Media"), or a title made of ordinary words ("Neural
  Networks", "Pattern Recognition"). It needs a year, or an acceptance verb right before it, and is
  matched in the table's own capitals only.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from importlib import resources

# Words that make a multi-word spelling name a venue and nothing else.
_INSTITUTIONAL = frozenset({
    "acm", "annual", "conference", "ieee", "ieee/cvf", "international", "journal", "letters", "meeting",
    "proceedings", "symposium", "transactions", "workshop",
})  # fmt: skip
_WEAK_LENGTH = 3  # acronyms this short are ordinary words or other names too often (its, IV, tip)


class Strength(StrEnum):
    STRONG = "strong"
    PLAIN = "plain"
    WEAK = "weak"


@dataclass(frozen=True, slots=True)
class Spelling:
    """One way of writing a venue: which venue, what kind it is, and how much context it needs."""

    venue: str
    kind: str  # conference, journal or workshop (a workshop known only under its own name)
    workshop: bool  # a spelling that means the venue's workshops (ICCVW, CVPRW)
    strength: Strength


@dataclass(frozen=True, slots=True)
class VenueTable:
    pattern: re.Pattern[str]
    exact: dict[str, Spelling]  # weak spellings, by their normalised text in the table's capitals
    folded: dict[str, Spelling]  # the others, by their normalised, case-folded text

    def spelling(self, matched: str) -> Spelling:
        key = _key(matched)
        return self.exact.get(key) or self.folded[key.casefold()]


def _key(text: str) -> str:
    """The form spellings are compared in: no spaces or hyphens ("ACM MM" = "ACMMM", "T-IP" = "TIP"),
    ``&`` as ``and``."""
    return re.sub(r"[\s-]+", "", text.replace("&", "and"))


def _strength(spelling: str, ambiguous: bool) -> Strength:
    words = spelling.split()
    if len(words) == 1:
        short = len(spelling.replace("-", "")) <= _WEAK_LENGTH  # "T-IP" also reads "TIP", and "tip"
        return Strength.WEAK if ambiguous or short else Strength.PLAIN
    if any(word.casefold() in _INSTITUTIONAL for word in words):
        return Strength.STRONG
    if any(re.fullmatch(r"[A-Z]{2,}", word) for word in words):  # an acronym in it: "SIGGRAPH Asia"
        return Strength.PLAIN
    return Strength.WEAK  # ordinary words: "Neural Networks", "Pattern Recognition"


# The pieces a spelling is matched by: any run of spaces or hyphens between words, an optional hyphen or
# space where the spelling has a hyphen ("Multi-Agent", "Multi Agent", "MultiAgent"), "&" for "and".
_BETWEEN_WORDS, _HYPHEN, _AND = r"[\s-]+", r"[-\s]?", r"(?:and|&)"
_END = ""


def _atoms(spelling: str, folded: bool) -> list[str]:
    atoms: list[str] = []
    for i, word in enumerate(spelling.split()):
        if i:
            atoms.append(_BETWEEN_WORDS)
        if word in ("&", "and"):
            atoms.append(_AND)
            continue
        for j, part in enumerate(word.split("-")):
            if j:
                atoms.append(_HYPHEN)
            atoms.extend(re.escape(c.lower() if folded else c) for c in part)
    return atoms


_Trie = dict[str, "_Trie"]


def _trie_regex(trie: _Trie) -> str:
    """One pattern for all the spellings of a trie. At each step the longer spelling is tried first, so
    that at one position the fullest name wins ("ACM MM Asia" over "ACM MM"); the trie lets the regex
    engine try each character once instead of once per spelling (a tenth of the time)."""
    branches = [atom + _trie_regex(child) for atom, child in sorted(trie.items()) if atom != _END]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else f"(?:{'|'.join(branches)})"
    return f"(?:{body})?" if _END in trie else body


def _spellings(name: str, entry: dict[str, object]) -> list[tuple[str, bool]]:
    aliases = entry.get("aliases", [])
    workshop_aliases = entry.get("workshop_aliases", [])
    assert isinstance(aliases, list) and isinstance(workshop_aliases, list)
    plain = [str(a) for a in [name, *aliases]]
    # "AAAI-26" is AAAI plus a two-digit year, which the year rule reads anyway; as a spelling it would hide
    # that year from it.
    keep = [a for a in plain if not (re.fullmatch(r"(.+)-\d{2}", a) and a[:-3] in plain)]
    return [(a, False) for a in keep] + [(str(a), True) for a in workshop_aliases]


def build_table(raw: dict[str, object]) -> VenueTable:
    exact: dict[str, Spelling] = {}
    folded: dict[str, Spelling] = {}
    tries: dict[bool, _Trie] = {True: {}, False: {}}  # by case-folding: weak spellings keep their capitals
    for name, entry in raw.items():
        if name.startswith("_"):
            continue
        assert isinstance(entry, dict)
        kind = str(entry["kind"])
        ambiguous = entry.get("ambiguous") is True
        for text, workshop in _spellings(name, entry):
            strength = _strength(text, ambiguous)
            spelling = Spelling(name, kind, workshop, strength)
            fold = strength is not Strength.WEAK
            if fold:
                folded[_key(text).casefold()] = spelling
            else:
                exact[_key(text)] = spelling
            node = tries[fold]
            for atom in _atoms(text, fold):
                node = node.setdefault(atom, {})
            node[_END] = {}
    # The boundaries let a year follow with no space ("ICCV2025", "CVPRW'25") but no letter, and keep a name
    # out of a hyphenated compound (ITS in "T-ITS", DAC in "ASP-DAC").
    alternatives = f"(?i:{_trie_regex(tries[True])})|(?-i:{_trie_regex(tries[False])})"
    pattern = re.compile(rf"(?<![A-Za-z0-9])(?<![A-Za-z0-9]-)(?:{alternatives})(?![A-Za-z])")
    return VenueTable(pattern, exact, folded)


@lru_cache(maxsize=1)
def load_table() -> VenueTable:
    text = resources.files("arxiv_digest").joinpath("data/venues.json").read_text("utf-8")
    return build_table(json.loads(text))
