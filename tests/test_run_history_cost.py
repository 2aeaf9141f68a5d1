"""Issue #15, a daily run whose cost does not grow with history: the shortcuts it takes over the history's
thousands of files and days find what the slower ways they replace found. (That a fresh clone's run and a
warm database's publish the same bytes is test_fresh_clone.py's; the pages' bytes, test_golden.py's.)"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from arxiv_digest.jobs._publish import _without_site_page
from arxiv_digest.output import layout
from arxiv_digest.output.files import _temp_files
from arxiv_digest.store import counts as ledger

NAMES = [".a.tmp", "..tmp", ".tmp", "a.tmp", ".a.tmpx", ".x.123.tmp", ".page.html.old.42.tmp", "page.html"]


def test_the_leftover_temporary_files_are_those_the_glob_finds(tmp_path: Path) -> None:
    for name in NAMES:
        (tmp_path / name).write_bytes(b"")
    (tmp_path / ".folder.tmp").mkdir()
    (tmp_path / ".link.tmp").symlink_to(tmp_path / "gone")
    assert sorted(_temp_files(tmp_path)) == sorted(tmp_path.glob(layout.TEMP_GLOB))
    assert len(_temp_files(tmp_path)) == 6
    assert _temp_files(tmp_path / "missing") == [] == list((tmp_path / "missing").glob(layout.TEMP_GLOB))


def test_the_days_without_a_site_page_are_those_whose_page_is_not_a_file(tmp_path: Path) -> None:
    days = [dt.date(2026, 6, 1) + dt.timedelta(days=i) for i in range(8)]

    def page(day: dt.date) -> Path:
        return tmp_path / layout.in_site(layout.site_day_page(day))

    assert _without_site_page(tmp_path, days) == days  # no site yet
    page(days[0]).parent.mkdir(parents=True)
    page(days[0]).write_bytes(b"<html>")
    page(days[2]).write_bytes(b"<html>")
    page(days[3]).mkdir()  # a folder where the page should be
    page(days[4]).symlink_to(page(days[0]))  # a link to a file: a file, as is_file() says
    page(days[5]).symlink_to(tmp_path / "gone")  # a dangling link: not one
    expected = [day for day in days if not page(day).is_file()]
    assert _without_site_page(tmp_path, days) == expected == [days[1], days[3], *days[5:]]


def _old_dumps(rule: str, entries: list[ledger.CountEntry]) -> bytes:
    """``counts.dumps`` as it was written before issue #15: ``json.dumps`` a line."""
    lines = [
        json.dumps([e.day.isoformat(), e.size, e.new, e.cross, e.updated])
        for e in sorted(entries, key=lambda e: e.day)
    ]
    body = ",\n".join(f"  {line}" for line in lines)
    return f'{{"rule": {json.dumps(rule)}, "days": [\n{body}\n]}}\n'.encode()


COUNT = st.integers(min_value=0, max_value=10**12)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(st.dates(), COUNT, COUNT, COUNT, COUNT), max_size=20, unique_by=lambda t: t[0]),
    st.text(max_size=30),
)
def test_the_counts_file_is_written_as_json_dumps_wrote_it(
    values: list[tuple[dt.date, int, int, int, int]], rule: str
) -> None:
    entries = [ledger.CountEntry(*v) for v in values]
    assert ledger.dumps(rule, entries) == _old_dumps(rule, entries)


def test_the_archive_counts_read_back_what_they_wrote(tmp_path: Path) -> None:
    entries = [ledger.CountEntry(dt.date(2026, 6, d), 1000 + d, d, 2 * d, 3) for d in range(1, 9)]
    (tmp_path / ledger.COUNTS_NAME).write_bytes(ledger.dumps("r", entries))
    assert list(ledger.read(tmp_path, "r").values()) == entries
    assert os.path.getsize(tmp_path / ledger.COUNTS_NAME) > 0
