"""Reliability beyond single faults (issue #5): two runs at once, resource bounds on hostile bodies, and
never publishing an empty or implausible day because parsing broke.

The single faults of arXiv's answers (503, 429, resets, HTML pages, truncated XML, missing fields, a size
cap, entities, garbage) are in test_faults.py; SIGKILL at any moment is in test_crash.py. The figures these
tests print (run `pytest -s`) are collected in docs/reliability.md.
"""

from __future__ import annotations

import gzip
import json
import logging
import os
import shutil
import sqlite3
import subprocess
import sys
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import httpx
import pytest
from lxml import etree

from arxiv_digest.cli import main
from arxiv_digest.config import ArxivSettings
from arxiv_digest.errors import FetchError
from arxiv_digest.sources.http import PoliteClient
from tests.conftest import CliResult, db_rows, tree_state
from tests.fakearxiv import FakeArxiv, Reply, feeds
from tests.test_http import FakeTime

Cli = Callable[..., CliResult]
DAY = "2026-06-30"
DB = ".arxiv-digest/digest.db"
CATEGORIES = "cs.AI+cs.CL+cs.CV+cs.LG+cs.MA+cs.RO"
ENTRY = "from arxiv_digest.cli import main; raise SystemExit(main())"
MB = 1024 * 1024
FORMAT_CHANGE = "did arXiv change its format? nothing was published"


def run(cli: Cli, digest: Path) -> CliResult:
    return cli("run", "--config", digest / "config.yml", "--out", digest)


def run_command(digest: Path) -> list[str]:
    return [sys.executable, "-c", ENTRY, "run", "--config", str(digest / "config.yml"), "--out", str(digest)]


@dataclass(frozen=True)
class Measured:
    code: int
    out: str
    err: str
    seconds: float
    peak_rss_mb: float


# Peak memory is the child's own high-water mark (ru_maxrss from wait4). Linux carries that mark across
# exec, so a child spawned by this (large) test process would report our size: a small launcher process
# spawns the measured one and reports for it.
LAUNCHER = """
import json, os, subprocess, sys, time
began = time.monotonic()
proc = subprocess.Popen(sys.argv[2:])
_, status, usage = os.wait4(proc.pid, 0)
with open(sys.argv[1], "w") as f:
    json.dump({"code": os.waitstatus_to_exitcode(status), "seconds": time.monotonic() - began,
               "peak_rss_mb": usage.ru_maxrss / 1024}, f)
"""


