"""Faults of the real world, served by the fake arXiv, and the outcome each one must have.

Transient faults (a 503 or 429 with Retry-After, a reset connection, a slow answer, a body cut short, a
truncated feed once) must end in exactly the pages a clean run publishes. Persistent ones must fail
cleanly: exit 1 within a bounded time, a message naming the URL and the fault, no file in --out changed,
no database row changed, and requests still spaced by the configured delay.
"""

from __future__ import annotations

import email.utils
import itertools
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from lxml import etree

from arxiv_digest.cli import main
from tests.conftest import CliResult, db_rows, tree_state
from tests.fakearxiv import FakeArxiv, Recorded, Reply
from tests.fakearxiv.raw import RawServer, trickle

Cli = Callable[..., CliResult]

CATEGORIES = ["cs.AI", "cs.CL", "cs.CV", "cs.LG", "cs.MA", "cs.RO"]
FEED_PATH = "/rss/" + "+".join(CATEGORIES)
DELAY_SECONDS = 0.05  # what the arxiv_env fixture configures
DAY = "2026-06-30"


def announce_default(fake: FakeArxiv) -> None:
    """The day the `fake_arxiv` fixture announces."""
    fake.announce(DAY, replaced_from="2025-10-15", replaced_count=20)


@pytest.fixture(scope="module")
def clean_state(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """What a clean run of the fixture's day publishes in a fresh `init` folder."""
    out = tmp_path_factory.mktemp("clean") / "digest"
    with FakeArxiv() as fake, pytest.MonkeyPatch.context() as mp:
        announce_default(fake)
        fake.point(mp, delay=str(DELAY_SECONDS))
        assert main(["-q", "init", str(out)]) == 0
        assert main(["-q", "run", "--config", str(out / "config.yml"), "--out", str(out)]) == 0
        assert len(fake.feed_requests()) == 1 and fake.api_requests()  # the feed, then the comments
    return tree_state(out)


def run(cli: Cli, digest: Path) -> tuple[CliResult, float]:
    start = time.monotonic()
    result = cli("run", "--config", digest / "config.yml", "--out", digest)
    return result, time.monotonic() - start


def gaps(requests: list[Recorded]) -> list[float]:
    return [b.at - a.at for a, b in itertools.pairwise(requests)]


def feed(fake: FakeArxiv) -> bytes:
    return fake.feed_bytes(CATEGORIES)


# ---------------------------------------------------------------------------------------------------
# transient faults: the same pages as a clean run

Faults = Callable[[FakeArxiv], list[Reply]]
RECOVERABLE: dict[str, tuple[Faults, float]] = {
    # name: (the replies before the good one, the least gap the client must leave after the first)
    "503-retry-after": (lambda f: [Reply(status=503, headers={"Retry-After": "1"})], 1.0),
    "429-retry-after": (lambda f: [Reply(status=429, headers={"Retry-After": "1"})], 1.0),
    "502-twice": (lambda f: [Reply(status=502), Reply(status=502)], DELAY_SECONDS),
    "connection-reset": (lambda f: [Reply(reset=True)], DELAY_SECONDS),
    "slow-within-timeout": (lambda f: [Reply(delay_seconds=1.0)], 0.0),
    "truncated-body": (lambda f: [Reply(truncate_at=4096)], DELAY_SECONDS),
    "truncated-xml-once": (lambda f: [Reply(body=feed(f)[: len(feed(f)) // 2])], DELAY_SECONDS),
    # A hop on the same host is followed, as a request of its own that waits its turn (issue #7).
    "redirect-same-host": (
        lambda f: [Reply(status=301, headers={"Location": FEED_PATH + "?moved=1"})],
        DELAY_SECONDS,
    ),
    # "²".isdigit() is True, and float("²") raised ValueError: an internal error instead of a backoff.
    "503-retry-after-not-ascii": (lambda f: [Reply(status=503, headers={"Retry-After": "²"})], DELAY_SECONDS),
}


@pytest.mark.parametrize("name", list(RECOVERABLE))
def test_transient_fault_recovers_to_the_clean_pages(
    name: str, arxiv_env: FakeArxiv, cli: Cli, digest_dir: Path, clean_state: dict[str, str]
) -> None:
    faults, least_gap = RECOVERABLE[name]
    replies = faults(arxiv_env)
    arxiv_env.queue(*replies)
    result, elapsed = run(cli, digest_dir)
    assert result.exit_code == 0, result.err
    assert tree_state(digest_dir) == clean_state
    requests = arxiv_env.feed_requests()  # the faults are the feed's; the comments come after it
    assert [r.path for r in requests] == [FEED_PATH] * (
        1 if name == "slow-within-timeout" else len(replies) + 1
    )
    assert arxiv_env.requests[: len(requests)] == requests
    assert all(gap >= least_gap for gap in gaps(requests)), gaps(requests)
    assert not arxiv_env.faults  # every scripted fault was actually served
    assert elapsed < 15


# ---------------------------------------------------------------------------------------------------
# persistent faults: fail cleanly

ACCESS_DENIED = b"""<HTML><HEAD>
<TITLE>Access Denied</TITLE>
</HEAD><BODY>
<H1>Access Denied</H1>

You don't have permission to access "http&#58;&#47;&#47;rss&#46;arxiv&#46;org&#47;rss&#47;" on this server.<P>
Reference&#32;&#35;18&#46;4c2f1602&#46;1755676819&#46;1a2b3c4d
</BODY>
</HTML>
"""

GARBAGE = bytes(range(256)) * 64


def _billion_laughs() -> bytes:
    decls = [b'<!ENTITY lol0 "lol">']
    for i in range(1, 10):
        decls.append(b'<!ENTITY lol%d "%s">' % (i, b"&lol%d;" % (i - 1) * 10))
    return (
        b'<?xml version="1.0"?><!DOCTYPE rss [' + b"".join(decls) + b']><rss version="2.0"><channel>'
        b"<title>&lol9;</title><pubDate>Tue, 30 Jun 2026 00:00:00 -0400</pubDate>"
        b"<item><title>&lol9;</title></item></channel></rss>"
    )


def _without_titles(body: bytes) -> bytes:
    """Every item from the 6th on loses its title: far more than the tenth a day may lose (issue #7)."""
    root = etree.fromstring(body)
    for item in root.find("channel").findall("item")[5:]:
        item.remove(item.find("title"))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def _many(reply: Reply, n: int = 12) -> list[Reply]:
    return [Reply(**vars(reply)) for _ in range(n)]


def persistent_503(fake: FakeArxiv, digest: Path) -> None:
    fake.queue(*_many(Reply(status=503)))


def retry_after_too_long(fake: FakeArxiv, digest: Path) -> None:
    fake.queue(*_many(Reply(status=503, headers={"Retry-After": "86400"})))


def retry_after_a_year(fake: FakeArxiv, digest: Path) -> None:
    fake.queue(*_many(Reply(status=429, headers={"Retry-After": str(365 * 86400)})))


def retry_after_a_year_as_a_date(fake: FakeArxiv, digest: Path) -> None:
    when = email.utils.formatdate(time.time() + 365 * 86400, usegmt=True)
    fake.queue(*_many(Reply(status=503, headers={"Retry-After": when})))


def html_page(fake: FakeArxiv, digest: Path) -> None:
    fake.queue(*_many(Reply(body=ACCESS_DENIED, content_type="text/html")))


def truncated_xml_every_time(fake: FakeArxiv, digest: Path) -> None:
    fake.feed_override = feed(fake)[: len(feed(fake)) * 2 // 3]


def items_missing_fields(fake: FakeArxiv, digest: Path) -> None:
    fake.feed_override = _without_titles(feed(fake))


def body_over_the_cap(fake: FakeArxiv, digest: Path) -> None:
    config = digest / "config.yml"
    config.write_text(config.read_text(encoding="utf-8") + "\narxiv:\n  max_body_bytes: 4096\n", "utf-8")


def entity_bomb(fake: FakeArxiv, digest: Path) -> None:
    fake.feed_override = _billion_laughs()


def garbage_with_a_wrong_content_type(fake: FakeArxiv, digest: Path) -> None:
    fake.queue(*_many(Reply(body=GARBAGE, content_type="application/octet-stream")))


def not_found(fake: FakeArxiv, digest: Path) -> None:
    fake.queue(*_many(Reply(status=404, body=b"<html><title>404</title></html>", content_type="text/html")))


Setup = Callable[[FakeArxiv, Path], None]
PERSISTENT: dict[str, tuple[Setup, tuple[str, ...], int, float]] = {
    # name: (set up the fault, what the message says, at most this many requests, within seconds)
    "persistent-503": (persistent_503, ("HTTP 503", "gave up after 5 attempts"), 5, 10.0),
    "retry-after-too-long": (retry_after_too_long, ("Retry-After", "max_retry_after_seconds"), 1, 5.0),
    "retry-after-a-year": (retry_after_a_year, ("wait 31536000 s (Retry-After)", "try again later"), 1, 5.0),
    "retry-after-a-year-as-a-date": (
        retry_after_a_year_as_a_date,
        ("wait 315", "s (Retry-After), longer than max_retry_after_seconds=600"),
        1,
        5.0,
    ),
    "html-instead-of-xml": (html_page, ("HTML page", "Access Denied"), 2, 5.0),
    "truncated-xml-every-time": (truncated_xml_every_time, ("not well-formed XML",), 2, 5.0),
    "items-missing-fields": (
        items_missing_fields,
        ("items could not be read, more than 10%", "(first: item 6 (", "): no title)"),
        2,
        5.0,
    ),
    "body-over-the-cap": (body_over_the_cap, ("4,096-byte cap",), 1, 5.0),
    "entity-bomb": (entity_bomb, ("declares XML entities",), 2, 3.0),
    "garbage-wrong-content-type": (
        garbage_with_a_wrong_content_type,
        ("application/octet-stream", "not XML"),
        2,
        5.0,
    ),
    "not-found": (not_found, ("HTTP 404", "not found"), 1, 5.0),
}


@pytest.fixture
def published(
    arxiv_env: FakeArxiv, cli: Cli, digest_dir: Path
) -> Iterator[tuple[dict[str, str], list[tuple[object, ...]]]]:
    """A digest with one day published (2025-10-15); the fake then announces a new day, so a run that
    wrongly succeeded would change the pages."""
    arxiv_env.announce("2025-10-15")
    result, _ = run(cli, digest_dir)
    assert result.exit_code == 0, result.err
    state = tree_state(digest_dir)
    rows = db_rows(digest_dir / ".arxiv-digest" / "digest.db")
    assert rows
    announce_default(arxiv_env)
    arxiv_env.requests.clear()
    yield state, rows


@pytest.mark.parametrize("name", list(PERSISTENT))
def test_persistent_fault_fails_cleanly(
    name: str,
    arxiv_env: FakeArxiv,
    cli: Cli,
    digest_dir: Path,
    published: tuple[dict[str, str], list[tuple[object, ...]]],
) -> None:
    before, rows = published
    setup, said, most_requests, within_seconds = PERSISTENT[name]
    setup(arxiv_env, digest_dir)
    if name == "body-over-the-cap":
        before = tree_state(digest_dir)  # the edited config.yml
    result, elapsed = run(cli, digest_dir)

    assert result.exit_code == 1, (result.out, result.err)
    assert elapsed < within_seconds
    message = result.err
    assert f"{arxiv_env.rss_url}{'+'.join(CATEGORIES)}" in message
    for words in said:
        assert words in message, message
    assert "Traceback" not in message and "internal error" not in message
    assert tree_state(digest_dir) == before
    assert db_rows(digest_dir / ".arxiv-digest" / "digest.db") == rows
    requests = arxiv_env.requests
    assert 1 <= len(requests) <= most_requests
    assert all(r.path == FEED_PATH for r in requests)
    assert all(gap >= DELAY_SECONDS for gap in gaps(requests)), gaps(requests)


def test_persistent_503_backs_off_exponentially(
    arxiv_env: FakeArxiv,
    cli: Cli,
    digest_dir: Path,
    published: tuple[dict[str, str], list[tuple[object, ...]]],
) -> None:
    persistent_503(arxiv_env, digest_dir)
    result, _ = run(cli, digest_dir)
    assert result.exit_code == 1
    spacing = gaps(arxiv_env.requests)
    assert len(spacing) == 4  # max_retries defaults to 4: five attempts
    for attempt, gap in enumerate(spacing):
        assert gap >= DELAY_SECONDS * 2**attempt, spacing
    assert len(arxiv_env.faults) == 12 - 5  # the rest of the script was never asked for


def test_a_failed_run_then_a_good_one_publishes(
    arxiv_env: FakeArxiv,
    cli: Cli,
    digest_dir: Path,
    published: tuple[dict[str, str], list[tuple[object, ...]]],
) -> None:
    """Failing left nothing behind that stops the next run (no stale lock, no half-open transaction)."""
    html_page(arxiv_env, digest_dir)
    assert run(cli, digest_dir)[0].exit_code == 1
    arxiv_env.faults.clear()
    result, _ = run(cli, digest_dir)
    assert result.exit_code == 0, result.err
    assert (digest_dir / "data" / f"{DAY}.jsonl").is_file()
    assert f"arXiv announcement of {DAY}" in (digest_dir / "README.md").read_text(encoding="utf-8")


# ---------------------------------------------------------------------------------------------------
# bounded in time, whatever arXiv does (issue #7)

#: name -> (the Locations the fake answers in turn, the hop refused (from, to) as indexes into the URLs
#: requested, the reason given, the requests made). "{feed}" is the feed's URL, "{port}" the fake's port.
REDIRECTS: dict[str, tuple[list[str], str, int]] = {
    "loop": (["{feed}"], "a redirect loop: that URL was already requested", 1),
    "cycle": (["{feed}?moved=1", "{feed}"], "a redirect loop: that URL was already requested", 2),
    "endless": ([f"{{feed}}?hop={n}" for n in range(1, 13)], "more than 5 redirects in a row", 6),
    "off-host": (
        ["http://localhost:{port}" + FEED_PATH],
        "off the configured host 127.0.0.1; check the URL in config.yml (arxiv: section)",
        1,
    ),
    "file-scheme": (["file:///etc/passwd"], "a file: URL, not http(s)", 1),
    "ftp-scheme": (["ftp://127.0.0.1/rss"], "a ftp: URL, not http(s)", 1),
}


@pytest.mark.parametrize("name", list(REDIRECTS))
def test_a_redirect_we_must_not_follow_fails_naming_both_urls(
    name: str,
    arxiv_env: FakeArxiv,
    cli: Cli,
    digest_dir: Path,
    published: tuple[dict[str, str], list[tuple[object, ...]]],
) -> None:
    """Each hop followed is a request spaced by delay_seconds; the refused one is neither requested nor
    retried (a file: redirect used to be retried five times as a transport error)."""
    before, rows = published
    locations, why, requests_made = REDIRECTS[name]
    feed_url = arxiv_env.rss_url + "+".join(CATEGORIES)
    port = arxiv_env.url.rsplit(":", 1)[1]
    targets = [loc.format(feed=feed_url, port=port) for loc in locations]
    arxiv_env.queue(*[Reply(status=302, headers={"Location": t}) for t in targets])
    result, elapsed = run(cli, digest_dir)

    assert result.exit_code == 1, (result.out, result.err)
    source = feed_url if requests_made == 1 else targets[requests_made - 2]
    refused = targets[requests_made - 1]
    assert f"while fetching {source}: redirected to {refused}: {why}; not following it" in result.err
    assert "Traceback" not in result.err and "internal error" not in result.err
    assert len(arxiv_env.requests) == requests_made
    assert all(gap >= DELAY_SECONDS for gap in gaps(arxiv_env.requests)), gaps(arxiv_env.requests)
    assert elapsed < 5, elapsed
    assert tree_state(digest_dir) == before
    assert db_rows(digest_dir / ".arxiv-digest" / "digest.db") == rows


def test_headers_trickled_a_byte_a_second_fail_at_the_deadline(
    arxiv_env: FakeArxiv,
    cli: Cli,
    digest_dir: Path,
    published: tuple[dict[str, str], list[tuple[object, ...]]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A byte a second never lets the 1.5 s read timeout expire; the whole request's deadline (5 x 1.5 s)
    ends it, headers unfinished. One attempt (max_retries: 0), so the run ends at the deadline."""
    config = digest_dir / "config.yml"
    config.write_text(
        config.read_text(encoding="utf-8") + "\narxiv:\n  timeout_seconds: 1.5\n  max_retries: 0\n", "utf-8"
    )
    before, rows = tree_state(digest_dir), published[1]
    with RawServer(trickle(b"HTTP/1.1 200 OK\r\nX-Pad: ", seconds_per_byte=1.0, endless=True)) as server:
        monkeypatch.setenv("ARXIV_DIGEST_RSS_URL", server.url + "/rss/")
        result, elapsed = run(cli, digest_dir)
    print(f"\nheaders a byte a second: exit {result.exit_code} after {elapsed:.2f} s (deadline 7.5 s)")
    assert result.exit_code == 1, (result.out, result.err)
    assert (
        f"while fetching {server.url}/rss/{'+'.join(CATEGORIES)}: gave up after 1 attempt; "
        "last error: the response was still arriving after 7.5 s"
    ) in result.err
    assert 7.5 <= elapsed < 7.5 + 2, elapsed
    assert len(server.requests) == 1
    assert tree_state(digest_dir) == before
    assert db_rows(digest_dir / ".arxiv-digest" / "digest.db") == rows
