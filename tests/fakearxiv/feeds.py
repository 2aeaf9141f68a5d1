"""arXiv's daily announcement feed, rebuilt from real paper records in arXiv's own formats.

The records in ``tests/data/arxiv-days/`` are real arXiv metadata (as the export API gave them: Unicode
names, abstracts with arXiv's line breaks). A feed for a set of categories is built the way arXiv builds
it (info.arxiv.org/help/rss_specifications.html, and the Atom capture in ``tests/data/captures/rss/``):

- an item per paper with any category in the set; ``new`` when its primary category is in the set,
  ``cross`` otherwise; replacements (``replace``/``replace-cross``, version 2+) come from another day;
- ``description`` = "arXiv:<id>v<N> Announce Type: <type> \\nAbstract: <abstract with line breaks>";
- ``dc:creator`` = all authors in one comma-separated string, with accented letters written as TeX
  accents the way arXiv's feed often has them (``Andr\\'e``);
- channel and item ``pubDate`` = the announcement day at 00:00 US Eastern.
"""

from __future__ import annotations

import datetime as dt
import json
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from email.utils import format_datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from lxml import etree

DATA = Path(__file__).resolve().parent.parent / "data"
ET = ZoneInfo("America/New_York")
NS = {
    "arxiv": "http://arxiv.org/schemas/atom",
    "dc": "http://purl.org/dc/elements/1.1/",
    "atom": "http://www.w3.org/2005/Atom",
    "content": "http://purl.org/rss/1.0/modules/content/",
}


@dataclass(frozen=True)
class FeedItem:
    id: str
    version: int
    title: str
    authors: tuple[str, ...]
    abstract: str  # as arXiv has it, line breaks included
    categories: tuple[str, ...]
    announce_type: str
    comment: str | None = None
    doi: str | None = None
    journal_ref: str | None = None
    license: str = "http://creativecommons.org/licenses/by/4.0/"


def load_records(day: str) -> list[dict[str, object]]:
    """The real records of one day in tests/data/arxiv-days (duplicates, which the data has, removed)."""
    out, seen = [], set()
    for line in (DATA / "arxiv-days" / f"{day}.jsonl").read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        if record["id"] in seen:
            continue
        seen.add(record["id"])
        out.append(record)
    return out


def items_for(
    records: Iterable[dict[str, object]],
    categories: Sequence[str],
    *,
    replaced_from: Iterable[dict[str, object]] = (),
    replaced_count: int = 0,
) -> list[FeedItem]:
    """The items arXiv's feed would carry for ``categories``: new and cross-lists from ``records``, and
    ``replaced_count`` replacements taken from an earlier day's records."""
    wanted = set(categories)

    def item(r: dict[str, object], kind_new: str, kind_cross: str, version: int) -> FeedItem | None:
        cats = tuple(r["categories"])  # type: ignore[arg-type]
        if not wanted.intersection(cats):
            return None
        return FeedItem(
            id=str(r["id"]),
            version=version,
            title=str(r["title"]),
            authors=tuple(r["authors"]),  # type: ignore[arg-type]
            abstract=str(r["summary"]),
            categories=cats,
            announce_type=kind_new if cats[0] in wanted else kind_cross,
            comment=r.get("comment"),  # type: ignore[arg-type]
        )

    out = [i for r in records if (i := item(r, "new", "cross", 1))]
    extra = [i for r in replaced_from if (i := item(r, "replace", "replace-cross", 2))]
    return out + extra[:replaced_count]


def tex_accents(name: str) -> str:
    """Write accented Latin letters as TeX accents, as arXiv's feeds do for many names."""
    marks = {
        "\u0301": "'",
        "\u0300": "`",
        "\u0308": '"',
        "\u0302": "^",
        "\u0303": "~",
        "\u0327": "c",
        "\u030c": "v",
    }
    out = []
    for ch in name:
        base, *rest = unicodedata.normalize("NFD", ch)
        if rest and rest[0] in marks and base.isascii():
            mark = marks[rest[0]]
            out.append(f"\\{mark}{{{base}}}" if mark.isalpha() else f"\\{mark}{base}")
        else:
            out.append(ch)
    return "".join(out)


def _pubdate(day: dt.date) -> str:
    return format_datetime(dt.datetime(day.year, day.month, day.day, tzinfo=ET))


