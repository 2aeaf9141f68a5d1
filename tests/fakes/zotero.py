"""A fake Zotero web API v3 on 127.0.0.1, with the real response shapes
(www.zotero.org/support/dev/web_api/v3/basics).

``GET /users/<id>/items`` and ``/items/top`` (top: no child notes or attachments), and the same under
``/users/<id>/collections/<key>/``, answer as Zotero does:

- a JSON array of ``{key, version, library: {type, id, name, links}, links: {self, alternate}, meta:
  {creatorSummary, parsedDate, numChildren}, data: {key, version, itemType, title, creators,
  abstractNote, url, DOI, extra, dateAdded, dateModified, tags, collections, relations, ...}}``;
- headers ``Zotero-API-Version: 3``, ``Total-Results``, ``Last-Modified-Version`` (the library's version)
  and ``Link`` with ``rel="next"``/``rel="last"`` while pages remain, and ``rel="alternate"``;
- ``limit`` (at most 100; default 25) and ``start`` paging, sorted by ``dateModified`` as Zotero's default;
- ``If-Modified-Since-Version: N``: ``304 Not Modified`` (empty body) when the library's version is not
  above N;
- ``Zotero-API-Key``: a wrong or missing key for a private library is ``403 Forbidden`` (text body
  "Forbidden"); an unknown user or collection ``404 Not found``;
- scripted faults (:meth:`FakeZotero.queue`): ``429`` with ``Retry-After``, ``503``, a ``Backoff`` header.

Every request is recorded with its path, query and headers, so tests can check what was sent (and that
the key never appears in a URL).
"""

from __future__ import annotations

import json
import threading
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit


@dataclass
class Reply:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Request:
    path: str
    query: dict[str, str]
    headers: dict[str, str]


