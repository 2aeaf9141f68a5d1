"""The daily feed parser on real data: the Atom capture from rss.arxiv.org, RSS 2.0 rebuilt from real
records of three announcement days, and every way a body can fail to be the feed we expect."""

from __future__ import annotations

import datetime as dt
import itertools
import time
import unicodedata
from pathlib import Path

import pytest
from lxml import etree

from arxiv_digest.config import ArxivSettings
from arxiv_digest.errors import FeedFormatError, FetchError
from arxiv_digest.http import PoliteClient
from arxiv_digest.models import Announcement, AnnounceType
from arxiv_digest.sources import rss
from arxiv_digest.sources.rss import parse_feed
from tests.fakearxiv import FakeArxiv, feeds

DATA = Path(__file__).resolve().parent / "data"
ATOM_CAPTURE = DATA / "captures" / "rss" / "atom_cs.AI_2025-08-20.xml"
CATEGORIES = ["cs.AI", "cs.CL", "cs.CV", "cs.LG", "cs.MA", "cs.RO"]
URL = "https://rss.arxiv.org/rss/cs.AI+cs.CL+cs.CV+cs.LG+cs.MA+cs.RO"
DAYS = ["2025-06-06", "2025-10-15", "2026-06-30"]


def real_items(
    day: str, *, replaced_from: str | None = "2025-10-15", count: int = 20
) -> list[feeds.FeedItem]:
    records = feeds.load_records(day)
    older = feeds.load_records(replaced_from) if replaced_from and replaced_from != day else []
    return feeds.items_for(records, CATEGORIES, replaced_from=older, replaced_count=count)


def real_rss(day: str = "2026-06-30") -> bytes:
    return feeds.rss(dt.date.fromisoformat(day), CATEGORIES, real_items(day))


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", " ".join(text.split()))


# ---------------------------------------------------------------------------------------------------
# the real Atom capture


@pytest.fixture(scope="module")
def atom_capture() -> Announcement:
    return parse_feed(ATOM_CAPTURE.read_bytes(), "https://rss.arxiv.org/atom/cs.AI")


def test_atom_capture_day_and_papers(atom_capture: Announcement) -> None:
    assert atom_capture.day == dt.date(2025, 8, 20)
    assert atom_capture.warnings == ()
    assert [(p.id, p.version) for p in atom_capture.papers] == [
        ("2508.13426", 1),
        ("2508.13428", 1),
        ("2508.13429", 1),
        ("2508.13434", 1),
        ("2508.13435", 1),
        ("2508.14001", 1),
        ("2508.14002", 1),
    ]
    assert all(p.announced == dt.date(2025, 8, 20) for p in atom_capture.papers)


def test_atom_capture_announce_types_and_categories(atom_capture: Announcement) -> None:
    by_id = {p.id: p for p in atom_capture.papers}
    assert [p.announce_type for p in atom_capture.papers] == [AnnounceType.CROSS] * 5 + [AnnounceType.NEW] * 2
    # Primary category first, in the feed's order; a cross-list's primary is another archive.
    assert by_id["2508.13428"].categories == ("cs.CV", "cs.AI", "cs.MM")
    assert by_id["2508.13429"].categories == ("q-fin.CP", "cs.AI")
    assert by_id["2508.13429"].primary_category == "q-fin.CP"
    assert by_id["2508.14002"].categories == ("cs.AI", "cs.MA")


def test_atom_capture_tex_accent_in_author_becomes_a_letter(atom_capture: Announcement) -> None:
    by_id = {p.id: p for p in atom_capture.papers}
    assert by_id["2508.13429"].authors == ("Paulo André Lima de Castro",)
    assert by_id["2508.13434"].authors == (
        "Yunfeng Ge",
        "Ming Jin",
        "Yiji Zhao",
        "Hongyan Li",
        "Bo Du",
        "Chang Xu",
        "Shirui Pan",
    )


def test_atom_capture_license_title_and_abstract(atom_capture: Announcement) -> None:
    by_id = {p.id: p for p in atom_capture.papers}
    assert by_id["2508.13426"].license == "http://creativecommons.org/licenses/by-nc-sa/4.0/"
    assert by_id["2508.13428"].license == "http://creativecommons.org/licenses/by/4.0/"
    first = by_id["2508.13426"]
    assert first.title == (
        "ALIGN: Word Association Learning for Cross-Cultural Generalization in Large Language Models"
    )
    # The "arXiv:<id> Announce Type: … Abstract:" header is not part of the abstract.
    assert first.abstract.startswith("As large language models (LLMs) increasingly mediate")
    assert "Announce Type" not in first.abstract
    assert by_id["2508.13435"].abstract == "Spectral graph embedding methods are widely used."


