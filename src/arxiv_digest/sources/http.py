"""The one HTTP client that talks to arXiv, and the only place its terms of use are enforced.

arXiv's terms of use for its APIs (info.arxiv.org/help/api/tou.html): "make no more than one request every
three seconds, and limit requests to a single connection at a time". So this client:

- names itself: ``User-Agent: arxiv-digest/<version> (+<project URL>; <contact>)``;
- keeps one connection (``max_connections=1``) and waits ``delay_seconds`` (never below 3 s for a host
  under arxiv.org) between the end of one request and the start of the next;
- always has timeouts: ``timeout_seconds`` for each wait, and five times that for a whole request (the
  connection, the headers and the body: every socket read is cut short at that deadline, which httpx's
  per-read timeout alone is not, since a byte a second resets it);
- follows a redirect itself, as a request of its own (spaced by the delay like any other), and only to
  http(s) on the host it was asked for (an http -> https upgrade included), at most ``MAX_REDIRECTS`` hops
  and never to a URL already requested: anything else is a FetchError naming both URLs, not retried;
- retries a bounded number of times on 429, 5xx, timeouts, resets and truncated bodies, by the one retry
  rule (``retry.py``): exponential backoff from the host's delay, honouring ``Retry-After`` (seconds or an
  HTTP date) up to ``max_retry_after_seconds`` (a longer one fails at once); no wait of ours, backoff
  included, is longer than that either. The delay above is kept before every retry as well;
- goes through the proxy the environment names (``HTTPS_PROXY``, ``NO_PROXY``…), as httpx would;
- refuses bodies over ``max_body_bytes`` while streaming, before they fill memory (compressed ones
  are inflated by us, never past the cap).

Tests inject an ``httpx`` transport or point the base URLs at the fake arXiv on 127.0.0.1; the code path is
the one production runs.
"""

from __future__ import annotations

import time
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TypeVar
from urllib.parse import urljoin, urlsplit

import httpx

from ..config import ArxivSettings
from ..errors import AttemptFailed, FeedFormatError, FetchError, GaveUp
from ..net.retry import RetryPolicy, retry, retry_after_seconds
from ..net.transport import (
    DeadlineTransport,
    failure_reason,
    proxy_mounts,
    request_deadline,
    user_agent,
)

#: The floor arXiv's terms set for its own hosts, whatever the configuration says.
ARXIV_MIN_DELAY_SECONDS = 3.0
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
#: A whole response must arrive within this many times ``timeout_seconds``. The timeout bounds each wait
#: for data, so without a deadline a body dripping a byte at a time would never end (issue #5).
RESPONSE_DEADLINE_FACTOR = 5
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
#: arXiv's own redirects are one hop (http -> https, or an old path to its new one); five leave room for
#: both and stop a chain that never ends well before httpx's default of 20.
MAX_REDIRECTS = 5
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Response:
    url: str
    status: int
    headers: Mapping[str, str]
    content: bytes

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()