def rss(day: dt.date | None, categories: Sequence[str], items: Sequence[FeedItem]) -> bytes:
    """An RSS 2.0 document as rss.arxiv.org serves it. ``day=None`` omits every date (a broken feed)."""
    query = "+".join(categories)
    root = etree.Element("rss", nsmap={k: NS[k] for k in ("arxiv", "dc", "atom", "content")}, version="2.0")
    channel = etree.SubElement(root, "channel")

    def sub(parent: etree._Element, tag: str, text: str | None = None, **attrs: str) -> etree._Element:
        if ":" in tag:
            prefix, local = tag.split(":")
            tag = f"{{{NS[prefix]}}}{local}"
        el = etree.SubElement(parent, tag, **attrs)
        if text is not None:
            el.text = text
        return el

    sub(channel, "title", f"{', '.join(categories)} updates on arXiv.org")
    sub(channel, "link", f"http://rss.arxiv.org/rss/{query}")
    sub(channel, "description", f"{', '.join(categories)} updates on the arXiv.org e-print archive.")
    sub(
        channel, "atom:link", href=f"http://rss.arxiv.org/rss/{query}", rel="self", type="application/rss+xml"
    )
    sub(channel, "docs", "http://www.rssboard.org/rss-specification")
    sub(channel, "language", "en-us")
    if day is not None:
        sub(
            channel,
            "lastBuildDate",
            format_datetime(dt.datetime(day.year, day.month, day.day, 5, 0, 11, tzinfo=dt.UTC)),
        )
    sub(channel, "managingEditor", "rss-help@arxiv.org")
    if day is not None:
        sub(channel, "pubDate", _pubdate(day))
    skip = sub(channel, "skipDays")
    sub(skip, "day", "Saturday")
    sub(skip, "day", "Sunday")
    for it in items:
        el = sub(channel, "item")
        sub(el, "title", it.title)
        sub(el, "link", f"https://arxiv.org/abs/{it.id}")
        sub(
            el,
            "description",
            f"arXiv:{it.id}v{it.version} Announce Type: {it.announce_type} \nAbstract: {it.abstract}",
        )
        sub(el, "guid", f"oai:arXiv.org:{it.id}v{it.version}", isPermaLink="false")
        for c in it.categories:
            sub(el, "category", c)
        if day is not None:
            sub(el, "pubDate", _pubdate(day))
        sub(el, "arxiv:announce_type", it.announce_type)
        sub(el, "dc:rights", it.license)
        sub(el, "dc:creator", ", ".join(tex_accents(a) for a in it.authors))
        if it.journal_ref:
            sub(el, "arxiv:journal_reference", it.journal_ref)
        if it.doi:
            sub(el, "arxiv:DOI", it.doi)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def atom(day: dt.date, categories: Sequence[str], items: Sequence[FeedItem]) -> bytes:
    """The Atom variant (rss.arxiv.org/atom/...), same fields, the layout of the real capture."""
    query = "+".join(categories)
    a = NS["atom"]
    root = etree.Element(f"{{{a}}}feed", nsmap={None: a, "arxiv": NS["arxiv"], "dc": NS["dc"]})
    root.set("{http://www.w3.org/XML/1998/namespace}lang", "en-us")
    etree.SubElement(root, f"{{{a}}}id").text = f"http://rss.arxiv.org/atom/{query}"
    etree.SubElement(root, f"{{{a}}}title").text = f"{', '.join(categories)} updates on arXiv.org"
    stamp = dt.datetime(day.year, day.month, day.day, tzinfo=ET).astimezone(dt.UTC).isoformat()
    etree.SubElement(root, f"{{{a}}}updated").text = stamp
    for it in items:
        e = etree.SubElement(root, f"{{{a}}}entry")
        etree.SubElement(e, f"{{{a}}}id").text = f"oai:arXiv.org:{it.id}v{it.version}"
        etree.SubElement(e, f"{{{a}}}title").text = it.title
        etree.SubElement(
            e, f"{{{a}}}link", href=f"https://arxiv.org/abs/{it.id}", rel="alternate", type="text/html"
        )
        etree.SubElement(
            e, f"{{{a}}}summary"
        ).text = f"arXiv:{it.id}v{it.version} Announce Type: {it.announce_type} \nAbstract: {it.abstract}"
        for c in it.categories:
            etree.SubElement(e, f"{{{a}}}category", term=c)
        etree.SubElement(e, f"{{{a}}}published").text = dt.datetime(
            day.year, day.month, day.day, tzinfo=ET
        ).isoformat()
        etree.SubElement(e, f"{{{NS['arxiv']}}}announce_type").text = it.announce_type
        etree.SubElement(e, f"{{{NS['dc']}}}rights").text = it.license
        etree.SubElement(e, f"{{{NS['dc']}}}creator").text = ", ".join(tex_accents(x) for x in it.authors)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def feed_error(query: str) -> bytes:
    """What rss.arxiv.org answers (HTTP 400) for a category it does not know."""
    return rss(None, [query], []).replace(
        f"<title>{query} updates on arXiv.org</title>".encode(),
        f"<title>Feed error for query: {query}</title>".encode(),
    )


def with_abstract(item: FeedItem, abstract: str) -> FeedItem:
    return replace(item, abstract=abstract)
