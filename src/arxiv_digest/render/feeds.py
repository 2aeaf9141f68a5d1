"""Atom 1.0 feeds (RFC 4287): ``feeds/<Topic>.xml`` per topic and ``feeds/all.xml`` (every paper any topic
took), covering the last ``feed_days`` announcement days; with a ``library:``, ``feeds/for-you.xml``: those
days' For-you lists, newest day first and best first within a day, each entry saying why (issue #9; the
jobs hand in the older days' lists as kept in ``data/for_you/``, not ranked again).

Built as an element tree with lxml, never from string templates, so every title and abstract is escaped
by the serialiser (a title holding ``<script>``, ``&`` or ``]]>`` stays text). One entry per paper: its
id is ``https://arxiv.org/abs/<id>`` (RFC 4287 §4.2.6: permanent and unique); a paper announced on
several of the days (new, then replaced) appears once, as last announced. Times are the announcement
day at 00:00 US Eastern (arXiv's calendar), never the clock, so the same days give the same bytes.

A paper's badges (issue #10, :mod:`.badges`) are an entry's own elements, where feed readers show them: its
code link a ``<link rel="related" type="text/html" title="💻 code">`` (http(s) only), its venue a
``<category>`` in our own scheme (:data:`VENUE_SCHEME`) whose label is the badge's text.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from lxml import etree

from .. import PROJECT_URL, __version__
from ..config import Config
from ..models import ARXIV_TZ, Digest, Order, Paper, Pick, sort_papers
from ..output import layout
from .badges import badges
from .escape import url_path

ATOM_NS = "http://www.w3.org/2005/Atom"
#: The category scheme arXiv's own Atom API uses for its subject classes.
ARXIV_SCHEME = "http://arxiv.org/schemas/atom"
#: The category scheme of a paper's venue (issue #10): ours, as no outside scheme names venues.
VENUE_SCHEME = f"{PROJECT_URL}#venue"
_A = f"{{{ATOM_NS}}}"
# XML 1.0 forbids most C0 control characters; arXiv text has carried form feeds.
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def announced_at(day: dt.date) -> str:
    """The moment a day's announcement is dated: midnight US Eastern, as an RFC 3339 timestamp."""
    return dt.datetime.combine(day, dt.time(0), tzinfo=ARXIV_TZ).isoformat()


def _text(parent: etree._Element, tag: str, text: str, **attrib: str) -> etree._Element:
    element = etree.SubElement(parent, _A + tag, attrib)
    element.text = _NOT_XML.sub("", text)
    return element


@dataclass(frozen=True, slots=True)
class DayFeed:
    """What the feeds take of one day (issue #15: a run keeps it for the next days' runs, ``jobs``'s feed
    cache): each topic's listed ids (config order), the papers any topic took in ``Order.NEWEST``, and each
    of those papers' entry as :func:`entry_bytes` serialises it (without a summary)."""

    day: dt.date
    topics: tuple[tuple[str, tuple[str, ...]], ...]
    newest: tuple[str, ...]
    entries: Mapping[str, bytes]


def day_feed(digest: Digest, summaries: Mapping[tuple[str, int], str] | None = None) -> DayFeed:
    """The :class:`DayFeed` of a day's digest; ``summaries``: those the entries show (issue #11)."""
    papers = {p.id: p for t in digest.topics for p in t.papers}
    newest = tuple(p.id for p in sort_papers(list(papers.values()), Order.NEWEST))
    entries = {i: entry_bytes(p, (summaries or {}).get((p.id, p.version))) for i, p in papers.items()}
    topics = tuple((t.topic.name, tuple(p.id for p in t.papers)) for t in digest.topics)
    return DayFeed(digest.day, topics, newest, entries)


def feed_files(config: Config, digests: Sequence[Digest]) -> dict[str, bytes]:
    """Every feed, by path under ``site/``; ``digests`` are the last ``feed_days`` days, in any order."""
    recent = sorted(digests, key=lambda d: d.day, reverse=True)[: config.feed_days]
    summaries = {k: v for d in reversed(recent) for k, v in d.summaries.items()}  # issue #11
    files = feeds_of_days(config, [day_feed(d, summaries) for d in recent], summaries=summaries)
    # Each day's For-you list, newest day first, best first within a day; a paper picked on two days once,
    # as last picked. No day with a For-you part (no library): no feed.
    picks: dict[str, Pick] = {}
    for day in recent:
        for pick in day.for_you.picks if day.for_you is not None else ():
            picks.setdefault(pick.paper.id, pick)
    if any(d.for_you is not None for d in recent):
        files[layout.FOR_YOU_FEED] = build_feed(
            config,
            slug="for-you",
            title=f"{config.title}: for you",
            papers=[pick.paper for pick in picks.values()],
            updated=recent[0].day,
            page=layout.SITE_FOR_YOU,
            summaries=summaries,
            why={k: f"Why: {pick.reason}" for k, pick in picks.items()},
        )
    return files


def feeds_of_days(
    config: Config, days: Sequence[DayFeed], *, summaries: Mapping[tuple[str, int], str] | None = None
) -> dict[str, bytes]:
    """The topics' feeds and ``feeds/all.xml`` from the last ``feed_days`` days' :class:`DayFeed` (their
    entries made with ``summaries``), byte for byte what :func:`build_feed` makes of their papers."""
    recent = sorted(days, key=lambda d: d.day, reverse=True)[: config.feed_days]
    updated = recent[0].day if recent else dt.date(1970, 1, 1)
    files: dict[str, bytes] = {}
    for topic in config.topics:
        chosen = _first_met(
            (d, i) for d in recent for name, ids in d.topics if name == topic.name for i in ids
        )
        head = _head(
            config,
            slug=topic.slug,
            title=f"{config.title}: {topic.name}",
            updated=updated,
            page=f"topic/{topic.slug}.html",
        )
        files[f"feeds/{topic.slug}.xml"] = _join(head, chosen)
    everything = _first_met((d, i) for d in recent for i in d.newest)
    head = _head(config, slug="all", title=f"{config.title}: every topic", updated=updated, page="index.html")
    files["feeds/all.xml"] = _join(head, everything)
    return files


