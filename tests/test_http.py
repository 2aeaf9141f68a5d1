"""The polite client: it names itself, spaces its requests (never under 3 s for arXiv), retries a bounded
number of times with exponential backoff honouring Retry-After, refuses oversized bodies, keeps to one
connection, ends a whole request by its deadline and follows redirects only where it should. An injected
``httpx.MockTransport`` and a fake clock keep most of these tests instant; the deadline, redirect and
backoff-cap tests talk to real servers on 127.0.0.1 (the fake arXiv, a raw socket server, an https one)."""

from __future__ import annotations

import email.utils
import gzip
import itertools
import re
import select
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import httpx
import pytest
import trustme

from arxiv_digest import PROJECT_URL, __version__
from arxiv_digest.config import ArxivSettings
from arxiv_digest.errors import FeedFormatError, FetchError, UsageError
from arxiv_digest.sources.http import PoliteClient, Response
from tests.fakearxiv import FakeArxiv, Reply
from tests.fakearxiv.raw import RawServer, Script, trickle

URL = "http://feeds.example.test/rss/cs.AI"


class FakeTime:
    """A clock that only moves when the client sleeps, and a record of every sleep."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


class Server:
    """An ``httpx.MockTransport`` answering from a script, recording each request and its (fake) time."""

    def __init__(self, *answers: httpx.Response | Exception, time_: FakeTime | None = None) -> None:
        self.answers = list(answers)
        self.time = time_
        self.requests: list[httpx.Request] = []
        self.times: list[float] = []

    def handler(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        self.times.append(self.time.now if self.time else time.monotonic())
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, Exception):
            raise answer
        return answer

    @property
    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handler)


def client(server: Server, fake: FakeTime | None = None, **settings: object) -> PoliteClient:
    options: dict[str, object] = {"delay_seconds": 0.5, "max_retries": 4}
    options.update(settings)
    if fake is None:
        return PoliteClient(ArxivSettings(**options), transport=server.transport)  # type: ignore[arg-type]
    return PoliteClient(
        ArxivSettings(**options),  # type: ignore[arg-type]
        transport=server.transport,
        sleep=fake.sleep,
        clock=fake.clock,
    )


def ok(body: bytes = b"<rss/>", **headers: str) -> httpx.Response:
    return httpx.Response(200, content=body, headers=headers)


# ---------------------------------------------------------------------------------------------------
# naming itself


def test_user_agent_names_the_tool_its_version_and_a_url() -> None:
    server = Server(ok())
    with client(server) as c:
        c.get(URL)
    agent = server.requests[0].headers["user-agent"]
    assert re.fullmatch(r"arxiv-digest/\S+ \(\+https?://\S+\)", agent), agent
    assert agent.startswith(f"arxiv-digest/{__version__} ")
    assert f"+{PROJECT_URL}" in agent


def test_user_agent_carries_the_configured_contact() -> None:
    server = Server(ok())
    with client(server, contact="mailto:me@example.org") as c:
        c.get(URL)
    agent = server.requests[0].headers["user-agent"]
    assert agent == f"arxiv-digest/{__version__} (+{PROJECT_URL}; mailto:me@example.org)"


def test_response_carries_url_status_headers_and_body() -> None:
    server = Server(ok(b"<rss>x</rss>", **{"Content-Type": "application/rss+xml; charset=utf-8"}))
    with client(server) as c:
        response = c.get(URL, {"q": "a b"})
    assert response.status == 200
    assert response.content == b"<rss>x</rss>"
    assert response.content_type == "application/rss+xml"
    assert response.url == URL + "?q=a+b"


# ---------------------------------------------------------------------------------------------------
# spacing


def test_requests_are_spaced_by_at_least_delay_seconds() -> None:
    fake = FakeTime()
    server = Server(ok(), time_=fake)
    with client(server, fake, delay_seconds=2.0) as c:
        for _ in range(4):
            c.get(URL)
    gaps = [b - a for a, b in itertools.pairwise(server.times)]
    assert len(gaps) == 3
    assert all(gap >= 2.0 for gap in gaps), gaps
    assert fake.sleeps == [2.0, 2.0, 2.0]


def test_no_wait_when_the_delay_has_already_passed() -> None:
    fake = FakeTime()
    server = Server(ok(), time_=fake)
    with client(server, fake, delay_seconds=2.0) as c:
        c.get(URL)
        fake.now += 1.5  # the caller spent 1.5 s on the first answer
        c.get(URL)
        fake.now += 10.0
        c.get(URL)
    assert fake.sleeps == [pytest.approx(0.5)]
    assert server.times[1] - server.times[0] >= 2.0


def test_spacing_with_the_real_clock() -> None:
    server = Server(ok())
    with client(server, delay_seconds=0.15) as c:
        for _ in range(3):
            c.get(URL)
    gaps = [b - a for a, b in itertools.pairwise(server.times)]
    assert all(gap >= 0.15 for gap in gaps), gaps


@pytest.mark.parametrize(
    "url",
    [
        "https://rss.arxiv.org/rss/cs.AI",
        "https://export.arxiv.org/api/query",
        "https://oaipmh.arxiv.org/oai",
        "https://arxiv.org/abs/2501.00001",
        "https://RSS.ArXiv.org/rss/cs.AI",
        "https://rss.arxiv.org./rss/cs.AI",  # the fully qualified spelling is the same host
        "http://rss.arxiv.org:8080/rss/cs.AI",
    ],
)
def test_arxiv_hosts_never_get_less_than_three_seconds(url: str) -> None:
    for configured in (0.0, 0.05, 2.9):
        with PoliteClient(ArxivSettings(delay_seconds=configured)) as c:
            assert c.delay_for(url) == 3.0
    with PoliteClient(ArxivSettings(delay_seconds=7.5)) as c:
        assert c.delay_for(url) == 7.5  # a longer configured delay is kept


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:8025/rss/cs.AI", "https://notarxiv.org/rss", "https://arxiv.org.example.com/rss"],
)
def test_other_hosts_get_the_configured_delay(url: str) -> None:
    with PoliteClient(ArxivSettings(delay_seconds=0.05)) as c:
        assert c.delay_for(url) == 0.05


def test_arxiv_floor_applies_to_real_requests() -> None:
    fake = FakeTime()
    server = Server(ok(), time_=fake)
    with client(server, fake, delay_seconds=0.05) as c:
        c.get("https://rss.arxiv.org/rss/cs.AI")
        c.get("https://rss.arxiv.org/rss/cs.CL")
    assert fake.sleeps == [3.0]
    assert server.times[1] - server.times[0] >= 3.0


# ---------------------------------------------------------------------------------------------------
# retries


def test_retries_are_bounded_with_exponential_backoff() -> None:
    fake = FakeTime()
    server = Server(httpx.Response(503), time_=fake)
    with client(server, fake, delay_seconds=0.5, max_retries=4) as c, pytest.raises(FetchError) as info:
        c.get(URL)
    assert len(server.requests) == 5
    assert fake.sleeps == [0.5, 1.0, 2.0, 4.0]
    assert info.value.status == 503
    assert info.value.url == URL
    assert URL in str(info.value)
    assert "gave up after 5 attempts" in str(info.value)
    assert "HTTP 503" in str(info.value)


@pytest.mark.parametrize("max_retries", [0, 1, 2])
def test_max_retries_is_the_number_of_extra_attempts(max_retries: int) -> None:
    fake = FakeTime()
    server = Server(httpx.Response(502), time_=fake)
    with client(server, fake, max_retries=max_retries) as c, pytest.raises(FetchError):
        c.get(URL)
    assert len(server.requests) == max_retries + 1


def test_a_transient_failure_recovers() -> None:
    fake = FakeTime()
    server = Server(httpx.Response(500), httpx.Response(504), ok(b"<rss>fine</rss>"), time_=fake)
    with client(server, fake) as c:
        response = c.get(URL)
    assert response.content == b"<rss>fine</rss>"
    assert len(server.requests) == 3
    assert fake.sleeps == [0.5, 1.0]


@pytest.mark.parametrize(
    ("error", "said"),
    [
        (httpx.ConnectError("connection refused"), "ConnectError"),
        (httpx.RemoteProtocolError("peer closed connection without sending complete message body"), "peer"),
        (httpx.ReadTimeout("timed out"), "timed out"),
    ],
)
def test_transport_errors_are_retried_then_reported(error: Exception, said: str) -> None:
    fake = FakeTime()
    server = Server(error, time_=fake)
    with client(server, fake, max_retries=2) as c, pytest.raises(FetchError) as info:
        c.get(URL)
    assert len(server.requests) == 3
    assert fake.sleeps == [0.5, 1.0]
    assert said in str(info.value)
    assert URL in str(info.value)


def test_retry_after_in_seconds_is_honoured() -> None:
    fake = FakeTime()
    server = Server(httpx.Response(429, headers={"Retry-After": "7"}), ok(), time_=fake)
    with client(server, fake) as c:
        assert c.get(URL).status == 200
    assert fake.sleeps == [7.0]
    assert server.times[1] - server.times[0] >= 7.0


def test_every_retry_to_arxiv_keeps_its_three_seconds() -> None:
    """Politeness is not backoff: with no delay configured and Retry-After: 0, each request to an arXiv
    host (the retries of a 503 and a 429, the fetch again of a body that did not parse) starts 3 s or more
    after the one before."""
    fake = FakeTime()
    server = Server(
        httpx.Response(503, headers={"Retry-After": "0"}),
        httpx.Response(429, headers={"Retry-After": "0"}),
        ok(b"<rss><chan"),
        ok(b"<rss>whole</rss>"),
        time_=fake,
    )

    def parse(response: Response) -> bytes:
        if not response.content.endswith(b"</rss>"):
            raise FeedFormatError(response.url, "not well-formed XML (truncated?)")
        return response.content

    with client(server, fake, delay_seconds=0.0) as c:
        assert c.get_parsed("https://export.arxiv.org/api/query", parse) == b"<rss>whole</rss>"
    gaps = [b - a for a, b in itertools.pairwise(server.times)]
    assert len(gaps) == 3 and all(gap >= 3.0 for gap in gaps), gaps


def test_retry_after_shorter_than_the_backoff_keeps_the_backoff() -> None:
    fake = FakeTime()
    server = Server(httpx.Response(503, headers={"Retry-After": "0"}), ok(), time_=fake)
    with client(server, fake, delay_seconds=2.0) as c:
        c.get(URL)
    assert fake.sleeps == [2.0]


def test_retry_after_as_an_http_date_is_honoured() -> None:
    fake = FakeTime()
    when = email.utils.formatdate(time.time() + 120, usegmt=True)
    server = Server(httpx.Response(503, headers={"Retry-After": when}), ok(), time_=fake)
    with client(server, fake) as c:
        assert c.get(URL).status == 200
    (waited,) = fake.sleeps
    assert 115 <= waited <= 121


def test_retry_after_in_the_past_falls_back_to_backoff() -> None:
    fake = FakeTime()
    when = email.utils.formatdate(time.time() - 3600, usegmt=True)
    server = Server(httpx.Response(503, headers={"Retry-After": when}), ok(), time_=fake)
    with client(server, fake) as c:
        c.get(URL)
    assert fake.sleeps == [0.5]


@pytest.mark.parametrize("value", ["3600", "in-date"])
def test_retry_after_above_the_maximum_fails_at_once(value: str) -> None:
    if value == "in-date":
        value = email.utils.formatdate(time.time() + 7200, usegmt=True)
    fake = FakeTime()
    server = Server(httpx.Response(503, headers={"Retry-After": value}), ok(), time_=fake)
    with (
        client(server, fake, max_retry_after_seconds=600) as c,
        pytest.raises(FetchError) as info,
    ):
        c.get(URL)
    assert len(server.requests) == 1
    assert fake.sleeps == []
    assert "Retry-After" in str(info.value)
    assert "max_retry_after_seconds" in str(info.value)
    assert URL in str(info.value)
    assert info.value.status == 503


@pytest.mark.parametrize("status", [400, 401, 403, 404, 410, 451])
def test_client_errors_are_not_retried(status: int) -> None:
    fake = FakeTime()
    server = Server(httpx.Response(status), ok(), time_=fake)
    with client(server, fake) as c, pytest.raises(FetchError) as info:
        c.get(URL)
    assert len(server.requests) == 1
    assert fake.sleeps == []
    assert info.value.status == status
    assert URL in str(info.value)
    assert f"HTTP {status}" in str(info.value)


def test_ok_statuses_lets_a_caller_read_an_error_body() -> None:
    server = Server(httpx.Response(400, content=b"<feed>error</feed>"))
    with client(server) as c:
        response = c.get(URL, ok_statuses=frozenset({200, 400}))
    assert response.status == 400
    assert response.content == b"<feed>error</feed>"


def test_get_parsed_fetches_a_body_that_does_not_parse_once_more() -> None:
    fake = FakeTime()
    server = Server(ok(b"<rss><chan"), ok(b"<rss>whole</rss>"), time_=fake)

    def parse(response: Response) -> bytes:
        if not response.content.endswith(b"</rss>"):
            raise FeedFormatError(response.url, "not well-formed XML (truncated?)")
        return response.content

    with client(server, fake) as c:
        assert c.get_parsed(URL, parse) == b"<rss>whole</rss>"
    assert len(server.requests) == 2

    server = Server(ok(b"<rss><chan"), time_=fake)
    with client(server, fake) as c, pytest.raises(FeedFormatError):
        c.get_parsed(URL, parse, parse_retries=2)
    assert len(server.requests) == 3


# ---------------------------------------------------------------------------------------------------
# body size


def _counted(chunks: int, size: int = 1024) -> tuple[Iterator[bytes], list[int]]:
    sent = [0]

    def gen() -> Iterator[bytes]:
        for _ in range(chunks):
            sent[0] += 1
            yield b"x" * size

    return gen(), sent


def test_declared_body_over_the_cap_is_refused_before_reading() -> None:
    body, sent = _counted(100_000)
    server = Server(httpx.Response(200, headers={"Content-Length": str(100_000 * 1024)}, content=body))
    with client(server, max_body_bytes=64 * 1024) as c, pytest.raises(FetchError) as info:
        c.get(URL)
    assert sent[0] == 0
    assert len(server.requests) == 1  # not retried: the same body would come back
    assert "102,400,000 bytes" in str(info.value)
    assert "65,536-byte cap" in str(info.value)
    assert URL in str(info.value)


def test_streamed_body_over_the_cap_is_refused_while_streaming() -> None:
    body, sent = _counted(100_000)  # 100 MB if read to the end; no Content-Length
    server = Server(httpx.Response(200, content=body))
    with client(server, max_body_bytes=64 * 1024) as c, pytest.raises(FetchError) as info:
        c.get(URL)
    assert sent[0] <= 66
    assert len(server.requests) == 1
    assert "65,536-byte cap" in str(info.value)


def test_compressed_body_is_measured_after_decompression() -> None:
    bomb = gzip.compress(b"\0" * 5_000_000)
    assert len(bomb) < 64 * 1024
    server = Server(httpx.Response(200, content=bomb, headers={"Content-Encoding": "gzip"}))
    with client(server, max_body_bytes=64 * 1024) as c, pytest.raises(FetchError) as info:
        c.get(URL)
    assert "cap" in str(info.value)


def test_body_at_the_cap_is_accepted() -> None:
    server = Server(ok(b"x" * 4096))
    with client(server, max_body_bytes=4096) as c:
        assert len(c.get(URL).content) == 4096


# ---------------------------------------------------------------------------------------------------
# one connection


def test_a_server_that_never_answers_times_out() -> None:
    """Timeouts are always on: ``timeout_seconds`` for each wait (the one connection is shown by the test
    below, with two threads)."""
    with RawServer(lambda conn, stop: stop.wait(10)) as server:
        settings = ArxivSettings(delay_seconds=0.05, timeout_seconds=0.3, max_retries=0)
        began = time.monotonic()
        with PoliteClient(settings) as c, pytest.raises(FetchError) as info:
            c.get(server.url + "/rss/cs.AI")
        elapsed = time.monotonic() - began
    assert str(info.value).endswith("gave up after 1 attempt; last error: timed out (ReadTimeout)")
    assert 0.3 <= elapsed < 1.5, elapsed  # the read timeout, well before the 1.5 s deadline


class _CountingHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    lock = threading.Lock()
    active = 0
    most = 0
    ports: set[int] = set()  # noqa: RUF012 - reset by the test

    def log_message(self, format: str, *args: object) -> None:
        return

    def do_GET(self) -> None:
        cls = type(self)
        with cls.lock:
            cls.active += 1
            cls.most = max(cls.most, cls.active)
            cls.ports.add(self.client_address[1])
        time.sleep(0.2)
        with cls.lock:
            cls.active -= 1
        self.send_response(200)
        self.send_header("Content-Length", "6")
        self.end_headers()
        self.wfile.write(b"<rss/>")


def test_one_connection_at_a_time_even_from_two_threads() -> None:
    _CountingHandler.active = _CountingHandler.most = 0
    _CountingHandler.ports = set()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _CountingHandler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_address[1]}/rss/cs.AI"
    errors: list[BaseException] = []
    try:
        with PoliteClient(ArxivSettings(delay_seconds=0.0)) as c:

            def fetch() -> None:
                try:
                    c.get(url)
                except BaseException as e:  # pragma: no cover - reported below
                    errors.append(e)

            threads = [threading.Thread(target=fetch) for _ in range(3)]
            for t in threads:
                t.start()
            for t in threads:
                t.join(10)
            c.get(url)
    finally:
        server.shutdown()
        server.server_close()
    assert errors == []
    assert _CountingHandler.most == 1
    assert len(_CountingHandler.ports) == 1  # and that one connection is kept alive


# ---------------------------------------------------------------------------------------------------
# a whole request within its deadline, headers included (issue #7)


def test_headers_trickled_in_end_at_the_whole_request_deadline() -> None:
    """A header byte every 50 ms resets httpx's 0.4 s read timeout forever; the deadline (5 x 0.4 s)
    ends each attempt, headers or not."""
    script = trickle(b"HTTP/1.1 200 OK\r\nX-Pad: ", seconds_per_byte=0.05, endless=True)
    settings = ArxivSettings(delay_seconds=0.05, timeout_seconds=0.4, max_retries=1)
    with RawServer(script) as server, PoliteClient(settings) as c:
        began = time.monotonic()
        with pytest.raises(FetchError) as info:
            c.get(server.url + "/rss/cs.AI")
        elapsed = time.monotonic() - began
    print(f"\nheaders trickled: 2 attempts of a 2 s deadline, failed after {elapsed:.2f} s")
    assert str(info.value) == (
        f"while fetching {server.url}/rss/cs.AI: gave up after 2 attempts; "
        "last error: the response was still arriving after 2 s"
    )
    assert len(server.requests) == 2
    assert 2 * 2.0 <= elapsed < 2 * 2.0 + 1.5, elapsed


def test_headers_trickled_in_within_the_deadline_are_read() -> None:
    body = b"<rss/>"
    answer = b"HTTP/1.1 200 OK\r\nContent-Length: 6\r\nContent-Type: application/rss+xml\r\n\r\n" + body
    settings = ArxivSettings(delay_seconds=0.05, timeout_seconds=0.4, max_retries=0)
    with RawServer(trickle(answer, seconds_per_byte=0.01)) as server, PoliteClient(settings) as c:
        response = c.get(server.url + "/rss/cs.AI")  # ~0.8 s of bytes 10 ms apart: slow, not too slow
    assert response.content == body and response.content_type == "application/rss+xml"


# ---------------------------------------------------------------------------------------------------
# the proxy the environment names (HTTPS_PROXY, HTTP_PROXY, NO_PROXY), with the deadline kept through it


def answer(data: bytes) -> Script:
    """A raw script: ``data`` at once, then the connection is closed."""

    def script(conn: socket.socket, stop: threading.Event) -> None:
        conn.sendall(data)

    return script


FEED_ANSWER = b"HTTP/1.1 200 OK\r\nContent-Length: 6\r\nContent-Type: application/rss+xml\r\n\r\n<rss/>"


def test_the_http_proxy_in_the_environment_carries_the_request(monkeypatch: pytest.MonkeyPatch) -> None:
    """The host does not resolve: only the proxy can have answered, and it was asked in absolute form,
    with the credentials of its URL."""
    with RawServer(answer(FEED_ANSWER)) as proxy:
        monkeypatch.setenv("HTTP_PROXY", proxy.url.replace("http://", "http://me:s3cret@"))
        with PoliteClient(ArxivSettings(delay_seconds=0.05, max_retries=0)) as c:
            response = c.get(URL)
    assert response.content == b"<rss/>"
    ((request,),) = [proxy.requests]
    assert request.head.startswith(f"GET {URL} HTTP/1.1\r\n".encode())
    assert b"\r\nProxy-Authorization: Basic bWU6czNjcmV0" in request.head  # me:s3cret


def tunnel(proxy: list[RawServer]) -> Script:
    """A raw script for an https proxy: CONNECT host:port is answered 200, then bytes are piped both ways
    between the client and that host until either side closes."""

    def script(conn: socket.socket, stop: threading.Event) -> None:
        host, port = proxy[0].requests[-1].path.rsplit(":", 1)
        with socket.create_connection((host, int(port)), timeout=5) as upstream:
            conn.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
            while not stop.is_set():
                ready, _, _ = select.select([conn, upstream], [], [], 0.05)
                for side in ready:
                    data = side.recv(65536)
                    if not data:
                        return
                    (upstream if side is conn else conn).sendall(data)

    return script


def test_https_goes_through_the_proxy_by_connect(tls_server: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """As arXiv's https feeds do behind a proxy: a CONNECT tunnel, TLS (verified) to the host inside it."""
    _TlsAnswers.answers = [(200, {"Content-Type": "application/rss+xml"})]
    proxies: list[RawServer] = []
    with RawServer(tunnel(proxies)) as proxy:
        proxies.append(proxy)
        monkeypatch.setenv("HTTPS_PROXY", proxy.url)
        with PoliteClient(ArxivSettings(delay_seconds=0.05, max_retries=0)) as c:
            response = c.get(tls_server + "/rss/cs.AI")
    assert response.status == 200 and response.content == b"<rss/>"
    assert [r.head.split(b"\r\n")[0] for r in proxy.requests] == [
        f"CONNECT {tls_server.removeprefix('https://')} HTTP/1.1".encode()
    ]
    assert [path for path, _ in _TlsAnswers.arrivals] == ["/rss/cs.AI"]


