"""arXiv's OAI-PMH interface (``ListRecords``, ``metadataPrefix=arXiv``), served from real records.

Built the way arXiv's own server answers (OAI-PMH 2.0; arXiv's oaipmh service and its templates):

- ``<OAI-PMH>`` with ``responseDate``, ``request`` (the arguments as attributes) and ``ListRecords``, or
  ``<error code="…">`` with HTTP 200: ``badVerb``, ``badArgument`` (unknown, repeated or malformed
  arguments, a token not sent alone), ``cannotDisseminateFormat``, ``badResumptionToken``,
  ``noRecordsMatch``;
- each record: ``header`` (``identifier`` oai:arXiv.org:<id>, ``datestamp`` YYYY-MM-DD, one ``setSpec``
  per category: ``group:archive:subject``), then ``metadata/arXiv`` in the ``http://arxiv.org/OAI/arXiv/``
  namespace: ``id``, ``created``, ``updated`` (only after a revision), ``authors/author`` (``keyname``,
  ``forenames``, ``suffix``; TeX accents as arXiv stores them), ``title``, ``categories`` (space-separated,
  primary first), ``comments``, ``journal-ref``, ``doi``, ``license``, ``abstract`` (arXiv's line breaks);
  a deleted record has ``status="deleted"`` and no metadata;
- records in datestamp order, ``page_size`` a page; a ``resumptionToken`` (with ``cursor`` and
  ``completeListSize``) while more remain, an empty one on the last page of a long list. Tokens look
  like arXiv's (an encoded query: ``&``, ``=`` and ``:`` inside), so a client must URL-encode them.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from .feeds import DATA, load_records, tex_accents

OAI_NS = "http://www.openarchives.org/OAI/2.0/"
ARXIV_NS = "http://arxiv.org/OAI/arXiv/"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
LICENSE = "http://creativecommons.org/licenses/by/4.0/"
_SUFFIXES = {"Jr.", "Jr", "Sr.", "Sr", "II", "III", "IV"}


def _taxonomy() -> dict[str, dict[str, object]]:
    path = Path(__file__).resolve().parents[2] / "src" / "arxiv_digest" / "data" / "arxiv_categories.json"
    categories: dict[str, dict[str, object]] = json.loads(path.read_text(encoding="utf-8"))["categories"]
    return categories


_CATEGORIES = _taxonomy()


def category_set(code: str) -> str:
    """arXiv's set for a category: its group, then the category with ``.`` written ``:``."""
    return f"{_CATEGORIES[code]['group']}:{code.replace('.', ':')}"


@dataclass(frozen=True)
class OaiItem:
    """One record as the fake serves it."""

    record: dict[str, object]  # a real record from tests/data/arxiv-days
    datestamp: dt.date
    created: dt.date
    updated: dt.date | None = None
    deleted: bool = False
    journal_ref: str | None = None
    doi: str | None = None

    @property
    def id(self) -> str:
        return str(self.record["id"])

    @property
    def categories(self) -> list[str]:
        """The record's arXiv categories (the data also lists MSC and ACM classes; arXiv's field does not)."""
        cats = self.record["categories"]
        assert isinstance(cats, list)
        return [c for c in cats if c in _CATEGORIES]

    @property
    def sets(self) -> list[str]:
        return list(dict.fromkeys(category_set(c) for c in self.categories))


def scenario(
    days: Sequence[dt.date],
    *,
    source_day: str = "2026-06-30",
    replaced_from: str | None = "2025-10-15",
    replaced_count: int = 20,
    limit: int | None = None,
) -> list[OaiItem]:
    """The real records of ``source_day`` spread over ``days`` (each announced new: created the day
    before its datestamp), plus ``replaced_count`` older papers revised on those days, plus one deleted
    record."""
    records = load_records(source_day)[:limit]
    items = [
        OaiItem(r, datestamp=days[i % len(days)], created=days[i % len(days)] - dt.timedelta(days=1))
        for i, r in enumerate(records)
    ]
    if replaced_from:
        old = load_records(replaced_from)[:replaced_count]
        created = dt.date.fromisoformat(replaced_from) - dt.timedelta(days=1)
        for i, r in enumerate(old):
            stamp = days[i % len(days)]
            items.append(
                OaiItem(
                    r,
                    datestamp=stamp,
                    created=created,
                    updated=stamp - dt.timedelta(days=1),
                    journal_ref="Proc. of a Real Conference 2026" if i % 2 else None,
                    doi=f"10.1234/fake.{i}" if i % 3 == 0 else None,
                )
            )
    if items:
        items.append(
            OaiItem(records[0] | {"id": "2606.99999"}, datestamp=days[0], created=days[0], deleted=True)
        )
    return items


