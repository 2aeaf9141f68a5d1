"""One request to an OpenAI-compatible chat-completions API (OpenAI, DeepSeek, Ollama, vLLM…), as one try.

``POST {endpoint}/chat/completions`` with ``model``, ``messages`` and ``max_tokens``; the answer's
``choices[0].message.content``, ``finish_reason``, ``message.refusal`` and ``usage`` are what we read.
Through httpx on the project's own transport (``http_transport.DeadlineTransport``): ``timeout_seconds``
bounds the whole request, connection to last byte, however slowly a server drips; the proxy variables
are honoured as for every other request of ours.

A try that may mend raises :class:`~arxiv_digest.errors.AttemptFailed` (``retry.retry`` decides about
another): a timeout, a reset, a 408/409/429/5xx (with its ``Retry-After`` or OpenAI's ``retry-after-ms``),
a body that is not JSON. Statuses no retry can mend (400, 401, 403, 404, …) are AttemptFailed with
``retryable=False``. Any other answer is returned, even a useless one: judging it is the caller's.

The key is sent only in the ``Authorization`` header. Nothing here logs or words a header, and a server's
error text, which may echo the key (OpenAI's 401 quotes it, masked), is redacted before it is kept.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from ..errors import AttemptFailed
from ..net.retry import retry_after_seconds
from ..net.transport import DeadlineTransport, failure_reason, proxy_mounts, request_deadline, user_agent
from .prompt import Message, printable_line
from .settings import SummarySettings

log = logging.getLogger(__name__)

#: A chat completion of a few sentences is a few KB; anything past this is not one.
MAX_BODY_BYTES = 1_000_000
RETRY_STATUSES = frozenset({408, 409, 429, 500, 502, 503, 504})
#: What looks like an API key in a server's words (OpenAI's ``sk-…``, masked or not): never kept.
_KEYLIKE = re.compile(r"\b(?:sk|pk|rk|key|api)[-_][A-Za-z0-9*_\-]{6,}", re.IGNORECASE)
SERVER_TEXT_CHARS = 200


@dataclass(frozen=True, slots=True)
class Usage:
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int


@dataclass(frozen=True, slots=True)
class Answer:
    """What a 200 response said. ``content`` is the raw text (None when the model gave none)."""

    content: str | None
    finish_reason: str | None
    refusal: str | None
    usage: Usage | None  # None: the server reported no (or no readable) usage
    malformed: str | None = None  # why the body is not a chat completion, when it is not


def redact(text: str, secrets: Iterable[str]) -> str:
    """A server's words, fit to keep: each secret (and anything key-like) replaced by ``<key>``, one
    printable line of at most ``SERVER_TEXT_CHARS``."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "<key>")
    text = _KEYLIKE.sub("<key>", printable_line(text))
    return text if len(text) <= SERVER_TEXT_CHARS else text[: SERVER_TEXT_CHARS - 1] + "…"


def _usage(raw: object) -> Usage | None:
    if not isinstance(raw, dict):
        return None
    numbers = [raw.get(k) for k in ("prompt_tokens", "completion_tokens", "total_tokens")]
    if not all(type(n) is int and n >= 0 for n in numbers[:2]):
        return None
    prompt, completion = numbers[0], numbers[1]
    assert isinstance(prompt, int) and isinstance(completion, int)
    total = (
        numbers[2] if type(numbers[2]) is int and numbers[2] >= prompt + completion else prompt + completion
    )
    assert isinstance(total, int)
    return Usage(prompt, completion, total)


def parse_answer(body: Any) -> Answer:
    """A decoded 200 body as an :class:`Answer`; a body that is no chat completion has ``malformed``."""
    usage = _usage(body.get("usage")) if isinstance(body, dict) else None
    choices = body.get("choices") if isinstance(body, dict) else None
    if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
        return Answer(None, None, None, usage, malformed="no choices[0] in the answer")
    choice = choices[0]
    message = choice.get("message")
    if not isinstance(message, dict):
        return Answer(None, None, None, usage, malformed="no choices[0].message in the answer")
    content, finish, refusal = message.get("content"), choice.get("finish_reason"), message.get("refusal")
    if content is not None and not isinstance(content, str):
        return Answer(None, None, None, usage, malformed="choices[0].message.content is not text")
    return Answer(
        content,
        finish if isinstance(finish, str) else None,
        refusal if isinstance(refusal, str) and refusal.strip() else None,
        usage,
    )


