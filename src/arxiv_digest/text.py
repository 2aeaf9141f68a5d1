"""Cleaning text that arrives from arXiv, once, at ingestion.

Two defects of the reference live here, fixed: it joined an abstract's lines without a space
("thecurrent", "LanguageModel"), and it printed TeX accents in names verbatim (``Andr\\'e``).
Text stays *unescaped* here; each renderer escapes it for its own format.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from pylatexenc.latex2text import LatexNodes2Text

_NEEDS_TEX = re.compile(r"[\\{}]")


def normalize_whitespace(text: str) -> str:
    """Collapse every run of whitespace (line breaks included) into one space and trim the ends.

    A line break between two words becomes a space, so "the\\ncurrent" reads "the current".
    """
    return " ".join(text.split())  # str.split() knows every Unicode space, and runs in C


@lru_cache(maxsize=1)
def _latex_converter() -> LatexNodes2Text:
    return LatexNodes2Text(math_mode="verbatim", strict_latex_spaces=True)


def tex_to_unicode(text: str) -> str:
    """Turn TeX accent and letter macros into Unicode (``Andr\\'e`` -> ``André``), keeping math as is.

    Only text that contains a backslash or a brace goes through the TeX converter, and ``%`` is protected
    first (TeX would treat it as a comment and drop the rest of the name).
    """
    if not _NEEDS_TEX.search(text):
        return text
    protected = re.sub(r"(?<!\\)%", r"\\%", text)
    try:
        converted = _latex_converter().latex_to_text(protected)
    except Exception:  # pylatexenc is lenient, but a malformed name must never stop a run
        return text
    converted = converted.replace("\u00a0", " ")
    return unicodedata.normalize("NFC", normalize_whitespace(converted))


def clean_title(text: str) -> str:
    return normalize_whitespace(text)


def clean_abstract(text: str) -> str:
    return normalize_whitespace(text)


def clean_author(name: str) -> str:
    name = normalize_whitespace(name)
    return normalize_whitespace(tex_to_unicode(name)) if _NEEDS_TEX.search(name) else name


_AND_SPLIT = re.compile(r"\s+and\s+")


def split_authors(creators: str) -> tuple[str, ...]:
    """Split arXiv's one-string author list (``dc:creator``: "A, B, C" or "A, B and C")."""
    text = normalize_whitespace(creators)
    if not text:
        return ()
    parts = [p.strip() for p in text.split(",")]
    if parts and _AND_SPLIT.search(parts[-1]):
        last = parts.pop()
        parts.extend(p.strip() for p in _AND_SPLIT.split(last))
    names: list[str] = []
    for part in parts:
        if not part:
            continue
        # "Jr." and similar suffixes follow a comma but belong to the previous name.
        if names and re.fullmatch(r"(?:Jr|Sr|II|III|IV)\.?", part):
            names[-1] = f"{names[-1]}, {part}"
            continue
        names.append(clean_author(part))
    return tuple(names)
