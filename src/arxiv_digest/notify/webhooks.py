"""Webhook delivery: a rendered JSON payload (``render/chat.py``: Slack, Discord or plain JSON) POSTed with
httpx (timeouts always on, no redirects followed).

A webhook URL carries its token. A failure's text (the server's answer, httpx's error) may repeat it:
``deliver`` cuts it out, in every form, before the text is shown or stored (``redact.py``).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

import httpx

from ..errors import SendFailed
from ..net.retry import retry_after_seconds
from ..net.transport import failure_reason, user_agent


# -- sending ----------------------------------------------------------------------------------------------
def make_client(timeout_seconds: float, transport: httpx.BaseTransport | None = None) -> httpx.Client:
    return httpx.Client(
        headers={"User-Agent": user_agent()},
        timeout=httpx.Timeout(timeout_seconds, connect=min(10.0, timeout_seconds)),
        follow_redirects=False,  # a redirect would carry the request (and its URL) somewhere unplanned
        transport=transport,
    )


def post(client: httpx.Client, url: str, payload: Mapping[str, Any]) -> None:
    """POST ``payload`` as JSON; any answer but 2xx, and any transport failure, raises SendFailed (with the
    server's ``Retry-After``, which delivery honours up to its cap)."""
    try:
        response = client.post(url, json=payload)
    except httpx.HTTPError as e:
        raise SendFailed(failure_reason(e)) from None
    if 200 <= response.status_code < 300:
        return
    # The whole body: deliver cuts the secrets out before it shortens the message, since a token cut
    # in two here would no longer be recognised there.
    body = response.text.strip()
    raise SendFailed(
        f"HTTP {response.status_code}" + (f": {body}" if body else ""),
        status=response.status_code,
        retry_after_seconds=retry_after_seconds(response.headers.get("retry-after"), time.time()),
    )
