"""What one delivery channel shows: its slice of the day's :class:`~arxiv_digest.match.digest.Digest` (its
``topics:``, in config order), the subject line and links to the published pages. No I/O and no escaping
here: text stays as arXiv wrote it until a channel's body (``email.py``, ``chat.py``) escapes it for its
own format. The job selects and renders; ``notify/`` receives the bodies and only sends them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from ..config import DEFAULT_INCLUDE
from ..config._notify import FOR_YOU_TOPIC
from ..models import AnnounceType, Digest, ForYou, MatchMode, Order, Paper, Pick, Topic, TopicDigest
from ..output import layout
from ..wording import counted
from .escape import url_path

#: Links to pages use this branch: the one the workflow `arxiv-digest init` writes pushes to.
BRANCH = "main"
#: The section's heading in messages.
FOR_YOU_NAME = "For you"


def kind_tag(paper: Paper) -> str:
    """The reader's tag for a paper: ``new``, ``cross-list`` or ``updated (vN)``."""
    if paper.announce_type is AnnounceType.NEW:
        return "new"
    if paper.announce_type is AnnounceType.CROSS:
        return "cross-list"
    return f"updated (v{paper.version})"


@dataclass(frozen=True, slots=True)
class Selection:
    """A channel's share of one day: the topics it asked for, and the settings rendering needs."""

    day: dt.date
    topics: tuple[TopicDigest, ...]  # every topic the channel asked for, in config order, empty ones too
    title: str
    repo: str | None
    max_authors: int
    site_url: str | None = None  # the published site (config `site_url`), preferred for links when set
    # The day ranked for the reader (issue #9), shown first as a section of its own: its papers, and why.
    for_you: TopicDigest | None = None
    picks: Mapping[str, Pick] = field(default_factory=dict)  # by paper id, the For-you section's
    week: str | None = None  # ``2026-W27`` for a weekly channel's message (issue #10): links go to its page

    @property
    def label(self) -> str:
        """What the message is of: the day, or the ISO week."""
        return self.week or self.day.isoformat()

    #: machine-written summaries by (id, version) (issue #11): untrusted, escaped by each channel
    summaries: Mapping[tuple[str, int], str] = field(default_factory=dict)

    def summary_of(self, paper: Paper) -> str | None:
        return self.summaries.get((paper.id, paper.version)) if self.summaries else None

    @property
    def shown(self) -> tuple[TopicDigest, ...]:
        """The sections a message lists: For you first (with a library), then the topics with papers."""
        first = (self.for_you,) if self.for_you is not None and self.for_you.papers else ()
        return first + tuple(t for t in self.topics if t.papers)

    def is_for_you(self, topic: TopicDigest) -> bool:
        return topic is self.for_you

    @property
    def reasons(self) -> dict[str, str]:
        """Why each paper of the For-you section is there, on one line, by paper id."""
        return {k: p.reason for k, p in self.picks.items()}

    @property
    def paper_count(self) -> int:
        """Distinct papers: one listed in two topics counts once."""
        return len({p.id for t in self.topics for p in t.papers})

    @property
    def is_empty(self) -> bool:
        return not any(t.papers for t in self.shown)

    @property
    def subject(self) -> str:
        shown = [t for t in self.topics if t.papers]
        papers, topics = counted(self.paper_count, "paper"), counted(len(shown), "topic")
        return f"arXiv digest {self.label}: {papers} in {topics}"

    def topic_url(self, topic: TopicDigest) -> str | None:
        """The topic's page for this day: on the site when ``site_url`` is set, else on GitHub (the
        archived copies, so the links stay valid after the next day)."""
        slug = url_path(topic.topic.slug)
        if self.is_for_you(topic):
            return self._for_you_url
        if self.week is not None:
            page = self.day_url
            return f"{page}#topic-{slug}" if page and self.site_url else page
        if self.site_url:
            return f"{self.site_url.rstrip('/')}/{layout.site_topic_page(self.day, slug)}"
        if not self.repo:
            return None
        return f"https://github.com/{self.repo}/blob/{BRANCH}/{layout.archived_topic_page(self.day, slug)}"

    @property
    def _for_you_url(self) -> str | None:
        if self.site_url:
            return f"{self.site_url.rstrip('/')}/{layout.site_for_you_page(self.day)}"
        if not self.repo:
            return None
        return f"https://github.com/{self.repo}/blob/{BRANCH}/{layout.archived_for_you_page(self.day)}"

    @property
    def day_url(self) -> str | None:
        if self.week is not None:
            if self.site_url:
                return f"{self.site_url.rstrip('/')}/{url_path(layout.site_weekly_page(self.week))}"
            page = url_path(layout.weekly_page(self.week))
            return f"https://github.com/{self.repo}/blob/{BRANCH}/{page}" if self.repo else None
        if self.site_url:
            return f"{self.site_url.rstrip('/')}/{layout.site_day_page(self.day)}"
        if not self.repo:
            return None
        return (
            f"https://github.com/{self.repo}/blob/{BRANCH}/{layout.archive_folder(self.day)}{layout.README}"
        )


def select(
    digest: Digest,
    topics: Sequence[str] | None,
    *,
    title: str,
    repo: str | None,
    max_authors: int,
    site_url: str | None = None,
) -> Selection:
    """The slice of ``digest`` for a channel whose ``topics:`` is ``topics`` (None: all of them, and the
    For-you section when the digest has one; else it is there when ``topics`` names ``for_you``)."""
    wanted = None if topics is None else set(topics)
    chosen = tuple(t for t in digest.topics if wanted is None or t.topic.name in wanted)
    for_you = digest.for_you if wanted is None or FOR_YOU_TOPIC in wanted else None
    return Selection(
        day=digest.day,
        topics=chosen,
        title=title,
        repo=repo,
        max_authors=max_authors,
        site_url=site_url,
        for_you=_for_you_section(for_you) if for_you is not None else None,
        picks={p.paper.id: p for p in for_you.picks} if for_you is not None else {},
        summaries=digest.summaries,
    )


def _for_you_section(for_you: ForYou) -> TopicDigest:
    topic = Topic(
        name=FOR_YOU_NAME,
        slug="for-you",
        keywords=(),
        filters=(),
        match=MatchMode.WORD,
        order=Order.NEWEST,
        mark_updates=True,
        include=DEFAULT_INCLUDE,
    )
    return TopicDigest(topic, tuple(p.paper for p in for_you.picks))