# ---------------------------------------------------------------------------------------------------
# RSS 2.0 built from real days


@pytest.mark.parametrize("day", DAYS)
def test_rss_every_record_present_once(day: str) -> None:
    items = real_items(day)
    announcement = parse_feed(feeds.rss(dt.date.fromisoformat(day), CATEGORIES, items), URL)
    ids = [p.id for p in announcement.papers]
    assert len(ids) == len(set(ids)) == len(items) > 150
    assert set(ids) == {i.id for i in items}
    assert announcement.day == dt.date.fromisoformat(day)
    assert announcement.warnings == ()
    assert announcement.source_url == URL
    by_id = {p.id: p for p in announcement.papers}
    for item in items:
        paper = by_id[item.id]
        assert paper.version == item.version
        assert paper.categories == item.categories  # primary first, as arXiv lists them
        assert paper.license == item.license
        assert paper.announced == dt.date.fromisoformat(day)


@pytest.mark.parametrize("day", DAYS)
def test_rss_abstracts_are_whitespace_normalised_without_glued_words(day: str) -> None:
    items = real_items(day)
    by_id = {
        p.id: p for p in parse_feed(feeds.rss(dt.date.fromisoformat(day), CATEGORIES, items), URL).papers
    }
    broken = [i for i in items if "\n" in i.abstract]
    assert len(broken) > 20, "the real data should carry arXiv's line breaks"
    for item in items:
        paper = by_id[item.id]
        assert paper.abstract == " ".join(item.abstract.split())
        assert paper.title == " ".join(item.title.split())
    # The reference's bug: the last word of a line glued to the first of the next ("thecurrent").
    for item in broken:
        lines = [line.split() for line in item.abstract.splitlines() if line.split()]
        abstract = by_id[item.id].abstract
        for before, after in itertools.pairwise(lines):
            assert f"{before[-1]} {after[0]}" in abstract


@pytest.mark.parametrize("day", DAYS)
def test_rss_tex_accents_in_names_become_letters(day: str) -> None:
    items = real_items(day)
    by_id = {
        p.id: p for p in parse_feed(feeds.rss(dt.date.fromisoformat(day), CATEGORIES, items), URL).papers
    }
    accented = 0
    for item in items:
        paper = by_id[item.id]
        assert len(paper.authors) == len(item.authors)
        for want, got in zip(item.authors, paper.authors, strict=True):
            if feeds.tex_accents(want) != want:
                accented += 1
            assert "\\" not in got and "{" not in got, got
            if "\\" not in want:  # a few real names carry stray TeX of their own
                assert got == nfc(want)
    assert accented > 10, "the real data should have accented names written as TeX accents"


def test_rss_accented_names_round_trip_exactly() -> None:
    """The feed writes "André" as ``Andr\\'e`` and "Çelik" as ``\\c{C}elik``; both come back as letters."""
    item = feeds.FeedItem(
        id="2606.00001",
        version=1,
        title="A title",
        authors=("Paulo André Lima de Castro", "Ayşe Çelik", "Jürgen Müller", "Niño Señor", "Jiří Dvořák"),
        abstract="Line one\nline two.",
        categories=("cs.AI",),
        announce_type="new",
    )
    body = feeds.rss(dt.date(2026, 6, 30), CATEGORIES, [item])
    assert b"Andr\\'e" in body and b"\\c{C}elik" in body
    (paper,) = parse_feed(body, URL).papers
    assert paper.authors == item.authors
    assert paper.abstract == "Line one line two."


def test_rss_announce_types_as_built() -> None:
    items = real_items("2026-06-30")
    kinds = {i.announce_type for i in items}
    assert kinds == {"new", "cross", "replace", "replace-cross"}
    by_id = {p.id: p for p in parse_feed(real_rss(), URL).papers}
    for item in items:
        paper = by_id[item.id]
        assert paper.announce_type == AnnounceType(item.announce_type)
        assert paper.announce_type.is_replacement == (item.version == 2)


def test_rss_and_atom_of_the_same_day_give_the_same_papers() -> None:
    items = real_items("2025-10-15", replaced_from="2025-06-06")
    day = dt.date(2025, 10, 15)
    from_rss = parse_feed(feeds.rss(day, CATEGORIES, items), URL)
    from_atom = parse_feed(feeds.atom(day, CATEGORIES, items), URL.replace("/rss/", "/atom/"))
    assert from_atom.day == from_rss.day == day
    assert from_atom.papers == from_rss.papers


# ---------------------------------------------------------------------------------------------------
# days