def measure(command: list[str], tmp_path: Path, env: dict[str, str] | None = None) -> Measured:
    report = tmp_path / "measured.json"
    done = subprocess.run(
        [sys.executable, "-c", LAUNCHER, str(report), *command],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    figures = json.loads(report.read_text())
    return Measured(figures["code"], done.stdout, done.stderr, figures["seconds"], figures["peak_rss_mb"])


@dataclass(frozen=True)
class Published:
    tree: dict[str, str]
    rows: list[tuple[object, ...]]


def _publish(out: Path, days: list[str]) -> None:
    with FakeArxiv() as fake, pytest.MonkeyPatch.context() as mp:
        fake.point(mp, delay="0.05")
        assert main(["-q", "init", str(out)]) == 0
        for day in days:
            fake.announce(day, replaced_from="2025-10-15", replaced_count=20 if day == DAY else 0)
            assert main(["-q", "run", "--config", str(out / "config.yml"), "--out", str(out)]) == 0


@pytest.fixture(scope="module")
def one_run(tmp_path_factory: pytest.TempPathFactory) -> Published:
    """What one run of the fixture's day publishes in a fresh `init` folder."""
    out = tmp_path_factory.mktemp("one-run") / "digest"
    _publish(out, [DAY])
    return Published(tree_state(out), db_rows(out / DB))


@pytest.fixture(scope="module")
def history_once(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two ordinary days published (over 200 papers each in these categories' feeds)."""
    out = tmp_path_factory.mktemp("history") / "digest"
    _publish(out, ["2025-06-06", "2025-10-15"])
    return out


@pytest.fixture
def history(history_once: Path, arxiv_env: FakeArxiv, tmp_path: Path) -> Path:
    out = tmp_path / "digest"
    shutil.copytree(history_once, out)
    return out


# ---------------------------------------------------------------------------------------------------
# two runs at once


def test_two_runs_started_together_one_publishes_the_other_exits_1(
    arxiv_env: FakeArxiv, digest_dir: Path, one_run: Published
) -> None:
    arxiv_env.queue(Reply(delay_seconds=2.0))  # arXiv is slow: the runs overlap, whoever starts first
    procs = [
        subprocess.Popen(
            run_command(digest_dir),
            env=dict(os.environ),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    done = [(proc, *proc.communicate(timeout=60)) for proc in procs]
    assert sorted(proc.returncode for proc, _, _ in done) == [0, 1], [err for _, _, err in done]
    (winner, _, _), (_, _, err) = sorted(done, key=lambda d: d[0].returncode)
    assert f"another arxiv-digest run (pid {winner.pid}) is writing {digest_dir}" in err
    assert "Traceback" not in err
    assert len(arxiv_env.feed_requests()) == 1  # the second asked arXiv nothing
    assert tree_state(digest_dir) == one_run.tree
    assert db_rows(digest_dir / DB) == one_run.rows


@pytest.mark.parametrize("second", ["run", "rebuild"])
def test_a_command_while_a_run_holds_the_folder_exits_1_at_once(
    second: str, arxiv_env: FakeArxiv, cli: Cli, digest_dir: Path, one_run: Published
) -> None:
    arxiv_env.queue(Reply(delay_seconds=1.5))
    first = subprocess.Popen(
        run_command(digest_dir),
        env=dict(os.environ),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 30
    while not arxiv_env.requests:  # the run takes the lock before it asks arXiv
        assert time.monotonic() < deadline and first.poll() is None
        time.sleep(0.02)
    began = time.monotonic()
    result = cli(second, "--config", digest_dir / "config.yml", "--out", digest_dir)
    assert time.monotonic() - began < 1.0  # it does not wait for the lock
    assert result.exit_code == 1
    assert result.err == (
        f"error: another arxiv-digest run (pid {first.pid}) is writing {digest_dir}; "
        "wait for it to finish and run again\n"
    )
    _, err = first.communicate(timeout=60)
    assert first.returncode == 0, err
    assert tree_state(digest_dir) == one_run.tree
    assert db_rows(digest_dir / DB) == one_run.rows


# ---------------------------------------------------------------------------------------------------
# resource bounds: hostile bodies cost little memory and time. These are bounds a hostile answer cannot
# push us past, not speed claims: they hold on a slow, shared CI machine.

PARSE_CHILD = """
import json, sys, time
from arxiv_digest.errors import FeedFormatError
from arxiv_digest.sources.rss import parse_feed
body = open(sys.argv[1], "rb").read()
began = time.perf_counter()
try:
    outcome = f"parsed: {len(parse_feed(body, 'https://rss.arxiv.org/rss/cs.AI').papers)} papers"
except FeedFormatError as e:
    outcome = str(e)
print(json.dumps({"seconds": time.perf_counter() - began, "outcome": outcome}))
"""
PUBDATE = b"<pubDate>Tue, 30 Jun 2026 00:00:00 -0400</pubDate>"
HIDE = b"<!--" + b"x" * 70_000 + b"-->"  # pushes the DTD past the first 64 KB, where a quick check looks


def _laughs(levels: int = 10) -> bytes:
    decls = [b'<!ENTITY lol0 "lol">']
    decls += [b'<!ENTITY lol%d "%s">' % (i, b"&lol%d;" % (i - 1) * 10) for i in range(1, levels)]
    return b"<!DOCTYPE rss [" + b"".join(decls) + b"]>"


def _rss(dtd: bytes, title: bytes, *, prefix: bytes = b"") -> bytes:
    return (
        b'<?xml version="1.0"?>'
        + prefix
        + dtd
        + b'<rss version="2.0"><channel><title>'
        + title
        + b"</title>"
        + PUBDATE
        + b"<item><title>"
        + title
        + b"</title></item></channel></rss>"
    )


BOMBS = {
    # name: the body; every one must be refused as a feed we cannot read, without expanding anything.
    "billion-laughs": _rss(_laughs(), b"&lol9;"),
    "billion-laughs-after-70KB": _rss(_laughs(), b"&lol9;", prefix=HIDE),
    "quadratic-blowup-after-70KB": _rss(
        b'<!DOCTYPE rss [<!ENTITY a "' + b"a" * 50_000 + b'">]>', b"&a;" * 50_000, prefix=HIDE
    ),
    "parameter-entities-after-70KB": _rss(
        b'<!DOCTYPE rss [<!ENTITY % p0 "x"><!ENTITY % p1 "%p0;%p0;%p0;%p0;%p0;%p0;%p0;%p0;">'
        b'<!ENTITY % p2 "%p1;%p1;%p1;%p1;%p1;%p1;%p1;%p1;"><!ENTITY e "%p2;">]>',
        b"&e;",
        prefix=HIDE,
    ),
    "external-entity-after-70KB": _rss(
        b'<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>', b"&xxe;", prefix=HIDE
    ),
}


def _parse_in_child(body: bytes, tmp_path: Path) -> tuple[Measured, dict[str, object]]:
    path = tmp_path / "body.xml"
    path.write_bytes(body)
    measured = measure([sys.executable, "-c", PARSE_CHILD, str(path)], tmp_path)
    assert measured.code == 0, measured.err
    return measured, json.loads(measured.out)


def test_a_real_feed_parses_in_a_child_as_a_baseline(tmp_path: Path) -> None:
    body = feeds.rss(
        feeds.dt.date(2026, 6, 30),
        CATEGORIES.split("+"),
        feeds.items_for(feeds.load_records(DAY), CATEGORIES.split("+")),
    )
    measured, report = _parse_in_child(body, tmp_path)
    assert str(report["outcome"]).startswith("parsed: 5")
    print(
        f"\nbaseline: a real {len(body) / MB:.1f} MB feed: peak RSS {measured.peak_rss_mb:.0f} MB, "
        f"parsed in {report['seconds']:.2f} s"
    )


@pytest.mark.parametrize("name", list(BOMBS))
def test_an_entity_bomb_is_refused_within_300_mb_and_a_few_seconds(name: str, tmp_path: Path) -> None:
    measured, report = _parse_in_child(BOMBS[name], tmp_path)
    outcome = str(report["outcome"])
    assert "declares XML entities" in outcome and FORMAT_CHANGE in outcome, outcome
    assert "root:" not in outcome and "lol" * 10 not in outcome  # nothing read, nothing expanded
    assert measured.peak_rss_mb < 300, measured
    assert float(report["seconds"]) < 3.0, report  # a bound, not a speed claim (see above)
    print(
        f"\n{name} ({len(BOMBS[name]) / 1024:.0f} KB): refused in {float(report['seconds']) * 1000:.1f} ms, "
        f"peak RSS {measured.peak_rss_mb:.0f} MB"
    )


@pytest.fixture
def published(
    arxiv_env: FakeArxiv, cli: Cli, digest_dir: Path
) -> tuple[dict[str, str], list[tuple[object, ...]]]:
    arxiv_env.announce("2025-10-15")
    assert run(cli, digest_dir).exit_code == 0
    arxiv_env.announce(DAY, replaced_from="2025-10-15", replaced_count=20)
    arxiv_env.requests.clear()
    return tree_state(digest_dir), db_rows(digest_dir / DB)


def _gzip_bomb(size: int) -> bytes:
    return gzip.compress(b"<" + b" " * (size - 1), compresslevel=9, mtime=0)


OVERSIZED = {
    # name: (the reply, what the message says)
    "60MB-declared": (
        lambda: Reply(body=b" " * (60 * MB)),
        "response of 62,914,560 bytes is over the 52,428,800-byte cap",
    ),
    "100MB-gzip-bomb": (
        lambda: Reply(body=_gzip_bomb(100 * MB), headers={"Content-Encoding": "gzip"}),
        "response is over the 52,428,800-byte cap",
    ),
}


@pytest.mark.parametrize("name", list(OVERSIZED))
def test_a_body_over_the_default_50_mb_cap_fails_cleanly(
    name: str,
    arxiv_env: FakeArxiv,
    digest_dir: Path,
    published: tuple[dict[str, str], list[tuple[object, ...]]],
) -> None:
    reply, said = OVERSIZED[name]
    sent = reply()
    arxiv_env.queue(*[sent] * 3)
    measured = measure(run_command(digest_dir), digest_dir.parent, env=dict(os.environ))
    assert measured.code == 1, measured.err
    assert f"while fetching {arxiv_env.rss_url}{CATEGORIES}" in measured.err and said in measured.err
    assert "Traceback" not in measured.err
    assert len(arxiv_env.requests) == 1  # the same body would come back: not retried
    assert (tree_state(digest_dir), db_rows(digest_dir / DB)) == published
    assert measured.peak_rss_mb < 300, measured
    assert measured.seconds < 30
    print(
        f"\n{name} ({len(sent.body or b'') / MB:.2f} MB on the wire): exit 1 in {measured.seconds:.1f} s, "
        f"peak RSS {measured.peak_rss_mb:.0f} MB"
    )


# ---------------------------------------------------------------------------------------------------
# never publish an empty or implausible day because parsing broke


def unknown_types_after(readable: int) -> Callable[[list[feeds.FeedItem]], list[feeds.FeedItem]]:
    """Items past the first ``readable`` get an announce type this version does not know (as if arXiv
    had renamed its types): they are skipped, each with a warning."""

    def transform(items: list[feeds.FeedItem]) -> list[feeds.FeedItem]:
        return [it if i < readable else replace(it, announce_type="novel") for i, it in enumerate(items)]

    return transform


def test_a_non_empty_feed_that_yields_no_paper_fails(
    arxiv_env: FakeArxiv,
    cli: Cli,
    digest_dir: Path,
    published: tuple[dict[str, str], list[tuple[object, ...]]],
) -> None:
    arxiv_env.item_transform = unknown_types_after(0)
    items = len(arxiv_env.items(CATEGORIES.split("+")))
    result = run(cli, digest_dir)
    assert result.exit_code == 1
    assert f"the feed has {items} items but none could be read (first: item 1 (" in result.err
    assert f"): unknown announce type 'novel') ({FORMAT_CHANGE})" in result.err
    assert f"while fetching {arxiv_env.rss_url}{CATEGORIES}" in result.err
    assert "announced nothing" not in result.out  # never mistaken for a holiday
    assert (tree_state(digest_dir), db_rows(digest_dir / DB)) == published


def _descriptions_in_another_form(body: bytes) -> bytes:
    """Each item's description without the "arXiv:… Announce Type: …" head: still readable (the guid names
    the paper, the announce type has its own element), but each item gets a parse warning."""
    root = etree.fromstring(body)
    for description in root.iter("description"):
        if "Abstract:" in (description.text or ""):
            description.text = description.text.split("Abstract:", 1)[1]
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def test_a_day_far_below_the_recent_average_with_parse_warnings_fails(
    arxiv_env: FakeArxiv, cli: Cli, history: Path
) -> None:
    """Every item read, but only 10 of them and each with a warning: the feed looks cut short by a format
    change the item parser does not see, so the day is refused (issue #5)."""
    before = tree_state(history), db_rows(history / DB)
    arxiv_env.item_transform = lambda items: items[:10]
    arxiv_env.feed_override = _descriptions_in_another_form(arxiv_env.feed_bytes(CATEGORIES.split("+")))
    result = run(cli, history)
    assert result.exit_code == 1
    with sqlite3.connect(history / DB) as conn:
        average = conn.execute("SELECT avg(paper_count) FROM days").fetchone()[0]
    assert average > 200
    assert (
        f"only 10 papers could be read, against {average:.0f} a day recently, with 10 parse "
        f"warnings (first: item 1 ("
    ) in result.err
    assert (
        "description not in the 'arXiv:… Announce Type: … Abstract: …' form; used it whole) "
        f"({FORMAT_CHANGE})" in result.err
    )
    assert (tree_state(history), db_rows(history / DB)) == before


def test_a_small_day_without_warnings_publishes(arxiv_env: FakeArxiv, cli: Cli, history: Path) -> None:
    arxiv_env.item_transform = lambda items: items[:10]  # a quiet day (a holiday week), not a broken parser
    result = run(cli, history)
    assert result.exit_code == 0, result.err
    assert f"{DAY}: 10 papers announced" in result.out
    assert len((history / "data" / f"{DAY}.jsonl").read_text(encoding="utf-8").splitlines()) == 10
    assert not (history / "data" / f"{DAY}.meta.json").exists()


def test_a_few_unreadable_items_publish_the_rest_and_keep_the_warnings(
    arxiv_env: FakeArxiv, cli: Cli, history: Path
) -> None:
    items = len(arxiv_env.items(CATEGORIES.split("+")))
    arxiv_env.item_transform = unknown_types_after(items - 3)
    result = run(cli, history)
    assert result.exit_code == 0, result.err
    assert f"{DAY}: {items - 3} papers announced" in result.out
    assert result.err.count("unknown announce type 'novel'; skipped") == 3  # said on stderr ...
    meta = json.loads((history / "data" / f"{DAY}.meta.json").read_text(encoding="utf-8"))
    assert len(meta["warnings"]) == 3  # ... and kept for `status`


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"authors": ()}, "no authors (dc:creator)"),
        ({"title": " "}, "no title"),
        (
            {"version": "99999999999999999999999"},
            "version 'v99999999999999999999999' is not one arXiv issues",
        ),
    ],
    ids=["no-authors", "no-title", "absurd-version"],
)
def test_one_unreadable_item_publishes_the_rest_of_the_day_and_status_names_it(
    arxiv_env: FakeArxiv, cli: Cli, history: Path, change: dict[str, object], reason: str
) -> None:
    """Issue #7: one bad item used to refuse the whole day (or, for a version SQLite cannot hold, end in
    an internal error); now the rest is published and the item is named where `status` finds it."""
    items = arxiv_env.items(CATEGORIES.split("+"))
    bad = items[7]
    arxiv_env.rewrite_item(bad.id, **change)  # type: ignore[arg-type]
    result = run(cli, history)
    assert result.exit_code == 0, result.err
    assert f"{DAY}: {len(items) - 1} papers announced" in result.out
    warning = f"item 8 ({bad.id}): {reason}"
    assert warning in result.err
    snapshot = (history / "data" / f"{DAY}.jsonl").read_text(encoding="utf-8")
    assert len(snapshot.splitlines()) == len(items) - 1 and bad.id not in snapshot
    meta = json.loads((history / "data" / f"{DAY}.meta.json").read_text(encoding="utf-8"))
    assert len(meta["warnings"]) == 1 and meta["warnings"][0].startswith(warning)
    status = cli("status", "--out", history, "--today", DAY)
    assert status.exit_code == 0, status.out
    assert (
        f"{DAY}: 1 parse warning when it was fetched; did arXiv change its format? first: {warning}"
        in status.out
    )


# ---------------------------------------------------------------------------------------------------
# compressed bodies: inflated by us, within the cap (http._read_capped)


def _feed(fake: FakeArxiv) -> bytes:
    return fake.feed_bytes(CATEGORIES.split("+"))


def _raw_deflate(body: bytes) -> bytes:
    squeezer = zlib.compressobj(wbits=-zlib.MAX_WBITS)  # "deflate" as some servers send it: no zlib header
    return squeezer.compress(body) + squeezer.flush()


ENCODED: dict[str, tuple[Callable[[bytes], bytes], str]] = {
    # name: (how the body is encoded, its Content-Encoding)
    "gzip": (lambda body: gzip.compress(body, mtime=0), "gzip"),
    "deflate-zlib": (zlib.compress, "deflate"),
    "deflate-raw": (_raw_deflate, "deflate"),
}


@pytest.mark.parametrize("name", list(ENCODED))
def test_a_compressed_feed_publishes_the_same_pages(
    name: str, arxiv_env: FakeArxiv, cli: Cli, digest_dir: Path, one_run: Published
) -> None:
    encode, encoding = ENCODED[name]
    arxiv_env.queue(Reply(body=encode(_feed(arxiv_env)), headers={"Content-Encoding": encoding}))
    result = run(cli, digest_dir)
    assert result.exit_code == 0, result.err
    assert not arxiv_env.faults and len(arxiv_env.feed_requests()) == 1  # then the comments, not encoded
    assert tree_state(digest_dir) == one_run.tree


def test_a_corrupt_gzip_body_once_is_fetched_again(
    arxiv_env: FakeArxiv, cli: Cli, digest_dir: Path, one_run: Published
) -> None:
    corrupt = gzip.compress(_feed(arxiv_env), mtime=0)[:200] + b"\x00" * 5000
    arxiv_env.queue(Reply(body=corrupt, headers={"Content-Encoding": "gzip"}))
    result = run(cli, digest_dir)
    assert result.exit_code == 0, result.err
    assert "corrupt gzip body" in result.err  # the retry's warning
    assert len(arxiv_env.feed_requests()) == 2
    assert tree_state(digest_dir) == one_run.tree


def test_a_corrupt_gzip_body_every_time_fails_cleanly(
    arxiv_env: FakeArxiv,
    cli: Cli,
    digest_dir: Path,
    published: tuple[dict[str, str], list[tuple[object, ...]]],
) -> None:
    corrupt = b"\x1f\x8b\x08\x00" + bytes(range(256)) * 8
    arxiv_env.queue(*[Reply(body=corrupt, headers={"Content-Encoding": "gzip"}) for _ in range(8)])
    result = run(cli, digest_dir)
    assert result.exit_code == 1
    assert (
        f"while fetching {arxiv_env.rss_url}{CATEGORIES}: gave up after 5 attempts; last error: "
        in result.err
    )
    assert "corrupt gzip body" in result.err
    assert "internal error" not in result.err  # it was one, before: httpx.DecodingError escaped the retries
    assert (tree_state(digest_dir), db_rows(digest_dir / DB)) == published


def test_an_encoding_we_did_not_ask_for_is_refused(
    arxiv_env: FakeArxiv,
    cli: Cli,
    digest_dir: Path,
    published: tuple[dict[str, str], list[tuple[object, ...]]],
) -> None:
    arxiv_env.queue(*[Reply(body=b"\x8b\x00garbage", headers={"Content-Encoding": "br"}) for _ in range(3)])
    result = run(cli, digest_dir)
    assert result.exit_code == 1
    assert "the server sent Content-Encoding 'br', which we did not ask for" in result.err
    assert len(arxiv_env.requests) == 1
    assert (tree_state(digest_dir), db_rows(digest_dir / DB)) == published


# ---------------------------------------------------------------------------------------------------
# bounded time to fail


@pytest.fixture
def library_logs(monkeypatch: pytest.MonkeyPatch) -> None:
    """Library calls outside the CLI: drop the handler an earlier in-process `main()` bound to a captured
    stream that pytest has closed since (Python's last-resort handler prints the warnings instead)."""
    monkeypatch.setattr(logging.getLogger("arxiv_digest"), "handlers", [])


@pytest.mark.usefixtures("library_logs")
def test_a_body_dripping_in_forever_is_cut_at_the_response_deadline(arxiv_env: FakeArxiv) -> None:
    """Each read waits less than the timeout (1 KB every 20 ms), so only the whole-response deadline (five
    times the timeout) can end it: the 1 MB feed would take 20 s."""
    settings = ArxivSettings(
        rss_url=arxiv_env.rss_url, delay_seconds=0.05, timeout_seconds=0.3, max_retries=1
    )
    # Made once beforehand: on a loaded machine, making the 1 MB feed per request can outlast the 0.3 s
    # timeout before the first byte, a timeout this test is not about.
    arxiv_env.feed_override = arxiv_env.feed_bytes(CATEGORIES.split("+"))
    arxiv_env.queue(*[Reply(drip_seconds=0.02) for _ in range(2)])
    began = time.monotonic()
    with PoliteClient(settings) as client, pytest.raises(FetchError) as info:
        client.get(settings.rss_url + CATEGORIES)
    elapsed = time.monotonic() - began
    assert "gave up after 2 attempts; last error: the response was still arriving after 1.5 s" in str(
        info.value
    )
    assert 2 * 1.5 <= elapsed < 2 * 1.5 + 3, elapsed


@pytest.mark.parametrize(
    ("answer", "waits"),
    [
        (httpx.Response(503), [3.0, 6.0, 12.0, 24.0]),
        (httpx.Response(503, headers={"Retry-After": "600"}), [600.0] * 4),
    ],
    ids=["503", "503-retry-after-600"],
)
@pytest.mark.usefixtures("library_logs")
def test_the_default_retry_schedule_against_arxiv(answer: httpx.Response, waits: list[float]) -> None:
    """With the defaults and arXiv's own host: five attempts, waits of 3, 6, 12 and 24 s (45 s in all)
    on a persistent 503; at most 4 x 600 s when arXiv asks for the longest Retry-After we accept. The
    workflow's `timeout-minutes: 30` ends a job sooner than the latter."""
    clock = FakeTime()
    requests: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        return answer

    with (
        PoliteClient(
            ArxivSettings(), transport=httpx.MockTransport(handler), sleep=clock.sleep, clock=clock.clock
        ) as client,
        pytest.raises(FetchError) as info,
    ):
        client.get("https://rss.arxiv.org/rss/" + CATEGORIES)
    assert clock.sleeps == waits and len(requests) == 5
    assert "gave up after 5 attempts; last error: HTTP 503" in str(info.value)


# ---------------------------------------------------------------------------------------------------
# hostile config: names cannot write outside --out (test_config.py checks the names themselves)

PATH_LIKE_TOPICS = """\
category:
  cs.CL: Computation and Language
  cs.AI: "../../Artificial Intelligence"
topic:
  "../../escaped":
    keywords: [LLM]
  "/tmp/absolute":
    keywords: [model]
  "..":
    keywords: [language]
"""


def files_under(root: Path) -> set[Path]:
    return {p for p in root.rglob("*") if p.is_file()}


def test_topic_names_like_paths_write_only_inside_out(arxiv_env: FakeArxiv, cli: Cli, tmp_path: Path) -> None:
    config = tmp_path / "config.yml"
    config.write_text(PATH_LIKE_TOPICS, encoding="utf-8")
    out = tmp_path / "nested" / "out"
    outside = files_under(tmp_path)
    refused = cli("run", "--config", config, "--out", out)  # ".." has nothing to name a file after
    assert refused.exit_code == 2
    assert f"{config}:9: topic...: topic name '..' has no letter or digit" in refused.err
    assert not out.exists()
    config.write_text(PATH_LIKE_TOPICS.replace('  "..":\n', '  "../..x":\n'), encoding="utf-8")
    result = cli("run", "--config", config, "--out", out)
    assert result.exit_code == 0, result.err
    assert files_under(tmp_path) - files_under(out) == outside  # nothing written beside or above --out
    pages = {p.relative_to(out).as_posix() for p in files_under(out / "hot_topic")}
    assert pages == {"hot_topic/escaped.md", "hot_topic/tmp_absolute.md", "hot_topic/x.md"}, pages
    assert not Path("/tmp/absolute.md").exists()


def test_a_category_code_like_a_path_is_a_config_error(cli: Cli, tmp_path: Path) -> None:
    config = tmp_path / "config.yml"
    config.write_text("category:\n  ../../cs.AI: x\ntopic:\n  LLM:\n    keywords: [LLM]\n", encoding="utf-8")
    result = cli("run", "--config", config, "--out", tmp_path / "out")
    assert result.exit_code == 2
    assert f"{config}:2: category.../../cs.AI: unknown arXiv category '../../cs.AI'" in result.err
    assert not (tmp_path / "out").exists()
