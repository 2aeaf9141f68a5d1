"""The ``notify:`` section (issue #6): where each day's digest is delivered, e-mail and webhooks; its
settings, their keys and defaults (the fields), and the checks of their values.

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
from email.utils import parseaddr
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit

from ._fields import boolean, choice, each, integer, items, number, optional
from ._schema import section, setting, settings
from ._yaml import Path_, _Located

#: The SMTP password is read from this variable at send time, and from nowhere else (never config.yml).
SMTP_PASSWORD_ENV = "ARXIV_DIGEST_SMTP_PASSWORD"


class SmtpSecurity(StrEnum):
    NONE = "none"  # plain SMTP (a relay on the same host); no password allowed
    STARTTLS = "starttls"  # submission on 587, upgraded with STARTTLS (Gmail, Outlook)
    SSL = "ssl"  # implicit TLS on 465


#: The port each kind of SMTP security uses unless ``port:`` says otherwise.
DEFAULT_SMTP_PORTS = {SmtpSecurity.NONE: 25, SmtpSecurity.STARTTLS: 587, SmtpSecurity.SSL: 465}


class Every(StrEnum):
    """How often a channel is sent: each announcement day, or each ISO week once it closes (issue #10)."""

    DAY = "day"
    WEEK = "week"


class WebhookFormat(StrEnum):
    SLACK = "slack"
    DISCORD = "discord"
    JSON = "json"


_VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_SECRET_HINT = (
    "set it as a GitHub Actions secret (Settings > Secrets and variables > Actions) and map it in the "
    "workflow's `env:`; when running by hand, export it"
)
_ADDRESS = re.compile(r"[^@\s<>,;\"()]+@[^@\s<>,;\"()]+")
_HOST = re.compile(r"^[A-Za-z0-9.-]+$|^\[[0-9A-Fa-f:.]+\]$")
_EMAIL_HINT = "see README.md, Delivery"
_HOOK_HINT = '- {url: "${SLACK_WEBHOOK_URL}", format: slack}'


def _text(value: Any, path: Path_, loc: _Located, what: str) -> tuple[str, bool]:
    """A string value with its ``${NAME}`` references expanded; also whether any came from the
    environment (such a value may be a secret, so messages must not repeat it)."""
    if not isinstance(value, str) or not value.strip():
        raise loc.error(path, f"must be {what}")
    from_env = False

    def expand(m: re.Match[str]) -> str:
        nonlocal from_env
        name = m.group(1)
        if not loc.env.get(name):
            raise loc.error(path, f"environment variable {name} is not set (or is empty)", hint=_SECRET_HINT)
        from_env = True
        return loc.env[name]

    text = _VARIABLE.sub(expand, value)
    if "${" in _VARIABLE.sub("", value):
        raise loc.error(path, "`${` must start a variable reference such as ${SLACK_WEBHOOK_URL}")
    return text.strip(), from_env


def _shown(text: str, from_env: bool) -> str:
    return "(the value of an environment variable)" if from_env else repr(text)


#: A channel's ``topics:`` may name the For-you section (issue #9) besides the topics of ``topic:``.
FOR_YOU_TOPIC = "for_you"


def _topics(value: Any, path: Path_, loc: _Located) -> tuple[str, ...]:
    names = loc.topic_names
    out: list[str] = []
    for i, name in enumerate(
        items(value, path, loc, "topic names from `topic:`", "topics: [MLLM, LLM]", needed=True)
    ):
        name = loc.raw.get((*path, i), name) if not isinstance(name, str) else name
        if not isinstance(name, str) or (name not in names and name != FOR_YOU_TOPIC):
            close = difflib.get_close_matches(str(name), list(names), n=1)
            raise loc.error(
                (*path, i),
                f"{name!r} is not a topic of this config",
                hint=f"did you mean {close[0]!r}?" if close else f"topics: {', '.join(names) or '(none)'}",
            )
        if name not in out:
            out.append(name)
    return tuple(out)


def _address(value: Any, path: Path_, loc: _Located) -> str:
    text, from_env = _text(value, path, loc, "an e-mail address")
    _, address = parseaddr(text)
    if (
        any(c in text for c in "\r\n")
        or not _ADDRESS.fullmatch(address)
        or (text != address and not text.endswith(f"<{address}>"))
    ):
        raise loc.error(path, f"must be one e-mail address, not {_shown(text, from_env)}")
    return text


def _addresses(value: Any, path: Path_, loc: _Located) -> tuple[str, ...]:
    listed = items(value, path, loc, "e-mail addresses", "to: [me@example.org]", needed=True)
    return tuple(_address(item, (*path, i), loc) for i, item in enumerate(listed))


def _host(value: Any, path: Path_, loc: _Located) -> str:
    host, from_env = _text(value, path, loc, "a host name")
    if not _HOST.match(host):
        raise loc.error(path, f"must be a host name such as smtp.gmail.com, not {_shown(host, from_env)}")
    return host


def _port(value: Any, path: Path_, loc: _Located) -> int:
    port: int = integer(1)(value, path, loc)
    if port > 65535:
        raise loc.error(path, f"must be a TCP port (1-65535), not {port}")
    return port


def _user_name(value: Any, path: Path_, loc: _Located) -> str:
    return _text(value, path, loc, "a user name")[0]


def _email_rules(values: dict[str, Any], path: Path_, loc: _Located) -> None:
    """What ties the e-mail keys together: the port follows the security, and a login needs TLS."""
    security = values.setdefault("security", SmtpSecurity.STARTTLS)
    values.setdefault("port", DEFAULT_SMTP_PORTS[security])
    if values.get("username") is not None and security is SmtpSecurity.NONE:
        raise loc.error(
            (*path, "username"),
            "a password must not travel in clear text: logging in needs `security: starttls` or `ssl`",
        )


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _webhook_url(value: Any, path: Path_, loc: _Located) -> str:
    url, _ = _text(value, path, loc, "a URL")
    # The URL is never repeated: it is the webhook's password.
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
    except ValueError:
        parts, host = None, ""
    if parts is None or parts.scheme not in ("http", "https") or not host or any(c.isspace() for c in url):
        raise loc.error(path, "must be an http(s) URL (the value is not shown: it is a secret)")
    if parts.scheme == "http" and not _is_loopback(host):
        raise loc.error(
            path,
            "must be an https URL: the URL is a secret and must not travel in clear text "
            "(http is accepted only for a receiver on this machine)",
        )
    return url


@settings
class EmailSettings:
    host: str = setting(_host, hint=_EMAIL_HINT)
    # Both optional in the file: `_email_rules` fills them in (the port follows the security).
    port: int = setting(_port, required=False, shown="`587` for `starttls`, `465` for `ssl`, `25` for `none`")
    security: SmtpSecurity = setting(choice(SmtpSecurity), required=False, shown="`starttls`")
    sender: str = setting(_address, key="from", hint=_EMAIL_HINT)
    to: tuple[str, ...] = setting(_addresses, hint=_EMAIL_HINT)
    username: str | None = setting(optional(_user_name), default=None)
    topics: tuple[str, ...] | None = setting(optional(_topics), default=None, shown="all")
    every: Every = setting(choice(Every), default=Every.DAY)


@settings
class WebhookSettings:
    url: str = setting(
        _webhook_url, repr=False, hint=_HOOK_HINT
    )  # a secret (it carries a token): never shown
    format: WebhookFormat = setting(
        choice(WebhookFormat), default=WebhookFormat.JSON, required=True, hint=_HOOK_HINT
    )
    topics: tuple[str, ...] | None = setting(optional(_topics), default=None, shown="all")
    every: Every = setting(choice(Every), default=Every.DAY)


@settings
class NotifySettings:
    email: EmailSettings | None = setting(optional(section(EmailSettings, finish=_email_rules)), default=None)
    webhooks: tuple[WebhookSettings, ...] = setting(
        each(section(WebhookSettings, hint=_HOOK_HINT), "{url, format, topics}"), default=()
    )
    send_empty: bool = setting(boolean, default=False)
    attempts: int = setting(integer(1, maximum=10), default=3)  # per channel and run, the first included
    retry_backoff_seconds: float = setting(number(0), default=5.0)  # doubled after each failed attempt
    timeout_seconds: float = setting(number(1), default=30.0)

    @property
    def channels(self) -> int:
        return (self.email is not None) + len(self.webhooks)
