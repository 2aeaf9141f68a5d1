"""A fake OpenAI-compatible chat-completions API on 127.0.0.1, with the real shapes and scriptable faults.

``POST <base>/chat/completions`` (base ``http://127.0.0.1:<port>/v1``) answers as OpenAI does: ``id``,
``object: chat.completion``, ``created``, ``model``, ``choices[0].message.{role, content, refusal}``,
``finish_reason``, ``usage.{prompt_tokens, completion_tokens, total_tokens}`` with OpenAI's detail
objects (or, with ``shape="ollama"``, the leaner body Ollama's compatibility layer sends). Errors are
OpenAI's JSON bodies: 401 ``invalid_api_key`` quoting the key masked as OpenAI does, 404
``model_not_found``, 429 ``rate_limit_exceeded`` with ``Retry-After``, 500 ``server_error``.

The fake model answers every request itself: it reads the language from the system message and the
title from the user message and writes two sentences in that language. Its usage counts are realistic
for a BPE tokenizer: a token per 4 ASCII characters, one per other character, 4 per message and 3 for
the reply, and it honours ``max_tokens`` (a longer answer is cut, ``finish_reason: length``).

Faults are :class:`Reply` values, queued for the next requests (:meth:`FakeChat.queue`) or for the
requests about one paper (:meth:`FakeChat.script`, by a string of its title: the order of concurrent
requests is not fixed). Every request is recorded (headers, JSON body, arrival), and the fake counts the
requests in flight at once.
"""

from __future__ import annotations

import json
import math
import re
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

#: The fake model's answers: what it does, what it finds. Two sentences each, as the prompt asks.
ANSWERS = {
    "English": "This paper presents {title}, a method that is evaluated on the benchmarks of its field. "
    "It finds that the approach improves on the baselines it is compared with.",
    "German": "Die Arbeit stellt {title} vor, ein Verfahren, das auf den üblichen Benchmarks geprüft wird. "
    "Sie zeigt, dass der Ansatz die verglichenen Verfahren übertrifft.",
    "French": "L'article présente {title}, une méthode évaluée sur les bancs d'essai du domaine. "
    "Il montre que cette approche dépasse les méthodes de référence avec lesquelles elle est comparée.",
    "Spanish": "El artículo presenta {title}, un método que se evalúa en los bancos de prueba del campo. "
    "Muestra que el enfoque supera a los métodos con los que se compara.",
    "Portuguese": "O artigo apresenta {title}, um método avaliado nos conjuntos de teste da área. "
    "Mostra que a abordagem supera os métodos com os quais é comparada.",
    "Italian": "L'articolo presenta {title}, un metodo valutato sui banchi di prova del settore. "
    "Mostra che questo approccio supera i metodi con cui è confrontato.",
    "Dutch": "Het artikel presenteert {title}, een methode die op de gangbare benchmarks wordt getest. "
    "Het laat zien dat deze aanpak beter is dan de methoden waarmee hij wordt vergeleken.",
    "Chinese": "本文提出了{title}，并在该领域的常用基准上进行了评估。结果表明，该方法优于所比较的基线方法。",
    "Japanese": "本論文は{title}を提案し、この分野の標準的なベンチマークで評価している。"
    "その結果、この手法は比較対象の手法を上回ることが示された。",
    "Korean": "이 논문은 {title} 방법을 제안하고 해당 분야의 표준 벤치마크에서 평가한다. "
    "그 결과 이 방법이 비교 대상 방법보다 우수함을 보인다.",
    "Russian": "В статье представлен метод {title}, который оценивается на стандартных тестах этой области. "
    "Показано, что подход превосходит методы, с которыми его сравнивают.",
    "Ukrainian": "У статті представлено метод {title}, який оцінюється на стандартних тестах цієї галузі. "
    "Показано, що підхід перевершує методи, з якими його порівнюють.",
    "Arabic": "تقدم هذه الورقة طريقة {title} وتقيّمها على المعايير المعتادة في هذا المجال. "
    "وتبيّن النتائج أن هذا النهج يتفوق على الطرق التي يقارن بها.",
    "Hindi": "यह शोधपत्र {title} नामक विधि प्रस्तुत करता है और इसे इस क्षेत्र के मानक परीक्षणों पर जाँचता है। "
    "परिणाम दिखाते हैं कि यह तरीका तुलना की गई विधियों से बेहतर है।",
}

