"""Delivering a day's digest to every configured channel, at most once per channel and day; and a closed
ISO week's to the ``every: week`` channels, at most once per channel and week (issue #10).

Channels are named ``email``, ``webhook 1 (slack)``, ``webhook 2 (discord)``… (position and format,
never a URL: the URL is a secret). Each is tried ``attempts`` times by the one retry rule (``retry.py``):
exponential backoff from ``retry_backoff_seconds``, or the server's ``Retry-After`` when longer, neither
past :data:`MAX_WAIT_SECONDS`; a server asking for a longer wait fails the channel at once (the next run
of the day tries it again).

What was delivered is kept in ``delivery/<YYYY-MM-DD>.json`` in the output folder, not in the database:
on GitHub Actions the database is rebuilt on every run, while this file is committed with the pages.
Per channel it records ``status`` (``sent`` or ``failed``), ``attempts`` (all runs together),
``last_error`` (every secret cut out of it, see ``redact.py``) and, once sent, ``sent_at``. The file is
rewritten (atomically) after each channel, so a run that dies halfway still remembers what it sent. A
channel recorded as sent is never sent again for that day; a failed one, or one never tried, is tried by
the next run of the day. A week's record is ``delivery/<YYYY-Www>.json``, kept the same way.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

import httpx

from ..config import SMTP_PASSWORD_ENV, Config, EmailSettings, Every
from ..errors import DeliveryError, GaveUp, SendFailed, cannot_read
from ..net.retry import RetryPolicy, retry
from ..output import layout
from ..output.files import atomic_write
from ..wording import counted
from . import email as mail
from . import webhooks
from .outgoing import Channel, Compose, Outgoing
from .redact import Redactor

log = logging.getLogger(__name__)

#: The longest wait before a channel's next try, ours or a server's (``Retry-After``): a run waits for
#: its notifications, and a channel that failed is tried again by the day's next run anyway.
MAX_WAIT_SECONDS = 60.0


class Status(StrEnum):
    SENT = "sent"
    FAILED = "failed"
    ALREADY_SENT = "already sent"  # by an earlier run of the same day
    NOTHING = "nothing to send"  # no paper in the channel's topics, and send_empty is false


@dataclass(frozen=True, slots=True)
class ChannelOutcome:
    channel: str
    status: Status
    attempts: int = 0  # in this run
    papers: int = 0
    error: str | None = None
    detail: str = ""


@dataclass(frozen=True, slots=True)
class DeliveryReport:
    day: dt.date
    outcomes: tuple[ChannelOutcome, ...]

    @property
    def failed(self) -> tuple[ChannelOutcome, ...]:
        return tuple(o for o in self.outcomes if o.status is Status.FAILED)

    def error(self) -> DeliveryError | None:
        """The error to exit with: every failed channel and its reason."""
        failed = self.failed
        if not failed:
            return None
        first, *others = failed
        return DeliveryError(
            first.channel,
            first.error or "failed",
            others=[(o.channel, o.error or "failed") for o in others],
        )


@dataclass(frozen=True, slots=True)
class _Sender:
    channel: Channel
    send: Callable[[Outgoing], str]  # one attempt; returns what to print ("to 2 recipients")


def state_path(out_dir: Path, day: dt.date | str) -> Path:
    """The delivery record of a day, or of an ISO week (``2026-W27``) for the weekly channels."""
    return out_dir / (
        layout.week_delivery_record(day) if isinstance(day, str) else layout.delivery_record(day)
    )


def _timestamp(when: dt.datetime) -> str:
    return when.astimezone(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def read_state(path: Path) -> dict[str, dict[str, Any]]:
    """The channels recorded for a day (empty when none was tried yet)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise DeliveryError(
            "delivery state",
            f"{cannot_read(path, e)}; fix it, or delete it to send every channel of that day again",
        ) from e
    channels = data.get("channels") if isinstance(data, dict) else None
    if not isinstance(channels, dict) or not all(isinstance(v, dict) for v in channels.values()):
        raise DeliveryError(
            "delivery state",
            f"{path} is not a delivery record; fix it, or delete it to send every channel of that day again",
        )
    return channels


