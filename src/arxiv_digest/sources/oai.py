"""arXiv's OAI-PMH interface: ``ListRecords`` in the ``arXiv`` metadata format, one set at a time, page by
page -> :class:`OaiPage` of :class:`OaiRecord`, and a record -> :class:`~arxiv_digest.models.Paper`.

The protocol (OAI-PMH 2.0, openarchives.org/OAI/openarchivesprotocol.html) and arXiv's use of it
(info.arxiv.org/help/oa/index.html):

- the first request names ``verb=ListRecords``, ``metadataPrefix=arXiv``, the ``set``, ``from`` and
  ``until`` (UTC dates, both inclusive); every later one sends ``verb=ListRecords&resumptionToken=…`` and
  nothing else (a token is exclusive: any other argument is a ``badArgument``);
- the last page carries an empty ``<resumptionToken/>`` (or none);
- a list that would never end (a token sent twice, a cycle of tokens, or new ones past
  :data:`MAX_PAGES_PER_SET` pages) is ended by :class:`ListGuard` with an :class:`EndlessListError`;
- errors come back as HTTP 200 with ``<error code="…">``; ``noRecordsMatch`` only means "nothing in that
  range" and is read as an empty page; every other code is a :class:`FetchError` naming the URL and code;
- HTTP 503 with ``Retry-After`` is arXiv's flow control, honoured by
  :class:`~arxiv_digest.sources.http.PoliteClient`;
- a record's ``datestamp`` is the UTC date of its last change (for a new paper, the night it was announced);
  a deleted record has ``status="deleted"`` and no metadata.

Sets are ``group:archive:subject`` (``cs:cs:CV``, ``physics:astro-ph:GA``, ``math:math:AG``); an archive
that is itself a category is ``group:archive`` (``physics:hep-th``, ``physics:quant-ph``). A paper is in the
set of each of its categories, so one cross-listed to two tracked categories arrives twice.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from lxml import etree

from ..errors import EndlessListError, FeedFormatError, OaiError
from ..facts import extract
from ..models import AnnounceType, Paper, parse_arxiv_id
from ..taxonomy import Taxonomy, load_taxonomy
from ..text import clean_abstract, clean_author, clean_title, normalize_whitespace
from ._xml import by_name, child, children, local, parse_xml, text_of
from .http import PoliteClient, Response

log = logging.getLogger(__name__)

METADATA_PREFIX = "arXiv"
#: A record created at most this many days before its datestamp, with no later version, is inferred to be
#: new that day: arXiv announces a submission one to three working days after it arrives, and a holiday
#: or a weekend adds a few more.
NEW_WITHIN_DAYS = 7
#: A set's list is abandoned past this many pages (issue #7). arXiv's OAI pages hold about 1000 records:
#: a year of one category is a few dozen pages, a year of all of cs.* a few hundred, so 1000 leave room for
#: years of the busiest set we could be asked for; a longer range is split with --from/--to. At >= 3 s a
#: request, a never-ending list costs 50 minutes, never more.
MAX_PAGES_PER_SET = 1000
#: Errors that are the harvester's (or arXiv's) fault, not an empty range.
_NO_RECORDS = "noRecordsMatch"
_ERROR_HINTS = {
    "badArgument": "arXiv refused the request's arguments (dates, set or prefix)",
    "badResumptionToken": "the resumption token is invalid or has expired; run the backfill again",
    "cannotDisseminateFormat": "arXiv does not serve the requested metadata format",
    "badVerb": "arXiv does not know the requested verb",
}


@dataclass(frozen=True, slots=True)
class OaiRecord:
    """One record of the ``arXiv`` metadata format, with its OAI header. Text is cleaned, not escaped."""

    datestamp: dt.date
    sets: tuple[str, ...]
    id: str
    created: dt.date | None
    updated: dt.date | None
    title: str
    authors: tuple[str, ...]
    categories: tuple[str, ...]  # primary first, as arXiv lists them
    abstract: str
    comment: str | None = None
    journal_ref: str | None = None
    doi: str | None = None
    license: str | None = None


@dataclass(frozen=True, slots=True)
class OaiPage:
    """One ``ListRecords`` answer. ``token`` is None on the last page (and for ``noRecordsMatch``)."""

    url: str
    records: tuple[OaiRecord, ...]
    token: str | None
    cursor: int | None = None
    complete_list_size: int | None = None
    deleted: int = 0


class ListGuard:
    """Watches one set's list page by page: :meth:`check` raises :class:`EndlessListError` on a token
    already seen (the same token twice, or a cycle) or on a page at the cap still holding a token.
    ``pages`` counts the set's pages, an interrupted run's included (``pages`` and ``resumed_from``, the
    token it resumes from, carry them over)."""

    def __init__(self, set_spec: str, *, pages: int = 0, resumed_from: str | None = None) -> None:
        self.set_spec = set_spec
        self.pages = pages
        self.max_pages = MAX_PAGES_PER_SET  # read now, so a test can lower it
        self._seen = {resumed_from} if resumed_from is not None else set()

    def check(self, page: OaiPage) -> None:
        self.pages += 1
        token = page.token
        if token is None:
            return
        where = f"set {self.set_spec}, page {self.pages}"
        if token in self._seen:
            raise EndlessListError(
                page.url,
                f"arXiv sent the resumption token {token!r} again ({where}): its list would never "
                "end; nothing was published. Run the backfill again (the set starts over), later if "
                "this persists",
            )
        if self.pages >= self.max_pages:
            raise EndlessListError(
                page.url,
                f"the list of {self.set_spec} is still going after {self.pages} pages, the most a set may "
                "take (arXiv's pages hold about 1000 records); nothing was published. Run the backfill "
                "again later, or over shorter ranges (--from/--to)",
            )
        self._seen.add(token)


# -- sets ---------------------------------------------------------------------------------------------
def set_spec(code: str, taxonomy: Taxonomy | None = None) -> str:
    """The OAI set holding a category or an archive: ``cs.CV`` -> ``cs:cs:CV``, ``astro-ph`` ->
    ``physics:astro-ph``, ``hep-th`` -> ``physics:hep-th``."""
    taxonomy = taxonomy or load_taxonomy()
    archive = code.split(".")[0]
    group = taxonomy.archive_groups.get(archive)
    if group is None:
        raise ValueError(f"no OAI set for {code!r}: its archive {archive!r} is not in arXiv's taxonomy")
    if "." in code:
        subject = code.split(".", 1)[1]
        return f"{group}:{archive}:{subject}"
    return f"{group}:{archive}"


def set_specs(codes: tuple[str, ...] | list[str], taxonomy: Taxonomy | None = None) -> tuple[str, ...]:
    """The sets to harvest for tracked categories, in config order, each once."""
    return tuple(dict.fromkeys(set_spec(c, taxonomy) for c in codes))


# -- requests -----------------------------------------------------------------------------------------
def first_params(set_: str, date_from: dt.date, date_to: dt.date) -> dict[str, str]:
    return {
        "verb": "ListRecords",
        "metadataPrefix": METADATA_PREFIX,
        "set": set_,
        "from": date_from.isoformat(),
        "until": date_to.isoformat(),
    }


def resume_params(token: str) -> dict[str, str]:
    """A resumption token is sent alone (OAI-PMH 2.0, 3.5: it is an exclusive argument)."""
    return {"verb": "ListRecords", "resumptionToken": token}


def fetch_page(client: PoliteClient, oai_url: str, params: Mapping[str, str]) -> OaiPage:
    """One ``ListRecords`` request, parsed; a truncated or garbled body is fetched once more."""
    return client.get_parsed(oai_url, parse_response, params)


# -- parsing ------------------------------------------------------------------------------------------
def parse_response(response: Response) -> OaiPage:
    return parse_page(response.content, response.url, status=response.status)


def parse_page(content: bytes, url: str = "<oai>", *, status: int | None = None) -> OaiPage:
    root = parse_xml(content, url, status=status)
    if local(root.tag) != "OAI-PMH":
        raise FeedFormatError(url, f"expected an OAI-PMH document, got <{local(root.tag)}>", status=status)
    errors = children(root, "error")
    if errors:
        codes = [(e.get("code") or "?", text_of(e) or "") for e in errors]
        for code, message in codes:
            if code != _NO_RECORDS:
                raise OaiError(url, code, message, hint=_ERROR_HINTS.get(code))
        return OaiPage(url=url, records=(), token=None)
    body = child(root, "ListRecords")
    if body is None:
        raise FeedFormatError(url, "OAI-PMH answer without <ListRecords> or <error>", status=status)
    records: list[OaiRecord] = []
    deleted = 0
    for n, element in enumerate(children(body, "record"), 1):
        record = _record(element, n, url, status)
        if record is None:
            deleted += 1
        else:
            records.append(record)
    token_el = child(body, "resumptionToken")
    token = (text_of(token_el) or "").strip() if token_el is not None else ""
    return OaiPage(
        url=url,
        records=tuple(records),
        token=token or None,
        cursor=_int_attr(token_el, "cursor"),
        complete_list_size=_int_attr(token_el, "completeListSize"),
        deleted=deleted,
    )


def _int_attr(element: etree._Element | None, name: str) -> int | None:
    if element is None:
        return None
    value = (element.get(name) or "").strip()
    return int(value) if value.isdigit() else None


def _date(value: str | None) -> dt.date | None:
    if not value or not value.strip():
        return None
    try:  # a date, or (at a finer granularity) a UTC timestamp whose date is what counts
        return dt.date.fromisoformat(value.strip()[:10])
    except ValueError:
        return None


def _record(element: etree._Element, n: int, url: str, status: int | None) -> OaiRecord | None:
    header = child(element, "header")
    if header is None:
        raise FeedFormatError(url, f"record {n} has no <header>", status=status)
    identifier = (text_of(child(header, "identifier")) or "").strip()
    if header.get("status") == "deleted":
        return None
    datestamp = _date(text_of(child(header, "datestamp")))
    if datestamp is None:
        raise FeedFormatError(
            url, f"record {n} ({identifier or '?'}) has no valid <datestamp>", status=status
        )
    sets = tuple(t.strip() for s in children(header, "setSpec") if (t := text_of(s)) and t.strip())
    metadata = child(element, "metadata")
    arxiv = child(metadata, "arXiv") if metadata is not None else None
    if arxiv is None:
        raise FeedFormatError(
            url, f"record {n} ({identifier or '?'}) has no <metadata><arXiv> element", status=status
        )
    fields = by_name(arxiv)

    def first(name: str) -> str | None:
        found = fields.get(name)
        value = text_of(found[0]) if found else None
        return value if value is not None and value.strip() else None

    def missing(what: str) -> FeedFormatError:
        return FeedFormatError(url, f"record {n} ({identifier or '?'}) has no {what}", status=status)

    raw_id = first("id") or identifier
    try:
        arxiv_id, _ = parse_arxiv_id(raw_id)
    except ValueError:
        raise missing(f"valid arXiv identifier (got {raw_id!r})") from None
    title = first("title")
    if title is None:
        raise missing("<title>")
    categories = tuple(dict.fromkeys((first("categories") or "").split()))
    if not categories:
        raise missing("<categories>")
    authors = tuple(a for a in (_author(el) for el in _authors(fields)) if a)
    if not authors:
        raise missing("<authors>")

    def opt(name: str) -> str | None:
        value = first(name)
        return normalize_whitespace(value) if value else None

    return OaiRecord(
        datestamp=datestamp,
        sets=sets,
        id=arxiv_id,
        created=_date(first("created")),
        updated=_date(first("updated")),
        title=clean_title(title),
        authors=authors,
        categories=categories,
        abstract=clean_abstract(first("abstract") or ""),
        comment=opt("comments"),
        journal_ref=opt("journal-ref"),
        doi=opt("doi"),
        license=opt("license"),
    )


def _authors(fields: dict[str, list[etree._Element]]) -> list[etree._Element]:
    container = fields.get("authors")
    return children(container[0], "author") if container else []


def _author(element: etree._Element) -> str:
    """``forenames keyname suffix`` (``Jr.``, ``III``), TeX accents turned into letters."""
    parts = by_name(element)
    words = [text_of(parts[name][0]) for name in ("forenames", "keyname", "suffix") if name in parts]
    return clean_author(" ".join(w for w in words if w and w.strip()))


# -- records -> papers --------------------------------------------------------------------------------
def announce_type(record: OaiRecord, is_tracked: Callable[[str], bool]) -> AnnounceType:
    """What the daily feed would most likely have called this record on its datestamp (OAI does not say).

    New: a single version (no ``updated``) created at most :data:`NEW_WITHIN_DAYS` before the datestamp;
    anything else changed that day is a replacement (a new version, or a metadata correction, which OAI
    cannot tell apart). Cross when the primary category is not tracked. See docs/backfill.md.
    """
    primary_tracked = is_tracked(record.categories[0])
    fresh = (
        record.updated is None
        and record.created is not None
        and 0 <= (record.datestamp - record.created).days <= NEW_WITHIN_DAYS
    )
    if fresh:
        return AnnounceType.NEW if primary_tracked else AnnounceType.CROSS
    return AnnounceType.REPLACE if primary_tracked else AnnounceType.REPLACE_CROSS


def to_paper(record: OaiRecord, is_tracked: Callable[[str], bool]) -> Paper:
    """The record as a Paper announced on its datestamp. The ``arXiv`` format has no version number: a
    record with an ``updated`` date has had at least two versions, so it is v2; otherwise v1."""
    return Paper(
        id=record.id,
        version=1 if record.updated is None else 2,
        title=record.title,
        authors=record.authors,
        abstract=record.abstract,
        categories=record.categories,
        announce_type=announce_type(record, is_tracked),
        announced=record.datestamp,
        comment=record.comment,
        journal_ref=record.journal_ref,
        doi=record.doi,
        license=record.license,
        facts=extract(record.abstract, record.comment, record.journal_ref),  # once, at ingestion
    )
