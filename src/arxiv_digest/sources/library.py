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
    whitespace gone, math kept as written."""
    return normalize_whitespace(tex_to_unicode(normalize_whitespace(text)))


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
