"""What a configuration *is*: frozen values, and for every setting of config.yml, in its field, the
default, the YAML key and the check its value must pass (``_schema.setting``), so that each is written
once. No parsing here (``parse.py``), no YAML (``_yaml.py``).

``CategorySpec``, ``Topic``, ``MatchMode`` and ``Order`` are plain values in :mod:`arxiv_digest.models`
(every stage reads them); ``parse.py`` builds them (a topic takes its defaults from the top level)."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Any

from ..models import AnnounceType, CategorySpec, MatchMode, Order, Topic
from . import _fields as checks
from . import _summaries
from ._library import LibrarySettings, library_section
from ._notify import NotifySettings
from ._schema import keys_of, section, setting, settings

DEFAULT_RSS_URL = "https://rss.arxiv.org/rss/"
DEFAULT_API_URL = "https://export.arxiv.org/api/query"
DEFAULT_OAI_URL = "https://oaipmh.arxiv.org/oai"
#: arXiv's API terms of use: "no more than one request every three seconds".
DEFAULT_DELAY_SECONDS = 3.0

DEFAULT_INCLUDE = frozenset({AnnounceType.NEW, AnnounceType.CROSS, AnnounceType.REPLACE})


class RankOrder(StrEnum):
    ID = "id"  # topic and category pages in their own order (today's pages, byte for byte)
    RELEVANCE = "relevance"  # by the reader's score (issue #9), best first; ties keep the page's order


@settings
class RankSettings:
    """``rank:``: the "For you" list (issue #9); it takes effect only with a ``library:``."""

    top: int = setting(checks.integer(0), default=20)  # the For-you list's size; 0 turns ranking off
    order: RankOrder = setting(checks.choice(RankOrder), default=RankOrder.ID)


def _endpoint(default: str, variable: str) -> Any:
    # The environment wins over the file, so CI and tests can point the same config elsewhere.
    return setting(checks.url, default=default, env=variable, env_check=checks.env_url)


@settings
class ArxivSettings:
    rss_url: str = _endpoint(DEFAULT_RSS_URL, "ARXIV_DIGEST_RSS_URL")
    api_url: str = _endpoint(DEFAULT_API_URL, "ARXIV_DIGEST_API_URL")
    oai_url: str = _endpoint(DEFAULT_OAI_URL, "ARXIV_DIGEST_OAI_URL")
    delay_seconds: float = setting(
        checks.number(0),
        default=DEFAULT_DELAY_SECONDS,
        env="ARXIV_DIGEST_DELAY_SECONDS",
        env_check=checks.env_seconds,
    )
    timeout_seconds: float = setting(checks.number(1), default=60.0)
    max_retries: int = setting(checks.integer(0), default=4)
    max_retry_after_seconds: float = setting(checks.number(0), default=600.0)
    max_body_bytes: int = setting(checks.integer(1024), default=50 * 1024 * 1024)
    contact: str | None = setting(checks.contact, default=None)
    # The daily run completes the feed's papers' comments and journal references from the export API
    # (the feed has neither; issue #13's badges come from them): one request per 100 papers.
    comments: bool = setting(checks.boolean, default=True)


#: The environment variables that override ``arxiv:`` settings, by attribute.
ENV_OVERRIDES = {k.attribute: k.setting.env for k in keys_of(ArxivSettings).values() if k.setting.env}


@settings
class WeeklySettings:
    """The weekly digest (issue #10): ``weekly/<YYYY-Www>.md`` and ``site/weekly/<YYYY-Www>.html``."""

    top: int = setting(checks.integer(1), default=10)  # papers per topic on a week's page


@settings
class Config:
    # `category:` and `topic:` are known keys that parse.py reads (check None): a topic takes its defaults
    # from the top level, and its names are what `notify:` may refer to.
    categories: tuple[CategorySpec, ...] = setting(None, key="category")
    topics: tuple[Topic, ...] = setting(None, key="topic", shown="`{}`")
    match: MatchMode = setting(checks.choice(MatchMode), default=MatchMode.WORD)
    order: Order = setting(checks.choice(Order), default=Order.NEWEST)
    mark_updates: bool = setting(checks.boolean, default=True)
    max_authors: int = setting(checks.integer(1), default=6)
    repo: str | None = setting(checks.optional(checks.repo), default=None)
    include: frozenset[AnnounceType] = setting(checks.include, default=DEFAULT_INCLUDE)
    title: str = setting(checks.title, default="Daily arXiv Digest")
    templates_dir: Path | None = setting(checks.optional(checks.folder), key="templates", default=None)
    # A list page larger than this is split into parts (GitHub stops rendering Markdown at 512 KB).
    max_page_bytes: int = setting(checks.integer(10_000), default=500_000)
    # Read even when absent: the environment's overrides apply to the defaults too.
    arxiv: ArxivSettings = setting(
        section(ArxivSettings), default_factory=ArxivSettings, read_absent=True, shown="see below"
    )
    notify: NotifySettings = setting(section(NotifySettings), default_factory=NotifySettings, shown="none")
    rank: RankSettings = setting(section(RankSettings), default_factory=RankSettings, shown="see below")
    path: Path | None = None  # the file it was read from (not a setting)
    site: bool = setting(checks.boolean, default=True)  # the static HTML site (issue #4)
    feed_days: int = setting(checks.integer(1), default=7)  # announcement days each Atom feed covers
    site_url: str | None = setting(checks.optional(checks.site_url), default=None)  # for the feeds' links
    # A replacement of a paper a topic listed within this many days is not listed again (0: always listed).
    seen_days: int = setting(checks.integer(0), default=30)
    weekly: WeeklySettings = setting(
        section(WeeklySettings), default_factory=WeeklySettings, shown="see below"
    )
    # What the reader likes, for the "For you" ranking (issue #9); None: no ranking, nothing changes.
    library: LibrarySettings | None = setting(checks.optional(library_section), default=None)
    # Machine-written summaries (issue #11); no section: none, and nothing else changes.
    summaries: _summaries.SummariesSettings | None = setting(
        checks.optional(section(_summaries.SummariesSettings, finish=_summaries.finish)),
        default=None,
        shown="off",
    )

    @property
    def category_codes(self) -> tuple[str, ...]:
        return tuple(c.code for c in self.categories)

    def category(self, code: str) -> CategorySpec:
        for c in self.categories:
            if c.code == code:
                return c
        raise KeyError(code)