class PoliteClient:
    """A rate-limited, retrying GET client for arXiv's services. Use as a context manager."""

    def __init__(
        self,
        settings: ArxivSettings,
        *,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.settings = settings
        self._sleep = sleep
        self._clock = clock
        self._last_request_end: float | None = None
        self.requests_made = 0
        timeout = httpx.Timeout(settings.timeout_seconds, connect=min(30.0, settings.timeout_seconds))
        limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
        self._client = httpx.Client(
            headers={"User-Agent": user_agent(settings.contact), "Accept-Encoding": "gzip, deflate"},
            timeout=timeout,
            limits=limits,
            follow_redirects=False,  # followed by get(), one polite request per hop
            transport=transport or DeadlineTransport(limits),
            # httpx reads the proxy variables only for a transport of its own making, so they are read
            # here (an injected transport is a test's, and goes nowhere else).
            mounts=proxy_mounts(limits) if transport is None else None,
        )

    def __enter__(self) -> PoliteClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._client.close()

    # -------------------------------------------------------------------------------------------
    def delay_for(self, url: str) -> float:
        host = (urlsplit(url).hostname or "").lower().rstrip(".")  # "arxiv.org." is arxiv.org too
        delay = self.settings.delay_seconds
        if (host == "arxiv.org" or host.endswith(".arxiv.org")) and delay < ARXIV_MIN_DELAY_SECONDS:
            delay = ARXIV_MIN_DELAY_SECONDS
        return delay

    def _wait_turn(self, url: str) -> None:
        if self._last_request_end is None:
            return
        wait = self._last_request_end + self.delay_for(url) - self._clock()
        if wait > 0:
            self._sleep(wait)

    def _policy(self, url: str, attempts: int) -> RetryPolicy:
        """Backoff from the host's delay (3 s for arXiv), doubling up to ``max_retry_after_seconds``."""
        cap = self.settings.max_retry_after_seconds
        return RetryPolicy(
            attempts=attempts,
            first_wait_seconds=max(self.delay_for(url), 0.001),
            max_wait_seconds=cap,
            max_wait_name=f"max_retry_after_seconds={cap:.0f}",
            server="arXiv",
        )

    def _once(self, url: str, params: Mapping[str, str] | None) -> Response:
        self._wait_turn(url)
        self.requests_made += 1
        limit = self.settings.timeout_seconds * RESPONSE_DEADLINE_FACTOR
        try:
            with request_deadline(limit), self._client.stream("GET", url, params=params) as r:
                declared = r.headers.get("content-length")
                if declared and declared.isdigit() and int(declared) > self.settings.max_body_bytes:
                    raise FetchError(
                        str(r.url),
                        f"response of {int(declared):,} bytes is over the "
                        f"{self.settings.max_body_bytes:,}-byte cap; refusing it",
                        status=r.status_code,
                    )
                content = _read_capped(r, self.settings.max_body_bytes)
                return Response(
                    url=str(r.url), status=r.status_code, headers=dict(r.headers), content=content
                )
        finally:
            self._last_request_end = self._clock()

    def _follow(self, url: str, params: Mapping[str, str] | None) -> Response:
        """One attempt: the request, then each redirect it leads to as a request of its own, so every hop
        waits its turn (arXiv's terms count requests, not answers)."""
        response = self._once(url, params)
        requested = [response.url]
        while response.status in REDIRECT_STATUSES and response.headers.get("location"):
            target = _redirect_target(requested, response.headers["location"])
            response = self._once(target, None)
            requested.append(response.url)
        return response

    def _attempt(self, url: str, params: Mapping[str, str] | None, ok_statuses: frozenset[int]) -> Response:
        """One try (with its redirects). A failure worth another try is an AttemptFailed; any other
        answer but ``ok_statuses`` a FetchError."""
        try:
            response = self._follow(url, params)
        except (httpx.TransportError, httpx.DecodingError) as e:  # resets, truncated or corrupt bodies
            raise AttemptFailed(failure_reason(e)) from e
        if response.status in ok_statuses:
            return response
        if response.status not in RETRY_STATUSES:
            raise FetchError(_full_url(url, params), _status_message(response), status=response.status)
        raise AttemptFailed(
            f"HTTP {response.status}",
            status=response.status,
            retry_after_seconds=retry_after_seconds(response.headers.get("retry-after"), time.time()),
        )

    def get(
        self,
        url: str,
        params: Mapping[str, str] | None = None,
        *,
        ok_statuses: frozenset[int] = frozenset({200}),
    ) -> Response:
        """GET with retries. Returns a response whose status is in ``ok_statuses``, else raises FetchError."""
        full_url = _full_url(url, params)
        policy = self._policy(url, self.settings.max_retries + 1)
        try:
            return retry(
                lambda: self._attempt(url, params, ok_statuses), policy, what=full_url, sleep=self._sleep
            )
        except GaveUp as e:
            raise FetchError(full_url, str(e), status=e.last.status) from e

    def get_parsed(
        self,
        url: str,
        parse: Callable[[Response], T],
        params: Mapping[str, str] | None = None,
        *,
        ok_statuses: frozenset[int] = frozenset({200}),
        parse_retries: int = 1,
    ) -> T:
        """GET and parse; a body that does not parse is fetched again (a truncated body is often
        transient), at most ``parse_retries`` more times, then the parse error is raised."""

        def fetch_and_parse() -> T:
            response = self.get(url, params, ok_statuses=ok_statuses)
            try:
                return parse(response)
            except FeedFormatError as e:
                raise AttemptFailed(e.detail) from e

        policy = self._policy(url, parse_retries + 1)
        try:
            return retry(fetch_and_parse, policy, what=_full_url(url, params), sleep=self._sleep)
        except GaveUp as e:
            unparsed = e.last.__cause__
            assert isinstance(unparsed, FeedFormatError)  # the only AttemptFailed fetch_and_parse raises
            raise unparsed from None


def _full_url(url: str, params: Mapping[str, str] | None) -> str:
    return str(httpx.URL(url, params=params)) if params else url


def _redirect_target(requested: list[str], location: str) -> str:
    """Where a redirect leads, if we may follow it; ``requested`` is the chain so far, configured URL first.

    Followed: http or https on the configured host (the port may change, as it does for an http -> https
    upgrade; arXiv moves http://export.arxiv.org/... to https). Refused: another host (config.yml named
    this one), another scheme (``file:``, ``ftp:``), https -> http (a downgrade arXiv never asks for), a URL
    already requested (a loop), more than ``MAX_REDIRECTS`` hops. Each is a FetchError, so not retried."""
    source, origin = urlsplit(requested[-1]), urlsplit(requested[0])
    target = location.strip()
    try:
        target = urljoin(requested[-1], target)  # the stdlib's join keeps it as sent: file:///etc/passwd
        to = urlsplit(target)
        to_host, normalized = to.hostname, str(httpx.URL(target))
    except (ValueError, httpx.InvalidURL):
        raise FetchError(
            requested[-1], f"redirected to {target}: not a valid URL; not following it"
        ) from None
    why = None
    if to.scheme not in ("http", "https"):
        why = f"a {to.scheme or 'schemeless'}: URL, not http(s)"
    elif _host(to_host) != _host(origin.hostname):
        why = f"off the configured host {origin.hostname}; check the URL in config.yml (arxiv: section)"
    elif source.scheme == "https" and to.scheme == "http":
        why = "a downgrade from https to http"
    elif normalized in requested:  # as httpx spells the URLs requested
        why = "a redirect loop: that URL was already requested"
    elif len(requested) > MAX_REDIRECTS:
        why = f"more than {MAX_REDIRECTS} redirects in a row"
    if why is not None:
        raise FetchError(requested[-1], f"redirected to {target}: {why}; not following it")
    return target


def _host(name: str | None) -> str:
    return (name or "").lower().rstrip(".")


def _read_capped(r: httpx.Response, cap: int) -> bytes:
    """The body, decompressed, refused as soon as it passes ``cap`` bytes.

    We inflate it ourselves, asking zlib for at most what the cap still allows, so a compressed bomb never
    holds more than the cap in memory (httpx inflates a whole 64 KB network read at once: up to 64 MB
    more). A corrupt stream is an ``httpx.DecodingError``, retried like a truncated body (it used to escape
    the retries as an "internal error"); an encoding we did not ask for (br, zstd) is refused.
    """
    encoding = r.headers.get("content-encoding", "").strip().lower()
    if encoding not in ("", "identity", "gzip", "x-gzip", "deflate"):
        raise FetchError(
            str(r.url),
            f"the server sent Content-Encoding {encoding!r}, which we did not ask for",
            status=r.status_code,
        )
    inflater = None
    if encoding in ("gzip", "x-gzip"):
        inflater = zlib.decompressobj(zlib.MAX_WBITS | 16)
    elif encoding == "deflate":
        inflater = zlib.decompressobj()
    chunks: list[bytes] = []
    size = 0

    def keep(piece: bytes) -> None:
        nonlocal size
        size += len(piece)
        if size > cap:
            raise FetchError(
                str(r.url), f"response is over the {cap:,}-byte cap; refusing it", status=r.status_code
            )
        chunks.append(piece)

    if r.is_stream_consumed:  # a body httpx already holds, decoded (a test transport's bytes)
        keep(r.content)
        return b"".join(chunks)
    first = True
    for raw in r.iter_raw():
        if inflater is None:
            keep(raw)
            continue
        data = raw
        while data:
            try:
                keep(inflater.decompress(data, cap + 1 - size))  # max_length >= 1: 0 would mean "all"
            except zlib.error as e:
                if not (first and encoding == "deflate"):
                    raise httpx.DecodingError(f"corrupt {encoding} body: {e}") from e
                inflater = zlib.decompressobj(-zlib.MAX_WBITS)  # "deflate" without the zlib header
                continue
            finally:
                first = False
            data = inflater.unconsumed_tail
    if inflater is not None:
        try:
            keep(inflater.flush())
        except zlib.error as e:
            raise httpx.DecodingError(f"corrupt {encoding} body: {e}") from e
    return b"".join(chunks)


def _status_message(response: Response) -> str:
    if response.status == 404:
        return "not found; check the URL in config.yml (arxiv: section)"
    if response.status in (401, 403):
        return "access denied by the server; check the User-Agent contact and the request rate"
    if response.status == 400:
        return "the server rejected the request (bad category or query?)"
    return f"unexpected HTTP status {response.status}"
