"""What a configuration *is*: frozen values, defaults, and the environment variables that override them.
No parsing here (``parse.py``), no YAML (``_yaml.py``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from ..match.ast import Node
from ..models import AnnounceType

DEFAULT_RSS_URL = "https://rss.arxiv.org/rss/"
DEFAULT_API_URL = "https://export.arxiv.org/api/query"
DEFAULT_OAI_URL = "https://oaipmh.arxiv.org/oai"
#: arXiv's API terms of use: "no more than one request every three seconds".
DEFAULT_DELAY_SECONDS = 3.0

ENV_OVERRIDES = {
    "rss_url": "ARXIV_DIGEST_RSS_URL",
    "api_url": "ARXIV_DIGEST_API_URL",
    "oai_url": "ARXIV_DIGEST_OAI_URL",
    "delay_seconds": "ARXIV_DIGEST_DELAY_SECONDS",
}

DEFAULT_INCLUDE = frozenset({AnnounceType.NEW, AnnounceType.CROSS, AnnounceType.REPLACE})


class MatchMode(StrEnum):
    WORD = "word"
    SUBSTRING = "substring"


class Order(StrEnum):
    NEWEST = "newest"  # arXiv id, newest first (the seed's order)
    REFERENCE = "reference"  # the reference's late-2025 order: category list, then id, both descending


@dataclass(frozen=True, slots=True)
class ArxivSettings:
    rss_url: str = DEFAULT_RSS_URL
    api_url: str = DEFAULT_API_URL
    oai_url: str = DEFAULT_OAI_URL
    delay_seconds: float = DEFAULT_DELAY_SECONDS
    timeout_seconds: float = 60.0
    max_retries: int = 4
    max_retry_after_seconds: float = 600.0
    max_body_bytes: int = 50 * 1024 * 1024
    contact: str | None = None


#: The SMTP password is read from this variable at send time, and from nowhere else (never config.yml).
SMTP_PASSWORD_ENV = "ARXIV_DIGEST_SMTP_PASSWORD"


class SmtpSecurity(StrEnum):
    NONE = "none"  # plain SMTP (a relay on the same host); no password allowed
    STARTTLS = "starttls"  # submission on 587, upgraded with STARTTLS (Gmail, Outlook)
    SSL = "ssl"  # implicit TLS on 465


#: The port each kind of SMTP security uses unless ``port:`` says otherwise.
DEFAULT_SMTP_PORTS = {SmtpSecurity.NONE: 25, SmtpSecurity.STARTTLS: 587, SmtpSecurity.SSL: 465}


class WebhookFormat(StrEnum):
    SLACK = "slack"
    DISCORD = "discord"
    JSON = "json"


@dataclass(frozen=True, slots=True)
class EmailSettings:
    host: str
    port: int
    security: SmtpSecurity
    sender: str  # `from:`
    to: tuple[str, ...]
    username: str | None = None
    topics: tuple[str, ...] | None = None  # None: every topic


@dataclass(frozen=True, slots=True)
class WebhookSettings:
    url: str = field(repr=False)  # a secret (Slack and Discord URLs carry their token): never shown
    format: WebhookFormat = WebhookFormat.JSON
    topics: tuple[str, ...] | None = None  # None: every topic


@dataclass(frozen=True, slots=True)
class NotifySettings:
    email: EmailSettings | None = None
    webhooks: tuple[WebhookSettings, ...] = ()
    send_empty: bool = False
    attempts: int = 3  # per channel and run, the first included
    retry_backoff_seconds: float = 5.0  # doubled after each failed attempt
    timeout_seconds: float = 30.0

    @property
    def channels(self) -> int:
        return (self.email is not None) + len(self.webhooks)


@dataclass(frozen=True, slots=True)
class CategorySpec:
    code: str
    display: str
    slug: str


@dataclass(frozen=True, slots=True)
class Topic:
    name: str
    slug: str
    keywords: tuple[tuple[str, ...], ...]  # each item an AND group; a plain keyword is a 1-tuple
    filters: tuple[tuple[str, ...], ...]
    match: MatchMode
    order: Order
    mark_updates: bool
    include: frozenset[AnnounceType]
    line: int | None = None
    query: str | None = None
    query_tree: Node | None = None
    categories: tuple[str, ...] = ()
    authors: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Config:
    categories: tuple[CategorySpec, ...]
    topics: tuple[Topic, ...]
    match: MatchMode = MatchMode.WORD
    order: Order = Order.NEWEST
    mark_updates: bool = True
    max_authors: int = 6
    repo: str | None = None
    include: frozenset[AnnounceType] = DEFAULT_INCLUDE
    title: str = "Daily arXiv Digest"
    templates_dir: Path | None = None
    max_page_bytes: int = 500_000
    arxiv: ArxivSettings = field(default_factory=ArxivSettings)
    notify: NotifySettings = field(default_factory=NotifySettings)
    path: Path | None = None
    site: bool = True  # the static HTML site under site/ (issue #4)
    feed_days: int = 7  # announcement days each Atom feed covers
    site_url: str | None = None  # the site's absolute base URL, for the feeds' links

    @property
    def category_codes(self) -> tuple[str, ...]:
        return tuple(c.code for c in self.categories)

    def category(self, code: str) -> CategorySpec:
        for c in self.categories:
            if c.code == code:
                return c
        raise KeyError(code)
