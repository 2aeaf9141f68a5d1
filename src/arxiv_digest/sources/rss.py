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
from collections.abc import Iterable, Sequence

from lxml import etree

from ..errors import FeedFormatError, FetchError
from ..facts import extract
from ..models import MAX_VERSION, Announcement, AnnounceType, Paper, parse_arxiv_id
from ..text import clean_abstract, clean_title, split_authors
from ..wording import counted
from ._xml import arxiv_day, by_name, child, children, local, parse_iso, parse_rfc822, parse_xml, text_of
from .http import PoliteClient, Response

log = logging.getLogger(__name__)

_DESCRIPTION = re.compile(
    r"^\s*arXiv:(?P<id>\S+?)\s+Announce Type:\s*(?P<type>[\w-]+)\s*Abstract:\s?(?P<abstract>.*)$",
    re.DOTALL | re.IGNORECASE,
)
_ATOM = "{http://www.w3.org/2005/Atom}"

#: A day with more unreadable items than this share is refused, not published in part (issue #7). One
#: broken record is an accident of that record; a format change breaks a whole kind of item (every
#: replacement, every cross-list, every item without some field), and each kind is far more than a tenth
#: of a real day. Under the bound the rest is published and each skipped item named in the day's warnings.
MAX_UNREADABLE_FRACTION = 0.1


def feed_url(rss_url: str, categories: Sequence[str]) -> str:
    """The daily feed's one request: ``<rss_url><cat1>+<cat2>+…``."""
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
    dates = [text_of(child(channel, "pubDate"))] + [text_of(child(item, "pubDate")) for item in items]
    day = _find_day(dates, url, status, rfc822=True, needed=bool(items), what="pubDate")
    papers, warnings = _collect(((i, _rss_fields(item)) for i, item in enumerate(items, 1)), day, url, status)
    return Announcement(day=day, papers=papers, source_url=url, warnings=warnings)


def _parse_atom(feed: etree._Element, url: str, status: int | None) -> Announcement:
    _feed_error(text_of(child(feed, "title")), url, status)
    entries = children(feed, "entry")
    dates = [text_of(child(entry, "published")) for entry in entries] + [text_of(child(feed, "updated"))]
    day = _find_day(dates, url, status, rfc822=False, needed=bool(entries), what="date")
    papers, warnings = _collect(
        ((i, _atom_fields(entry)) for i, entry in enumerate(entries, 1)), day, url, status
    )
    return Announcement(day=day, papers=papers, source_url=url, warnings=warnings)


def _find_day(
    values: Sequence[str | None], url: str, status: int | None, *, rfc822: bool, needed: bool, what: str
) -> dt.date | None:
    """The announcement day: the first of the feed's dates (in order of authority) that names one. A feed
    with items must have one. A date whose day in US Eastern time is past the year 9999 is refused at
    once: it is in the future, and no later step could even compute with it (issue #7)."""
    unreadable: str | None = None
    for value in values:
        if not value or not value.strip():
            continue
        try:
            return arxiv_day(parse_rfc822(value) if rfc822 else parse_iso(value))
        except OverflowError:  # a FetchError, not a FeedFormatError: fetching again would not help
            raise FetchError(
                url,
                f"the feed is dated {_shown(value, 60)!r}, past the year 9999: refusing to publish a day "
                "from the future; nothing was published",
                status=status,
            ) from None
        except (TypeError, ValueError, IndexError) as e:
            unreadable = unreadable or f"{_shown(value, 60)!r} ({_shown(str(e), 80)})"
    if not needed:
        return None
    if unreadable:
        raise FeedFormatError(
            url,
            f"the feed's {what} {unreadable} is not a date we can read, so its day is unknown",
            status=status,
        )
    kind = "items" if rfc822 else "entries"
    raise FeedFormatError(
        url, f"the feed has {kind} but no {what} to tell which day it announces", status=status
    )


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


class _Unreadable(Exception):
    """One item cannot become a paper; the item is skipped with a warning (``ident`` names it)."""

    def __init__(self, ident: str, reason: str) -> None:
        self.ident = ident
        self.reason = reason
        super().__init__(reason)


def _shown(text: str, limit: int = 80) -> str:
    """Text from the feed as a warning may show it: one line, printable, at most ``limit`` characters."""
    clean = "".join(ch if ch.isprintable() else " " for ch in text)
    clean = " ".join(clean.split())
    return clean if len(clean) <= limit else clean[: limit - 1] + "…"


