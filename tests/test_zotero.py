"""A Zotero library through the web API (issue #9), against the loopback fake with Zotero's real response
shapes: paging, versions (304: one request for an unchanged library, the copy in data/zotero.jsonl),
collections, 403/404 as configuration errors naming the address, retries, and a key never shown."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from arxiv_digest.config import Config, load_config
from arxiv_digest.errors import ConfigError
from arxiv_digest.jobs._library import load_library
from arxiv_digest.models import Library
from arxiv_digest.sources.zotero import ZoteroClient
from arxiv_digest.store import Store, open_store
from tests.fakes.zotero import FakeZotero, Reply
from tests.sitebuild import DEMO

DAY = dt.date(2026, 6, 30)
KEY = "k3y-Zotero-0123456789"


@pytest.fixture
def zotero() -> Iterator[FakeZotero]:
    with FakeZotero(1234567, key=KEY) as fake:
        yield fake


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    data = tmp_path / "out" / "data"
    data.mkdir(parents=True)
    shutil.copy(DEMO, data / f"{DAY}.jsonl")
    with open_store(tmp_path / "out" / "digest.db", data) as s:
        yield s


class Run:
    """load_library with the Zotero part of config.yml, the fake's address and key in the environment,
    and every wait the client asks for recorded instead of slept."""

    def __init__(self, tmp_path: Path, zotero: FakeZotero, store: Store) -> None:
        self.tmp_path, self.zotero, self.store = tmp_path, zotero, store
        self.slept: list[float] = []
        self.zotero_line = '  zotero: {user: 1234567, key: "${ZOTERO_API_KEY}"}\n'
        self.env = {"ZOTERO_API_KEY": KEY, "ARXIV_DIGEST_ZOTERO_URL": zotero.url}

    def config(self) -> Config:
        path = self.tmp_path / "config.yml"
        path.write_text(
            "category:\n  cs.CL: Computation and Language\narxiv:\n  max_retries: 2\nlibrary:\n"
            + self.zotero_line,
            encoding="utf-8",
        )
        return load_config(path, env=self.env)

    def __call__(self) -> Library:
        config = self.config()

        def factory(c: Config) -> ZoteroClient:
            assert c.library is not None and c.library.zotero is not None
            return ZoteroClient(c.library.zotero, c.arxiv, config_path=str(c.path), sleep=self.slept.append)

        return load_library(
            config,
            self.tmp_path / "out",
            history_lookup=self.store.latest_announcement,
            client=None,
            zotero=factory,
        )


@pytest.fixture
def run(tmp_path: Path, zotero: FakeZotero, store: Store) -> Run:
    return Run(tmp_path, zotero, store)


def test_a_library_is_read_page_by_page_then_costs_one_request_while_unchanged(
    run: Run, zotero: FakeZotero, store: Store, tmp_path: Path
) -> None:
    stored = store.papers_for_day(DAY)[0]
    for n in range(230):
        zotero.add(
            f"Paper number {n}", abstract=f"About thing {n}.", added=f"2026-01-{n % 28 + 1:02d}T08:00:00Z"
        )
    zotero.add(
        "Saved from arXiv", extra=f"arXiv: {stored.id}\ntex.ids: something", added="2026-03-01T09:00:00Z"
    )
    zotero.add("A note, not a paper", item_type="note", parent="AAAAAAAA")
    lib = run()
    assert [(r.path, r.query["start"], r.query["limit"]) for r in zotero.requests] == [
        ("/users/1234567/items/top", "0", "100"),
        ("/users/1234567/items/top", "100", "100"),
        ("/users/1234567/items/top", "200", "100"),
    ]
    for r in zotero.requests:
        assert r.headers["zotero-api-version"] == "3" and r.headers["zotero-api-key"] == KEY
        assert r.query["format"] == "json" and KEY not in json.dumps(r.query)
    assert "if-modified-since-version" not in zotero.requests[0].headers
    assert len(lib.items) == 231 and lib.warnings == ()
    newest = lib.items[0]  # the most recently added first
    assert (newest.arxiv_id, newest.title, newest.abstract) == (stored.id, stored.title, stored.abstract)
    assert lib.items[1].added == dt.date(2026, 1, 28)
    copy = tmp_path / "out" / "data" / "zotero.jsonl"
    first_line = json.loads(copy.read_text().splitlines()[0])
    assert first_line == {"scope": "users/1234567", "version": zotero.version}
    assert "Lovelace" not in copy.read_text()  # names are never kept

    # Unchanged: one request, answered 304, and the same library from the copy (the file untouched).
    before = copy.read_bytes()
    zotero.requests.clear()
    assert run() == lib
    assert len(zotero.requests) == 1
    assert zotero.requests[0].headers["if-modified-since-version"] == str(zotero.version)
    assert copy.read_bytes() == before

    # Changed in Zotero: read again, the new item in.
    zotero.add("Added since", abstract="New.", added="2026-04-01T00:00:00Z")
    zotero.requests.clear()
    again = run()
    assert again.items[0].title == "Added since" and len(again.items) == 232
    assert len(zotero.requests) == 3


def test_collections_are_read_each_on_its_own(run: Run, zotero: FakeZotero) -> None:
    zotero.add("In the first", collections=("ABCD2345",))
    zotero.add("In both", collections=("ABCD2345", "WXYZ6789"))
    zotero.add("In neither")
    run.zotero_line = (
        '  zotero: {user: 1234567, key: "${ZOTERO_API_KEY}", collections: [ABCD2345, WXYZ6789]}\n'
    )
    lib = run()
    assert [r.path for r in zotero.requests] == [
        "/users/1234567/collections/ABCD2345/items/top",
        "/users/1234567/collections/WXYZ6789/items/top",
    ]
    assert sorted(i.title for i in lib.items) == ["In both", "In the first"]  # "In both" taken once


def test_a_wrong_key_is_a_config_error_naming_the_address_not_the_key(run: Run, zotero: FakeZotero) -> None:
    zotero.add("Private")
    run.env["ZOTERO_API_KEY"] = "wrong-key-value-42"
    with pytest.raises(ConfigError) as caught:
        run()
    text = str(caught.value)
    assert caught.value.exit_code == 2
    assert f"Zotero refused access to {zotero.url}/users/1234567/items/top?" in text and "HTTP 403" in text
    assert "library.zotero" in text and "ZOTERO_API_KEY" in text and "zotero.org/settings/keys" in text
    assert "wrong-key-value-42" not in text and KEY not in text


def test_a_private_library_without_a_key_says_to_set_one(run: Run, zotero: FakeZotero) -> None:
    run.zotero_line = "  zotero: {user: 1234567}\n"
    with pytest.raises(ConfigError, match="this library is not public"):
        run()
    assert "zotero-api-key" not in zotero.requests[0].headers


def test_an_unknown_collection_is_a_404_config_error(run: Run, zotero: FakeZotero) -> None:
    run.zotero_line = '  zotero: {user: 1234567, key: "${ZOTERO_API_KEY}", collections: [QQQQ2345]}\n'
    with pytest.raises(ConfigError) as caught:
        run()
    assert "no such library or collection" in str(caught.value) and "HTTP 404" in str(caught.value)
    assert "/users/1234567/collections/QQQQ2345/items/top" in str(caught.value)


def test_429_and_503_are_tried_again_after_the_wait_zotero_asks(run: Run, zotero: FakeZotero) -> None:
    zotero.add("One")
    zotero.queue(Reply(429, b"Too Many Requests", {"Retry-After": "7"}), Reply(503, b"Service Unavailable"))
    lib = run()
    assert [i.title for i in lib.items] == ["One"] and len(zotero.requests) == 3
    assert run.slept == [7.0, 4.0]  # Retry-After 7 over our 2 s; then our backoff, doubled


def test_a_backoff_header_delays_the_next_request(run: Run, zotero: FakeZotero) -> None:
    zotero.add("One")
    zotero.queue(Reply(503, b"busy", {"Backoff": "30"}))
    assert [i.title for i in run().items] == ["One"]
    assert run.slept[0] == 2.0 and 27 < run.slept[1] <= 30  # our backoff, then the rest of Zotero's 30 s


def test_an_outage_falls_back_to_the_copy_with_a_warning(run: Run, zotero: FakeZotero) -> None:
    zotero.add("Kept")
    first = run()
    zotero.queue(*[Reply(503, b"down")] * 3)
    lib = run()
    assert lib.items == first.items
    assert len(lib.warnings) == 1 and "Zotero could not be read" in lib.warnings[0]
    assert "using the copy in data/" in lib.warnings[0] and KEY not in lib.warnings[0]


def test_an_outage_with_no_copy_leaves_zotero_out_but_not_the_rest(run: Run, zotero: FakeZotero) -> None:
    zotero.queue(*[Reply(503, b"down")] * 3)
    run.zotero_line += "  arxiv: ['2606.30639']\n"
    lib = run()
    assert [i.arxiv_id for i in lib.items] == ["2606.30639"]
    assert "its items are left out this time" in lib.warnings[0]


def test_a_library_edited_while_it_is_paged_is_read_again(run: Run, zotero: FakeZotero) -> None:
    for n in range(150):
        zotero.add(f"Paper {n}")

    def edit_once(count: int) -> None:
        if count == 2:  # after the first page was answered
            zotero.add("Edited mid-read", added="2027-01-01T00:00:00Z")

    zotero.on_request = edit_once
    lib = run()
    assert len(zotero.requests) == 4  # two pages, the second from a newer version: both again
    assert len(lib.items) == 151 and lib.items[0].title == "Edited mid-read"


class _IgnoresStart(FakeZotero):
    """A broken server (or a proxy in front of Zotero) that answers every page with the first one, and
    always links a next page: paging that never advances."""

    def _answer(
        self, path: str, query: dict[str, str], headers: dict[str, str], base: dict[str, str]
    ) -> tuple[int, bytes, dict[str, str]]:
        status, body, out = super()._answer(path, query | {"start": "0"}, headers, base)
        if status == 200:
            out["Total-Results"] = "1000000000"
            out["Link"] = '<https://api.zotero.org/users/1234567/items/top?start=100>; rel="next"'
        return status, body, out


def test_paging_that_never_advances_ends_at_the_second_page_naming_the_address(
    tmp_path: Path, store: Store
) -> None:
    with _IgnoresStart(1234567, key=KEY) as endless:
        for n in range(120):
            endless.add(f"Paper {n}")
        lib = Run(tmp_path, endless, store)()
        assert len(endless.requests) == 2  # the second page repeats the first: stop there
    assert lib.items == ()
    (warning,) = lib.warnings
    assert (
        "sent the same items again (start=100); stopping there" in warning
        and "/users/1234567/items/top" in warning
    )
    assert KEY not in warning


@pytest.mark.parametrize(
    "body", [b"<html>proxy error</html>", b'{"items": []}', b"[" * 100_000, b'[1, "two", {"key": 3}]']
)
def test_a_page_that_is_not_a_list_of_items_falls_back_to_the_copy(
    run: Run, zotero: FakeZotero, body: bytes
) -> None:
    zotero.add("Kept")
    first = run()
    zotero.add("Newer")  # the library changed: it is read again, and the answer is garbage
    zotero.queue(Reply(200, body, {"Last-Modified-Version": "99", "Content-Type": "application/json"}))
    lib = run()
    assert lib.items == first.items
    assert any("using the copy in data/" in w for w in lib.warnings)
