"""The transport under :class:`arxiv_digest.http.PoliteClient`: httpx's own, over sockets whose every
operation ends by the deadline of the request being made.

httpx's timeouts bound each wait for data, so a server sending a byte a second (headers included) resets
them forever; only a deadline over the whole request ends it (issue #7). It lives at the socket: each read,
write, connect and TLS handshake gets the smaller of its own timeout and the time left, and one that runs
out raises :class:`~arxiv_digest.errors.DeadlineExceeded`. Outside :func:`request_deadline` nothing is
bounded beyond httpx's timeouts.
"""

from __future__ import annotations

import ssl
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TypeVar

import httpcore
import httpx

from . import PROJECT_URL, __version__
from .errors import DeadlineExceeded

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

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        connect = self._inner.connect_unix_socket
        return _Stream(_within_deadline(lambda t: connect(path, t, socket_options), timeout))

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


class DeadlineTransport(httpx.HTTPTransport):
    """httpx's HTTP transport over :class:`_Backend`. httpx takes no network backend argument, so the
    connection pool it builds is replaced by the same pool over ours: ``_pool`` is the one private name
    touched, and the header-trickle tests (test_http.py) fail if an httpx release stops using it. As with
    any transport handed to httpx, the proxy variables (``HTTPS_PROXY``) are not consulted."""

    def __init__(self, limits: httpx.Limits) -> None:
        super().__init__(limits=limits)
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=_Backend(),
        )
