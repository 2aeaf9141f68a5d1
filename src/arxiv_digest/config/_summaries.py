"""The ``summaries:`` section (issue #11): which OpenAI-compatible endpoint writes the day's one- or
two-sentence summaries, in which language, for how many papers, within which daily token budget. No
section, no summaries: nothing anywhere changes.

The API key is never in config.yml and never in a :class:`SummariesSettings`: ``key: "${OPENAI_API_KEY}"``
names the environment variable that holds it. The variable must be set (and not empty: GitHub maps a
missing secret to "") when the file loads, else it is a configuration error naming ``summaries.key`` and
the variable; the summariser reads the value itself when it sends a request, only into the
``Authorization`` header. A value that is not a ``${NAME}`` reference is refused without being repeated
(it may be a key pasted by mistake, which the repository would then publish). ``key: ~`` (or no
``key:``) sends no key, for a local server such as Ollama.

The rules of a value are written here once; ``summarize/settings.py`` applies the same ones to settings
built in code.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Any
from urllib.parse import urlsplit

from ..languages import find_language
from ._fields import integer, optional
from ._schema import setting, settings
from ._yaml import Path_, _Located

SECTION = "summaries"
#: The most papers one day may summarise, and the largest daily budget (a typo's extra zeros).
MAX_PAPERS = 500
MAX_TOKENS_PER_DAY = 100_000_000

_REFERENCE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}\Z")
KEY_MESSAGE = (
    'must name the environment variable that holds the key, as "${OPENAI_API_KEY}" (the value is not '
    "shown: it may be a key, and a key written into config.yml would be committed with it)"
)
_KEY_HINT = (
    "set it as a GitHub Actions secret (Settings > Secrets and variables > Actions) and map it in the "
    "workflow's `env:`; when running by hand, export it; or remove the summaries: section to turn "
    "summaries off"
)
_EXAMPLE = "https://api.openai.com/v1, https://api.deepseek.com/v1 or http://127.0.0.1:11434/v1"


def parse_key_reference(value: object) -> str:
    """The variable a ``key:`` value names (``"${OPENAI_API_KEY}"`` -> ``OPENAI_API_KEY``); ValueError
    otherwise, whose message never repeats the value."""
    if isinstance(value, str):
        m = _REFERENCE.match(value.strip())
        if m:
            return m.group(1)
    raise ValueError(KEY_MESSAGE)


def _is_loopback(host: str) -> bool:
    if host.rstrip(".").lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def endpoint_problem(endpoint: object, *, sends_key: bool) -> str | None:
    """Why ``endpoint`` cannot be a chat-completions base URL, or None."""
    if not isinstance(endpoint, str) or not endpoint.strip():
        return f"must be the API's base URL, such as {_EXAMPLE}"
    try:
        parts = urlsplit(endpoint.strip())
        host = parts.hostname
        parts.port  # noqa: B018 - a port that is no number raises here
    except ValueError:
        return f"is not a URL; write the API's base URL, such as {_EXAMPLE}"
    if parts.scheme not in ("http", "https") or not host:
        return f"must be an http(s) URL with a host, such as {_EXAMPLE}"
    if parts.username is not None or parts.password is not None:
        return "must not carry a user or password: the key comes from the variable named by summaries.key"
    if parts.query or parts.fragment:
        return f"must be the base URL alone, without ? or #, such as {_EXAMPLE}"
    if parts.path.rstrip("/").endswith("/chat/completions"):
        return "is the base URL, without /chat/completions (added when calling): " + _EXAMPLE
    if parts.scheme == "http" and sends_key and not _is_loopback(host):
        return (
            "must be https:// when a key is sent (over http:// anyone on the way reads it); "
            "http:// is for a server on this machine (127.0.0.1, localhost)"
        )
    return None


def model_problem(model: object) -> str | None:
    if not isinstance(model, str) or not model.strip() or not model.isprintable() or " " in model:
        return "must be the model's name, such as gpt-4o-mini or deepseek-chat"
    return None


def _endpoint(value: Any, path: Path_, loc: _Located) -> str:
    problem = endpoint_problem(value, sends_key=False)  # the https rule needs `key:`: _rules checks it
    if problem:
        raise loc.error(path, problem)
    return str(value).strip()


def _model(value: Any, path: Path_, loc: _Located) -> str:
    problem = model_problem(value)
    if problem:
        raise loc.error(path, problem)
    return str(value)


def _key_env(value: Any, path: Path_, loc: _Located) -> str:
    """The variable's name, once the environment is seen to hold a value for it (never kept here)."""
    try:
        name = parse_key_reference(value)
    except ValueError as e:
        raise loc.error(path, str(e)) from None
    if not loc.env.get(name, "").strip():
        raise loc.error(path, f"environment variable {name} is not set (or is empty)", hint=_KEY_HINT)
    return name


def _language(value: Any, path: Path_, loc: _Located) -> str:
    try:
        find_language(str(value) if isinstance(value, str) else "")
    except ValueError as e:
        raise loc.error(path, str(e)) from None
    return str(value)


def finish(values: dict[str, Any], path: Path_, loc: _Located) -> None:
    """What ties the keys together: a key is sent over https only (or to this machine)."""
    endpoint = values.get("endpoint")
    if endpoint is not None and values.get("key_env") is not None:
        problem = endpoint_problem(endpoint, sends_key=True)
        if problem:
            raise loc.error((*path, "endpoint"), problem)


_HINT = (
    "summaries:\n    endpoint: https://api.openai.com/v1\n    model: gpt-4o-mini\n"
    + '    key: "${OPENAI_API_KEY}"'
)


@settings
class SummariesSettings:
    """``summaries:`` as written (checked); the job turns it into the summariser's own settings."""

    endpoint: str = setting(_endpoint, hint=_HINT)
    model: str = setting(_model, hint=_HINT)
    key_env: str | None = setting(optional(_key_env), key="key", default=None, shown="none (no key sent)")
    language: str = setting(_language, default="English")
    papers: int = setting(integer(0, maximum=MAX_PAPERS), default=30)
    max_tokens_per_day: int = setting(integer(0, maximum=MAX_TOKENS_PER_DAY), default=60_000)
