"""The ``notify:`` section (issue #6): where each day's digest is delivered, e-mail and webhooks.

``${NAME}`` in any string value under ``notify:`` is replaced by the environment variable ``NAME``, so a
webhook URL (which carries its token) or an address can live in a GitHub Actions secret instead of the
repository. An unset (or empty: GitHub maps a missing secret to "") variable is a configuration error
naming the key and the variable. The SMTP password is never read from the file at all: only from
``ARXIV_DIGEST_SMTP_PASSWORD``, at send time.

A webhook URL is a secret: no message here ever repeats it.
"""

from __future__ import annotations

import difflib
import ipaddress
import re
from collections.abc import Mapping, Sequence
from email.utils import parseaddr
from typing import Any
from urllib.parse import urlsplit

from ._fields import _bool, _check_keys, _enum, _number
from ._yaml import Path_, _Located
from .model import (
    DEFAULT_SMTP_PORTS,
    EmailSettings,
    NotifySettings,
    SmtpSecurity,
    WebhookFormat,
    WebhookSettings,
)

_NOTIFY_KEYS = {"email", "webhooks", "send_empty", "attempts", "retry_backoff_seconds", "timeout_seconds"}
_EMAIL_KEYS = {"host", "port", "security", "username", "from", "to", "topics"}
_WEBHOOK_KEYS = {"url", "format", "topics"}
_VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_SECRET_HINT = (
    "set it as a GitHub Actions secret (Settings > Secrets and variables > Actions) and map it in the "
    "workflow's `env:`; when running by hand, export it"
)
_ADDRESS = re.compile(r"[^@\s<>,;\"()]+@[^@\s<>,;\"()]+")
_HOST = re.compile(r"^[A-Za-z0-9.-]+$|^\[[0-9A-Fa-f:.]+\]$")


def _text(value: Any, path: Path_, loc: _Located, env: Mapping[str, str], what: str) -> tuple[str, bool]:
    """A string value with its ``${NAME}`` references expanded; also whether any came from the
    environment (such a value may be a secret, so messages must not repeat it)."""
    if not isinstance(value, str) or not value.strip():
        raise loc.error(path, f"must be {what}")
    from_env = False

    def expand(m: re.Match[str]) -> str:
        nonlocal from_env
        name = m.group(1)
        if not env.get(name):
            raise loc.error(path, f"environment variable {name} is not set (or is empty)", hint=_SECRET_HINT)
        from_env = True
        return env[name]

    text = _VARIABLE.sub(expand, value)
    if "${" in _VARIABLE.sub("", value):
        raise loc.error(path, "`${` must start a variable reference such as ${SLACK_WEBHOOK_URL}")
    return text.strip(), from_env


def _shown(text: str, from_env: bool) -> str:
    return "(the value of an environment variable)" if from_env else repr(text)


def _topics(value: Any, path: Path_, loc: _Located, topic_names: Sequence[str]) -> tuple[str, ...] | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value:
        raise loc.error(path, "must be a list of topic names from `topic:`", hint="topics: [MLLM, LLM]")
    out: list[str] = []
    for i, name in enumerate(value):
        name = loc.raw.get((*path, i), name) if not isinstance(name, str) else name
        if not isinstance(name, str) or name not in topic_names:
            close = difflib.get_close_matches(str(name), list(topic_names), n=1)
            raise loc.error(
                (*path, i),
                f"{name!r} is not a topic of this config",
                hint=f"did you mean {close[0]!r}?"
                if close
                else f"topics: {', '.join(topic_names) or '(none)'}",
            )
        if name not in out:
            out.append(name)
    return tuple(out)


def _address(value: Any, path: Path_, loc: _Located, env: Mapping[str, str]) -> str:
    text, from_env = _text(value, path, loc, env, "an e-mail address")
    _, address = parseaddr(text)
    if (
        any(c in text for c in "\r\n")
        or not _ADDRESS.fullmatch(address)
        or (text != address and not text.endswith(f"<{address}>"))
    ):
        raise loc.error(path, f"must be one e-mail address, not {_shown(text, from_env)}")
    return text


