"""What every HTTP exchange of ours goes through, below the stages that make them: the User-Agent, the
words for a failed exchange, and the transport under :class:`~arxiv_digest.sources.http.PoliteClient`,
httpx over
httpcore's connection pool on sockets whose every operation ends by the deadline of the request being made.

httpx's timeouts bound each wait for data, so a server sending a byte a second (headers included) resets
them forever; only a deadline over the whole request ends it (issue #7). It lives at the socket: each read,
write, connect and TLS handshake gets the smaller of its own timeout and the time left, and one that runs
out raises :class:`~arxiv_digest.errors.DeadlineExceeded`. Outside :func:`request_deadline` nothing is
bounded beyond httpx's timeouts.

httpx takes no network backend, but httpcore's pools do (``network_backend=``, public), and httpx documents
custom transports (``httpx.BaseTransport``): :class:`DeadlineTransport` is one, a pool of httpcore's over our
backend, direct or through an HTTP proxy (httpcore's ``HTTPProxy``, CONNECT for https). Which requests take
which proxy is what the environment says (``HTTPS_PROXY``, ``HTTP_PROXY``, ``ALL_PROXY``, ``NO_PROXY``, read
by ``urllib.request.getproxies``), as httpx mounts: :func:`proxy_mounts`.
"""

from __future__ import annotations

import ipaddress
import ssl
import time
import urllib.request
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TypeVar

import httpcore
import httpx

from .. import PROJECT_URL, __version__
from ..errors import DeadlineExceeded, UsageError

T = TypeVar("T")


def user_agent(contact: str | None = None) -> str:
    """``arxiv-digest/<version> (+<project URL>; <contact>)``: who we are, for every server we talk to."""
    tail = f"; {contact}" if contact else ""
    return f"arxiv-digest/{__version__} (+{PROJECT_URL}{tail})"


def failure_reason(error: httpx.HTTPError) -> str:
    """The one wording of a failed exchange, for the error that reports it: ``timed out (ReadTimeout)``,
    ``ConnectError: [Errno 111] Connection refused``."""
    if isinstance(error, httpx.TimeoutException):
        return f"timed out ({type(error).__name__})"
    return f"{type(error).__name__}: {error or 'connection failed'}"


@dataclass(frozen=True, slots=True)
class _Deadline:
    at: float  # time.monotonic()
    limit_seconds: float

    def error(self) -> DeadlineExceeded:
        return DeadlineExceeded(f"the response was still arriving after {self.limit_seconds:g} s")


#: The deadline of the request being made in this context (httpcore's sync I/O runs in the caller's thread).
_DEADLINE: ContextVar[_Deadline | None] = ContextVar("arxiv_digest_http_deadline", default=None)


@contextmanager
def request_deadline(limit_seconds: float) -> Iterator[None]:
    """Every socket operation inside ends within ``limit_seconds`` from now, all of them together."""
    token = _DEADLINE.set(_Deadline(time.monotonic() + limit_seconds, limit_seconds))
    try:
        yield
    finally:
        _DEADLINE.reset(token)


def _within_deadline(call: Callable[[float | None], T], timeout: float | None) -> T:
    """``call(timeout)`` for one socket operation, its timeout shortened to the time the request has
    left; a timeout that was the deadline's is reported as such."""
    deadline = _DEADLINE.get()
    if deadline is None:
        return call(timeout)
    left = deadline.at - time.monotonic()
    if left <= 0:
        raise deadline.error()
    if timeout is not None and timeout < left:
        return call(timeout)
    try:
        return call(left)
    except httpcore.TimeoutException:
        raise deadline.error() from None


class _Stream(httpcore.NetworkStream):
    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return _within_deadline(lambda t: self._inner.read(max_bytes, t), timeout)

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        _within_deadline(lambda t: self._inner.write(buffer, t), timeout)

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self, ssl_context: ssl.SSLContext, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.NetworkStream:
        inner = _within_deadline(lambda t: self._inner.start_tls(ssl_context, server_hostname, t), timeout)
        return _Stream(inner)

    def get_extra_info(self, info: str) -> object:
        return self._inner.get_extra_info(info)


class _Backend(httpcore.NetworkBackend):
    """httpcore's own sockets, each operation bounded by the deadline. (No Unix sockets, no connect
    retries with sleeps: our pools use neither.)"""

    def __init__(self) -> None:
        self._inner = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        connect = self._inner.connect_tcp
        stream = _within_deadline(lambda t: connect(host, port, t, local_address, socket_options), timeout)
        return _Stream(stream)


#: httpcore's errors as httpx's (what httpx.Client callers catch), the most specific first.
_HTTPX_ERRORS: tuple[tuple[type[Exception], type[httpx.TransportError]], ...] = (
    (httpcore.ConnectTimeout, httpx.ConnectTimeout),
    (httpcore.ReadTimeout, httpx.ReadTimeout),
    (httpcore.WriteTimeout, httpx.WriteTimeout),
    (httpcore.PoolTimeout, httpx.PoolTimeout),
    (httpcore.TimeoutException, httpx.TimeoutException),
    (httpcore.ProxyError, httpx.ProxyError),
    (httpcore.ConnectError, httpx.ConnectError),
    (httpcore.ReadError, httpx.ReadError),
    (httpcore.WriteError, httpx.WriteError),
    (httpcore.NetworkError, httpx.NetworkError),
    (httpcore.UnsupportedProtocol, httpx.UnsupportedProtocol),
    (httpcore.RemoteProtocolError, httpx.RemoteProtocolError),
    (httpcore.LocalProtocolError, httpx.LocalProtocolError),
    (httpcore.ProtocolError, httpx.ProtocolError),
)


