"""Remote search: ask arXiv's export API for candidates, judge them with our own matcher, keep the matches.

arXiv's search means something else than our query language (it stems words, its ``all:`` covers every
field), so :func:`arxiv_digest.sources.api.translate` asks it for a superset of what the query means, and
every candidate is judged by :class:`~arxiv_digest.match.Matcher`, the matcher topics use. The results
therefore mean exactly what the query says, over what arXiv returned.

Paging is polite: ``page_size`` results a request (100 by default), newest submissions first, one request
per ``delay_seconds`` through
:class:`~arxiv_digest.sources.http.PoliteClient`, at most ``max_pages`` requests;
a search that hits that bound says so (``complete=False``) rather than pretending it saw everything.
Matches are stored in ``data/remote/<YYYY-MM>.jsonl`` (see :mod:`arxiv_digest.store.remote`).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..config import ArxivSettings
from ..match.engine import Matcher, TopicRule
from ..models import Submission, id_sort_key
from ..output import layout
from ..output.files import Staging
from ..output.lock import OutputLock
from ..query.ast import Node
from ..sources import api
from ..sources.http import PoliteClient
from ..store import remote as remote_store

log = logging.getLogger(__name__)

DEFAULT_PAGE_SIZE = 100
DEFAULT_MAX_PAGES = 10


@dataclass(frozen=True, slots=True)
class RemoteSearch:
    query: api.ApiQuery
    matches: tuple[Submission, ...]  # newest submission first
    candidates: int  # distinct papers arXiv returned
    total: int  # what arXiv said it had (opensearch:totalResults)
    pages: int
    complete: bool  # False when max_pages stopped the paging first


def run_remote_search(
    settings: ArxivSettings,
    out_dir: Path,
    tree: Node,
    date_from: dt.date,
    date_to: dt.date,
    *,
    page_size: int = DEFAULT_PAGE_SIZE,
    max_pages: int = DEFAULT_MAX_PAGES,
    on_page: Callable[[int, int, int], None] | None = None,
) -> tuple[RemoteSearch, int]:
    """Page through arXiv's answer to the translated query, keep the candidates ``tree`` selects and store
    them in ``out_dir/data/remote/``. Returns the search and the number of files written. Nothing is
    written unless every page was fetched and parsed.

    ``on_page(pages, candidates so far, total)`` is called after each page."""
    query = api.translate(tree, date_from, date_to)
    matcher = Matcher([TopicRule("query", tree)])
    seen: dict[str, Submission] = {}
    matches: dict[str, Submission] = {}
    start = total = pages = 0
    complete = False
    with PoliteClient(settings) as client:
        while pages < max_pages:
            page = api.fetch_page(client, settings.api_url, query.search_query, start, page_size)
            pages += 1
            total = page.total
            for s in page.entries:
                if s.id in seen:
                    continue
                seen[s.id] = s
                if matcher.match(s.as_paper()):
                    matches[s.id] = s
            if on_page is not None:
                on_page(pages, len(seen), total)
            start += page_size
            if start >= total:
                complete = True
                break
            if not page.entries:  # arXiv sometimes answers an empty page mid-way; do not loop on it
                log.warning("%s: an empty page at %d of %d results; stopping here", page.url, start, total)
                break
    ordered = sorted(matches.values(), key=lambda s: (s.submitted, id_sort_key(s.id)), reverse=True)
    result = RemoteSearch(query, tuple(ordered), len(seen), total, pages, complete)
    return result, store_matches(out_dir, result.matches)


def store_matches(out_dir: Path, matches: tuple[Submission, ...] | list[Submission]) -> int:
    """Merge ``matches`` into ``out_dir/data/remote/*.jsonl`` under the output lock; files written."""
    if not matches:
        return 0
    with OutputLock(out_dir):
        files = remote_store.merged(out_dir / layout.DATA, matches)
        staging = Staging(out_dir)
        for relative, content in files.items():
            staging.add(layout.in_data(relative), content)
        written, _ = staging.commit()
    return written
