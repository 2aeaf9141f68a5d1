"""arXiv's daily announcement feed: one request for all tracked categories -> one :class:`Announcement`.

Format (info.arxiv.org/help/rss_specifications.html): ``https://rss.arxiv.org/rss/<cat>+<cat>…`` is RSS 2.0
holding exactly one announcement day (switching at midnight US Eastern); the channel's ``pubDate`` is that
day at 00:00 ET; it is empty (HTTP 200, no items) on weekends and holidays. Each item has ``title``,
``link`` (https://arxiv.org/abs/<id>), ``description`` ("arXiv:<id>v<N> Announce Type: <type> \\nAbstract:
…"), ``guid`` (oai:arXiv.org:<id>v<N>), one ``category`` per category (primary first), ``pubDate``,
``arxiv:announce_type`` (new|cross|replace|replace-cross, relative to the requested categories),
``dc:rights``, ``dc:creator`` (all authors in one string, TeX accents possible), and optionally
``arxiv:DOI`` and ``arxiv:journal_reference``. A bad category answers HTTP 400 with a feed titled
"Feed error for query: …". The Atom variant (``/atom/``) carries the same fields and is read too.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Sequence

from lxml import etree

from ..errors import FeedFormatError, FetchError
from ..http import PoliteClient, Response
from ..models import Announcement, AnnounceType, Paper, parse_arxiv_id
from ..text import clean_abstract, clean_title, split_authors
from ._xml import arxiv_day, by_name, child, children, local, parse_iso, parse_rfc822, parse_xml, text_of

log = logging.getLogger(__name__)

_DESCRIPTION = re.compile(
    r"^\s*arXiv:(?P<id>\S+?)\s+Announce Type:\s*(?P<type>[\w-]+)\s*Abstract:\s?(?P<abstract>.*)$",
    re.DOTALL | re.IGNORECASE,
)
_ATOM = "{http://www.w3.org/2005/Atom}"


def feed_url(rss_url: str, categories: Sequence[str]) -> str:
    """The one daily request: ``<rss_url><cat1>+<cat2>+…``."""
    base = rss_url if rss_url.endswith("/") else rss_url + "/"
    return base + "+".join(categories)


def fetch_announcement(client: PoliteClient, rss_url: str, categories: Sequence[str]) -> Announcement:
    url = feed_url(rss_url, categories)
    return client.get_parsed(url, parse_response, ok_statuses=frozenset({200, 400}))


_XML_TYPES = ("xml", "rss", "atom")


def parse_response(response: Response) -> Announcement:
    kind = response.content_type
    if kind and not any(t in kind for t in _XML_TYPES) and not response.content.lstrip()[:1] == b"<":
        raise FeedFormatError(
            response.url,
            f"expected an XML feed, got {kind!r} content that is not XML",
            status=response.status,
        )
    announcement = parse_feed(response.content, response.url, status=response.status)
    if response.status != 200:
        raise FetchError(response.url, "unexpected status for a feed", status=response.status)
    return announcement


def parse_feed(content: bytes, url: str = "<feed>", *, status: int | None = None) -> Announcement:
    """Read an RSS 2.0 or Atom announcement feed."""
    root = parse_xml(content, url, status=status)
    name = local(root.tag)
    if name == "rss":
        channel = child(root, "channel")
        if channel is None:
            raise FeedFormatError(url, "RSS document without a <channel>", status=status)
        return _parse_rss(channel, url, status)
    if root.tag == _ATOM + "feed":
        return _parse_atom(root, url, status)
    raise FeedFormatError(url, f"expected an RSS or Atom feed, got a <{name}> document", status=status)


def _feed_error(title: str | None, url: str, status: int | None) -> None:
    if title and title.strip().lower().startswith("feed error"):
        raise FetchError(
            url,
            f"arXiv refused the request: {title.strip()} (check the category codes in config.yml)",
            status=status,
        )


def _parse_rss(channel: etree._Element, url: str, status: int | None) -> Announcement:
    _feed_error(text_of(child(channel, "title")), url, status)
    items = children(channel, "item")
    day = _day_from(text_of(child(channel, "pubDate")), rfc822=True)
    if day is None:
        for item in items:
            day = _day_from(text_of(child(item, "pubDate")), rfc822=True)
            if day:
                break
    if items and day is None:
        raise FeedFormatError(
            url, "the feed has items but no pubDate to tell which day it announces", status=status
        )
    papers, warnings = _collect(((i, _rss_fields(item)) for i, item in enumerate(items, 1)), day, url, status)
    return Announcement(day=day, papers=papers, source_url=url, warnings=warnings)


def _parse_atom(feed: etree._Element, url: str, status: int | None) -> Announcement:
    _feed_error(text_of(child(feed, "title")), url, status)
    entries = children(feed, "entry")
    day = None
    for entry in entries:
        day = _day_from(text_of(child(entry, "published")), rfc822=False)
        if day:
            break
    if day is None:
        day = _day_from(text_of(child(feed, "updated")), rfc822=False)
    if entries and day is None:
        raise FeedFormatError(
            url, "the feed has entries but no date to tell which day it announces", status=status
        )
    papers, warnings = _collect(
        ((i, _atom_fields(entry)) for i, entry in enumerate(entries, 1)), day, url, status
    )
    return Announcement(day=day, papers=papers, source_url=url, warnings=warnings)


def _day_from(value: str | None, *, rfc822: bool) -> dt.date | None:
    if not value or not value.strip():
        return None
    try:
        return arxiv_day(parse_rfc822(value) if rfc822 else parse_iso(value))
    except (TypeError, ValueError, IndexError):
        return None


def _rss_fields(item: etree._Element) -> dict[str, object]:
    kids = by_name(item)

    def first(*names: str) -> str | None:
        for name in names:
            if name in kids:
                return text_of(kids[name][0])
        return None

    return {
        "title": first("title"),
        "link": first("link"),
        "guid": first("guid"),
        "description": first("description"),
        "categories": [t.strip() for c in kids.get("category", ()) if (t := text_of(c)) and t.strip()],
        "announce_type": first("announce_type"),
        "creator": first("creator"),
        "rights": first("rights"),
        "doi": first("DOI", "doi"),
        "journal_ref": first("journal_reference", "journal_ref"),
    }


def _atom_fields(entry: etree._Element) -> dict[str, object]:
    link = None
    for el in children(entry, "link"):
        if el.get("rel", "alternate") == "alternate":
            link = el.get("href")
            break
    creator = text_of(child(entry, "creator"))
    if creator is None:
        names = [text_of(child(a, "name")) or "" for a in children(entry, "author")]
        creator = ", ".join(n for n in names if n)
    return {
        "title": text_of(child(entry, "title")),
        "link": link,
        "guid": text_of(child(entry, "id")),
        "description": text_of(child(entry, "summary")),
        "categories": [c.get("term", "").strip() for c in children(entry, "category") if c.get("term")],
        "announce_type": text_of(child(entry, "announce_type")),
        "creator": creator,
        "rights": text_of(child(entry, "rights")),
        "doi": text_of(child(entry, "DOI")) or text_of(child(entry, "doi")),
        "journal_ref": text_of(child(entry, "journal_reference")) or text_of(child(entry, "journal_ref")),
    }


def _collect(
    rows: object, day: dt.date | None, url: str, status: int | None
) -> tuple[tuple[Paper, ...], tuple[str, ...]]:
    papers: list[Paper] = []
    warnings: list[str] = []
    seen: set[str] = set()
    for index, fields in rows:  # type: ignore[attr-defined]
        assert day is not None
        paper, warning = _paper(fields, index, day, url, status)
        if warning:
            warnings.append(warning)
        if paper is None:
            continue
        if paper.id in seen:
            warnings.append(f"item {index}: {paper.id} listed twice; kept the first")
            continue
        seen.add(paper.id)
        papers.append(paper)
    for w in warnings:
        log.warning("%s: %s", url, w)
    total = len(seen) + sum(1 for w in warnings if "skipped" in w)
    if total and not papers:
        raise FeedFormatError(url, f"the feed has {total} items but none could be read", status=status)
    return tuple(papers), tuple(warnings)


def _paper(
    fields: dict[str, object], index: int, day: dt.date, url: str, status: int | None
) -> tuple[Paper | None, str | None]:
    def missing(what: str) -> FeedFormatError:
        ident = fields.get("guid") or fields.get("link") or "?"
        return FeedFormatError(url, f"item {index} ({ident}) has no {what}", status=status)

    description = fields.get("description")
    if not isinstance(description, str) or not description.strip():
        raise missing("description (abstract)")
    m = _DESCRIPTION.match(description)
    arxiv_id: str | None = None
    version: int | None = None
    # The guid carries id and version; the description and the link are fallbacks if arXiv drops it.
    for candidate in (fields.get("guid"), m.group("id") if m else None, fields.get("link")):
        if not isinstance(candidate, str) or not candidate.strip():
            continue
        try:
            found_id, found_version = parse_arxiv_id(candidate)
        except ValueError:
            continue
        if arxiv_id is None:
            arxiv_id = found_id
        if found_id == arxiv_id and version is None:
            version = found_version
    if arxiv_id is None:
        raise missing("arXiv identifier (guid/link)")
    title = fields.get("title")
    if not isinstance(title, str) or not title.strip():
        raise missing("title")
    categories = fields.get("categories")
    if not isinstance(categories, list) or not categories:
        raise missing("category")
    raw_type = fields.get("announce_type") or (m.group("type") if m else None)
    if not isinstance(raw_type, str) or not raw_type.strip():
        raise missing("announce type")
    try:
        announce_type = AnnounceType(raw_type.strip().lower())
    except ValueError:
        return None, f"item {index} ({arxiv_id}): unknown announce type {raw_type!r}; skipped"
    warning = None
    if m:
        abstract = m.group("abstract")
    else:
        abstract = description
        warning = (
            f"item {index} ({arxiv_id}): description not in the 'arXiv:… Announce Type: … "
            f"Abstract: …' form; used it whole"
        )
    creator = fields.get("creator")
    authors = split_authors(creator) if isinstance(creator, str) else ()
    if not authors:
        raise missing("authors (dc:creator)")

    def opt(key: str) -> str | None:
        value = fields.get(key)
        return " ".join(value.split()) if isinstance(value, str) and value.strip() else None

    return Paper(
        id=arxiv_id,
        version=version or 1,
        title=clean_title(title),
        authors=authors,
        abstract=clean_abstract(abstract),
        categories=tuple(dict.fromkeys(categories)),
        announce_type=announce_type,
        announced=day,
        comment=None,
        journal_ref=opt("journal_ref"),
        doi=opt("doi"),
        license=opt("rights"),
    ), warning
