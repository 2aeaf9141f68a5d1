"""The daily feed parser on real data: the Atom capture from rss.arxiv.org, RSS 2.0 rebuilt from real
records of three announcement days, and every way a body can fail to be the feed we expect."""

from __future__ import annotations

import datetime as dt
import itertools
import time
import unicodedata
from dataclasses import replace
from pathlib import Path

import pytest
from lxml import etree

from arxiv_digest.config import ArxivSettings
from arxiv_digest.errors import FeedFormatError, FetchError
from arxiv_digest.models import MAX_VERSION, Announcement, AnnounceType
from arxiv_digest.sources import rss
from arxiv_digest.sources.http import PoliteClient
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
        (("title",), "no title"),
        (("category",), "no category"),
        (("description",), "no description (abstract)"),
        (("creator",), "no authors (dc:creator)"),
    ],
)
def test_an_item_missing_a_required_field_is_skipped_and_named(tags: tuple[str, ...], what: str) -> None:
    """One unreadable item no longer refuses the whole day (issue #7): the rest is read, the item named."""
    items = real_items("2026-06-30")
    announcement = parse_feed(_drop(real_rss(), 2, *tags), URL)
    assert [p.id for p in announcement.papers] == [i.id for i in items if i.id != items[2].id]
    assert announcement.warnings == (f"item 3 ({items[2].id}): {what}; skipped",)


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
    announcement = parse_feed(etree.tostring(root, xml_declaration=True, encoding="UTF-8"), URL)
    assert len(announcement.papers) == len(items) - 1
    assert announcement.warnings[0] == "item 3 (no identifier): no arXiv identifier (guid/link); skipped"


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


# ---------------------------------------------------------------------------------------------------
# unreadable items and absurd values (issue #7): a clean outcome for each, never a traceback


def _feed_of(items: list[feeds.FeedItem], day: str = "2026-06-30") -> bytes:
    return feeds.rss(dt.date.fromisoformat(day), CATEGORIES, items)


@pytest.mark.parametrize(
    "version",
    ["99999999999999999999999", "0", "-1", "X", "2a", "", "10001", "9" * 5000],
    ids=["20-digits", "zero", "negative", "letter", "suffix", "empty", "over-the-bound", "5000-digits"],
)
def test_a_version_that_is_no_version_makes_only_its_item_unreadable(version: str) -> None:
    items = real_items("2026-06-30")
    bad = replace(items[4], version=version)  # type: ignore[arg-type]  # the feed carries text
    announcement = parse_feed(_feed_of([*items[:4], bad, *items[5:]]), URL)
    assert [p.id for p in announcement.papers] == [i.id for i in items if i.id != bad.id]
    assert len(announcement.warnings) == 1
    warning = announcement.warnings[0]
    assert warning.startswith(f"item 5 ({bad.id}): version ") and warning.endswith("; skipped")
    assert len(warning) < 150  # 5,000 digits are not repeated
    assert all(1 <= p.version <= MAX_VERSION for p in announcement.papers)


def test_the_highest_accepted_version_is_read() -> None:
    items = real_items("2026-06-30")[:3]
    announcement = parse_feed(_feed_of([items[0], replace(items[1], version=MAX_VERSION), items[2]]), URL)
    assert announcement.warnings == ()
    assert [p.version for p in announcement.papers] == [1, MAX_VERSION, 1]


def _without_title(items: list[feeds.FeedItem], count: int) -> bytes:
    root = etree.fromstring(_feed_of(items))
    for item in root.find("channel").findall("item")[:count]:
        item.remove(item.find("title"))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def test_a_tenth_of_the_items_unreadable_publishes_the_rest() -> None:
    items = real_items("2026-06-30")[:50]
    announcement = parse_feed(_without_title(items, 5), URL)
    assert [p.id for p in announcement.papers] == [i.id for i in items[5:]]
    assert [w.split(":")[0] for w in announcement.warnings] == [
        f"item {i} ({items[i - 1].id})" for i in range(1, 6)
    ]


def test_more_than_a_tenth_unreadable_refuses_the_day() -> None:
    items = real_items("2026-06-30")[:50]
    message = _raises(_without_title(items, 6))
    assert (
        f"6 of the feed's 50 items could not be read, more than 10% (first: item 1 ({items[0].id}): no title)"
        in message
    )


def test_a_one_item_feed_whose_item_is_unreadable_is_refused() -> None:
    items = real_items("2026-06-30")[:1]
    message = _raises(_without_title(items, 1))
    assert f"the feed has 1 item but none could be read (first: item 1 ({items[0].id}): no title)" in message


def test_an_unreadable_item_is_named_in_one_printable_line() -> None:
    items = real_items("2026-06-30")[:20]
    hostile = "novel\u202e\u2067" + "x" * 300  # bidi overrides, then more than a line can show
    announcement = parse_feed(_feed_of([items[0], replace(items[1], announce_type=hostile), *items[2:]]), URL)
    (warning,) = announcement.warnings
    assert warning.startswith(f"item 2 ({items[1].id}): unknown announce type 'novel xxx")
    assert "\u202e" not in warning and "\u2067" not in warning and len(warning) < 120


@pytest.mark.parametrize(
    "pubdate",
    [
        "Fri, 31 Dec 9999 23:00:00 -0500",
        "Fri, 31 Dec 9999 23:30:00 -1200",
        "Tue, 30 Jun 99999999999999999999 00:00:00 -0400",
    ],
    ids=["past-9999-in-eastern-time", "past-9999-in-utc", "a-year-too-large-for-c"],
)
def test_a_date_past_the_year_9999_is_refused_as_the_future(pubdate: str) -> None:
    body = _with_pubdate(_feed_of(real_items("2026-06-30")[:3]), pubdate)
    message = _raises(body, FetchError)
    assert (
        f"the feed is dated {pubdate!r}, past the year 9999: refusing to publish a day from the future"
        in message
    )


def test_the_year_9999_itself_is_a_day_the_parser_reads() -> None:
    """The pipeline refuses it as the future (test_run.py); the parser's job is only to read it."""
    body = _with_pubdate(_feed_of(real_items("2026-06-30")[:3]), "Fri, 31 Dec 9999 00:00:00 -0500")
    assert parse_feed(body, URL).day == dt.date(9999, 12, 31)


def test_a_year_past_9999_in_the_text_is_an_unreadable_date() -> None:
    body = _with_pubdate(_feed_of(real_items("2026-06-30")[:3]), "Sat, 01 Jan 10000 00:00:00 +0000")
    message = _raises(body)
    assert (
        "the feed's pubDate 'Sat, 01 Jan 10000 00:00:00 +0000' (year 10000 is out of range) is not a date"
        in message
    )


def test_an_atom_date_past_the_year_9999_is_refused() -> None:
    root = etree.fromstring(feeds.atom(dt.date(2026, 6, 30), CATEGORIES, real_items("2026-06-30")[:2]))
    for el in root.iter("{http://www.w3.org/2005/Atom}published"):
        el.text = "9999-12-31T23:00:00-05:00"
    message = _raises(etree.tostring(root), FetchError)
    assert "past the year 9999" in message