def _email(
    value: Any, loc: _Located, env: Mapping[str, str], topic_names: Sequence[str]
) -> EmailSettings | None:
    path: Path_ = ("notify", "email")
    if value is None:
        return None
    if not isinstance(value, dict):
        raise loc.error(path, "must be a mapping (host, port, security, username, from, to, topics)")
    _check_keys(value, _EMAIL_KEYS, path, loc)
    for key in ("host", "from", "to"):
        if key not in value:
            raise loc.error(path, f"needs `{key}:`", hint="see README.md, Delivery")
    host, host_from_env = _text(value["host"], (*path, "host"), loc, env, "a host name")
    if not _HOST.match(host):
        raise loc.error(
            (*path, "host"), f"must be a host name such as smtp.gmail.com, not {_shown(host, host_from_env)}"
        )
    security = (
        _enum(value["security"], SmtpSecurity, (*path, "security"), loc)
        if "security" in value
        else SmtpSecurity.STARTTLS
    )
    port = DEFAULT_SMTP_PORTS[security]
    if "port" in value:
        port = _number(value["port"], (*path, "port"), loc, kind=int, minimum=1)
        if port > 65535:
            raise loc.error((*path, "port"), f"must be a TCP port (1-65535), not {port}")
    username = None
    if value.get("username") is not None:
        username, _ = _text(value["username"], (*path, "username"), loc, env, "a user name")
        if security is SmtpSecurity.NONE:
            raise loc.error(
                (*path, "username"),
                "a password must not travel in clear text: logging in needs `security: starttls` or `ssl`",
            )
    sender = _address(value["from"], (*path, "from"), loc, env)
    to = value["to"]
    if isinstance(to, str):
        to = [to]
    if not isinstance(to, list) or not to:
        raise loc.error((*path, "to"), "must be a list of e-mail addresses", hint="to: [me@example.org]")
    recipients = tuple(_address(item, (*path, "to", i), loc, env) for i, item in enumerate(to))
    return EmailSettings(
        host=host,
        port=port,
        security=security,
        sender=sender,
        to=recipients,
        username=username,
        topics=_topics(value.get("topics"), (*path, "topics"), loc, topic_names),
    )


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _webhook(
    value: Any, index: int, loc: _Located, env: Mapping[str, str], topic_names: Sequence[str]
) -> WebhookSettings:
    path: Path_ = ("notify", "webhooks", index)
    if not isinstance(value, dict):
        raise loc.error(
            path,
            "must be a mapping with `url:` and `format:`",
            hint='- {url: "${SLACK_WEBHOOK_URL}", format: slack}',
        )
    _check_keys(value, _WEBHOOK_KEYS, path, loc)
    for key in ("url", "format"):
        if key not in value:
            raise loc.error(path, f"needs `{key}:`", hint='- {url: "${SLACK_WEBHOOK_URL}", format: slack}')
    fmt = _enum(value["format"], WebhookFormat, (*path, "format"), loc)
    url, _ = _text(value["url"], (*path, "url"), loc, env, "a URL")
    # The URL is never repeated: it is the webhook's password.
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
    except ValueError:
        parts, host = None, ""
    if parts is None or parts.scheme not in ("http", "https") or not host or any(c.isspace() for c in url):
        raise loc.error((*path, "url"), "must be an http(s) URL (the value is not shown: it is a secret)")
    if parts.scheme == "http" and not _is_loopback(host):
        raise loc.error(
            (*path, "url"),
            "must be an https URL: the URL is a secret and must not travel in clear text "
            "(http is accepted only for a receiver on this machine)",
        )
    return WebhookSettings(
        url=url, format=fmt, topics=_topics(value.get("topics"), (*path, "topics"), loc, topic_names)
    )


def notify_settings(
    value: Any, loc: _Located, env: Mapping[str, str], topic_names: Sequence[str]
) -> NotifySettings:
    path: Path_ = ("notify",)
    if value is None:
        return NotifySettings()
    if not isinstance(value, dict):
        raise loc.error(path, "must be a mapping (email, webhooks, send_empty)")
    _check_keys(value, _NOTIFY_KEYS, path, loc)
    hooks = value.get("webhooks")
    if hooks is None:
        hooks = []
    if not isinstance(hooks, list):
        raise loc.error((*path, "webhooks"), "must be a list of {url, format, topics}")
    kw: dict[str, Any] = {}
    # Each setting, the e-mail and each webhook is checked on its own, so one run reports all mistakes.
    with loc.collect():
        if "send_empty" in value:
            kw["send_empty"] = _bool(value["send_empty"], (*path, "send_empty"), loc)
    with loc.collect():
        if "attempts" in value:
            attempts = _number(value["attempts"], (*path, "attempts"), loc, kind=int, minimum=1)
            if attempts > 10:
                raise loc.error((*path, "attempts"), f"must be at most 10, not {attempts}")
            kw["attempts"] = attempts
    for key, minimum in (("retry_backoff_seconds", 0), ("timeout_seconds", 1)):
        with loc.collect():
            if key in value:
                kw[key] = _number(value[key], (*path, key), loc, kind=float, minimum=minimum)
    with loc.collect():
        kw["email"] = _email(value.get("email"), loc, env, topic_names)
    webhooks = []
    for i, item in enumerate(hooks):
        with loc.collect():
            webhooks.append(_webhook(item, i, loc, env, topic_names))
    return NotifySettings(webhooks=tuple(webhooks), **kw)