_LANGUAGE = re.compile(r"Write one or two sentences in ([A-Za-z]+)")
_TITLE = re.compile(r"<title>(.*?)</title>", re.DOTALL)


def count_tokens(text: str) -> int:
    """The fake's tokenizer: 4 ASCII characters a token, every other character one."""
    ascii_chars = sum(1 for ch in text if ch < "\x80")
    return math.ceil(ascii_chars / 4) + (len(text) - ascii_chars)


@dataclass
class Reply:
    """One scripted answer; fields left at their defaults mean "as the fake model would"."""

    status: int = 200
    content: str | None = None  # the answer's text instead of the model's own
    null_content: bool = False  # "content": null (as with a refusal)
    refusal: str | None = None  # message.refusal, as OpenAI's structured refusal
    finish_reason: str | None = None
    error: dict[str, Any] | None = None  # the "error" object of an error body
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None  # the whole body, as is (malformed JSON)
    delay_seconds: float = 0.0  # before the status line
    usage: bool = True  # include "usage"


def rate_limited(retry_after: str | None = "1", *, ms: str | None = None) -> Reply:
    headers = {"retry-after": retry_after} if retry_after is not None else {}
    if ms is not None:
        headers["retry-after-ms"] = ms
    return Reply(
        429,
        headers=headers,
        error={
            "message": "Rate limit reached for gpt-4o-mini in organization org-fake on requests per min "
            "(RPM): Limit 3, Used 3, Requested 1. Please try again in 1s.",
            "type": "requests",
            "param": None,
            "code": "rate_limit_exceeded",
        },
    )


def server_error(status: int = 500) -> Reply:
    message = {
        500: "The server had an error while processing your request. Sorry about that!",
        502: "Bad gateway.",
        503: "The engine is currently overloaded, please try again later.",
    }.get(status, "Internal error")
    return Reply(status, error={"message": message, "type": "server_error", "param": None, "code": None})


@dataclass(frozen=True)
class Request:
    path: str
    headers: dict[str, str]  # lower-case names
    raw: bytes
    body: Any  # the decoded JSON
    at: float

    @property
    def user_text(self) -> str:
        return str(self.body["messages"][-1]["content"])


