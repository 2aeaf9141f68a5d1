"""Safe XML parsing shared by every arXiv source.

lxml is configured so that a hostile body cannot reach the network or the disk and cannot expand entities
(``resolve_entities=False, no_network=True, load_dtd=False``); a document that declares entities at all is
refused, since none of arXiv's formats use them. An HTML page (arXiv's "Access Denied", a proxy's error
page) is recognised and reported as such instead of being read as "no papers".
"""

from __future__ import annotations

import datetime as dt
import re
from email.utils import parsedate_to_datetime

from lxml import etree

from ..errors import FeedFormatError
from ..models import ARXIV_TZ

_HTML_START = re.compile(
    rb"^\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html)\b", re.IGNORECASE | re.DOTALL
)
_HTML_TITLE = re.compile(rb"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        dtd_validation=False,
        remove_comments=True,
        remove_pis=True,
    )


def parse_xml(content: bytes, url: str, *, status: int | None = None) -> etree._Element:
    """Parse a response body, or raise FeedFormatError saying what the body was instead."""
    if not content.strip():
        raise FeedFormatError(url, "empty response body where an XML feed was expected", status=status)
    if _HTML_START.match(content[:4096]):
        title = _HTML_TITLE.search(content[:65536])
        what = f" titled {title.group(1).decode('utf-8', 'replace').strip()[:120]!r}" if title else ""
        raise FeedFormatError(url, f"got an HTML page{what} instead of an XML feed", status=status)
    head = content[:65536]
    if b"<!ENTITY" in head or b"<!entity" in head:
        raise FeedFormatError(
            url, "the document declares XML entities; arXiv's feeds never do, refusing it", status=status
        )
    try:
        root = etree.fromstring(content, _parser())
    except etree.XMLSyntaxError as e:
        # A DTD hidden past the quick check above makes libxml2 stop on its own entity limits; say what
        # the document is rather than "truncated" (on this error path a full scan costs nothing).
        if b"<!ENTITY" in content or b"<!entity" in content:
            raise FeedFormatError(
                url, "the document declares XML entities; arXiv's feeds never do, refusing it", status=status
            ) from e
        raise FeedFormatError(url, f"not well-formed XML (truncated?): {e}", status=status) from e
    if root is None:
        raise FeedFormatError(url, "no XML document in the response", status=status)
    docinfo = root.getroottree().docinfo
    if docinfo.internalDTD is not None and docinfo.internalDTD.entities():
        raise FeedFormatError(url, "the document declares XML entities; refusing it", status=status)
    return root


def local(tag: object) -> str:
    """An element's tag without its namespace (``{ns}name`` -> ``name``); "" for comments and PIs."""
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def child(elem: etree._Element, name: str) -> etree._Element | None:
    """First child with this local name, in any namespace (prefixes and namespaces drift; names don't)."""
    for c in elem:
        if local(c.tag) == name:
            return c
    return None


def children(elem: etree._Element, name: str) -> list[etree._Element]:
    return [c for c in elem if local(c.tag) == name]


def by_name(elem: etree._Element) -> dict[str, list[etree._Element]]:
    """All children grouped by local name, in one pass (an item has a dozen; we ask for most of them)."""
    out: dict[str, list[etree._Element]] = {}
    for c in elem:
        out.setdefault(local(c.tag), []).append(c)
    return out


def text_of(elem: etree._Element | None) -> str | None:
    if elem is None:
        return None
    text = "".join(elem.itertext())
    return text


def parse_rfc822(value: str) -> dt.datetime:
    when = parsedate_to_datetime(value.strip())
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return when


def parse_iso(value: str) -> dt.datetime:
    when = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return when


def arxiv_day(when: dt.datetime) -> dt.date:
    """The announcement day a timestamp belongs to: its date in US Eastern time."""
    return when.astimezone(ARXIV_TZ).date()