def test_empty_channel_is_an_announcement_with_no_papers() -> None:
    weekend = dt.date(2026, 7, 4)
    announcement = parse_feed(feeds.rss(weekend, CATEGORIES, []), URL)
    assert announcement.papers == ()
    assert announcement.is_empty
    assert announcement.day == weekend


def test_empty_channel_without_any_date_has_no_day() -> None:
    announcement = parse_feed(feeds.rss(None, CATEGORIES, []), URL)
    assert announcement.is_empty
    assert announcement.day is None


def _with_pubdate(body: bytes, value: str) -> bytes:
    root = etree.fromstring(body)
    for el in root.iter("pubDate"):
        el.text = value
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


@pytest.mark.parametrize(
    ("pubdate", "day"),
    [
        ("Tue, 30 Jun 2026 00:00:00 -0400", dt.date(2026, 6, 30)),  # as arXiv writes it (EDT)
        ("Wed, 01 Jul 2026 02:00:00 GMT", dt.date(2026, 6, 30)),  # 22:00 EDT the day before
        ("Wed, 01 Jul 2026 04:00:00 +0000", dt.date(2026, 7, 1)),  # midnight EDT
        ("Tue, 13 Jan 2026 04:30:00 +0000", dt.date(2026, 1, 12)),  # winter: EST is UTC-5
        ("Tue, 13 Jan 2026 00:00:00 -0500", dt.date(2026, 1, 13)),
    ],
)
def test_channel_pubdate_is_read_in_us_eastern(pubdate: str, day: dt.date) -> None:
    empty = _with_pubdate(feeds.rss(dt.date(2026, 6, 30), CATEGORIES, []), pubdate)
    assert parse_feed(empty, URL).day == day
    items = real_items("2026-06-30")[:3]
    full = _with_pubdate(feeds.rss(dt.date(2026, 6, 30), CATEGORIES, items), pubdate)
    announcement = parse_feed(full, URL)
    assert announcement.day == day
    assert {p.announced for p in announcement.papers} == {day}


# ---------------------------------------------------------------------------------------------------
# failures: each names the URL and says what was wrong

ACCESS_DENIED = b"""<HTML><HEAD>
<TITLE>Access Denied</TITLE>
</HEAD><BODY>
<H1>Access Denied</H1>

You don't have permission to access "http&#58;&#47;&#47;rss&#46;arxiv&#46;org&#47;rss&#47;cs&#46;AI" on this
server.<P>
Reference&#32;&#35;18&#46;4c2f1602&#46;1755676819&#46;1a2b3c4d
</BODY>
</HTML>
"""


def _raises(body: bytes, error: type[Exception] = FeedFormatError, *, status: int | None = None) -> str:
    with pytest.raises(error) as info:
        parse_feed(body, URL, status=status)
    message = str(info.value)
    assert URL in message
    assert isinstance(info.value, FetchError)
    assert info.value.url == URL
    return message


@pytest.mark.parametrize(
    "body",
    [
        ACCESS_DENIED,
        b"<!DOCTYPE html>\n<html lang='en'><head><title>Access Denied</title></head><body></body></html>",
        b"<?xml version='1.0'?>\n<!-- proxy -->\n<html><head><title>Access Denied</title></head></html>",
    ],
)
def test_html_page_is_reported_as_html(body: bytes) -> None:
    message = _raises(body)
    assert "HTML page" in message
    assert "Access Denied" in message


def test_empty_body() -> None:
    assert "empty response body" in _raises(b"  \n")


@pytest.mark.parametrize("fraction", [0.1, 0.5, 0.99])
def test_truncated_xml(fraction: float) -> None:
    body = real_rss()
    message = _raises(body[: int(len(body) * fraction)])
    assert "not well-formed XML" in message


def _drop(body: bytes, item_index: int, *tags: str) -> bytes:
    """Remove child elements (by local name) from the item at ``item_index`` of an RSS document."""
    root = etree.fromstring(body)
    item = root.find("channel").findall("item")[item_index]
    for el in list(item):
        if etree.QName(el).localname in tags:
            item.remove(el)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


@pytest.mark.parametrize(
    ("tags", "what"),
    [
        (("title",), "has no title"),
        (("category",), "has no category"),
        (("description",), "has no description"),
        (("creator",), "has no authors"),
    ],
)
def test_item_missing_a_required_field(tags: tuple[str, ...], what: str) -> None:
    items = real_items("2026-06-30")
    message = _raises(_drop(real_rss(), 2, *tags))
    assert what in message
    assert "item 3" in message
    assert items[2].id in message  # the item is named by its guid


