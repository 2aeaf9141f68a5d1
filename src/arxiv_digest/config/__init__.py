"""config.yml -> a validated, frozen :class:`Config`. Every error names the file, the line and the key.

The reference's ``config.yml`` loads unchanged: ``category:`` maps codes to display names, ``topic:`` maps
names to ``keywords:`` (a string, or a list of strings meaning AND) and ``filters:`` (empty, or the same
shapes). Everything else is optional and documented in ``docs/configuration.md``.

YAML is read with PyYAML's *safe* loader, so a ``!!python/...`` tag is a configuration error, never code.
Unknown keys are errors too: a typo must not silently turn a feature off.

The keys of each section, with their checks and defaults, are the fields of its settings class
(:func:`keys_of`; a topic's are :data:`TOPIC_KEYS`): docs/configuration.md's tables are checked against them.
"""

from __future__ import annotations

# CategorySpec, MatchMode, Order and Topic live in models; re-exported here for callers written before.
from ..models import CategorySpec, MatchMode, Order, Topic
from ._fields import safe_slug
from ._library import DEFAULT_ZOTERO_URL, ZOTERO_URL_ENV, LibrarySettings, ZoteroSettings
from ._notify import (
    SMTP_PASSWORD_ENV,
    EmailSettings,
    Every,
    NotifySettings,
    SmtpSecurity,
    WebhookFormat,
    WebhookSettings,
)
from ._schema import Key, Setting, keys_of
from ._summaries import SummariesSettings, endpoint_problem, model_problem, parse_key_reference
from .model import (
    DEFAULT_API_URL,
    DEFAULT_DELAY_SECONDS,
    DEFAULT_INCLUDE,
    DEFAULT_OAI_URL,
    DEFAULT_RSS_URL,
    ENV_OVERRIDES,
    ArxivSettings,
    Config,
    RankOrder,
    RankSettings,
    WeeklySettings,
)
from .parse import TOPIC_KEYS, arxiv_settings_from_env, load_config, parse_config
from .topics import topic_tree

__all__ = [
    "DEFAULT_API_URL",
    "DEFAULT_DELAY_SECONDS",
    "DEFAULT_INCLUDE",
    "DEFAULT_OAI_URL",
    "DEFAULT_RSS_URL",
    "DEFAULT_ZOTERO_URL",
    "ENV_OVERRIDES",
    "SMTP_PASSWORD_ENV",
    "TOPIC_KEYS",
    "ZOTERO_URL_ENV",
    "ArxivSettings",
    "CategorySpec",
    "Config",
    "EmailSettings",
    "Every",
    "Key",
    "LibrarySettings",
    "MatchMode",
    "NotifySettings",
    "Order",
    "RankOrder",
    "RankSettings",
    "Setting",
    "SmtpSecurity",
    "SummariesSettings",
    "Topic",
    "WebhookFormat",
    "WebhookSettings",
    "WeeklySettings",
    "ZoteroSettings",
    "arxiv_settings_from_env",
    "endpoint_problem",
    "keys_of",
    "load_config",
    "model_problem",
    "parse_config",
    "parse_key_reference",
    "safe_slug",
    "topic_tree",
]