def _write_state(path: Path, key: dt.date | str, channels: Mapping[str, Mapping[str, Any]]) -> None:
    head = {"week": key} if isinstance(key, str) else {"day": key.isoformat()}
    body = {**head, "channels": dict(sorted(channels.items()))}
    atomic_write(path, (json.dumps(body, indent=2, ensure_ascii=False) + "\n").encode("utf-8"))


def channels(config: Config) -> list[Channel]:
    """The configured channels, in the order they are served: the e-mail, then each webhook."""
    notify = config.notify
    email = notify.email
    out = [Channel("email", email.topics, every=email.every)] if email is not None else []
    for i, hook in enumerate(notify.webhooks, 1):
        out.append(Channel(f"webhook {i} ({hook.format.value})", hook.topics, hook.format, hook.every))
    return out


def owes(config: Config, out_dir: Path, key: dt.date | str) -> bool:
    """Does a channel sent for ``key`` (a day, or an ISO week for the ``every: week`` channels) still
    wait for it: configured, and its record not showing it sent? (A record that cannot be read: yes, and
    the delivery reports it.)"""
    every = Every.WEEK if isinstance(key, str) else Every.DAY
    wanted = [c.name for c in channels(config) if c.every is every]
    if not wanted:
        return False
    try:
        state = read_state(state_path(out_dir, key))
    except DeliveryError:
        return True
    return any(state.get(name, {}).get("status") != Status.SENT.value for name in wanted)


def _senders(
    config: Config,
    of: str,
    client: Callable[[], httpx.Client],
    env: Mapping[str, str],
    now: Callable[[], dt.datetime],
) -> list[_Sender]:
    notify = config.notify
    hooks = iter(notify.webhooks)
    out: list[_Sender] = []
    for channel in channels(config):
        if channel.format is None:
            assert notify.email is not None
            settings = notify.email

            def send_email(outgoing: Outgoing, settings: EmailSettings = settings) -> str:
                message = mail.build_message(outgoing, of, settings, now=now())
                refused = mail.send_message(
                    message,
                    settings,
                    password=env.get(SMTP_PASSWORD_ENV) or None,
                    timeout_seconds=notify.timeout_seconds,
                )
                delivered = len(settings.to) - len(refused)
                note = f"; refused: {', '.join(sorted(refused))}" if refused else ""
                return f"to {counted(delivered, 'recipient')}{note}"

            out.append(_Sender(channel, send_email))
            continue

        def send_hook(outgoing: Outgoing, url: str = next(hooks).url) -> str:
            webhooks.post(client(), url, outgoing.payload)
            return ""

        out.append(_Sender(channel, send_hook))
    return out


def _attempts(
    sender: _Sender,
    outgoing: Outgoing,
    *,
    attempts: int,
    backoff_seconds: float,
    sleep: Callable[[float], None],
    redactor: Redactor,
) -> tuple[int, str | None, str]:
    """Try up to ``attempts`` times. Returns (attempts made, last error or None, detail).

    This is where a channel's failure becomes a message (logged, stored in the day's record, raised as
    the run's error, shown by ``status``): every text leaves through ``redactor``, which cuts out the
    webhook URLs and the SMTP password in whatever form a server echoed them, before the retry rule
    logs it."""
    made = 0

    def send() -> str:
        nonlocal made
        made += 1
        try:
            return redactor.message(sender.send(outgoing))
        except SendFailed as e:
            raise SendFailed(
                redactor.message(e.reason),
                retryable=e.retryable,
                retry_after_seconds=e.retry_after_seconds,
                status=e.status,
            ) from None  # the original's text is the unredacted one

    policy = RetryPolicy(
        attempts=attempts,
        first_wait_seconds=backoff_seconds,
        max_wait_seconds=MAX_WAIT_SECONDS,
        max_wait_name=f"the {MAX_WAIT_SECONDS:.0f} s a delivery waits at most",
    )
    try:
        detail = retry(send, policy, what=sender.channel.name, sleep=sleep)
    except GaveUp as e:
        # The record keeps the last try's reason; a Retry-After past the cap adds why we stopped.
        asked_too_long = e.retry_after_seconds is not None
        return made, f"{e.last.reason}; {e}" if asked_too_long else e.last.reason, ""
    return made, None, detail


