"""The reader's library (issue #9): what they saved and what they rejected, as plain values."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class LibraryItem:
    """One paper the reader saved (or, passed as a dislike, rejected). Text is clean and unescaped."""

    title: str
    abstract: str = ""
    arxiv_id: str | None = None  # without version, when the entry names one
    added: dt.date | None = None  # when the reader saved it, when the exporter says


@dataclass(frozen=True, slots=True)
class Library:
    """What the reader likes and dislikes (issue #9), read from every source ``library:`` names, and
    what could not be read (an entry with neither id nor text, an id arXiv could not complete)."""

    items: tuple[LibraryItem, ...] = ()
    dislikes: tuple[LibraryItem, ...] = ()
    warnings: tuple[str, ...] = ()