class FakeChat:
    """Use as a context manager. ``url`` is the base URL to configure (``…/v1``); ``key`` the key it
    accepts (None: any, or none, as a local server); ``models`` the models it serves (None: any)."""

    def __init__(
        self, *, key: str | None = None, models: set[str] | None = None, shape: str = "openai"
    ) -> None:
        self.key = key
        self.models = models
        self.shape = shape
        self.echo_key_whole = False  # a hostile server quoting the key it was sent, unmasked
        self.requests: list[Request] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self._queue: deque[Reply] = deque()
        self._scripts: list[tuple[str, deque[Reply]]] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._answers = 0

    # -- scenario ----------------------------------------------------------------------------------
    def queue(self, *replies: Reply) -> None:
        with self._lock:
            self._queue.extend(replies)

    def script(self, marker: str, *replies: Reply) -> None:
        """The next requests whose user message contains ``marker`` get ``replies``, in order."""
        with self._lock:
            self._scripts.append((marker, deque(replies)))

    def clear(self) -> None:
        """Forget every queued and scripted reply: the model answers as itself again."""
        with self._lock:
            self._queue.clear()
            self._scripts.clear()

    def usage_totals(self) -> dict[str, int]:
        """The tokens of every usage the fake reported."""
        return dict(self._totals)

    # -- server ------------------------------------------------------------------------------------
    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/v1"

    def __enter__(self) -> FakeChat:
        fake = self
        self._totals = {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0}

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                return

            def do_POST(self) -> None:
                fake._handle(self)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.shutdown()
        self._server.server_close()

    # -- answering ---------------------------------------------------------------------------------
    def _handle(self, h: BaseHTTPRequestHandler) -> None:
        raw = h.rfile.read(int(h.headers.get("content-length", "0")))
        try:
            body = json.loads(raw)
        except ValueError:
            body = None
        with self._lock:
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            request = Request(
                h.path, {k.lower(): v for k, v in h.headers.items()}, raw, body, time.monotonic()
            )
            self.requests.append(request)
            reply = self._next_reply(request)
        try:
            if reply.delay_seconds:
                time.sleep(reply.delay_seconds)
            status, headers, payload = self._answer(request, reply)
            h.send_response(status)
            for name, value in {"content-type": "application/json", **headers}.items():
                h.send_header(name, value)
            h.send_header("content-length", str(len(payload)))
            h.end_headers()
            h.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up waiting: its deadline
            pass
        finally:
            with self._lock:
                self.in_flight -= 1

    def _next_reply(self, request: Request) -> Reply:
        text = request.user_text if isinstance(request.body, dict) else ""
        for marker, replies in self._scripts:
            if replies and marker in text:
                return replies.popleft()
        return self._queue.popleft() if self._queue else Reply()

    def _error(
        self, status: int, error: dict[str, Any], headers: dict[str, str] | None = None
    ) -> tuple[int, dict[str, str], bytes]:
        return status, headers or {}, json.dumps({"error": error}).encode()

    def _answer(self, request: Request, reply: Reply) -> tuple[int, dict[str, str], bytes]:
        if reply.body is not None:
            return reply.status, reply.headers, reply.body
        sent_key = request.headers.get("authorization", "").removeprefix("Bearer ")
        if self.key is not None and sent_key != self.key:
            shown = sent_key if self.echo_key_whole else f"{sent_key[:8]}{'*' * 20}{sent_key[-4:]}"
            return self._error(
                401,
                {
                    "message": f"Incorrect API key provided: {shown}. You can find your API key at "
                    "https://platform.openai.com/account/api-keys.",
                    "type": "invalid_request_error",
                    "param": None,
                    "code": "invalid_api_key",
                },
            )
        body = request.body
        model = body.get("model") if isinstance(body, dict) else None
        if self.models is not None and model not in self.models:
            return self._error(
                404,
                {
                    "message": f"The model `{model}` does not exist or you do not have access to it.",
                    "type": "invalid_request_error",
                    "param": None,
                    "code": "model_not_found",
                },
            )
        if reply.error is not None:
            return self._error(reply.status, reply.error, reply.headers)
        return 200, reply.headers, json.dumps(self._completion(body, reply)).encode()

    def _completion(self, body: dict[str, Any], reply: Reply) -> dict[str, Any]:
        messages = body["messages"]
        system, user = messages[0]["content"], messages[-1]["content"]
        language = _LANGUAGE.search(system)
        title = _TITLE.search(user)
        content: str | None = reply.content
        if content is None and not reply.null_content and reply.refusal is None:
            template = ANSWERS[language.group(1) if language else "English"]
            content = template.format(title=title.group(1) if title else "the method")
        finish = reply.finish_reason or "stop"
        completion = count_tokens(content or reply.refusal or "")
        limit = body.get("max_tokens")
        if content and isinstance(limit, int) and completion > limit:
            content, completion, finish = content[: limit * 4], limit, "length"
        prompt = sum(count_tokens(m["content"]) + 4 for m in messages) + 3
        usage: dict[str, Any] = {
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "total_tokens": prompt + completion,
        }
        with self._lock:
            self._answers += 1
            number = self._answers
            if reply.usage:
                for name, value in usage.items():
                    self._totals[name] += value
        message: dict[str, Any] = {"role": "assistant", "content": content}
        answer: dict[str, Any] = {
            "id": f"chatcmpl-fake{number:06d}",
            "object": "chat.completion",
            "created": 1782820800 + number,
            "model": body.get("model"),
            "choices": [{"index": 0, "message": message, "finish_reason": finish}],
        }
        if self.shape == "openai":
            message.update(refusal=reply.refusal, annotations=[])
            answer["choices"][0]["logprobs"] = None
            answer.update(service_tier="default", system_fingerprint="fp_fake0001")
            usage["prompt_tokens_details"] = {"cached_tokens": 0, "audio_tokens": 0}
            usage["completion_tokens_details"] = {"reasoning_tokens": 0, "audio_tokens": 0}
        else:
            answer["system_fingerprint"] = "fp_ollama"
        if reply.usage:
            answer["usage"] = usage
        return answer
