"""A day's papers completed from arXiv's export API: their ``comment`` and ``journal_ref`` (issue #13).

arXiv's daily feed carries neither, and the code and venue facts read both: without them a daily run saw
almost no venue ("Accepted to CVPR 2026" lives in the comment) and about a fifth fewer code links. So,
with ``arxiv: comments: true`` (the default), the daily run asks the export API (``id_list``, at most
:data:`~arxiv_digest.sources.api.MAX_IDS_PER_REQUEST` ids a request, through the one polite client: a
500-paper day is five more requests, ``delay_seconds`` apart) before it computes the facts and writes
the snapshot, which keeps the comment: a rebuild or a fresh clone has it without asking again.

The rules (docs/design.md, "Comments from the export API"):

- The API answers with a paper's *latest* version; its comment is taken only when that version is the
  one the feed announced (a newer version's comment may state what the announced one did not).
- An id the API does not return keeps ``comment`` None; the feed's own journal reference, when it has
  one, wins over the API's.
- A failure (an error status after the retries, a timeout, a page that does not parse) never fails the
  run: the papers not yet completed keep what the feed gave, the day is published, and the day's
  warnings (``data/<day>.meta.json``, so ``status`` shows it) name the API's URL. Papers completed by
  the batches before the failure keep their comments: each is exact for its version.
- A day already stored is completed from its snapshot (the same id and version), so re-running it asks
  the API nothing; only a paper the snapshot lacks is asked for, and everything again when the stored
  day's warnings say its completion failed.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ..config import ArxivSettings
from ..errors import FeedFormatError, FetchError
from ..facts import with_facts
from ..models import Paper
from ..output import layout
from ..sources import api
from ..sources.http import PoliteClient
from ..store import meta as day_meta
from ..store import snapshot as snapshots
from ..wording import counted

log = logging.getLogger(__name__)

#: How the warning of a failed completion begins: `status` tells it from a parse warning by it, and a
#: re-run of the day by it knows to ask again.
INCOMPLETE = "comments and journal references incomplete"

#: (comment, journal_ref) as the API gave them for the announced version.
_Found = tuple[str | None, str | None]


@dataclass(frozen=True, slots=True)
class Completion:
    papers: tuple[Paper, ...]
    warnings: tuple[str, ...] = ()
    requests: int = 0  # id_list requests sent (0: from the stored snapshot, or off)


def is_incomplete_warning(warning: str) -> bool:
    return warning.startswith(INCOMPLETE)


def complete_comments(
    client: PoliteClient, settings: ArxivSettings, papers: Sequence[Paper], data_dir: Path, day: dt.date
) -> Completion:
    """``papers`` with the comment and journal reference arXiv's API gives for their versions, and the
    facts extracted again from them; a warning instead of an error when the API fails."""
    if not settings.comments or not papers:
        return Completion(tuple(papers))
    stored = _stored(data_dir, day)
    found: dict[str, _Found] = {}
    wanted: list[Paper] = []
    for paper in papers:
        kept = stored.get(paper.id)
        if kept is not None and kept.version == paper.version:
            found[paper.id] = (kept.comment, kept.journal_ref)
        else:
            wanted.append(paper)
    requests, warning = _ask(client, settings.api_url, wanted, found)
    log.info(
        "comments: %s from data/, %s asked of arXiv's API in %s",
        counted(len(papers) - len(wanted), "paper"),
        counted(len(wanted), "paper"),
        counted(requests, "request"),
    )
    completed = tuple(_completed(p, found.get(p.id)) for p in papers)
    return Completion(completed, (warning,) if warning else (), requests)


def _ask(
    client: PoliteClient, api_url: str, wanted: list[Paper], found: dict[str, _Found]
) -> tuple[int, str | None]:
    """Fill ``found`` for ``wanted``, 100 ids a request; the requests sent, and a warning on failure."""
    requests = 0
    newer = 0
    step = api.MAX_IDS_PER_REQUEST
    for first in range(0, len(wanted), step):
        batch = {p.id: p for p in wanted[first : first + step]}
        requests += 1
        try:
            page = api.fetch_ids(client, api_url, list(batch))
        except FetchError as e:
            why = e.problem if isinstance(e, FeedFormatError) else e.detail
            status = f"HTTP {e.status}: " if e.status not in (None, 200) else ""
            warning = (
                f"{INCOMPLETE}: arXiv's API {api_url} failed ({status}{why}); "
                f"{counted(len(wanted) - first, 'paper')} of {len(wanted)} keep only what the feed "
                "gives (their badges from the abstract); the next run of this day asks again"
            )
            log.warning("%s", warning)
            return requests, warning
        for s in page.entries:
            paper = batch.get(s.id)
            if paper is None:
                continue
            if s.version == paper.version:
                found[s.id] = (s.comment, s.journal_ref)
            else:
                newer += 1
    if newer:
        log.info("%s revised since the feed: the API's comments left out", counted(newer, "paper"))
    return requests, None


def _completed(paper: Paper, found: _Found | None) -> Paper:
    if found is None:
        return paper
    comment, journal_ref = found
    journal_ref = paper.journal_ref or journal_ref
    if comment == paper.comment and journal_ref == paper.journal_ref:
        return paper
    return with_facts(paper.with_(comment=comment, journal_ref=journal_ref, facts=None))


def _stored(data_dir: Path, day: dt.date) -> dict[str, Paper]:
    """The stored papers of ``day`` by id, when the day was completed: nothing when it is not stored or
    its completion failed (then the API is asked). A snapshot that does not parse raises its
    :class:`~arxiv_digest.errors.StoreError` (file and line) before any request: the run would refuse
    to replace it anyway."""
    path = data_dir / layout.snapshot_name(day)
    try:
        meta = day_meta.read(data_dir, day)
        if meta is not None and any(is_incomplete_warning(w) for w in meta.warnings):
            return {}
        papers = snapshots.loads(path.read_bytes(), source=str(path), day=day)
    except FileNotFoundError:
        return {}
    except OSError as e:
        log.warning("%s: not read for its comments (%s); asking arXiv's API", path, e)
        return {}
    return {p.id: p for p in papers}
