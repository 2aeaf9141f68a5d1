"""The ``announcements`` table's rows and the papers they hold, both ways: writing them (cheap tuples, which
rebuild workers send between processes) and reading them back, where a value we could not have written
is taken for what it is, a damaged page (issue #7)."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Sequence
from typing import Any

import orjson

from ..errors import DatabaseCorruptError
from ..facts import with_facts
from ..models import AnnounceType, Facts, Paper

COLUMNS = (
    "day, id, version, announce_type, title, authors, abstract, categories, comment, journal_ref, "
    "doi, license, facts"
)


#: A day's rows take rowids ``day.toordinal() << DAY_SHIFT`` upwards, so that rowid order is day order: the
#: search index (whose rowids are the announcements') returns the newest days first by FTS5's own
#: ``ORDER BY rowid DESC``, with no sort of every match (issue #12). A day holds fewer rows than this.
DAY_SHIFT = 20


def first_rowid(day: dt.date) -> int:
    return day.toordinal() << DAY_SHIFT


def prefixed(alias: str) -> str:
    return ", ".join(f"{alias}.{c.strip()}" for c in COLUMNS.split(","))


def _json(value: object) -> str:
    """JSON text for a column (orjson: UTF-8 as is, like ensure_ascii=False, and ~15x faster)."""
    return orjson.dumps(value).decode("utf-8")


def announcement_rows(day: dt.date, papers: Sequence[Paper]) -> list[tuple[object, ...]]:
    """The ``announcements`` rows for a day's papers (plain tuples: cheap to send between processes)."""
    key = day.isoformat()
    return [
        (
            key,
            p.id,
            p.version,
            p.announce_type.value,
            p.title,
            _json(p.authors),
            p.abstract,
            _json(p.categories),
            p.comment,
            p.journal_ref,
            p.doi,
            p.license,
            None if p.facts is None else _json(p.facts.to_record()),
        )
        for p in papers
    ]


def stored_day(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except (ValueError, TypeError) as e:  # we only store ISO dates: a damaged page
        raise DatabaseCorruptError("the database", f"an unreadable day {text!r:.40}") from e


def paper_of(row: sqlite3.Row | tuple[Any, ...]) -> Paper:
    (
        day,
        pid,
        version,
        kind,
        title,
        authors,
        abstract,
        categories,
        comment,
        journal_ref,
        doi,
        license_,
        facts,
    ) = tuple(row)
    try:
        paper = Paper(
            id=pid,
            version=version,
            title=title,
            authors=tuple(orjson.loads(authors)),
            abstract=abstract,
            categories=tuple(orjson.loads(categories)),
            announce_type=AnnounceType(kind),
            announced=dt.date.fromisoformat(day),
            comment=comment,
            journal_ref=journal_ref,
            doi=doi,
            license=license_,
            facts=None if facts is None else Facts.from_record(orjson.loads(facts)),
        )
    except (ValueError, TypeError) as e:  # we wrote valid rows: one that does not decode is a damaged page
        raise DatabaseCorruptError("the database", f"an unreadable row for {pid!r}: {e}") from e
    return with_facts(paper)  # a row a database of schema 3 held (no facts), or made by older rules