def test_no_proxy_hosts_are_reached_directly(monkeypatch: pytest.MonkeyPatch) -> None:
    with (
        RawServer(answer(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")) as proxy,
        FakeArxiv() as fake,
    ):
        fake.announce("2026-06-30")
        monkeypatch.setenv("HTTP_PROXY", proxy.url)
        monkeypatch.setenv("NO_PROXY", "example.org, 127.0.0.1")
        with PoliteClient(ArxivSettings(delay_seconds=0.05, max_retries=0)) as c:
            assert c.get(fake.url + "/rss/cs.AI").status == 200
    assert proxy.requests == [] and len(fake.requests) == 1


def test_the_whole_request_deadline_holds_through_the_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    """A proxy trickling the headers is cut at 5 x the timeout, as a server would be."""
    script = trickle(b"HTTP/1.1 200 OK\r\nX-Pad: ", seconds_per_byte=0.05, endless=True)
    with RawServer(script) as proxy:
        monkeypatch.setenv("HTTP_PROXY", proxy.url)
        settings = ArxivSettings(delay_seconds=0.05, timeout_seconds=0.4, max_retries=0)
        began = time.monotonic()
        with PoliteClient(settings) as c, pytest.raises(FetchError) as info:
            c.get(URL)
        elapsed = time.monotonic() - began
    assert str(info.value) == (
        f"while fetching {URL}: gave up after 1 attempt; "
        "last error: the response was still arriving after 2 s"
    )
    assert len(proxy.requests) == 1 and 2.0 <= elapsed < 3.5, elapsed


def test_a_proxy_that_is_not_http_is_refused_with_a_clear_message(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ALL_PROXY", "socks5://me:s3cret@127.0.0.1:1080")
    with pytest.raises(UsageError) as info:
        PoliteClient(ArxivSettings())
    assert str(info.value).startswith("socks5://127.0.0.1 (in HTTPS_PROXY, HTTP_PROXY or ALL_PROXY) is not")
    assert "s3cret" not in str(info.value)


# ---------------------------------------------------------------------------------------------------
# retry waits are bounded too


def test_the_backoff_never_waits_longer_than_max_retry_after_seconds() -> None:
    """Doubling from 3 s, a max_retries of 30 would wait 51 years before the last attempt."""
    fake = FakeTime()
    server = Server(httpx.Response(503), time_=fake)
    with client(server, fake, delay_seconds=3.0, max_retries=12) as c, pytest.raises(FetchError):
        c.get(URL)
    assert fake.sleeps == [3.0, 6.0, 12.0, 24.0, 48.0, 96.0, 192.0, 384.0, 600.0, 600.0, 600.0, 600.0]


def test_the_backoff_cap_holds_against_a_real_server() -> None:
    settings = ArxivSettings(delay_seconds=0.05, max_retries=7, max_retry_after_seconds=0.2)
    with FakeArxiv() as fake, PoliteClient(settings) as c:
        fake.announce("2026-06-30")
        fake.queue(*[Reply(status=503) for _ in range(8)])
        with pytest.raises(FetchError, match="gave up after 8 attempts; last error: HTTP 503"):
            c.get(fake.url + "/rss/cs.AI")
        spacing = [b.at - a.at for a, b in itertools.pairwise(fake.requests)]
    assert len(spacing) == 7
    assert all(gap >= 0.05 for gap in spacing), spacing
    assert max(spacing) < 0.2 + 0.5, spacing  # uncapped, the last wait alone would be 0.05 x 2^6 = 3.2 s


@pytest.mark.parametrize("value", ["²", "٣", "1e9", "-5", "soon"])
def test_a_retry_after_that_is_not_a_number_of_seconds_keeps_the_backoff(value: str) -> None:
    """A superscript two passes str.isdigit(), and float() then raised ValueError: an internal error."""
    fake = FakeTime()
    server = Server(httpx.Response(503, headers={"Retry-After": value.encode()}), ok(), time_=fake)
    with client(server, fake) as c:
        assert c.get(URL).status == 200
    assert fake.sleeps == [0.5]


# ---------------------------------------------------------------------------------------------------
# redirects: each hop a polite request; http(s) on the configured host only (issue #7)


class _TlsAnswers(BaseHTTPRequestHandler):
    """Answers from the class's script, over TLS (the server's socket is wrapped by the test)."""

    protocol_version = "HTTP/1.1"
    answers: ClassVar[list[tuple[int, dict[str, str]]]] = []
    arrivals: ClassVar[list[tuple[str, float]]] = []

    def log_message(self, format: str, *args: object) -> None:
        return

    def do_GET(self) -> None:
        type(self).arrivals.append((self.path, time.monotonic()))
        status, headers = type(self).answers.pop(0)
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", "6")
        self.end_headers()
        self.wfile.write(b"<rss/>")


@pytest.fixture
def tls_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """An https server on 127.0.0.1 with a certificate from a throwaway CA the client trusts (through
    SSL_CERT_FILE, which httpx's default context honours); yields its base URL."""
    ca = trustme.CA()
    ca.cert_pem.write_to_path(tmp_path / "ca.pem")
    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "ca.pem"))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    _TlsAnswers.answers, _TlsAnswers.arrivals = [], []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _TlsAnswers)
    server.daemon_threads = True
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"https://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_a_same_host_redirect_up_to_https_is_followed_after_the_delay(tls_server: str) -> None:
    """As export.arxiv.org moves http to https: followed, the port changing with the scheme."""
    _TlsAnswers.answers = [(200, {"Content-Type": "application/rss+xml"})]
    with FakeArxiv() as fake, PoliteClient(ArxivSettings(delay_seconds=0.3)) as c:
        fake.announce("2026-06-30")
        fake.queue(Reply(status=301, headers={"Location": tls_server + "/rss/cs.AI"}))
        response = c.get(fake.url + "/rss/cs.AI")
        (first,) = fake.requests
    assert response.url == tls_server + "/rss/cs.AI" and response.content == b"<rss/>"
    assert c.requests_made == 2
    ((path, at),) = _TlsAnswers.arrivals
    assert path == "/rss/cs.AI"
    assert at - first.at >= 0.3  # the hop waited its turn


def test_a_redirect_down_from_https_to_http_is_refused(tls_server: str) -> None:
    with FakeArxiv() as fake, PoliteClient(ArxivSettings(delay_seconds=0.05)) as c:
        plain = fake.url + "/rss/cs.AI"
        _TlsAnswers.answers = [(302, {"Location": plain})]
        with pytest.raises(FetchError) as info:
            c.get(tls_server + "/rss/cs.AI")
        assert fake.requests == []
    assert str(info.value) == (
        f"while fetching {tls_server}/rss/cs.AI: redirected to {plain}: "
        "a downgrade from https to http; not following it"
    )
    assert len(_TlsAnswers.arrivals) == 1  # refused, not retried
