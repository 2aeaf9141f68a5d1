"""Real receivers on 127.0.0.1 for delivery tests: an SMTP server (aiosmtpd) and a webhook endpoint.

``SmtpReceiver`` is aiosmtpd's own server in a thread, as a mail provider runs it: optionally STARTTLS or
implicit TLS with a certificate from a throwaway CA (``trustme``; the client is pointed at the CA through
``SSL_CERT_FILE``, which Python's default SSL context honours), optionally AUTH with one user. Every
message that arrives is kept, parsed with the standard ``email`` package.

``HookReceiver`` is an HTTP server that records every POST (path, headers, JSON body) and answers from a
script of statuses (then 200, or 204 like Discord).

Both can answer a failure with text of the test's choosing (``refusal``, ``error_body``), as servers that
echo what they were sent do: how the secrets tests make a password or a token come back.
"""

from __future__ import annotations

import email
import email.policy
import json
import re
import socket
import ssl
import textwrap
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from tests.conftest import INIT_TOPICS


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass(frozen=True)
class Arrived:
    mail_from: str
    rcpt_tos: tuple[str, ...]
    message: EmailMessage
    raw: bytes

    def part(self, subtype: str) -> str:
        body = self.message.get_body(preferencelist=(subtype,))
        assert body is not None, f"no text/{subtype} part"
        assert body.get_content_type() == f"text/{subtype}"
        return str(body.get_content()).replace("\r\n", "\n")  # type: ignore[attr-defined]


class _Handler:
    def __init__(self, receiver: SmtpReceiver) -> None:
        self.receiver = receiver

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        message = email.message_from_bytes(raw, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        self.receiver.messages.append(
            Arrived(str(envelope.mail_from), tuple(envelope.rcpt_tos), message, raw)
        )
        return "250 OK"


class SmtpReceiver:
    """``tls``: None (plain), "starttls" or "ssl". ``auth``: (user, password) required to send, or None.

    ``refusal(mechanism, user, password)``: the whole reply to a failed login (default: aiosmtpd's own
    ``535``); ``mechanisms``: the AUTH mechanisms offered (default: aiosmtpd's, LOGIN and PLAIN). Replies
    may then hold any character (the server speaks SMTPUTF8).
    """

    def __init__(
        self,
        tmp: Path,
        *,
        tls: str | None = None,
        auth: tuple[str, str] | None = None,
        refusal: Callable[[str, str, str], str] | None = None,
        mechanisms: tuple[str, ...] | None = None,
    ) -> None:
        self.messages: list[Arrived] = []
        self.logins: list[tuple[str, str]] = []
        self.port = free_port()
        self.ca_file = tmp / "ca.pem"
        ca = trustme.CA()
        ca.cert_pem.write_to_path(str(self.ca_file))
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)
        self._auth = auth
        self._refusal = refusal
        # SMTPUTF8 lets a refusal hold any character (aiosmtpd encodes replies as ASCII otherwise).
        kwargs: dict[str, Any] = {"hostname": "127.0.0.1", "port": self.port}
        kwargs["enable_SMTPUTF8"] = refusal is not None
        if mechanisms is not None:
            kwargs["auth_exclude_mechanism"] = [m for m in ("LOGIN", "PLAIN") if m not in mechanisms]
        if tls == "starttls":
            kwargs.update(tls_context=context, require_starttls=True)
        elif tls == "ssl":
            kwargs.update(ssl_context=context, auth_require_tls=False)  # aiosmtpd cannot see implicit TLS
        if auth is not None:
            kwargs.update(authenticator=self._authenticate, auth_required=True)
        self.controller = Controller(_Handler(self), **kwargs)

    def _authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        assert isinstance(data, LoginPassword)
        user, password = data.login.decode(), data.password.decode()
        self.logins.append((user, password))
        ok = (user, password) == self._auth
        if not ok and self._refusal is not None:
            return AuthResult(success=False, handled=False, message=self._refusal(mechanism, user, password))
        return AuthResult(success=ok, handled=False)  # not handled: the server answers 535 itself

    def __enter__(self) -> SmtpReceiver:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()


@dataclass(frozen=True)
class Hook:
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body)


class HookReceiver:
    """Records POSTs; answers each with the next scripted status (default ``ok_status``), and a failure
    with ``error_body(path)`` when given (the request's path and query; default "server error")."""

    def __init__(self, ok_status: int = 200, error_body: Callable[[str], str] | None = None) -> None:
        self.requests: list[Hook] = []
        self.statuses: deque[int] = deque()
        self.ok_status = ok_status
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                return

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                with receiver._lock:
                    receiver.requests.append(
                        Hook(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                    )
                    status = receiver.statuses.popleft() if receiver.statuses else receiver.ok_status
                if status == 204:
                    answer = b""
                elif status < 400:
                    answer = b"ok"
                else:
                    answer = (error_body(self.path) if error_body else "server error").encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", "text/plain; charset=utf-8")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def url(self, path: str) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}{path}"

    def answer(self, *statuses: int) -> None:
        with self._lock:
            self.statuses.extend(statuses)

    def to(self, path: str) -> list[Hook]:
        return [r for r in self.requests if r.path == path]

    def __enter__(self) -> HookReceiver:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


# -- the digest folder's side -----------------------------------------------------------------------------
DAY = "2026-06-30"
#: The topics of the config `arxiv-digest init` writes, in its order.
TOPICS = INIT_TOPICS
_ENTRY_ID = re.compile(r"^- \*\*\[.*?`arXiv:(?P<id>[^`]+)`", re.MULTILINE)


def add_config(digest: Path, text: str) -> None:
    """Append top-level YAML (a `notify:` section, `repo:` …) to the folder's config.yml."""
    path = digest / "config.yml"
    path.write_text(path.read_text(encoding="utf-8") + "\n" + textwrap.dedent(text), encoding="utf-8")


def topic_ids(digest: Path, day: str = DAY) -> dict[str, list[str]]:
    """Topic -> the arXiv ids its published page(s) list for ``day``, in page order."""
    out: dict[str, list[str]] = {}
    folder = digest / "archive" / day / "hot_topic"
    for topic in TOPICS:
        pages = [folder / f"{topic}.md", *sorted(folder.glob(f"{topic}-*.md"), key=_part_number)]
        out[topic] = [m.group("id") for page in pages for m in _ENTRY_ID.finditer(page.read_text("utf-8"))]
    return out


def _part_number(path: Path) -> int:
    return int(path.stem.rsplit("-", 1)[1])


def delivery_state(digest: Path, day: str = DAY) -> dict[str, Any]:
    return dict(json.loads((digest / "delivery" / f"{day}.json").read_text(encoding="utf-8"))["channels"])