def _first_met(pairs: Iterable[tuple[DayFeed, str]]) -> list[bytes]:
    """Each paper's entry once, from the first day that lists it (the days come newest first)."""
    seen: dict[str, bytes] = {}
    for day, arxiv_id in pairs:
        if arxiv_id not in seen:
            seen[arxiv_id] = day.entries[arxiv_id]
    return list(seen.values())


def build_feed(
    config: Config,
    *,
    slug: str,
    title: str,
    papers: Sequence[Paper],
    updated: dt.date,
    page: str,
    summaries: Mapping[tuple[str, int], str] | None = None,
    why: Mapping[str, str] | None = None,
) -> bytes:
    """One Atom document. With ``site_url`` its id and links are absolute URLs of the published site;
    without one its id is a URN derived from the digest's title and the feed's name (stable, unique).
    ``summaries`` (issue #11) are put before the abstract in an entry's text ``<summary>``."""
    head = _head(config, slug=slug, title=title, updated=updated, page=page)
    entries = [
        entry_bytes(p, (summaries or {}).get((p.id, p.version)), (why or {}).get(p.id)) for p in papers
    ]
    return _join(head, entries)


#: How lxml closes the feed element (serialised without entries) and opens an entry serialised alone.
_FEED_END = b"</feed>"
_ENTRY_START = f'<entry xmlns="{ATOM_NS}">'.encode()


def _head(config: Config, *, slug: str, title: str, updated: dt.date, page: str) -> bytes:
    """The feed document without its entries (serialised by lxml, ending in ``</feed>``)."""
    feed = etree.Element(_A + "feed", nsmap={None: ATOM_NS})
    base = config.site_url
    if base:
        feed_id = base + url_path(f"feeds/{slug}.xml")
    else:
        feed_id = uuid.uuid5(uuid.NAMESPACE_URL, f"arxiv-digest:{config.repo or config.title}:{slug}").urn
    _text(feed, "id", feed_id)
    _text(feed, "title", title, type="text")
    _text(feed, "updated", announced_at(updated))
    if base:
        etree.SubElement(feed, _A + "link", rel="self", type="application/atom+xml", href=feed_id)
        etree.SubElement(feed, _A + "link", rel="alternate", type="text/html", href=base + url_path(page))
    author = etree.SubElement(feed, _A + "author")  # for entries whose paper lists no author (§4.1.1)
    _text(author, "name", config.title)
    _text(feed, "generator", "arxiv-digest", uri=PROJECT_URL, version=__version__)
    return bytes(etree.tostring(feed, xml_declaration=True, encoding="utf-8"))


def _join(head: bytes, entries: Sequence[bytes]) -> bytes:
    """The document ``head`` with ``entries`` as the feed element's last children: the bytes lxml writes
    for the whole tree (entries are serialised in the feed's default namespace, declared on the feed)."""
    assert head.endswith(_FEED_END)
    return head[: -len(_FEED_END)] + b"".join(entries) + _FEED_END


def entry_bytes(p: Paper, summary: str | None = None, why: str | None = None) -> bytes:
    """A paper's ``<entry>`` as it stands inside a feed (no namespace declaration of its own)."""
    feed = etree.Element(_A + "feed", nsmap={None: ATOM_NS})
    _entry(feed, p, summary, why)
    out = bytes(etree.tostring(feed[0], encoding="utf-8"))
    assert out.startswith(_ENTRY_START)
    return b"<entry>" + out[len(_ENTRY_START) :]


#: What stands before a machine-written summary in a feed entry's text (issue #11).
SUMMARY_LABEL = "🤖 Summary (machine-written):"


def _entry(feed: etree._Element, p: Paper, summary: str | None = None, why: str | None = None) -> None:
    entry = etree.SubElement(feed, _A + "entry")
    _text(entry, "id", p.abs_url)
    title = p.title
    if p.announce_type.is_replacement:
        title += f" (updated, v{p.version})"
    _text(entry, "title", title, type="text")
    when = announced_at(p.announced)
    _text(entry, "published", when)
    _text(entry, "updated", when)
    for name in p.authors:
        author = etree.SubElement(entry, _A + "author")
        _text(author, "name", name)
    etree.SubElement(entry, _A + "link", rel="alternate", type="text/html", href=p.abs_url)
    etree.SubElement(
        entry,
        _A + "link",
        rel="related",
        type="application/pdf",
        title="PDF",
        href=f"https://arxiv.org/pdf/{p.id}",
    )
    for b in badges(p):
        if b.url is not None:
            etree.SubElement(entry, _A + "link", rel="related", type="text/html", title=b.text, href=b.url)
    for code in p.categories:
        etree.SubElement(entry, _A + "category", term=code, scheme=ARXIV_SCHEME)
    for b in badges(p):
        if b.kind == "venue":
            term, label = _NOT_XML.sub("", b.label), _NOT_XML.sub("", b.text)
            etree.SubElement(entry, _A + "category", term=term, scheme=VENUE_SCHEME, label=label)
    abstract = p.abstract or "(no abstract)"
    text = f"{SUMMARY_LABEL} {summary}\n\nAbstract: {abstract}" if summary else abstract
    if why:  # the For-you feed's entries say first why the paper is there (issue #9)
        text = f"{why}\n\n{text}"
    _text(entry, "summary", text, type="text")  # type="text": a reader shows it as text, never as markup
