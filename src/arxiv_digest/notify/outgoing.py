"""What notify is handed to send: a configured :class:`Channel`, and the :class:`Outgoing` message the job
rendered for it (``render/email.py``, ``render/chat.py``). Plain values: notify imports no renderer.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..config import Every, WebhookFormat


@dataclass(frozen=True, slots=True)
class Channel:
    """A configured channel: ``name`` as the day's record has it (``email``, ``webhook 1 (slack)``; never
    a URL, which is a secret), its ``topics:`` (None: all of them) and, for a webhook, its format."""

    name: str
    topics: tuple[str, ...] | None
    format: WebhookFormat | None = None  # None: the e-mail
    every: Every = Every.DAY  # sent each announcement day, or each closed ISO week (issue #10)


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One channel's message of the day, as rendered; sent as it is."""

    subject: str
    papers: int  # distinct papers it lists (recorded once sent)
    empty: bool  # no paper in the channel's topics: sent only with `send_empty`
    topics: tuple[str, ...] = ()  # the channel's topics by name (the e-mail's Message-ID)
    text: str = ""  # the e-mail's text/plain part
    html: str = ""  # the e-mail's text/html part
    payload: Mapping[str, Any] = field(default_factory=dict)  # a webhook's JSON body


#: The job's renderer: a channel's message. It raises SendFailed (not retryable) when it cannot render.
Compose = Callable[[Channel], Outgoing]