class FakeZotero:
    """A user's library: ``add`` items (each bumps the library version, as an edit in Zotero does)."""

    def __init__(
        self, user: int = 1234567, *, key: str | None = "k3y-Zotero-0123456789", name: str = "reader"
    ):
        self.user = user
        self.key = key  # None: a public library
        self.name = name
        self.version = 0
        self.items: list[dict[str, Any]] = []
        self.collections: set[str] = set()
        self.faults: deque[Reply] = deque()
        self.requests: list[Request] = []
        self.on_request: Any = None  # called with each request before it is answered (to edit mid-paging)
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    # -- the library -------------------------------------------------------------------------
    def add(
        self,
        title: str,
        *,
        abstract: str = "",
        url: str = "",
        doi: str = "",
        extra: str = "",
        added: str = "2026-05-02T10:11:12Z",
        item_type: str = "journalArticle",
        collections: tuple[str, ...] = (),
        parent: str | None = None,
    ) -> str:
        with self._lock:
            self.version += 1
            key = _key(len(self.items))
            self.collections.update(collections)
            data: dict[str, Any] = {
                "key": key,
                "version": self.version,
                "itemType": item_type,
                "title": title,
                "creators": [{"creatorType": "author", "firstName": "Ada", "lastName": "Lovelace"}],
                "abstractNote": abstract,
                "publicationTitle": "",
                "date": "2024",
                "url": url,
                "accessDate": "",
                "extra": extra,
                "dateAdded": added,
                "dateModified": added,
                "tags": [],
                "collections": list(collections),
                "relations": {},
            }
            if doi:
                data["DOI"] = doi
            if parent:
                data = {
                    "key": key,
                    "version": self.version,
                    "itemType": item_type,
                    "parentItem": parent,
                    "note": title,
                    "dateAdded": added,
                    "dateModified": added,
                    "tags": [],
                    "relations": {},
                }
            self.items.append(data)
            return key

    def queue(self, *replies: Reply) -> None:
        with self._lock:
            self.faults.extend(replies)

    # -- the server --------------------------------------------------------------------------
    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> FakeZotero:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                status, body, headers = fake.answer(
                    self.path, {k.lower(): v for k, v in self.headers.items()}
                )
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.shutdown()
        self._server.server_close()

    def answer(self, target: str, headers: dict[str, str]) -> tuple[int, bytes, dict[str, str]]:
        parts = urlsplit(target)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        self.requests.append(Request(parts.path, query, headers))
        if self.on_request is not None:
            self.on_request(len(self.requests))
        base = {"Zotero-API-Version": "3", "Zotero-Schema-Version": "29"}
        with self._lock:
            if self.faults:
                fault = self.faults.popleft()
                return fault.status, fault.body, base | fault.headers
            return self._answer(parts.path, query, headers, base)

    def _answer(
        self, path: str, query: dict[str, str], headers: dict[str, str], base: dict[str, str]
    ) -> tuple[int, bytes, dict[str, str]]:
        text = base | {"Content-Type": "text/plain"}
        segments = path.strip("/").split("/")
        if len(segments) < 3 or segments[0] != "users" or not segments[1].isdigit():
            return 404, b"Not found", text
        if int(segments[1]) != self.user:
            return (403, b"Forbidden", text) if self.key else (404, b"Not found", text)
        if self.key is not None and headers.get("zotero-api-key") != self.key:
            return 403, b"Forbidden", text
        rest = segments[2:]
        collection = None
        if rest[:1] == ["collections"] and len(rest) >= 3:
            collection, rest = rest[1], rest[2:]
            if collection not in self.collections:
                return 404, b"Collection not found", text
        if rest not in (["items"], ["items", "top"]):
            return 404, b"Not found", text
        version = {"Last-Modified-Version": str(self.version)}
        since = headers.get("if-modified-since-version")
        if since is not None and since.isdigit() and self.version <= int(since):
            return 304, b"", base | version
        chosen = [
            i
            for i in self.items
            if (collection is None or collection in i.get("collections", []))
            and not (rest == ["items", "top"] and "parentItem" in i)
        ]
        chosen.sort(key=lambda i: (i["dateModified"], i["key"]), reverse=True)
        limit = min(int(query.get("limit", "25")), 100)
        start = int(query.get("start", "0"))
        page = chosen[start : start + limit]
        out = base | version | {"Content-Type": "application/json", "Total-Results": str(len(chosen))}
        out["Link"] = self._links(path, query, start, limit, len(chosen))
        return 200, json.dumps([self._object(i) for i in page], indent=2).encode(), out

    def _links(self, path: str, query: dict[str, str], start: int, limit: int, total: int) -> str:
        def at(s: int) -> str:
            return f"<https://api.zotero.org{path}?{urlencode(query | {'start': str(s)})}>"

        links = []
        if start + limit < total:
            links.append(f'{at(start + limit)}; rel="next"')
            links.append(f'{at((total - 1) // limit * limit)}; rel="last"')
        links.append(f'<https://www.zotero.org/{self.name}/items>; rel="alternate"')
        return ", ".join(links)

    def _object(self, data: dict[str, Any]) -> dict[str, Any]:
        key = data["key"]
        return {
            "key": key,
            "version": data["version"],
            "library": {
                "type": "user",
                "id": self.user,
                "name": self.name,
                "links": {"alternate": {"href": f"https://www.zotero.org/{self.name}", "type": "text/html"}},
            },
            "links": {
                "self": {
                    "href": f"https://api.zotero.org/users/{self.user}/items/{key}",
                    "type": "application/json",
                },
                "alternate": {"href": f"https://www.zotero.org/{self.name}/items/{key}", "type": "text/html"},
            },
            "meta": {"creatorSummary": "Lovelace", "parsedDate": "2024", "numChildren": 0},
            "data": data,
        }


def _key(n: int) -> str:
    """Zotero's item keys: 8 characters of 23456789ABCDEFGHIJKLMNPQRSTUVWXYZ."""
    alphabet = "23456789ABCDEFGHIJKLMNPQRSTUVWXYZ"
    out = ""
    n += 5_000_000
    for _ in range(8):
        n, r = divmod(n, len(alphabet))
        out = alphabet[r] + out
    return out