@contextmanager
def _as_httpx_errors() -> Iterator[None]:
    try:
        yield
    except Exception as e:
        for theirs, ours in _HTTPX_ERRORS:
            if isinstance(e, theirs):
                raise ours(str(e)) from e
        raise


class _Body(httpx.SyncByteStream):
    def __init__(self, inner: Iterable[bytes]) -> None:
        self._inner = inner

    def __iter__(self) -> Iterator[bytes]:
        with _as_httpx_errors():
            yield from self._inner

    def close(self) -> None:
        close = getattr(self._inner, "close", None)
        if close is not None:
            close()


class DeadlineTransport(httpx.BaseTransport):
    """A pool of httpcore's over :class:`_Backend` (HTTP/1.1, as httpx's default), direct or, given
    ``proxy`` (an ``http://`` or ``https://`` URL, credentials in it allowed), through that proxy."""

    def __init__(self, limits: httpx.Limits, *, proxy: str | None = None) -> None:
        tls = httpx.create_ssl_context()
        most, idle, expiry = limits.max_connections, limits.max_keepalive_connections, limits.keepalive_expiry
        self._pool: httpcore.ConnectionPool
        if proxy is None:
            self._pool = httpcore.ConnectionPool(
                ssl_context=tls,
                max_connections=most,
                max_keepalive_connections=idle,
                keepalive_expiry=expiry,
                network_backend=_Backend(),
            )
            return
        via = _proxy(proxy)
        self._pool = httpcore.HTTPProxy(
            proxy_url=httpcore.URL(
                scheme=via.url.raw_scheme, host=via.url.raw_host, port=via.url.port, target=b"/"
            ),
            proxy_auth=via.raw_auth,
            proxy_headers=via.headers.raw,
            ssl_context=tls,
            max_connections=most,
            max_keepalive_connections=idle,
            keepalive_expiry=expiry,
            network_backend=_Backend(),
        )

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        assert isinstance(request.stream, httpx.SyncByteStream)  # a sync client's requests are
        url = request.url
        with _as_httpx_errors():
            answer = self._pool.handle_request(
                httpcore.Request(
                    method=request.method,
                    url=httpcore.URL(
                        scheme=url.raw_scheme, host=url.raw_host, port=url.port, target=url.raw_path
                    ),
                    headers=request.headers.raw,
                    content=request.stream,
                    extensions=request.extensions,
                )
            )
        assert isinstance(answer.stream, Iterable)  # a sync pool's bodies are
        return httpx.Response(
            answer.status, headers=answer.headers, stream=_Body(answer.stream), extensions=answer.extensions
        )

    def close(self) -> None:
        self._pool.close()


def _proxy(url: str) -> httpx.Proxy:
    """``url`` as httpx reads a proxy (credentials in it become its auth); only http(s) proxies."""
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL:
        parsed = None
    if parsed is None or parsed.scheme not in ("http", "https") or not parsed.host:
        shown = f"{parsed.scheme}://{parsed.host}" if parsed is not None else "a proxy"  # no credentials
        raise UsageError(
            f"{shown} (in HTTPS_PROXY, HTTP_PROXY or ALL_PROXY) is not an http:// or https:// proxy URL, "
            "the only kind arxiv-digest can use; set an HTTP proxy there, or add the hosts to NO_PROXY"
        )
    return httpx.Proxy(parsed)


def proxy_mounts(
    limits: httpx.Limits, proxies: Mapping[str, str] | None = None
) -> dict[str, httpx.BaseTransport | None]:
    """httpx ``mounts`` that send requests where the proxy variables say: a :class:`DeadlineTransport`
    through the proxy for each of ``http://``, ``https://`` and ``all://`` that has one, and None (the
    client's own, direct transport) for each ``NO_PROXY`` host. ``proxies`` is what
    ``urllib.request.getproxies()`` reads (the default); httpx matches the most specific pattern first."""
    proxies = urllib.request.getproxies() if proxies is None else proxies
    mounts: dict[str, httpx.BaseTransport | None] = {}
    for scheme in ("all", "http", "https"):
        proxy = proxies.get(scheme, "").strip()
        if proxy:
            proxy = proxy if "://" in proxy else f"http://{proxy}"  # curl's reading of a bare host:port
            mounts[f"{scheme}://"] = DeadlineTransport(limits, proxy=proxy)
    for entry in proxies.get("no", "").split(","):
        if entry.strip() == "*":  # no proxy for anything
            for transport in mounts.values():
                if transport is not None:
                    transport.close()
            return {}
        pattern = _bypass_pattern(entry)
        if mounts and pattern is not None:
            mounts[pattern] = None
    return mounts


def _bypass_pattern(entry: str) -> str | None:
    """The httpx pattern for a ``NO_PROXY`` entry: an IP address as itself, a name as that domain and every
    name under it (``arxiv.org`` and ``.arxiv.org`` both cover ``export.arxiv.org``, as curl reads them).
    A CIDR range is not supported (urllib does not read one either), and is skipped."""
    host = entry.strip().lstrip(".")
    if not host or "/" in host:
        return None
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return f"all://*{host}"
    return f"all://[{address}]" if address.version == 6 else f"all://{address}"
