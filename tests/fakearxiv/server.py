"""A fake arXiv on 127.0.0.1, speaking arXiv's real formats, with scriptable faults.

Routes (the paths of the real services, so base URLs are the only difference):
- ``/rss/<cat>+<cat>…`` and ``/atom/…``: the daily announcement feed (``feeds.py``), HTTP 400 with a
  "Feed error for query" feed for an unknown category, an empty channel on a day with nothing announced;
- ``/api/query``: the export API, answering from the recorded captures in ``tests/data/captures/api``
  (an ``id_list`` of today's papers finds nothing there), or searching real records (``api.py``) when a
  test installs ``api_handler``; :meth:`FakeArxiv.serve_comments` answers ``id_list`` with the announced
  day's own records (comments, journal references), as the daily run's completion asks (issue #13);
- ``/oai``: OAI-PMH (``oai.py``), when a test installs ``oai_handler``.

Faults are queued with :meth:`FakeArxiv.queue` and consumed one per request, whatever the route: a status
with headers (``Retry-After``), a replacement body or content type, a delay before answering, a reset
connection, a body cut short of its Content-Length, or a slow drip. Every request is recorded with its
headers and arrival time, so tests can check the User-Agent and the spacing between requests.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import socket
import struct
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from . import api, feeds

CAPTURES = feeds.DATA / "captures"
API_PATH = "/api/query"


@dataclass
class Reply:
    """One scripted answer. Fields left at their defaults mean "as the real service would"."""

    status: int = 200
    body: bytes | None = None
    content_type: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    delay_seconds: float = 0.0
    reset: bool = False
    truncate_at: int | None = None
    drip_seconds: float = 0.0  # pause between 1 KB chunks


@dataclass(frozen=True)
class Recorded:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    at: float  # time.monotonic() when the request arrived


class FakeArxiv:
    """Use as a context manager; ``url`` is its base (``http://127.0.0.1:<port>``)."""

    def __init__(self) -> None:
        self.day: dt.date | None = None
        self.records: list[dict[str, object]] = []
        self.replaced_from: list[dict[str, object]] = []
        self.replaced_count = 0
        self.item_transform: Callable[[list[feeds.FeedItem]], list[feeds.FeedItem]] | None = None
        self.feed_override: bytes | None = None
        self.oai_handler: Callable[[dict[str, list[str]]], tuple[int, bytes]] | None = None
        # The export API's search over records (api.FakeApi.handle); None answers from the captures.
        self.api_handler: Callable[[dict[str, list[str]]], tuple[int, bytes]] | None = None
        self.faults: deque[Reply] = deque()
        self.requests: list[Recorded] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- scenario ------------------------------------------------------------------------------
    def announce(self, day: str, *, replaced_from: str | None = None, replaced_count: int = 0) -> None:
        """Serve the real records of ``tests/data/arxiv-days/<day>.jsonl`` as that day's announcement."""
        self.day = dt.date.fromisoformat(day)
        self.records = feeds.load_records(day)
        self.replaced_from = feeds.load_records(replaced_from) if replaced_from else []
        self.replaced_count = replaced_count

    def announce_nothing(self, day: str) -> None:
        self.day = dt.date.fromisoformat(day)
        self.records, self.replaced_from, self.replaced_count = [], [], 0

    def rewrite_item(self, item_id: str, **fields: str) -> None:
        """Serve item ``item_id`` with these fields changed (a hostile title, say), the rest as recorded."""

        def transform(items: list[feeds.FeedItem]) -> list[feeds.FeedItem]:
            return [dataclasses.replace(i, **fields) if i.id == item_id else i for i in items]

        self.item_transform = transform

    def serve_comments(self, *, newer: tuple[str, ...] = ()) -> api.FakeApi:
        """Answer the export API's ``id_list`` queries with the announced papers' real records (their
        comments, journal references), at the versions the feed gives, but for the ids in ``newer``."""
        assert self.day is not None, "call announce() first"
        entries = api.entries_as_announced(
            self.day.isoformat(), self.records, self.replaced_from, newer=newer
        )
        fake_api = api.FakeApi(entries)
        self.api_handler = fake_api.handle
        return fake_api

    def feed_requests(self) -> list[Recorded]:
        return [r for r in self.requests if r.path != API_PATH]

    def api_requests(self) -> list[Recorded]:
        return [r for r in self.requests if r.path == API_PATH]

    def queue(self, *replies: Reply) -> None:
        with self._lock:
            self.faults.extend(replies)

    def items(self, categories: list[str]) -> list[feeds.FeedItem]:
        items = feeds.items_for(
            self.records, categories, replaced_from=self.replaced_from, replaced_count=self.replaced_count
        )
        return self.item_transform(items) if self.item_transform else items

    def feed_bytes(self, categories: list[str], *, kind: str = "rss") -> bytes:
        if self.feed_override is not None:
            return self.feed_override
        assert self.day is not None, "call announce() first"
        items = self.items(categories)
        return (
            feeds.rss(self.day, categories, items)
            if kind == "rss"
            else feeds.atom(self.day, categories, items)
        )

    # -- server --------------------------------------------------------------------------------
    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def rss_url(self) -> str:
        return f"{self.url}/rss/"

    def environment(self, delay: str = "0.05") -> dict[str, str]:
        """The documented variables that point arxiv-digest at this fake: the feed, the export API (the
        day's comments, issue #13), OAI-PMH, and ``delay`` seconds between requests."""
        return {
            "ARXIV_DIGEST_RSS_URL": self.rss_url,
            "ARXIV_DIGEST_API_URL": f"{self.url}/api/query",
            "ARXIV_DIGEST_OAI_URL": f"{self.url}/oai",
            "ARXIV_DIGEST_DELAY_SECONDS": delay,
        }

    def point(self, env: Any, delay: str = "0.05") -> None:
        """Set :meth:`environment` through ``env`` (a ``pytest.MonkeyPatch``: undone after the test)."""
        for name, value in self.environment(delay).items():
            env.setenv(name, value)

    def __enter__(self) -> FakeArxiv:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self, port: int = 0) -> None:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:  # keep test output quiet
                return

            def do_GET(self) -> None:
                fake._handle(self)

        self._server = _QuietServer(("127.0.0.1", port), Handler)
        self._server.daemon_threads = True
        # serve_forever notices shutdown() once per poll: the default 0.5 s cost every test using the fake
        # arXiv up to half a second in teardown.
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    # -- routing -------------------------------------------------------------------------------
    def _handle(self, h: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(h.path)
        query = parse_qs(parts.query, keep_blank_values=True)
        with self._lock:
            self.requests.append(
                Recorded(
                    "GET", parts.path, query, {k.lower(): v for k, v in h.headers.items()}, time.monotonic()
                )
            )
            fault = self.faults.popleft() if self.faults else None
        status, content_type, body = self._route(parts.path, query)
        if fault is not None:
            if fault.delay_seconds:
                time.sleep(fault.delay_seconds)
            if fault.reset:
                _reset(h)
                return
            status = fault.status
            if fault.body is not None:
                body = fault.body
            if fault.content_type is not None:
                content_type = fault.content_type
        self._send(h, status, content_type, body, fault)

    def _route(self, path: str, query: dict[str, list[str]]) -> tuple[int, str, bytes]:
        for prefix, kind in (("/rss/", "rss"), ("/atom/", "atom")):
            if path.startswith(prefix):
                categories = [c for c in unquote(path[len(prefix) :]).replace(" ", "+").split("+") if c]
                from arxiv_digest.taxonomy import load_taxonomy

                tax = load_taxonomy()
                unknown = [c for c in categories if not tax.is_known(c)]
                if unknown or not categories:
                    return 400, "application/rss+xml; charset=utf-8", feeds.feed_error("+".join(categories))
                ctype = (
                    "application/rss+xml; charset=utf-8"
                    if kind == "rss"
                    else "application/atom+xml; charset=utf-8"
                )
                return 200, ctype, self.feed_bytes(categories, kind=kind)
        if path == API_PATH:
            if self.api_handler is not None:
                status, body = self.api_handler(query)
                return status, "application/atom+xml; charset=utf-8", body
            return _api_capture(query)
        if path == "/oai" and self.oai_handler is not None:
            status, body = self.oai_handler(query)
            return status, "text/xml; charset=utf-8", body
        return 404, "text/html; charset=utf-8", b"<html><head><title>404 Not Found</title></head></html>"

    def _send(
        self, h: BaseHTTPRequestHandler, status: int, content_type: str, body: bytes, fault: Reply | None
    ) -> None:
        try:
            h.send_response(status)
            h.send_header("Content-Type", content_type)
            h.send_header("Content-Length", str(len(body)))
            for k, v in fault.headers.items() if fault else ():
                h.send_header(k, v)
            if fault and fault.truncate_at is not None:
                h.send_header("Connection", "close")
            h.end_headers()
            if fault and fault.truncate_at is not None:
                h.wfile.write(body[: fault.truncate_at])
                h.wfile.flush()
                h.close_connection = True
                _reset(h)
                return
            if fault and fault.drip_seconds:
                for i in range(0, len(body), 1024):
                    h.wfile.write(body[i : i + 1024])
                    h.wfile.flush()
                    time.sleep(fault.drip_seconds)
                return
            h.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass


class _QuietServer(ThreadingHTTPServer):
    """A client that hangs up on purpose (a body over its size cap) is not an error worth a traceback."""

    def handle_error(self, request: object, client_address: object) -> None:
        import sys

        if not isinstance(sys.exc_info()[1], ConnectionError | OSError):
            super().handle_error(request, client_address)  # type: ignore[arg-type]


def _reset(h: BaseHTTPRequestHandler) -> None:
    """Close the connection with a TCP RST (what a dropped connection looks like to the client)."""
    try:
        h.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        h.connection.close()
    except OSError:
        pass
    h.close_connection = True


def _api_capture(query: dict[str, list[str]]) -> tuple[int, str, bytes]:
    """Answer an export-API query from the recorded captures (same parameters as recorded)."""
    want = {k: v[0] for k, v in query.items()}
    for meta_path in sorted(CAPTURES.glob("api/*.meta.json")):
        meta = json.loads(meta_path.read_text())
        recorded = {k: v[0] for k, v in parse_qs(urlsplit(meta["url"]).query, keep_blank_values=True).items()}
        keys = ("search_query", "id_list", "start", "max_results")
        if all(recorded.get(k, "") == want.get(k, recorded.get(k, "")) for k in keys):
            body = meta_path.with_name(meta_path.name.replace(".meta.json", ".xml")).read_bytes()
            return int(meta["status_code"]), "application/atom+xml; charset=utf-8", body
    return (
        200,
        "application/atom+xml; charset=utf-8",
        (CAPTURES / "api" / "id_0000.0000_s0_m100.xml").read_bytes(),
    )


def main() -> None:  # pragma: no cover - manual use: python -m tests.fakearxiv --day 2026-06-30
    import argparse

    parser = argparse.ArgumentParser(description="Serve a fake arXiv on 127.0.0.1.")
    parser.add_argument("--day", default="2026-06-30", help="a day in tests/data/arxiv-days")
    parser.add_argument("--port", type=int, default=8025)
    args = parser.parse_args()
    fake = FakeArxiv()
    fake.announce(args.day, replaced_from="2025-10-15", replaced_count=20)
    fake.start(args.port)
    print(f"fake arXiv at {fake.url}; try ARXIV_DIGEST_RSS_URL={fake.rss_url} ARXIV_DIGEST_DELAY_SECONDS=0.1")
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        fake.stop()


if __name__ == "__main__":  # pragma: no cover
    main()
