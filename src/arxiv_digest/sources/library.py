"""What the readers of a reader's library share (issue #9): the value they return, and the rules that find
an arXiv id and a day in an entry's fields, whichever exporter wrote it.

A library is an outside source of input like arXiv's feeds: BibTeX (``bibtex.py``), CSL JSON
(``csl_json.py``) and Zotero's web API (``zotero.py``) each turn theirs into
:class:`~arxiv_digest.models.LibraryItem` values, with a warning naming the file and line (or the item) of
every entry they had to leave out. Text is cleaned as arXiv's is (:mod:`arxiv_digest.text`): TeX accents
and braces become text, whitespace is collapsed; it stays unescaped (each renderer escapes it).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from ..models import LibraryItem, parse_arxiv_id
from ..text import normalize_whitespace, tex_to_unicode

#: An arXiv id inside a URL, a DOI (arXiv's DataCite DOIs: ``10.48550/arXiv.2401.01234``) or a note.
_ARXIV_IN_TEXT = re.compile(
    r"(?:arxiv\.org/(?:abs|pdf)/|10\.48550/arXiv\.|arXiv[:.]\s*)"
    r"(\d{4}\.\d{4,5}(?:v\d+)?|[a-z-]+(?:\.[A-Z]{2})?/\d{7})",
    re.IGNORECASE,
)
_ISO_DAY = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


@dataclass(frozen=True, slots=True)
class Found:
    """What one file (or one Zotero library) held: its entries, and why some were left out."""

    items: tuple[LibraryItem, ...] = ()
    warnings: tuple[str, ...] = ()


def clean(text: str) -> str:
    """An entry's text as arXiv's is cleaned: TeX accents and letters as Unicode, braces and runs of
    whitespace gone, math kept as written (:func:`arxiv_digest.text.tex_to_unicode`)."""
    text = normalize_whitespace(text)
    fast = _plain_tex(text)
    return fast if fast is not None else normalize_whitespace(tex_to_unicode(text))


#: What an exporter writes for TeX's special characters and TeX's ligatures, each with the text the
#: converter makes of it: none of them needs the converter.
_TOKENS = {
    **{f"\\{c}": c for c in "%&#_{}"},
    "\\textbackslash{}": "\\",
    "\\textasciitilde{}": "~",
    "\\textasciicircum{}": "\u02c6",
    "---": "\u2014",
    "--": "\u2013",
    "''": "\u201d",
    "``": "\u201c",
}
_TOKEN = re.compile("(" + "|".join(re.escape(t) for t in sorted(_TOKENS, key=len, reverse=True)) + ")")
#: What the converter would change in text once those are taken out: a macro, a tie, a bare special
#: character (``&`` aligns, ``#`` is a parameter, ``^``/``_`` are scripts).
_NEEDS_CONVERTER = re.compile(r"[\\~&#^_]")
_DOLLAR = "\x00"  # stands for an escaped dollar while the text is split at the math's dollars
#: In math, a backslash starts a macro name (``\\alpha``) or escapes a brace, dollar or percent sign;
#: anything else (a one-letter accent macro such as ``\\b``, a line break) is left to the converter.
_ODD_IN_MATH = re.compile(r"\\(?![A-Za-z]{2}|[{}%\x00])")


def _plain_tex(text: str) -> str | None:
    """``tex_to_unicode(text)`` without the TeX converter, for the text almost every library entry is:
    words in grouping braces (``{{Case Protected}}``), escaped specials (``50\\%``), TeX's dashes and
    quotes, and math kept as written. None when the text needs the converter (a macro such as ``\\'e``,
    ``~``). Converting 5,000 entries through pylatexenc takes about a minute of CPU, this a fraction of it
    (benchmarks/bench_library.py); ``tests/test_library.py`` checks that both agree."""
    if not any(c in text for c in "{}\\"):  # what tex_to_unicode leaves alone
        return text
    if _DOLLAR in text:
        return None
    held = text.replace("\\$", _DOLLAR)
    parts = held.split("$")
    if len(parts) % 2 == 0 or "$$" in held:  # an unclosed math, or display math (the converter spaces it)
        return None
    for i in range(0, len(parts), 2):  # outside math (math is kept as written)
        pieces = _TOKEN.split(parts[i])
        plain = "".join(pieces[::2])
        if _NEEDS_CONVERTER.search(plain) or not _balanced(plain):
            return None
        parts[i] = "".join(
            _TOKENS[p] if j % 2 else p.replace("{", "").replace("}", "").replace(_DOLLAR, "$")
            for j, p in enumerate(pieces)
        )
    for i in range(1, len(parts), 2):  # math as written, but for the `%` tex_to_unicode escapes first
        if not _balanced(re.sub(r"\\.", "", parts[i])) or _ODD_IN_MATH.search(parts[i]):
            return None
        parts[i] = re.sub(r"(?<!\\)%", r"\\%", parts[i]).replace(_DOLLAR, "\\$")
    return unicodedata.normalize("NFC", normalize_whitespace("$".join(parts)))


def id_in(text: str) -> str | None:
    """The first arXiv id written in ``text`` (a URL, a DOI, ``arXiv:2401.01234``), without version."""
    return first_id(m.group(1) for m in _ARXIV_IN_TEXT.finditer(text or ""))


def first_id(candidates: Iterable[str]) -> str | None:
    for candidate in candidates:
        try:
            return parse_arxiv_id(candidate)[0]
        except ValueError:
            continue
    return None


def _balanced(text: str) -> bool:
    depth = 0
    for ch in text:
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth < 0:
                return False
    return depth == 0


def iso_day(text: str) -> dt.date | None:
    """The first ``YYYY-MM-DD`` in ``text`` that is a real day."""
    for m in _ISO_DAY.finditer(text or ""):
        try:
            return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError:
            continue
    return None


def entry_item(title: str, abstract: str, arxiv_id: str | None, added: dt.date | None) -> LibraryItem | None:
    """The item of an entry, or None when it has nothing to rank by: no id, no title, no abstract."""
    if arxiv_id is None and not title and not abstract:
        return None
    return LibraryItem(title=title, abstract=abstract, arxiv_id=arxiv_id, added=added)