def _collect(
    rows: Iterable[tuple[int, dict[str, object]]], day: dt.date | None, url: str, status: int | None
) -> tuple[tuple[Paper, ...], tuple[str, ...]]:
    """The readable items as papers, and a warning per item skipped or read in part. A few unreadable
    items are an accident of their records and the rest of the day is published; more than
    ``MAX_UNREADABLE_FRACTION`` of the items (or all of them) is a format we no longer read, refused."""
    papers: list[Paper] = []
    warnings: list[str] = []
    seen: set[str] = set()
    items = 0
    unreadable: list[str] = []
    for index, fields in rows:
        items += 1
        assert day is not None
        try:
            paper, warning = _paper(fields, index, day)
        except _Unreadable as e:
            unreadable.append(f"item {index} ({e.ident}): {e.reason}")
            warnings.append(f"{unreadable[-1]}; skipped")
            continue
        if warning:
            warnings.append(warning)
        if paper.id in seen:
            warnings.append(f"item {index}: {paper.id} listed twice; kept the first")
            continue
        seen.add(paper.id)
        papers.append(paper)
    for w in warnings:
        log.warning("%s: %s", url, w)
    if unreadable and not papers:
        raise FeedFormatError(
            url,
            f"the feed has {counted(items, 'item')} but none could be read (first: {unreadable[0]})",
            status=status,
        )
    if len(unreadable) > MAX_UNREADABLE_FRACTION * items:
        raise FeedFormatError(
            url,
            f"{len(unreadable)} of the feed's {counted(items, 'item')} could not be read, more than "
            f"{MAX_UNREADABLE_FRACTION:.0%} (first: {unreadable[0]})",
            status=status,
        )
    return tuple(papers), tuple(warnings)


_VERSION_SUFFIX = re.compile(r"^(?P<head>.*\d)v(?P<version>[^/]*)$", re.IGNORECASE)


def _identify(candidate: str) -> tuple[str, int | None] | None:
    """The (id, version) a guid, description or link names; None when it names no identifier. A version
    that is no version arXiv issues (v0, v-1, vX, v99999999999999999999999) makes the item unreadable."""
    text = candidate.strip()
    try:
        arxiv_id, version = parse_arxiv_id(text)
    except ValueError:  # also a version of more digits than int() reads
        m = _VERSION_SUFFIX.match(text)
        if m is None:
            return None
        try:
            arxiv_id, _ = parse_arxiv_id(m.group("head"))
        except ValueError:
            return None
        shown = _shown("v" + m.group("version"), 30)
        raise _Unreadable(arxiv_id, f"version {shown!r} is not a number") from None
    if version is not None and not 1 <= version <= MAX_VERSION:
        shown = _shown(f"v{version}", 30)
        raise _Unreadable(arxiv_id, f"version {shown!r} is not one arXiv issues (v1 to v{MAX_VERSION})")
    return arxiv_id, version


def _paper(fields: dict[str, object], index: int, day: dt.date) -> tuple[Paper, str | None]:
    """One item as a paper and an optional warning; raises _Unreadable for an item that is no paper."""
    arxiv_id: str | None = None
    version: int | None = None

    def missing(what: str) -> _Unreadable:
        ident = arxiv_id or next(
            (_shown(v) for k in ("guid", "link") if isinstance(v := fields.get(k), str) and v.strip()),
            "no identifier",
        )
        return _Unreadable(ident, f"no {what}")

    description = fields.get("description")
    m = _DESCRIPTION.match(description) if isinstance(description, str) else None
    # The guid carries id and version; the description and the link are fallbacks if arXiv drops it.
    for candidate in (fields.get("guid"), m.group("id") if m else None, fields.get("link")):
        if not isinstance(candidate, str) or not candidate.strip():
            continue
        found = _identify(candidate)
        if found is None:
            continue
        if arxiv_id is None:
            arxiv_id = found[0]
        if found[0] == arxiv_id and version is None:
            version = found[1]
        if version is not None:
            break
    if arxiv_id is None:
        raise missing("arXiv identifier (guid/link)")
    if not isinstance(description, str) or not description.strip():
        raise missing("description (abstract)")
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
        raise _Unreadable(arxiv_id, f"unknown announce type {_shown(raw_type, 40)!r}") from None
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

    journal_ref = opt("journal_ref")
    clean = clean_abstract(abstract)
    return Paper(
        id=arxiv_id,
        version=version or 1,
        title=clean_title(title),
        authors=authors,
        abstract=clean,
        categories=tuple(dict.fromkeys(categories)),
        announce_type=announce_type,
        announced=day,
        comment=None,
        journal_ref=journal_ref,
        doi=opt("doi"),
        license=opt("rights"),
        facts=extract(clean, None, journal_ref),  # computed once, at ingestion (docs/design.md)
    ), warning