def _error_text(content: bytes) -> str:
    """The ``error.message`` of an OpenAI-style error body, else the start of the body."""
    try:
        body = json.loads(content)
    except (ValueError, RecursionError):  # (RecursionError: arrays nested thousands deep)
        return content[:SERVER_TEXT_CHARS].decode("utf-8", "replace")
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict) and isinstance(error.get("message"), str):
        return str(error["message"])
    if isinstance(error, str):  # some compatible servers (Ollama) send {"error": "..."}
        return error
    return content[:SERVER_TEXT_CHARS].decode("utf-8", "replace")


def _retry_after(headers: Mapping[str, str]) -> float | None:
    """OpenAI's ``retry-after-ms`` (milliseconds, a decimal) first, then ``Retry-After``."""
    ms = headers.get("retry-after-ms", "").strip()
    try:
        if ms and float(ms) >= 0:
            return float(ms) / 1000
    except ValueError:
        pass
    return retry_after_seconds(headers.get("retry-after"), time.time())


class ChatClient:
    """A chat-completions client for one endpoint. ``key`` is the API key or None (a local server).
    Thread-safe (httpx's client is), with up to ``concurrency`` connections. Use as a context manager."""

    def __init__(
        self, settings: SummarySettings, key: str | None, *, transport: httpx.BaseTransport | None = None
    ) -> None:
        self.settings = settings
        self.url = settings.endpoint.rstrip("/") + "/chat/completions"
        self._requests = 0
        self._count_lock = threading.Lock()
        self._key = key
        headers = {"User-Agent": user_agent(), "Accept-Encoding": "identity", "Accept": "application/json"}
        if key is not None:
            headers["Authorization"] = f"Bearer {key}"
        limits = httpx.Limits(
            max_connections=settings.concurrency, max_keepalive_connections=settings.concurrency
        )
        self._client = httpx.Client(
            headers=headers,
            timeout=httpx.Timeout(settings.timeout_seconds),
            limits=limits,
            follow_redirects=False,  # a redirect would carry the key elsewhere
            transport=transport or DeadlineTransport(limits),
            mounts=proxy_mounts(limits) if transport is None else None,
        )

    @property
    def requests_made(self) -> int:
        """HTTP requests sent so far, retries included."""
        with self._count_lock:
            return self._requests

    def __repr__(self) -> str:  # never the key
        return f"ChatClient({self.url!r}, model={self.settings.model!r})"

    def __enter__(self) -> ChatClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self._client.close()

    def redact(self, text: str) -> str:
        """A server's words with the key, and anything key-like, replaced by ``<key>``."""
        return redact(text, [self._key] if self._key else [])

    def scrub(self, text: str) -> str:
        """A model's answer with the key replaced by ``<key>``: an endpoint (or a proxy) that put the
        Authorization header into its answer must not get it committed with the summaries."""
        return text.replace(self._key, "<key>") if self._key else text

    def complete(self, messages: tuple[Message, ...], *, what: str) -> Answer:
        """One try: the answer to ``messages``; AttemptFailed when there is none (see the module)."""
        body = {
            "model": self.settings.model,
            "messages": [m.to_json() for m in messages],
            "max_tokens": self.settings.max_output_tokens,
            "stream": False,
        }
        started = time.monotonic()
        with self._count_lock:
            self._requests += 1
        try:
            with (
                request_deadline(self.settings.timeout_seconds),
                self._client.stream("POST", self.url, json=body) as r,
            ):
                status, headers = r.status_code, r.headers
                content = _read_capped(r)
        except httpx.HTTPError as e:
            raise AttemptFailed(self.redact(failure_reason(e))) from e
        seconds = time.monotonic() - started
        if status != 200:
            reason = f"HTTP {status}: {self.redact(_error_text(content))}"
            log.warning("%s: %s after %.1f s", what, reason, seconds)
            raise AttemptFailed(
                reason,
                status=status,
                retryable=status in RETRY_STATUSES,
                retry_after_seconds=_retry_after(headers),
            )
        try:
            answer = parse_answer(json.loads(content))
        except (ValueError, RecursionError) as e:  # cut short (or nested too deep): another try may mend it
            raise AttemptFailed(f"the answer is not JSON ({e})", status=status) from e
        u = answer.usage
        log.info(
            "%s: %s answered in %.1f s (finish_reason %s), %s",
            what,
            self.settings.model,
            seconds,
            answer.finish_reason,
            f"{u.prompt_tokens} prompt + {u.completion_tokens} completion = {u.total_tokens} tokens"
            if u
            else "no token usage reported",
        )
        return answer


def _read_capped(r: httpx.Response) -> bytes:
    chunks, size = [], 0
    for chunk in r.iter_bytes():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise AttemptFailed(
                f"the answer is over {MAX_BODY_BYTES:,} bytes; not a chat completion", retryable=False
            )
        chunks.append(chunk)
    return b"".join(chunks)
