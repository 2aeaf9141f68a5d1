"""Delivery (issue #6): each day's digest sent to its readers once the pages are written, by e-mail
(``email.py``) and webhooks for Slack, Discord or any JSON receiver (``webhooks.py``). ``deliver.py`` runs
the channels for a day, retries them, and records in ``delivery/<day>.json`` which ones were served, so a
rerun of the day retries only those that failed. ``selection.py`` is what every channel shares: its slice
of the digest, the subject, the links.
"""

from __future__ import annotations

from .deliver import (
    ChannelOutcome,
    DeliveryReport,
    Status,
    deliver_day,
    deliver_week,
    read_state,
    state_path,
)

__all__ = [
    "ChannelOutcome",
    "DeliveryReport",
    "Status",
    "deliver_day",
    "deliver_week",
    "read_state",
    "state_path",
]
