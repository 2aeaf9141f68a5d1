"""Papers as announced: identifiers, announcement types, a paper, a day's announcement, a submission.

arXiv identifiers are normalised in exactly one place, :func:`parse_arxiv_id`, whatever form they arrive
in (``arXiv:2503.24379v1``, ``oai:arXiv.org:2503.24379v1``, ``https://arxiv.org/abs/2503.24379v1``,
``astro-ph/0601001``).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from .facts import Facts

#: arXiv's announcement calendar runs on US Eastern time (info.arxiv.org/help/availability.html).
ARXIV_TZ = ZoneInfo("America/New_York")

#: The highest version number a paper may carry. arXiv numbers revisions v1, v2, …; no paper comes near
#: this, and the bound keeps an absurd "v99999999999999999999999" out of SQLite, whose integers are 64-bit.
MAX_VERSION = 10_000

#: An announcement day may be at most this many days after today in US Eastern time. arXiv's feed switches
#: to a new day at midnight ET, so a correct feed is never ahead of the ET calendar; the one day absorbs a
#: runner's clock a few hours behind. Anything later is a wrong date that would pin the digest (issue #7).
FUTURE_SLACK_DAYS = 1


def arxiv_today(now: dt.datetime | None = None) -> dt.date:
    """Today's date on arXiv's calendar (US Eastern); ``now`` defaults to the clock."""
    return (now or dt.datetime.now(dt.UTC)).astimezone(ARXIV_TZ).date()


def is_after_today(day: dt.date, today: dt.date) -> bool:
    """Is ``day`` later than an announcement can be on ``today``? (Subtraction: no date overflows.)"""
    return (day - today).days > FUTURE_SLACK_DAYS


_NEW_ID = r"\d{4}\.\d{4,5}"
_OLD_ID = r"[a-z][a-z-]*(?:\.[A-Z]{2})?/\d{7}"
_ID_RE = re.compile(
    rf"^(?:(?:https?://)?(?:export\.)?arxiv\.org/(?:abs|pdf)/|oai:arXiv\.org:|arXiv:)?"
    rf"(?P<id>{_NEW_ID}|{_OLD_ID})(?:v(?P<version>\d+))?(?:\.pdf)?$",
    re.IGNORECASE,
)


_PLAIN_NEW_ID = re.compile(rf"{_NEW_ID}\Z")


@lru_cache(maxsize=256)
def _day(value: object) -> dt.date:
    return dt.date.fromisoformat(str(value))


class AnnounceType(StrEnum):
    """How arXiv announced a paper, relative to the categories that were requested."""

    NEW = "new"
    CROSS = "cross"
    REPLACE = "replace"
    REPLACE_CROSS = "replace-cross"

    @property
    def is_replacement(self) -> bool:
        return self in (AnnounceType.REPLACE, AnnounceType.REPLACE_CROSS)


def parse_arxiv_id(text: str) -> tuple[str, int | None]:
    """Return ``(id, version)`` for any common spelling of an arXiv identifier.

    >>> parse_arxiv_id("oai:arXiv.org:2503.24379v2")
    ('2503.24379', 2)
    >>> parse_arxiv_id("https://arxiv.org/abs/astro-ph/0601001")
    ('astro-ph/0601001', None)
    """
    m = _ID_RE.match(text.strip())
    if not m:
        raise ValueError(f"not an arXiv identifier: {text!r}")
    arxiv_id = m.group("id")
    if "/" in arxiv_id:  # old style: archive in lower case, subject class in upper case
        archive, number = arxiv_id.split("/")
        if "." in archive:
            name, sub = archive.split(".")
            archive = f"{name.lower()}.{sub.upper()}"
        else:
            archive = archive.lower()
        arxiv_id = f"{archive}/{number}"
    version = int(m.group("version")) if m.group("version") else None
    return arxiv_id, version


def id_sort_key(arxiv_id: str) -> tuple[int, int, str]:
    """Chronological key of an identifier: (year*100+month, sequence number, id).

    Old-style ids (``hep-th/9901001``, 1991-2007) sort before new-style ones (2007-).
    """
    if "/" in arxiv_id:
        number = arxiv_id.split("/")[1]
        yy, mm, seq = int(number[:2]), int(number[2:4]), int(number[4:])
        year = 1900 + yy if yy >= 91 else 2000 + yy
        return year * 100 + mm, seq, arxiv_id
    yymm, number = arxiv_id.split(".")
    return 2000_00 + int(yymm), int(number), arxiv_id


_ANNOUNCE_TYPES = {t.value: t for t in AnnounceType}
_Fields = tuple[str, int, str, tuple[str, ...], str, tuple[str, ...], str | None, str | None, str | None]


def _record_fields(record: Mapping[str, Any]) -> _Fields:
    """The fields stored records of every kind share, checked: (id, version, title, authors, abstract,
    categories, comment, journal_ref, doi). Runs for every stored paper on every rebuild, so it checks types
    directly instead of looping over field names."""
    raw_id = record["id"]
    if isinstance(raw_id, str) and _PLAIN_NEW_ID.match(raw_id):  # the stored form: no prefix, no version
        arxiv_id, id_version = raw_id, None
    else:
        arxiv_id, id_version = parse_arxiv_id(str(raw_id))
    version = record.get("version", id_version or 1)
    if type(version) is not int or not 1 <= version <= MAX_VERSION:
        raise ValueError(f"version must be an integer from 1 to {MAX_VERSION}, not {version!r}")
    authors = record["authors"]
    if type(authors) is not list or not all(type(a) is str for a in authors):
        raise TypeError("authors must be a list of strings")
    categories = record["categories"]
    if type(categories) is not list or not categories or not all(type(c) is str for c in categories):
        raise TypeError("categories must be a non-empty list of strings")
    title, abstract = record["title"], record["abstract"]
    if type(title) is not str or type(abstract) is not str:
        raise TypeError("title and abstract must be strings")
    get = record.get
    comment, journal_ref, doi = get("comment"), get("journal_ref"), get("doi")
    for value in (comment, journal_ref, doi):
        if value is not None and type(value) is not str:
            raise TypeError("comment, journal_ref and doi must be strings or null")
    return arxiv_id, version, title, tuple(authors), abstract, tuple(categories), comment, journal_ref, doi


def _to_record(paper: Paper | Submission, dated: dict[str, str], tail: dict[str, Any]) -> dict[str, Any]:
    """The stored record that every kind of paper shares, in its fixed key order: who and what, ``dated``
    (the kind's own dates), the references, ``tail``, then the facts when there are some. The inverse of
    :func:`_record_fields`."""
    return {
        "id": paper.id,
        "version": paper.version,
        "title": paper.title,
        "authors": list(paper.authors),
        "abstract": paper.abstract,
        "categories": list(paper.categories),
        **dated,
        "comment": paper.comment,
        "journal_ref": paper.journal_ref,
        "doi": paper.doi,
        **tail,
        **({} if paper.facts is None else {"facts": paper.facts.to_record()}),
    }


@dataclass(frozen=True, slots=True)
class Paper:
    """One paper as announced on one day. Text fields are clean (whitespace-normalised) but unescaped."""

    id: str
    version: int
    title: str
    authors: tuple[str, ...]
    abstract: str
    categories: tuple[str, ...]  # primary first
    announce_type: AnnounceType
    announced: dt.date
    comment: str | None = None
    journal_ref: str | None = None
    doi: str | None = None
    license: str | None = None
    #: What the record says about code and venue (issue #10): filled at ingestion (the sources) and on
    #: loading an older snapshot (the store); None only for a paper built without either. Derived from the
    #: text above, so it takes no part in equality.
    facts: Facts | None = field(default=None, compare=False)

    @property
    def primary_category(self) -> str:
        return self.categories[0]

    @property
    def abs_url(self) -> str:
        return f"https://arxiv.org/abs/{self.id}"

    @property
    def versioned_id(self) -> str:
        return f"{self.id}v{self.version}"

    def to_record(self) -> dict[str, Any]:
        """The JSON object stored in ``data/<day>.jsonl`` (key order fixed, so output is stable)."""
        dated = {"announce_type": self.announce_type.value, "announced": self.announced.isoformat()}
        return _to_record(self, dated, {"license": self.license})

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> Paper:
        """Build a Paper from a snapshot record; raises KeyError/ValueError/TypeError on bad input. Its
        ``facts`` are read as stored, whatever rules made them (a record without the key has None):
        the store decides whether to extract them again."""
        arxiv_id, version, title, authors, abstract, categories, comment, journal_ref, doi = _record_fields(
            record
        )
        license_ = record.get("license")
        if license_ is not None and type(license_) is not str:
            raise TypeError("license must be a string or null")
        kind = _ANNOUNCE_TYPES.get(record["announce_type"])
        if kind is None:
            raise ValueError(f"unknown announce_type {record['announce_type']!r}")
        stored = record.get("facts")
        return cls(
            arxiv_id,
            version,
            title,
            authors,
            abstract,
            categories,
            kind,
            _day(record["announced"]),
            comment,
            journal_ref,
            doi,
            license_,
            None if stored is None else Facts.from_record(stored),
        )

    def with_(self, **changes: Any) -> Paper:
        return replace(self, **changes)


@dataclass(frozen=True, slots=True)
class Announcement:
    """One announcement (one RSS feed): a day and the papers arXiv listed for the requested categories."""

    day: dt.date | None  # None only for an empty feed that carried no date at all
    papers: tuple[Paper, ...]
    source_url: str = ""
    warnings: tuple[str, ...] = field(default=())

    @property
    def is_empty(self) -> bool:
        return not self.papers


@dataclass(frozen=True, slots=True)
class Submission:
    """A paper as arXiv's search API returns it: its latest version and the dates of its first and latest
    versions (``submitted``, ``updated``: US Eastern dates). Not an announcement: arXiv's search does not
    say when, or as what, a paper was announced."""

    id: str
    version: int
    title: str
    authors: tuple[str, ...]
    abstract: str
    categories: tuple[str, ...]  # primary first
    submitted: dt.date
    updated: dt.date
    comment: str | None = None
    journal_ref: str | None = None
    doi: str | None = None
    facts: Facts | None = field(default=None, compare=False)  # as Paper.facts

    def as_paper(self) -> Paper:
        """The same paper as a :class:`Paper` (for the matcher and for printing), dated by its first
        submission; its announce type only says whether it has been revised."""
        return Paper(
            id=self.id,
            version=self.version,
            title=self.title,
            authors=self.authors,
            abstract=self.abstract,
            categories=self.categories,
            announce_type=AnnounceType.NEW if self.version == 1 else AnnounceType.REPLACE,
            announced=self.submitted,
            comment=self.comment,
            journal_ref=self.journal_ref,
            doi=self.doi,
            facts=self.facts,
        )

    def to_record(self) -> dict[str, Any]:
        """The JSON object stored in ``data/remote/<YYYY-MM>.jsonl`` (key order fixed)."""
        dated = {"submitted": self.submitted.isoformat(), "updated": self.updated.isoformat()}
        return _to_record(self, dated, {})

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> Submission:
        """Build from a stored record; raises KeyError/ValueError/TypeError on bad input."""
        arxiv_id, version, title, authors, abstract, categories, comment, journal_ref, doi = _record_fields(
            record
        )
        stored = record.get("facts")
        return cls(
            arxiv_id,
            version,
            title,
            authors,
            abstract,
            categories,
            _day(record["submitted"]),
            _day(record["updated"]),
            comment,
            journal_ref,
            doi,
            None if stored is None else Facts.from_record(stored),
        )
