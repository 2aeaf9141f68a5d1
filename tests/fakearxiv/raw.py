"""A TCP server on 127.0.0.1 for misbehaviour below HTTP: it reads each request's head and answers with
whatever bytes a script sends, at whatever pace (``http.server`` always writes a response's headers at
once, so it cannot trickle them).

``RawServer(trickle(b"HTTP/1.1 200 OK\\r\\n...", seconds_per_byte=1.0))`` sends those bytes one at a
time; with ``endless=True`` the last header line never ends. Every request head is recorded with its
arrival time (``time.monotonic()``), so a test can count the requests and check their spacing.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

#: A script: the connection and the server's stop event (set when the test ends; a script must end then).
Script = Callable[[socket.socket, threading.Event], None]


@dataclass(frozen=True)
class RawRequest:
    head: bytes  # the request line and headers, as sent
    at: float  # time.monotonic() when the head was complete

    @property
    def path(self) -> str:
        return self.head.split(b" ", 2)[1].decode("ascii", "replace")


def trickle(data: bytes, *, seconds_per_byte: float = 1.0, endless: bool = False) -> Script:
    """Send ``data`` a byte at a time, then (``endless``) one more byte of a header value forever."""

    def script(conn: socket.socket, stop: threading.Event) -> None:
        sent = 0
        while not stop.is_set() and (endless or sent < len(data)):
            conn.sendall(data[sent : sent + 1] if sent < len(data) else b"a")
            sent += 1
            stop.wait(seconds_per_byte)

    return script


class RawServer:
    """Use as a context manager; ``url`` is its base (``http://127.0.0.1:<port>``)."""

    def __init__(self, script: Script) -> None:
        self.script = script
        self.requests: list[RawRequest] = []
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._threads: list[threading.Thread] = []
        host, port = self._listener.getsockname()[:2]
        self.url = f"http://{host}:{port}"

    def __enter__(self) -> RawServer:
        thread = threading.Thread(target=self._accept, daemon=True)
        thread.start()
        self._threads.append(thread)
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._listener.close()
        for thread in self._threads:
            thread.join(5)

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except OSError:  # closed by __exit__
                return
            thread = threading.Thread(target=self._serve, args=(conn,), daemon=True)
            thread.start()
            self._threads.append(thread)

    def _serve(self, conn: socket.socket) -> None:
        with conn:
            try:
                head = b""
                conn.settimeout(5)
                while b"\r\n\r\n" not in head:
                    chunk = conn.recv(4096)
                    if not chunk:
                        return
                    head += chunk
                with self._lock:
                    self.requests.append(RawRequest(head.split(b"\r\n\r\n")[0], time.monotonic()))
                self.script(conn, self._stop)
            except OSError:  # the client hung up (its deadline passed): what the tests want
                return
