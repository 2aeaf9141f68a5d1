"""The reader's library for ranking (issue #9): every source ``library:`` names -> one
:class:`~arxiv_digest.models.Library`.

The readers (``sources/bibtex.py``, ``csl_json.py``, ``zotero.py``) give entries; this job makes them
rankable:

1. Each paper is taken once: by arXiv id, else by its title. The first source that names it wins (files in
   the order written, then ``arxiv:``, then Zotero), and what a later copy knows (a day added, an abstract)
   fills in. A paper both liked and disliked is a dislike, with a warning.
2. An entry with an arXiv id takes its title and abstract from the stored history (``history_lookup``,
   the store's). One the history lacks keeps its own text when it has a title and an abstract; otherwise
   it is completed from arXiv's export API (``id_list``, at most 100 ids a request, through the polite
   client and its 3 s), and what arXiv answered is kept in ``data/library.jsonl``, so a known entry costs
   no request again. An entry without id keeps the text it has; one with neither is left out with a
   warning naming its file and line.
3. The Zotero library is read only when it changed (``If-Modified-Since-Version``); the copy is kept in
   ``data/zotero.jsonl`` (``store/library.py`` says why ``data/``).

Nothing here fails a run over one entry or one outage: a broken *file* is a ConfigError (exit 2, file and
line), and so is Zotero refusing the key (403) or not knowing the library (404); an id arXiv cannot
complete, or a Zotero library that cannot be reached, is a warning, and the rest is ranked (a Zotero
outage falls back to the copy in ``data/``). The files in ``data/`` are written atomically, only when they
change; call this under the output lock, as every job writing ``data/`` does.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from pathlib import Path

from ..config import Config, LibrarySettings
from ..errors import ConfigError, FetchError, cannot_read
from ..models import Library, LibraryItem, Paper
from ..output import layout
from ..output.files import atomic_write
from ..sources import api
from ..sources.bibtex import parse_bibtex
from ..sources.csl_json import parse_csl_json
from ..sources.http import PoliteClient
from ..sources.library import Found
from ..sources.zotero import ZoteroClient, scopes
from ..store import library as kept

log = logging.getLogger(__name__)

#: The store's lookup: an arXiv id without version -> its latest stored announcement, or None.
HistoryLookup = Callable[[str], Paper | None]
#: Builds the Zotero client (tests give one whose sleep is recorded); the default is the real one.
ZoteroFactory = Callable[[Config], ZoteroClient]


def load_library(
    config: Config,
    out_dir: Path,
    *,
    history_lookup: HistoryLookup,
    client: PoliteClient | None,
    zotero: ZoteroFactory | None = None,
) -> Library:
    """The reader's library, or an empty :class:`Library` when the config has no ``library:``.

    ``out_dir`` is the digest folder (its ``data/`` keeps what was fetched); ``client`` is the polite
    arXiv client, for ids neither the history nor ``data/library.jsonl`` has (None: such ids are
    warnings). Raises :class:`ConfigError` for a file that cannot be read or parsed, or a Zotero key or
    library Zotero refuses (exit 2); every entry-level problem is a warning in the result."""
    settings = config.library
    if settings is None:
        return Library()
    data_dir = out_dir / layout.DATA
    warnings: list[str] = []
    entries = [*_files(settings, warnings), *(LibraryItem(title="", arxiv_id=i) for i in settings.arxiv)]
    if settings.zotero is not None:
        entries.extend(_zotero(config, data_dir, warnings, zotero))
    liked = _unique(entries)
    disliked = _unique(LibraryItem(title="", arxiv_id=i) for i in settings.dislike)
    disliked_ids = {d.arxiv_id for d in disliked}
    for item in liked:
        if item.arxiv_id is not None and item.arxiv_id in disliked_ids:
            warnings.append(
                f"{item.arxiv_id} is both in the library and under `dislike:`; taken as a dislike"
            )
    liked = [i for i in liked if i.arxiv_id is None or i.arxiv_id not in disliked_ids]
    completer = _Completer(data_dir, history_lookup, client)
    completer.prepare([*liked, *disliked])
    items = completer.complete(liked, warnings)
    dislikes = completer.complete(disliked, warnings)
    completer.save()
    return Library(items=tuple(items), dislikes=tuple(dislikes), warnings=tuple(warnings))


def _files(settings: LibrarySettings, warnings: list[str]) -> list[LibraryItem]:
    out: list[LibraryItem] = []
    readers: list[tuple[Sequence[Path], Callable[..., Found]]] = [
        (settings.bibtex, parse_bibtex),
        (settings.csl_json, parse_csl_json),
    ]
    for paths, parse in readers:
        for path in paths:
            found = parse(_read(path, warnings), path=str(path))
            out.extend(found.items)
            warnings.extend(found.warnings)
    return out


def _read(path: Path, warnings: list[str]) -> str:
    """The file's text: UTF-8 (a BOM allowed: Windows exporters, JabRef and Mendeley, may add one), else
    Windows-1252, which older BibTeX files and JabRef on Windows write, with a warning to export UTF-8."""
    try:
        data = path.read_bytes()
    except OSError as e:
        raise ConfigError(cannot_read(path, e), path=str(path)) from e
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            raise ConfigError(
                f"not UTF-8 text (byte 0x{data[e.start]:02x})",
                path=str(path),
                line=line,
                hint="save or export the library again as UTF-8",
            ) from None
        warnings.append(
            f"{path}:{line}: not UTF-8; read as Windows-1252 (export the library as UTF-8 to be sure of "
            "its accents)"
        )
        return text


def _title_key(title: str) -> str:
    return " ".join("".join(c for c in title.casefold() if c.isalnum() or c.isspace()).split())


def _unique(items: Iterable[LibraryItem]) -> list[LibraryItem]:
    """Each paper once (by arXiv id, else by title), in the order first named; a later copy fills in
    what the first lacks (a title, an abstract, a day added)."""
    out: dict[str, LibraryItem] = {}
    for item in items:
        if item.arxiv_id:
            key = f"id:{item.arxiv_id}"
        else:  # an entry with an abstract but no title is known by its abstract
            key = f"title:{_title_key(item.title)}" if item.title else f"abstract:{_title_key(item.abstract)}"
        kept_item = out.get(key)
        if kept_item is None:
            out[key] = item
            continue
        out[key] = replace(
            kept_item,
            title=kept_item.title or item.title,
            abstract=kept_item.abstract or item.abstract,
            added=kept_item.added or item.added,
        )
    return list(out.values())


# -- arXiv ids ------------------------------------------------------------------------------------
class _Completer:
    """Text for library entries that carry an arXiv id: the history, then data/library.jsonl, then the
    export API (whose answers are added to the file; entries no longer in the library leave it)."""

    def __init__(self, data_dir: Path, history_lookup: HistoryLookup, client: PoliteClient | None) -> None:
        self.data_dir = data_dir
        self.history_lookup = history_lookup
        self.client = client
        self.stored: dict[str, Paper] = {}
        self.known = kept.load_completed(data_dir)
        self.used: dict[str, kept.Completed] = {}
        self.failed: dict[str, str] = {}  # id -> why the API could not complete it

    def prepare(self, items: Sequence[LibraryItem]) -> None:
        """Look every id up, and fetch (100 a request) the ones only arXiv can complete."""
        wanted: list[str] = []
        for item in items:
            arxiv_id = item.arxiv_id
            if arxiv_id is None or arxiv_id in self.stored or arxiv_id in self.used:
                continue
            paper = self.history_lookup(arxiv_id)
            if paper is not None:
                self.stored[arxiv_id] = paper
            elif arxiv_id in self.known:
                self.used[arxiv_id] = self.known[arxiv_id]
            elif not (item.title and item.abstract) and arxiv_id not in wanted:
                wanted.append(arxiv_id)
        self._fetch(wanted)

    def _fetch(self, wanted: list[str]) -> None:
        if wanted and self.client is None:
            self.failed.update(dict.fromkeys(wanted, "arXiv's API was not asked (no client)"))
            return
        for first in range(0, len(wanted), api.MAX_IDS_PER_REQUEST):
            batch = wanted[first : first + api.MAX_IDS_PER_REQUEST]
            assert self.client is not None
            try:
                page = api.fetch_ids(self.client, self.client.settings.api_url, batch)
            except FetchError as e:
                log.warning("completing the library from arXiv's API: %s", e)
                # arXiv is failing: the rest is left for the next run rather than asked in vain.
                self.failed.update(dict.fromkeys(wanted[first:], f"arXiv's API failed ({e.detail})"))
                return
            answered = {s.id: s for s in page.entries}
            for arxiv_id in batch:
                s = answered.get(arxiv_id)
                self.used[arxiv_id] = (
                    kept.Completed(s.id, s.title, s.abstract, s.version) if s else kept.Completed(arxiv_id)
                )

    def complete(self, items: Sequence[LibraryItem], warnings: list[str]) -> list[LibraryItem]:
        out: list[LibraryItem] = []
        for item in items:
            arxiv_id = item.arxiv_id
            paper = self.stored.get(arxiv_id or "")
            done = self.used.get(arxiv_id or "")
            if arxiv_id is None:
                out.append(item)
            elif paper is not None:
                out.append(replace(item, title=paper.title, abstract=paper.abstract))
            elif done is not None and done.found:
                out.append(replace(item, title=done.title or item.title, abstract=done.abstract))
            elif item.title or item.abstract:
                out.append(item)
                if arxiv_id in self.failed:
                    warnings.append(f"{arxiv_id}: {self.failed[arxiv_id]}; used with its own title for now")
            elif done is not None:
                warnings.append(f"{arxiv_id}: arXiv has no such paper; left out (check the id)")
            else:
                why = self.failed.get(arxiv_id, "not found")
                warnings.append(f"{arxiv_id}: {why}; left out, the next run tries again")
        return out

    def save(self) -> None:
        content = kept.dumps_completed(self.used)
        path = self.data_dir / kept.LIBRARY_FILE
        if content or path.exists():
            atomic_write(path, content)


# -- Zotero ---------------------------------------------------------------------------------------
def _default_zotero(config: Config) -> ZoteroClient:
    assert config.library is not None and config.library.zotero is not None
    path = str(config.path) if config.path else None
    return ZoteroClient(config.library.zotero, config.arxiv, config_path=path)


def _zotero(
    config: Config, data_dir: Path, warnings: list[str], factory: ZoteroFactory | None
) -> list[LibraryItem]:
    """The Zotero library's items, read again only where it changed; data/zotero.jsonl keeps the copy.
    An outage falls back to the copy (with a warning); a refused key or unknown library is raised."""
    copies = kept.load_zotero(data_dir)
    assert config.library is not None and config.library.zotero is not None
    wanted = scopes(config.library.zotero)
    current: dict[str, kept.ZoteroCopy] = {}
    with (factory or _default_zotero)(config) as client:
        for scope in wanted:
            copy = copies.get(scope)
            try:
                read = client.read(scope, copy.version if copy else None)
            except FetchError as e:
                warnings.append(
                    f"Zotero could not be read ({e}); "
                    + ("using the copy in data/" if copy else "its items are left out this time")
                )
                if copy is not None:
                    current[scope] = copy
                continue
            warnings.extend(read.warnings)
            current[scope] = (
                copy
                if read.items is None and copy
                else kept.ZoteroCopy(scope, read.version, read.items or {})
            )
    content = kept.dumps_zotero(current)
    path = data_dir / kept.ZOTERO_FILE
    if content or path.exists():
        atomic_write(path, content)
    return [item for scope in wanted if scope in current for item in _newest_first(current[scope])]


def _newest_first(copy: kept.ZoteroCopy) -> list[LibraryItem]:
    """A scope's items, the most recently added first (ties by Zotero key, so the order is stable)."""
    ordered = sorted(copy.items.items(), key=lambda kv: kv[0])
    ordered.sort(key=lambda kv: kv[1].added or dt.date.min, reverse=True)
    return [item for _, item in ordered]


__all__ = ["HistoryLookup", "ZoteroFactory", "load_library"]
