"""Delivery (issue #6): each day's messages sent to their readers once the pages are written, by e-mail
(``email.py``: SMTP) and webhooks for Slack, Discord or any JSON receiver (``webhooks.py``: HTTP POST).
``deliver.py`` runs the channels for a day, retries them, and records in ``delivery/<day>.json`` which ones
were served, so a rerun of the day retries only those that failed. Sending only: the messages come
rendered (``outgoing.py``'s values, made by the job with ``render/email.py`` and ``render/chat.py``), and
nothing here imports a renderer.
"""

from __future__ import annotations

from .deliver import (
    ChannelOutcome,
    DeliveryReport,
    Status,
    channels,
    deliver_day,
    deliver_record,
    owes,
    read_state,
    state_path,
)
from .outgoing import Channel, Compose, Outgoing

__all__ = [
    "Channel",
    "ChannelOutcome",
    "Compose",
    "DeliveryReport",
    "Outgoing",
    "Status",
    "channels",
    "deliver_day",
    "deliver_record",
    "owes",
    "read_state",
    "state_path",
]