def split_name(name: str) -> tuple[str, str | None, str | None]:
    """(keyname, forenames, suffix) of a full name, as arXiv's ``arXiv`` format separates them."""
    words = name.split()
    suffix = None
    if len(words) > 2 and words[-1] in _SUFFIXES:
        suffix = words.pop()
    keyname = words.pop() if words else name
    return keyname, " ".join(words) or None, suffix


@dataclass
class FakeOai:
    """The ``/oai`` route: install with ``fake.oai_handler = FakeOai(items).handle``."""

    items: list[OaiItem]
    page_size: int = 50
    base_url: str = "http://127.0.0.1/oai"
    tokens: dict[str, tuple[tuple[OaiItem, ...], int, dict[str, str]]] = field(default_factory=dict)
    _counter: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.items = sorted(self.items, key=lambda i: (i.datestamp, i.id))

    # -- protocol ------------------------------------------------------------------------------
    def handle(self, query: dict[str, list[str]]) -> tuple[int, bytes]:
        args = {k: v[0] for k, v in query.items()}
        if any(len(v) > 1 for v in query.values()):
            return self.error(args, "badArgument", "repeated argument")
        verb = args.get("verb")
        if verb != "ListRecords":
            return self.error({}, "badVerb", f"illegal verb {verb!r}")
        if "resumptionToken" in args:
            if set(args) != {"verb", "resumptionToken"}:
                return self.error(args, "badArgument", "resumptionToken is an exclusive argument")
            with self._lock:
                state = self.tokens.get(args["resumptionToken"])
            if state is None:
                return self.error(
                    args,
                    "badResumptionToken",
                    "The value of the resumptionToken argument is invalid or expired.",
                )
            matching, offset, first_args = state
            return 200, self.page(args, matching, offset, origin=first_args)
        allowed = {"verb", "metadataPrefix", "set", "from", "until"}
        if set(args) - allowed:
            return self.error(args, "badArgument", f"unknown argument(s): {sorted(set(args) - allowed)}")
        if "metadataPrefix" not in args:
            return self.error(args, "badArgument", "metadataPrefix required")
        if args["metadataPrefix"] != "arXiv":
            return self.error(args, "cannotDisseminateFormat", "Did not recognize requested format")
        try:
            start = dt.date.fromisoformat(args["from"]) if "from" in args else dt.date.min
            end = dt.date.fromisoformat(args["until"]) if "until" in args else dt.date.max
        except ValueError:
            return self.error(args, "badArgument", "from/until must be YYYY-MM-DD")
        wanted = args.get("set")
        matching = tuple(
            i
            for i in self.items
            if start <= i.datestamp <= end
            and (wanted is None or any(s == wanted or s.startswith(wanted + ":") for s in i.sets))
        )
        if not matching:
            return self.error(
                args,
                "noRecordsMatch",
                "The combination of the values of the from, until, set and metadataPrefix arguments "
                "results in an empty list.",
            )
        return 200, self.page(args, matching, 0)

    def page(
        self,
        args: dict[str, str],
        matching: tuple[OaiItem, ...],
        offset: int,
        origin: dict[str, str] | None = None,
    ) -> bytes:
        """One page; ``origin`` is the list's first request (what its tokens encode)."""
        origin = origin or args
        root, body = self._document(args, "ListRecords")
        for item in matching[offset : offset + self.page_size]:
            body.append(record_element(item))
        more = offset + self.page_size < len(matching)
        if more or offset > 0:
            token_el = etree.SubElement(
                body, f"{{{OAI_NS}}}resumptionToken", cursor=str(offset), completeListSize=str(len(matching))
            )
            if more:
                with self._lock:
                    n = next(self._counter)
                    skip = offset + self.page_size
                    token = f"metadataPrefix=arXiv&skip={skip}&n={n}&set={origin.get('set', '')}"
                    self.tokens[token] = (matching, offset + self.page_size, origin)
                token_el.text = token
                token_el.set("expires", "2099-01-01T00:00:00Z")
        return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)

    def error(self, args: dict[str, str], code: str, message: str) -> tuple[int, bytes]:
        return 200, error_body(code, message, args, self.base_url)

    def _document(self, args: dict[str, str], verb: str) -> tuple[etree._Element, etree._Element]:
        root = _root()
        request = etree.SubElement(root, f"{{{OAI_NS}}}request", **args)
        request.text = self.base_url
        return root, etree.SubElement(root, f"{{{OAI_NS}}}{verb}")


