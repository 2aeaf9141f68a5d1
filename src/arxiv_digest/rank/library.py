"""The reader's library: BibTeX text -> :class:`LibraryItem` values (title, abstract, arXiv id, date added).

A library exported from Zotero, JabRef, BibDesk or Better BibTeX is BibTeX with TeX escapes in its text
(``{\\'e}``, ``\\%``, ``{{Case Protected}}``); bibtexparser (v2) splits the file into entries and decodes
the TeX through pylatexenc, keeping math (``$\\alpha$``) as written. Only the fields ranking uses are
kept: names are never read, so a library cannot leak authorship into a model.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass

from bibtexparser import middlewares
from bibtexparser.entrypoint import parse_string
from bibtexparser.model import Entry

from arxiv_digest.errors import ConfigError
from arxiv_digest.models import parse_arxiv_id
from arxiv_digest.text import normalize_whitespace

# Where the common exporters put "when was this added": JabRef `creationdate`, Better BibTeX and
# BibDesk `timestamp`/`date-added`, BibSonomy `added-at`, Zotero's BibLaTeX `urldate` (the day it was saved).
_ADDED_FIELDS = ("dateadded", "date-added", "creationdate", "timestamp", "added-at", "urldate")
_ISO_DAY = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_ARXIV_IN_TEXT = re.compile(
    r"(?:arxiv\.org/(?:abs|pdf)/|arXiv[:.]\s*)(\d{4}\.\d{4,5}(?:v\d+)?|[a-z-]+(?:\.[A-Z]{2})?/\d{7})",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class LibraryItem:
    """One paper the reader saved (or, passed as a dislike, rejected). Text is clean and unescaped."""

    title: str
    abstract: str = ""
    arxiv_id: str | None = None  # without version, when the entry names one
    added: dt.date | None = None  # when the reader saved it, when the exporter says


def read_bibtex(text: str, *, path: str = "<library>") -> tuple[LibraryItem, ...]:
    """Parse a BibTeX library; raise :class:`ConfigError` naming the file and line of a broken entry.

    Entries with neither a title nor an abstract carry nothing to learn from and are left out.
    """
    stack = [
        middlewares.ResolveStringReferencesMiddleware(True),
        middlewares.RemoveEnclosingMiddleware(True),
        middlewares.LatexDecodingMiddleware(True, keep_math_mode=True),
    ]
    try:
        library = parse_string(text, parse_stack=stack)
    except Exception as e:  # bibtexparser reports most faults as failed blocks, but not all
        raise ConfigError(f"not a BibTeX file: {e}", path=path) from e
    if library.failed_blocks:
        block = library.failed_blocks[0]
        line = (block.start_line or 0) + 1  # bibtexparser counts lines from 0
        reason = str(getattr(block, "error", "") or "").strip().splitlines()
        raise ConfigError(
            f"this BibTeX entry does not parse{': ' + reason[0] if reason else ''}",
            path=path,
            line=line,
            hint="check its braces and the comma between fields (export the library again if unsure)",
        )
    return tuple(item for item in (_item(entry) for entry in library.entries) if item is not None)


def _field(entry: Entry, name: str) -> str:
    found = entry.fields_dict.get(name)
    if found is None:  # field keys are case-insensitive in BibTeX
        found = next((f for k, f in entry.fields_dict.items() if k.lower() == name), None)
    return normalize_whitespace(str(found.value)) if found is not None else ""


def _item(entry: Entry) -> LibraryItem | None:
    title, abstract = _field(entry, "title"), _field(entry, "abstract")
    if not title and not abstract:
        return None
    return LibraryItem(title=title, abstract=abstract, arxiv_id=_arxiv_id(entry), added=_added(entry))


def _arxiv_id(entry: Entry) -> str | None:
    prefix = _field(entry, "archiveprefix").lower() or _field(entry, "eprinttype").lower()
    eprint = _field(entry, "eprint")
    candidates: list[str] = [eprint] if eprint and prefix in ("", "arxiv") else []
    for name in ("url", "doi", "journal", "note", "howpublished"):
        candidates.extend(m.group(1) for m in _ARXIV_IN_TEXT.finditer(_field(entry, name)))
    return _first_id(candidates)


def _first_id(candidates: Iterable[str]) -> str | None:
    for candidate in candidates:
        try:
            return parse_arxiv_id(candidate)[0]
        except ValueError:
            continue
    return None


def _added(entry: Entry) -> dt.date | None:
    for name in _ADDED_FIELDS:
        m = _ISO_DAY.search(_field(entry, name))
        if m:
            try:
                return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            except ValueError:
                continue
    return None