def test_item_without_guid_and_link_takes_its_id_from_the_description() -> None:
    items = real_items("2026-06-30")
    replaced = next(i for i, it in enumerate(items) if it.version == 2)
    body = _drop(_drop(real_rss(), 2, "guid", "link"), replaced, "guid", "link")
    by_id = {p.id: p for p in parse_feed(body, URL).papers}
    assert by_id[items[2].id].version == 1
    assert by_id[items[replaced].id].version == 2
    assert len(by_id) == len(items)


def test_item_with_no_identifier_anywhere() -> None:
    items = real_items("2026-06-30")
    root = etree.fromstring(_drop(real_rss(), 2, "guid", "link"))
    description = root.find("channel").findall("item")[2].find("description")
    description.text = "Abstract: " + items[2].abstract
    message = _raises(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))
    assert "no arXiv identifier" in message
    assert "item 3" in message


@pytest.mark.parametrize(
    ("body", "name"),
    [
        (b"<?xml version='1.0'?><OAI-PMH xmlns='http://www.openarchives.org/OAI/2.0/'/>", "OAI-PMH"),
        (b"<?xml version='1.0'?><feed><entry/></feed>", "feed"),  # Atom's name without Atom's namespace
        (b"<opml version='2.0'><body/></opml>", "opml"),
    ],
)
def test_unknown_root_element(body: bytes, name: str) -> None:
    message = _raises(body)
    assert f"<{name}>" in message
    assert "expected an RSS or Atom feed" in message


def test_rss_without_channel() -> None:
    assert "without a <channel>" in _raises(b"<rss version='2.0'><nochannel/></rss>")


def _laughs(levels: int = 10) -> bytes:
    decls = [b'<!ENTITY lol0 "lol">']
    for i in range(1, levels):
        decls.append(b'<!ENTITY lol%d "%s">' % (i, b"&lol%d;" % (i - 1) * 10))
    return b"<!DOCTYPE rss [" + b"".join(decls) + b"]>"


@pytest.mark.parametrize(
    "prefix",
    [b"", b"<!--" + b"x" * 70_000 + b"-->"],  # the second hides the DTD past the first 64 KB
    ids=["plain", "after-a-long-comment"],
)
def test_entity_expansion_bomb_is_refused_quickly(prefix: bytes) -> None:
    body = (
        b'<?xml version="1.0"?>'
        + prefix
        + _laughs()
        + b'<rss version="2.0"><channel><title>&lol9;</title>'
        + b"<pubDate>Tue, 30 Jun 2026 00:00:00 -0400</pubDate></channel></rss>"
    )
    start = time.monotonic()
    with pytest.raises(FeedFormatError) as info:
        parse_feed(body, URL)
    assert time.monotonic() - start < 1.0
    assert URL in str(info.value)
    assert "lol" * 100 not in str(info.value)


def test_declared_entities_are_refused_even_when_harmless() -> None:
    body = (
        b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/hostname">]>'
        b'<rss version="2.0"><channel><title>&xxe;</title></channel></rss>'
    )
    assert "declares XML entities" in _raises(body)


def test_feed_error_for_query_is_a_fetch_error() -> None:
    message = _raises(feeds.feed_error("cs.XX"), FetchError, status=400)
    assert "Feed error for query: cs.XX" in message
    assert "HTTP 400" in message


def test_feed_error_from_the_fake_arxiv_is_not_refetched() -> None:
    """A 400 "Feed error" feed is an answer, not a transient fault: one request, then the error."""
    with FakeArxiv() as fake:
        fake.announce("2026-06-30")
        settings = ArxivSettings(rss_url=fake.rss_url, delay_seconds=0.01)
        with PoliteClient(settings) as client, pytest.raises(FetchError) as info:
            rss.fetch_announcement(client, fake.rss_url, ["cs.AI", "cs.XX"])
        assert not isinstance(info.value, FeedFormatError)
        assert info.value.status == 400
        assert f"{fake.rss_url}cs.AI+cs.XX" in str(info.value)
        assert "Feed error for query" in str(info.value)
        assert [r.path for r in fake.requests] == ["/rss/cs.AI+cs.XX"]


def test_fetch_announcement_reads_the_fake_feed() -> None:
    with FakeArxiv() as fake:
        fake.announce("2025-10-15")
        with PoliteClient(ArxivSettings(rss_url=fake.rss_url, delay_seconds=0.01)) as client:
            announcement = rss.fetch_announcement(client, fake.rss_url, CATEGORIES)
        assert announcement.day == dt.date(2025, 10, 15)
        assert {p.id for p in announcement.papers} == {i.id for i in fake.items(CATEGORIES)}
        assert announcement.source_url == fake.rss_url + "+".join(CATEGORIES)