def _root() -> etree._Element:
    root = etree.Element(f"{{{OAI_NS}}}OAI-PMH", nsmap={None: OAI_NS, "xsi": XSI_NS})
    root.set(f"{{{XSI_NS}}}schemaLocation", f"{OAI_NS} http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd")
    etree.SubElement(root, f"{{{OAI_NS}}}responseDate").text = "2026-07-02T12:00:00Z"
    return root


def error_body(
    code: str, message: str, args: dict[str, str] | None = None, base_url: str = "http://127.0.0.1/oai"
) -> bytes:
    """An OAI-PMH error document (HTTP 200), as arXiv answers one."""
    root = _root()
    request = etree.SubElement(root, f"{{{OAI_NS}}}request", **(args or {}))
    request.text = base_url
    etree.SubElement(root, f"{{{OAI_NS}}}error", code=code).text = message
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def record_element(item: OaiItem) -> etree._Element:
    record = etree.Element(f"{{{OAI_NS}}}record")
    header = etree.SubElement(record, f"{{{OAI_NS}}}header")
    if item.deleted:
        header.set("status", "deleted")
    etree.SubElement(header, f"{{{OAI_NS}}}identifier").text = f"oai:arXiv.org:{item.id}"
    etree.SubElement(header, f"{{{OAI_NS}}}datestamp").text = item.datestamp.isoformat()
    for s in item.sets:
        etree.SubElement(header, f"{{{OAI_NS}}}setSpec").text = s
    if item.deleted:
        return record
    metadata = etree.SubElement(record, f"{{{OAI_NS}}}metadata")
    arxiv = etree.SubElement(metadata, f"{{{ARXIV_NS}}}arXiv", nsmap={None: ARXIV_NS, "xsi": XSI_NS})
    arxiv.set(f"{{{XSI_NS}}}schemaLocation", f"{ARXIV_NS} http://arxiv.org/OAI/arXiv.xsd")

    def sub(parent: etree._Element, tag: str, text: str | None) -> None:
        if text is not None:
            etree.SubElement(parent, f"{{{ARXIV_NS}}}{tag}").text = text

    r = item.record
    sub(arxiv, "id", item.id)
    sub(arxiv, "created", item.created.isoformat())
    sub(arxiv, "updated", item.updated.isoformat() if item.updated else None)
    authors = etree.SubElement(arxiv, f"{{{ARXIV_NS}}}authors")
    names = r["authors"]
    assert isinstance(names, list)
    for name in names:
        keyname, forenames, suffix = split_name(str(name))
        author = etree.SubElement(authors, f"{{{ARXIV_NS}}}author")
        sub(author, "keyname", tex_accents(keyname))
        sub(author, "forenames", tex_accents(forenames) if forenames else None)
        sub(author, "suffix", suffix)
    sub(arxiv, "title", str(r["title"]))
    sub(arxiv, "categories", " ".join(item.categories))
    comment = r.get("comment")
    sub(arxiv, "comments", str(comment) if comment else None)
    sub(arxiv, "journal-ref", item.journal_ref)
    sub(arxiv, "doi", item.doi)
    sub(arxiv, "license", LICENSE)
    sub(arxiv, "abstract", str(r["summary"]))
    return record


def items_on(items: Iterable[OaiItem], day: dt.date) -> list[OaiItem]:
    return [i for i in items if i.datestamp == day and not i.deleted]


__all__ = [
    "DATA",
    "FakeOai",
    "OaiItem",
    "category_set",
    "error_body",
    "items_on",
    "record_element",
    "scenario",
]
