"""A day's delivery, as the daily run does it: each channel's message rendered here, with ``render/``
(the channel's :class:`~..render.selection.Selection`, the e-mail's bodies, the chat payloads), and handed
to ``notify/``, which only sends it and records what it sent. A closed week's delivery (issue #10) is the
same, with the week's best papers (``models.WeekDigest``) as the selection and ``delivery/<YYYY-Www>.json``
as the record.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path

import httpx
import jinja2

from ..config import Config
from ..errors import SendFailed
from ..models import Digest, TopicDigest, WeekDigest
from ..notify import Channel, Compose, DeliveryReport, Outgoing, deliver_day, deliver_record
from ..render.chat import PAYLOADS
from ..render.email import EmailRenderer
from ..render.selection import Selection, select


def composer(config: Config, digest: Digest) -> Compose:
    """A channel's message of ``digest``'s day: its topics' papers, as its format shows them."""

    def selection(topics: tuple[str, ...] | None) -> Selection:
        return select(
            digest,
            topics,
            title=config.title,
            repo=config.repo,
            max_authors=config.max_authors,
            site_url=config.site_url if config.site else None,
        )

    return _composer(config, selection)


def week_composer(config: Config, week: WeekDigest) -> Compose:
    """A weekly channel's message of a closed week: its topics' best papers of the week, linking the
    week's page (``Selection.week``)."""
    topics = tuple(TopicDigest(t.topic, t.papers) for t in week.topics)
    last = week.days[-1] if week.days else week.last_day

    def selection(wanted: tuple[str, ...] | None) -> Selection:
        return Selection(
            day=last,
            topics=tuple(t for t in topics if wanted is None or t.topic.name in wanted),
            title=config.title,
            repo=config.repo,
            max_authors=config.max_authors,
            site_url=config.site_url if config.site else None,
            week=week.week,
            summaries=week.summaries,  # the week page's (issue #11), from the cache
        )

    return _composer(config, selection)


def _composer(config: Config, selection_for: Callable[[tuple[str, ...] | None], Selection]) -> Compose:
    mail: list[EmailRenderer] = []  # made once, when the e-mail is first composed

    def compose(channel: Channel) -> Outgoing:
        selection = selection_for(channel.topics)
        empty = selection.is_empty
        bare = Outgoing(
            subject=selection.subject,
            papers=selection.paper_count,
            empty=empty,
            topics=tuple(t.topic.name for t in selection.topics),
        )
        if empty and not config.notify.send_empty:
            return bare  # not sent: nothing to render
        if channel.format is not None:
            return replace(bare, payload=PAYLOADS[channel.format](selection))
        if not mail:
            mail.append(EmailRenderer(config.templates_dir, config.max_authors))
        try:
            text, html = mail[0].text(selection), mail[0].html(selection)
        except jinja2.TemplateError as e:
            raise SendFailed(f"cannot render the e-mail: {e}", retryable=False) from e
        return replace(bare, text=text, html=html)

    return compose


def deliver(
    config: Config,
    out_dir: Path,
    digest: Digest,
    *,
    sleep: Callable[[float], None] = time.sleep,
    now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
    env: Mapping[str, str] | None = None,
    transport: httpx.BaseTransport | None = None,
) -> DeliveryReport:
    """Render and send ``digest`` to every channel not yet served for its day (:func:`notify.deliver_day`)."""
    return deliver_day(
        config,
        out_dir,
        digest.day,
        composer(config, digest),
        sleep=sleep,
        now=now,
        env=env,
        transport=transport,
    )


def deliver_week(
    config: Config,
    out_dir: Path,
    week: WeekDigest,
    *,
    sleep: Callable[[float], None] = time.sleep,
    now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
    env: Mapping[str, str] | None = None,
    transport: httpx.BaseTransport | None = None,
) -> DeliveryReport:
    """Render and send a closed week's page to every ``every: week`` channel not yet served for it,
    recorded in ``delivery/<YYYY-Www>.json`` as days are (:func:`notify.deliver_record`)."""
    return deliver_record(
        config,
        out_dir,
        week.week,
        week_composer(config, week),
        day=week.days[-1] if week.days else week.last_day,
        sleep=sleep,
        now=now,
        env=env,
        transport=transport,
    )
