"""The reader's library as BibTeX text -> :class:`~arxiv_digest.models.LibraryItem` values (title,
abstract, arXiv id, date added).

A library exported from Zotero, JabRef, Mendeley, BibDesk or Better BibTeX is BibTeX with TeX escapes in
its text (``{\\'e}``, ``\\%``, ``{{Case Protected}}``); bibtexparser (v2) splits the file into entries
(``@string`` macros resolved, ``@comment`` and text between entries ignored), and the text is cleaned as
arXiv's is (:func:`arxiv_digest.sources.library.clean`), keeping math (``$\\alpha$``) as written. Only the
fields ranking uses are kept: names are never read, so a library cannot leak authorship into a model.

An entry's arXiv id comes from ``eprint`` (with ``archivePrefix``/``eprinttype`` arXiv, or none), an
arxiv.org ``url``, a DOI ``10.48550/arXiv.*``, or an ``arXiv:`` id in ``journal``, ``note`` or
``howpublished``.
"""

from __future__ import annotations

import datetime as dt

from bibtexparser import middlewares
from bibtexparser.entrypoint import parse_string
from bibtexparser.model import Entry

from ..errors import ConfigError
from ..models import LibraryItem
from .library import Found, clean, entry_item, first_id, id_in, iso_day

# Where the common exporters put "when was this added": JabRef `creationdate`, Better BibTeX and
# BibDesk `timestamp`/`date-added`, BibSonomy `added-at`, Zotero's BibLaTeX `urldate` (the day it was saved).
_ADDED_FIELDS = ("dateadded", "date-added", "creationdate", "timestamp", "added-at", "urldate")


def read_bibtex(text: str, *, path: str = "<library>") -> tuple[LibraryItem, ...]:
    """Parse a BibTeX library (see :func:`parse_bibtex`); the entries only."""
    return parse_bibtex(text, path=path).items


def parse_bibtex(text: str, *, path: str = "<library>") -> Found:
    """Parse a BibTeX library; raise :class:`ConfigError` naming the file and line of a broken entry.

    An entry with no arXiv id and neither a title nor an abstract carries nothing to rank by: it is left
    out, with a warning naming the file and its line.
    """
    stack = [
        middlewares.ResolveStringReferencesMiddleware(True),
        middlewares.RemoveEnclosingMiddleware(True),
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
    items: list[LibraryItem] = []
    warnings: list[str] = []
    for entry in library.entries:
        item = _item(entry)
        if item is None:
            warnings.append(
                f"{path}:{(entry.start_line or 0) + 1}: entry {entry.key!r} has no title, abstract or "
                "arXiv id; skipped"
            )
        else:
            items.append(item)
    return Found(tuple(items), tuple(warnings))


def _field(entry: Entry, name: str) -> str:
    found = entry.fields_dict.get(name)
    if found is None:  # field keys are case-insensitive in BibTeX
        found = next((f for k, f in entry.fields_dict.items() if k.lower() == name), None)
    return clean(str(found.value)) if found is not None else ""


def _item(entry: Entry) -> LibraryItem | None:
    return entry_item(_field(entry, "title"), _field(entry, "abstract"), _arxiv_id(entry), _added(entry))


def _arxiv_id(entry: Entry) -> str | None:
    prefix = _field(entry, "archiveprefix").lower() or _field(entry, "eprinttype").lower()
    eprint = _field(entry, "eprint")
    if eprint and prefix in ("", "arxiv") and (found := first_id([eprint])):
        return found
    for name in ("url", "doi", "journal", "note", "howpublished"):
        if found := id_in(_field(entry, name)):
            return found
    return None


def _added(entry: Entry) -> dt.date | None:
    for name in _ADDED_FIELDS:
        if day := iso_day(_field(entry, name)):
            return day
    return None
