"""The reader's library as CSL JSON (Zotero: File > Export Library > "CSL JSON"; also Better BibTeX,
Mendeley and citeproc tools) -> :class:`~arxiv_digest.models.LibraryItem` values.

CSL JSON (citeproc-js's input format, docs.citationstyles.org) is one array of item objects. Read here:
``title``, ``abstract``, the arXiv id from ``number`` (Zotero writes a preprint's as ``arXiv:2401.01234``),
``URL`` (an arxiv.org address), ``DOI`` (``10.48550/arXiv.*``) or ``note``/``archive_location``, and the
day added from ``accessed`` (when the reader saved it), else ``issued``. Names are never read.

The standard library's JSON decoder reads each item on its own (``raw_decode``), so a broken file names
its line and a skipped item the line it starts on. Zotero's rich-text markup in titles (``<i>``,
``<sub>``, ``<span class="nocase">``) is dropped, and TeX is cleaned as arXiv's text is.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

from ..errors import ConfigError
from ..models import LibraryItem
from .library import Found, clean, entry_item, id_in, iso_day

_WHITESPACE = re.compile(r"\s*")
#: The rich-text tags citeproc-js (and so Zotero) allows in a field: https://citeproc-js.readthedocs.io
_MARKUP = re.compile(r"</?(?:i|b|sub|sup|span(?:\s[^<>]*)?)>", re.IGNORECASE)
_ID_FIELDS = ("number", "URL", "DOI", "note", "archive_location")


def parse_csl_json(text: str, *, path: str = "<library>") -> Found:
    """Parse a CSL JSON library; raise :class:`ConfigError` naming the file and line of what is broken.

    An item with no arXiv id and neither a title nor an abstract is left out, with a warning naming the
    line it starts on."""
    decoder = json.JSONDecoder()
    pos = _WHITESPACE.match(text, 0).end()  # type: ignore[union-attr]
    if not text.startswith("[", pos):
        raise _error(path, text, pos, "a CSL JSON library is one array of items: `[{...}, {...}]`")
    pos = _WHITESPACE.match(text, pos + 1).end()  # type: ignore[union-attr]
    items: list[LibraryItem] = []
    warnings: list[str] = []
    line, counted_to = 1, 0  # lines counted as the items go: once over the text, not once per item
    while not text.startswith("]", pos):
        try:
            value, end = decoder.raw_decode(text, pos)
        except json.JSONDecodeError as e:
            raise _error(path, text, e.pos, f"not JSON: {e.msg}") from None
        except RecursionError:  # arrays in arrays, thousands deep: no library item looks like that
            raise _error(path, text, pos, "not a CSL JSON item: its values are nested too deeply") from None
        line, counted_to = line + text.count("\n", counted_to, pos), pos
        if not isinstance(value, dict):
            raise _error(path, text, pos, "each item of a CSL JSON library must be an object")
        item = _item(value)
        if item is None:
            label = f"item {value.get('id')!r}" if value.get("id") is not None else "an item"
            warnings.append(f"{path}:{line}: {label} has no title, abstract or arXiv id; skipped")
        else:
            items.append(item)
        pos = _WHITESPACE.match(text, end).end()  # type: ignore[union-attr]
        if text.startswith(",", pos):
            pos = _WHITESPACE.match(text, pos + 1).end()  # type: ignore[union-attr]
        elif not text.startswith("]", pos):
            raise _error(path, text, pos, "expected `,` or `]` after an item")
    after = _WHITESPACE.match(text, pos + 1).end()  # type: ignore[union-attr]
    if after < len(text):
        raise _error(path, text, after, "text after the array of items")
    return Found(tuple(items), tuple(warnings))


def _error(path: str, text: str, pos: int, message: str) -> ConfigError:
    line = text.count("\n", 0, min(pos, len(text))) + 1
    return ConfigError(
        message, path=path, line=line, hint="export the library again (Zotero: File > Export Library)"
    )


def _text(item: dict[str, Any], name: str) -> str:
    value = item.get(name)
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = str(value)
    return clean(_MARKUP.sub("", value)) if isinstance(value, str) else ""


def _item(item: dict[str, Any]) -> LibraryItem | None:
    arxiv_id = None
    for name in _ID_FIELDS:
        value = _text(item, name)
        if name == "number" and value and not value.lower().startswith("arxiv"):
            value = f"arXiv:{value}" if _looks_like_arxiv(item) else ""
        if arxiv_id := id_in(value):
            break
    added = _day(item.get("accessed")) or _day(item.get("issued"))
    return entry_item(_text(item, "title"), _text(item, "abstract"), arxiv_id, added)


def _looks_like_arxiv(item: dict[str, Any]) -> bool:
    """A bare ``number`` is arXiv's id only for an item arXiv published (Zotero's arXiv translator)."""
    return any("arxiv" in str(item.get(k, "")).lower() for k in ("publisher", "source", "container-title"))


def _day(value: Any) -> dt.date | None:
    """A CSL date: ``{"date-parts": [[2024, 5, 2]]}`` (month and day optional: the first is taken), or
    ``{"raw": "2024-05-02"}``."""
    if not isinstance(value, dict):
        return None
    parts = value.get("date-parts")
    if isinstance(parts, list) and parts and isinstance(parts[0], list) and parts[0]:
        numbers = [int(p) for p in parts[0][:3] if isinstance(p, int | str) and str(p).strip().isdigit()]
        if numbers:
            try:
                return dt.date(*[*numbers, 1, 1][:3])
            except ValueError:
                return None
    raw = value.get("raw")
    return iso_day(raw) if isinstance(raw, str) else None
