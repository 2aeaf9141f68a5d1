"""A Zotero library through Zotero's web API v3 (www.zotero.org/support/dev/web_api/v3/basics): its items
-> :class:`~arxiv_digest.models.LibraryItem` values, read only when the library changed.

- ``GET <api_url>/users/<user>/items/top`` (or ``/users/<user>/collections/<key>/items/top`` for each
  collection named), ``format=json``, ``limit=100``, paged with ``start`` until ``Total-Results`` (a
  ``Link: <…>; rel="next"`` says there is more); each item's ``data`` gives ``title``, ``abstractNote``,
  ``url``, ``DOI``, ``extra`` (an ``arXiv: 2401.01234`` line, as Zotero's arXiv translator writes) and
  ``dateAdded``. Notes and attachments are left out.
- ``Zotero-API-Version: 3``, and the key in the ``Zotero-API-Key`` header, never in a URL; the key comes
  from the environment only (config/_library.py) and no message here repeats it.
- ``If-Modified-Since-Version: <version last read>``: an unchanged library answers 304 after one request,
  and the copy kept in ``data/zotero.jsonl`` (``store/library.py``) is used. A library that changes while
  it is paged (a page's ``Last-Modified-Version`` differs from the first's) is read again from the start.
  A page holding no item not already read (a server ignoring ``start``), or more than :data:`MAX_PAGES`
  pages, ends the read with a :class:`FetchError` naming the address (the copy in ``data/`` is then used).
- 403 and 404 are configuration errors (exit 2) naming the address and what to check; 429 (with its
  ``Retry-After``), 5xx, timeouts and resets are tried again by the one retry rule (``net/retry.py``);
  a ``Backoff`` header (Zotero asks clients under load to wait) is honoured before the next request.

The transport is :class:`~arxiv_digest.net.transport.DeadlineTransport` (every request ends by its
deadline) through the environment's proxies, as the arXiv client's; tests point ``api_url`` at a loopback
fake (``ARXIV_DIGEST_ZOTERO_URL``).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from ..config import ArxivSettings, ZoteroSettings
from ..errors import AttemptFailed, ConfigError, FetchError, GaveUp
from ..models import LibraryItem
from ..net.retry import RetryPolicy, retry, retry_after_seconds
from ..net.transport import DeadlineTransport, failure_reason, proxy_mounts, request_deadline, user_agent
from .library import clean, entry_item, id_in, iso_day

PAGE_SIZE = 100  # Zotero's largest `limit`
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
MAX_BODY_BYTES = 20 * 1024 * 1024  # a page of 100 items is well under 1 MB
_SKIPPED_TYPES = frozenset({"note", "attachment", "annotation"})
#: A library changing while it is read is read again this many times, then taken as it came.
_RESTARTS = 2
#: Pages of one scope at most (200,000 items): a server that never stops linking a next page ends here.
MAX_PAGES = 2_000


@dataclass(frozen=True, slots=True)
class ZoteroRead:
    """One scope's answer: ``items`` by Zotero key (None: unchanged since ``version``, use the copy),
    the library ``version`` now, warnings for items left out, and the requests it took."""

    scope: str
    version: int
    items: Mapping[str, LibraryItem] | None
    warnings: tuple[str, ...] = ()
    requests: int = 0


def scopes(settings: ZoteroSettings) -> tuple[str, ...]:
    """The paths read: the whole library, or each collection named."""
    base = f"users/{settings.user}"
    if not settings.collections:
        return (base,)
    return tuple(f"{base}/collections/{key}" for key in settings.collections)


class ZoteroClient:
    """GETs to Zotero's web API with the key, version header, timeouts, deadline and retries."""

    def __init__(
        self,
        settings: ZoteroSettings,
        net: ArxivSettings,
        *,
        config_path: str | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.settings = settings
        self.net = net
        self.config_path = config_path
        self._sleep = sleep
        self._backoff_until = 0.0
        headers = {"User-Agent": user_agent(net.contact), "Zotero-API-Version": "3"}
        if settings.key:
            headers["Zotero-API-Key"] = settings.key
        limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
        self._client = httpx.Client(
            headers=headers,
            timeout=httpx.Timeout(net.timeout_seconds, connect=min(30.0, net.timeout_seconds)),
            limits=limits,
            follow_redirects=False,
            transport=DeadlineTransport(limits),
            mounts=proxy_mounts(limits),
        )

    def __enter__(self) -> ZoteroClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self._client.close()

    def read(self, scope: str, known_version: int | None) -> ZoteroRead:
        """Every item of ``scope``, or ``items=None`` when it has not changed since ``known_version``."""
        requests = 0
        for _ in range(_RESTARTS + 1):
            items: dict[str, LibraryItem] = {}
            warnings: list[str] = []
            start, version, seen = 0, None, set[str]()
            for page in range(MAX_PAGES + 1):
                if page == MAX_PAGES:
                    raise FetchError(
                        self._url(scope), f"Zotero kept sending pages past {MAX_PAGES * PAGE_SIZE:,} items"
                    )
                response = self._get(scope, start, known_version if start == 0 else None)
                requests += 1
                if response.status_code == 304:
                    assert known_version is not None
                    return ZoteroRead(scope, known_version, None, requests=requests)
                page_version = _int_header(response, "last-modified-version")
                if version is None:
                    version = page_version
                elif page_version != version:
                    break  # changed while being read: start again
                entries = self._page(response)
                keys = {k for e in entries if isinstance(e, dict) and isinstance(k := e.get("key"), str)}
                if entries and keys <= seen:
                    why = "the same items again" if keys else f"{len(entries)} entries, none of them an item"
                    raise FetchError(
                        str(response.request.url), f"Zotero sent {why} (start={start}); stopping there"
                    )
                seen |= keys
                for entry in entries:
                    _add(entry, items, warnings)
                start += len(entries)
                # More while Zotero links a next page or counts more results (either is enough).
                more = _next_start(response) is not None or start < _int_header(response, "total-results")
                if not entries or not more:
                    return ZoteroRead(scope, version or 0, items, tuple(warnings), requests)
        warnings.append(f"Zotero library {scope} kept changing while it was read; some items may be missing")
        return ZoteroRead(scope, version or 0, items, tuple(warnings), requests)

    # -- one request -------------------------------------------------------------------------
    def _url(self, scope: str) -> str:
        return f"{self.settings.api_url.rstrip('/')}/{scope}/items/top"

    def _get(self, scope: str, start: int, known_version: int | None) -> httpx.Response:
        url = self._url(scope)
        params = {"format": "json", "limit": str(PAGE_SIZE), "start": str(start)}
        shown = str(httpx.URL(url, params=params))
        headers = {"If-Modified-Since-Version": str(known_version)} if known_version is not None else {}
        policy = RetryPolicy(
            attempts=self.net.max_retries + 1,
            first_wait_seconds=2.0,
            max_wait_seconds=self.net.max_retry_after_seconds,
            max_wait_name=f"max_retry_after_seconds={self.net.max_retry_after_seconds:.0f}",
            server="Zotero",
        )
        try:
            return retry(lambda: self._attempt(url, params, headers), policy, what=shown, sleep=self._sleep)
        except GaveUp as e:
            raise FetchError(shown, self._scrub(str(e)), status=e.last.status) from e

    def _attempt(self, url: str, params: dict[str, str], headers: dict[str, str]) -> httpx.Response:
        wait = self._backoff_until - time.monotonic()
        if wait > 0:
            self._sleep(wait)
        try:
            with request_deadline(self.net.timeout_seconds * 5):
                response = self._client.get(url, params=params, headers=headers)
        except (httpx.TransportError, httpx.DecodingError) as e:
            raise AttemptFailed(self._scrub(failure_reason(e))) from e
        backoff = retry_after_seconds(response.headers.get("backoff"), time.time())
        if backoff:
            self._backoff_until = time.monotonic() + min(backoff, self.net.max_retry_after_seconds)
        status = response.status_code
        if status in (200, 304):
            return response
        shown = str(response.request.url)
        if status in (401, 403):
            raise self._config_error(
                f"Zotero refused access to {shown} (HTTP {status})",
                "the key is wrong, revoked, or lacks read access to this library: create one at "
                'zotero.org/settings/keys with "Allow library access", and set it in '
                f"{self.settings.key_variable or 'ZOTERO_API_KEY'}"
                if self.settings.key
                else "this library is not public: set `key:` to an API key (zotero.org/settings/keys)",
            )
        if status == 404:
            raise self._config_error(
                f"Zotero has no such library or collection: {shown} (HTTP 404)",
                '`user:` is your numeric user ID (zotero.org/settings/keys: "Your userID for use in API '
                'calls"), not your user name; a collection key is the last part of its address',
            )
        if status in RETRY_STATUSES:
            raise AttemptFailed(
                f"HTTP {status}",
                status=status,
                retry_after_seconds=retry_after_seconds(response.headers.get("retry-after"), time.time()),
            )
        raise FetchError(shown, f"unexpected HTTP status {status} from Zotero", status=status)

    def _page(self, response: httpx.Response) -> list[Any]:
        shown = str(response.request.url)
        if len(response.content) > MAX_BODY_BYTES:
            raise FetchError(shown, f"a page of Zotero items over {MAX_BODY_BYTES:,} bytes; refusing it")
        try:
            entries = json.loads(response.content)
        except (ValueError, RecursionError) as e:  # (RecursionError: arrays nested thousands deep)
            raise FetchError(shown, f"Zotero did not answer with JSON: {e}") from e
        if not isinstance(entries, list):
            raise FetchError(shown, "Zotero did not answer with a list of items")
        return entries

    def _config_error(self, message: str, hint: str) -> ConfigError:
        return ConfigError(self._scrub(message), path=self.config_path, key="library.zotero", hint=hint)

    def _scrub(self, text: str) -> str:
        key = self.settings.key
        return text.replace(key, "<Zotero key>") if key and len(key) >= 4 else text


def _int_header(response: httpx.Response, name: str) -> int:
    value = response.headers.get(name, "").strip()
    return int(value) if value.isdigit() else 0


def _next_start(response: httpx.Response) -> int | None:
    """The ``start`` of the ``rel="next"`` link, if Zotero sent one (it does while pages remain)."""
    for part in response.headers.get("link", "").split(","):
        if 'rel="next"' in part and "<" in part and ">" in part:
            target = part[part.index("<") + 1 : part.index(">")]
            starts = parse_qs(urlsplit(target).query).get("start", ["0"])
            return int(starts[0]) if starts[0].isdigit() else 0
    return None


def _add(entry: Any, items: dict[str, LibraryItem], warnings: list[str]) -> None:
    data = entry.get("data") if isinstance(entry, dict) else None
    key = entry.get("key") if isinstance(entry, dict) else None
    if not isinstance(data, dict) or not isinstance(key, str):
        warnings.append("Zotero sent an item without `key` or `data`; skipped")
        return
    if data.get("itemType") in _SKIPPED_TYPES:
        return

    def text(name: str) -> str:
        value = data.get(name)
        return clean(value) if isinstance(value, str) else ""

    arxiv_id = next(
        (found for name in ("extra", "url", "DOI", "archiveID", "number") if (found := id_in(text(name)))),
        None,
    )
    item = entry_item(text("title"), text("abstractNote"), arxiv_id, iso_day(text("dateAdded")))
    if item is None:
        warnings.append(f"Zotero item {key} has no title, abstract or arXiv id; skipped")
    else:
        items[key] = item