def _settle(
    record: dict[str, Any],
    name: str,
    made: int,
    error: str | None,
    detail: str,
    papers: int,
    when: dt.datetime,
) -> ChannelOutcome:
    """This run's tries of a channel, added to its ``record`` (changed in place), and their outcome."""
    previous = record.get("attempts")
    record["attempts"] = (previous if isinstance(previous, int) else 0) + made
    record["last_attempt_at"] = _timestamp(when)
    if error is None:
        record["status"] = Status.SENT.value
        record["sent_at"] = record["last_attempt_at"]
        record["papers"] = papers
        record.setdefault("last_error", None)
        log.info("%s: delivered %s", name, counted(papers, "paper"))
        return ChannelOutcome(name, Status.SENT, made, papers, detail=detail)
    record["status"] = Status.FAILED.value
    record["last_error"] = error
    log.error("%s: %s (after %s)", name, error, counted(made, "attempt"))
    return ChannelOutcome(name, Status.FAILED, made, papers, error)


def deliver_day(
    config: Config,
    out_dir: Path,
    day: dt.date,
    compose: Compose,
    *,
    sleep: Callable[[float], None] = time.sleep,
    now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
    env: Mapping[str, str] | None = None,
    transport: httpx.BaseTransport | None = None,
) -> DeliveryReport:
    """Send ``day``'s messages to every daily channel not yet served for it; record each outcome as it
    happens. ``compose`` renders a channel's message (the job's renderer); it is called only for the
    channels still to serve, and a :class:`SendFailed` it raises is that channel's failure (one attempt).

    Never raises for a channel's failure (the report holds it, see :meth:`DeliveryReport.error`); raises
    :class:`DeliveryError` only when the day's record cannot be read.
    """
    return deliver_record(
        config, out_dir, day, compose, day=day, sleep=sleep, now=now, env=env, transport=transport
    )


def deliver_record(
    config: Config,
    out_dir: Path,
    key: dt.date | str,
    compose: Compose,
    *,
    day: dt.date,
    sleep: Callable[[float], None] = time.sleep,
    now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
    env: Mapping[str, str] | None = None,
    transport: httpx.BaseTransport | None = None,
) -> DeliveryReport:
    """Send the messages of ``key``, a day (the channels sent ``every: day``) or an ISO week written
    ``YYYY-Www`` (those sent ``every: week``), to each such channel its record does not show as sent, as
    :func:`deliver_day` does; ``day`` is the report's day (a week's last announcement day)."""
    notify = config.notify
    every = Every.WEEK if isinstance(key, str) else Every.DAY
    of = key if isinstance(key, str) else key.isoformat()
    env = os.environ if env is None else env
    clients: list[httpx.Client] = []

    def client() -> httpx.Client:
        if not clients:
            clients.append(webhooks.make_client(notify.timeout_seconds, transport))
        return clients[0]

    senders = [s for s in _senders(config, of, client, env, now) if s.channel.every is every]
    if not senders:
        return DeliveryReport(day, ())
    path = state_path(out_dir, key)
    state = read_state(path)
    api_key_env = config.summaries.key_env if config.summaries is not None else None
    redactor = Redactor.for_delivery(notify, env, api_key_env=api_key_env)
    outcomes: list[ChannelOutcome] = []
    try:
        for sender in senders:
            name = sender.channel.name
            record = dict(state.get(name, {}))
            if record.get("status") == Status.SENT.value:
                when = record.get("sent_at")
                outcomes.append(
                    ChannelOutcome(name, Status.ALREADY_SENT, detail=f"at {when}" if when else "")
                )
                continue
            try:
                outgoing = compose(sender.channel)
            except SendFailed as e:  # it cannot be rendered: no attempt can do better
                outcome = _settle(record, name, 1, redactor.message(e.reason), "", 0, now())
            else:
                if outgoing.empty and not notify.send_empty:
                    outcomes.append(ChannelOutcome(name, Status.NOTHING))
                    continue
                made, error, detail = _attempts(
                    sender,
                    outgoing,
                    attempts=notify.attempts,
                    backoff_seconds=notify.retry_backoff_seconds,
                    sleep=sleep,
                    redactor=redactor,
                )
                outcome = _settle(record, name, made, error, detail, outgoing.papers, now())
            state[name] = record
            _write_state(path, key, state)
            outcomes.append(outcome)
    finally:
        for c in clients:
            c.close()
    return DeliveryReport(day, tuple(outcomes))
