"""The reader's library for ranking (issue #9): every source ``library:`` names -> one
:class:`~arxiv_digest.models.Library`.

The readers (``sources/bibtex.py`` …) give entries; this job makes them rankable. An entry with an arXiv id
takes its title and abstract from the stored history (``history_lookup``, the store's), an entry without one
keeps the text it has, and one with neither is left out with a warning naming its file and line. Each paper
is taken once: by arXiv id, else by its title; the first source that names it wins, and a day added that a
later one knows fills in. A paper that is both liked and disliked is a dislike (with a warning).

Nothing here fails a run over one entry: a broken *file* is a ConfigError (exit 2, file and line), but an
entry that cannot be completed is a warning and the rest is ranked.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from pathlib import Path

from ..config import Config
from ..errors import ConfigError, cannot_read
from ..models import Library, LibraryItem, Paper
from ..sources.bibtex import parse_bibtex
from ..sources.http import PoliteClient
from ..sources.library import Found

#: The store's lookup: an arXiv id without version -> its latest stored announcement, or None.
HistoryLookup = Callable[[str], Paper | None]


def load_library(
    config: Config, out_dir: Path, *, history_lookup: HistoryLookup, client: PoliteClient | None
) -> Library:
    """The reader's library, or an empty :class:`Library` when the config has no ``library:``.

    ``out_dir`` is the digest folder (``data/`` lives there); ``client`` is the polite arXiv client,
    for ids the history does not have. Raises :class:`ConfigError` for a file that cannot be read or
    parsed (exit 2); every entry-level problem is a warning in the result."""
    settings = config.library
    if settings is None:
        return Library()
    warnings: list[str] = []
    entries: list[LibraryItem] = []
    for path in settings.bibtex:
        found = parse_bibtex(_read(path), path=str(path))
        entries.extend(found.items)
        warnings.extend(found.warnings)
    entries.extend(LibraryItem(title="", arxiv_id=i) for i in settings.arxiv)
    dislikes = [LibraryItem(title="", arxiv_id=i) for i in settings.dislike]
    liked = _unique(entries)
    disliked = _unique(dislikes)
    disliked_ids = {d.arxiv_id for d in disliked}
    both = [i for i in liked if i.arxiv_id is not None and i.arxiv_id in disliked_ids]
    for item in both:
        warnings.append(f"{item.arxiv_id} is both in the library and under `dislike:`; taken as a dislike")
    liked = [i for i in liked if i not in both]
    done_liked, more = _complete(liked, history_lookup)
    warnings.extend(more)
    done_disliked, more = _complete(disliked, history_lookup)
    warnings.extend(more)
    return Library(items=tuple(done_liked), dislikes=tuple(done_disliked), warnings=tuple(warnings))


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")  # Windows exporters (JabRef, Mendeley) may add a BOM
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(cannot_read(path, e), path=str(path)) from e


def _title_key(title: str) -> str:
    return " ".join("".join(c for c in title.casefold() if c.isalnum() or c.isspace()).split())


def _unique(items: Iterable[LibraryItem]) -> list[LibraryItem]:
    """Each paper once (by arXiv id, else by title), in the order first named; a later copy fills in
    what the first lacks (a day added, an abstract)."""
    out: dict[str, LibraryItem] = {}
    for item in items:
        key = f"id:{item.arxiv_id}" if item.arxiv_id else f"title:{_title_key(item.title)}"
        kept = out.get(key)
        if kept is None:
            out[key] = item
            continue
        out[key] = replace(
            kept,
            title=kept.title or item.title,
            abstract=kept.abstract or item.abstract,
            added=kept.added or item.added,
        )
    return list(out.values())


def _complete(
    items: Sequence[LibraryItem], history_lookup: HistoryLookup
) -> tuple[list[LibraryItem], list[str]]:
    """Each item with an id takes its text from the history; one the history lacks keeps its own text,
    or, with none, is left out with a warning."""
    out: list[LibraryItem] = []
    warnings: list[str] = []
    for item in items:
        if item.arxiv_id is None:
            out.append(item)
            continue
        paper = history_lookup(item.arxiv_id)
        if paper is not None:
            out.append(replace(item, title=paper.title, abstract=paper.abstract))
        elif item.title or item.abstract:
            out.append(item)
        else:
            warnings.append(f"{item.arxiv_id}: not in the stored history; left out")
    return out, warnings


__all__ = ["Found", "HistoryLookup", "load_library"]
