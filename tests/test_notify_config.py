"""The `notify:` section of config.yml: the issue's own example, defaults, `${NAME}` from the environment,
and errors that name the file, line and key without ever repeating a secret."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from arxiv_digest.config import (
    EmailSettings,
    NotifySettings,
    SmtpSecurity,
    WebhookFormat,
    WebhookSettings,
    parse_config,
)
from arxiv_digest.errors import ConfigError
from tests.conftest import CliResult

BASE = """\
category:
  cs.CL: Computation and Language
topic:
  LLM:
    keywords: [LLM]
  MLLM:
    keywords: [MLLM]
"""

#: The configuration in issue #6, as written there.
ISSUE_EXAMPLE = """\
notify:
  email:
    host: smtp.example.org
    port: 587
    security: starttls        # none | starttls | ssl
    username: me@example.org  # optional; the password comes only from ARXIV_DIGEST_SMTP_PASSWORD
    from: digest@example.org
    to: [me@example.org, lab@example.org]
    topics: [MLLM, LLM]       # optional subset; default all
  webhooks:
    - {url: "${SLACK_WEBHOOK_URL}", format: slack}
    - {url: "https://discord.com/api/webhooks/…", format: discord, topics: [MLLM]}
    - {url: "https://example.org/hook", format: json}
  send_empty: false           # default: nothing is sent on a day with no matched paper
"""
SLACK = "https://hooks.slack.com/services/T0/B0/secretTOKEN"


def notify(text: str, env: dict[str, str] | None = None) -> NotifySettings:
    return parse_config(BASE + text, env={} if env is None else env).notify


def error(text: str, env: dict[str, str] | None = None) -> str:
    with pytest.raises(ConfigError) as e:
        notify(text, env)
    return str(e.value)


def test_the_issues_example_parses() -> None:
    settings = notify(ISSUE_EXAMPLE, {"SLACK_WEBHOOK_URL": SLACK})
    assert settings.email == EmailSettings(
        host="smtp.example.org",
        port=587,
        security=SmtpSecurity.STARTTLS,
        sender="digest@example.org",
        to=("me@example.org", "lab@example.org"),
        username="me@example.org",
        topics=("MLLM", "LLM"),
    )
    assert settings.webhooks == (
        WebhookSettings(url=SLACK, format=WebhookFormat.SLACK),
        WebhookSettings(
            url="https://discord.com/api/webhooks/…", format=WebhookFormat.DISCORD, topics=("MLLM",)
        ),
        WebhookSettings(url="https://example.org/hook", format=WebhookFormat.JSON),
    )
    assert settings.send_empty is False
    assert (settings.attempts, settings.retry_backoff_seconds, settings.timeout_seconds) == (3, 5.0, 30.0)
    assert "secretTOKEN" not in repr(settings)  # a logged config shows no webhook URL


def test_no_notify_section_means_no_channel() -> None:
    assert parse_config(BASE, env={}).notify == NotifySettings()
    assert NotifySettings().channels == 0


@pytest.mark.parametrize(("security", "port"), [("none", 25), ("starttls", 587), ("ssl", 465)])
def test_the_port_defaults_to_the_securitys(security: str, port: int) -> None:
    email = notify(
        f"notify:\n  email: {{host: mail.example.org, security: {security}, from: a@b.org, to: c@d.org}}\n"
    ).email
    assert email is not None
    assert (email.security, email.port, email.to) == (SmtpSecurity(security), port, ("c@d.org",))


def test_security_defaults_to_starttls_and_a_display_name_is_kept() -> None:
    email = notify(
        'notify:\n  email: {host: smtp.gmail.com, from: "arXiv <me@gmail.com>", to: [me@gmail.com]}\n'
    ).email
    assert email is not None
    assert (email.security, email.port, email.sender) == (SmtpSecurity.STARTTLS, 587, "arXiv <me@gmail.com>")


def test_variables_are_expanded_anywhere_under_notify() -> None:
    env = {"SMTP_HOST": "smtp.office365.com", "ME": "me@example.org", "HOOK": SLACK}
    settings = notify(
        "notify:\n"
        "  email: {host: '${SMTP_HOST}', username: '${ME}', from: '${ME}', to: ['${ME}']}\n"
        "  webhooks: [{url: '${HOOK}?thread=1', format: slack}]\n",
        env,
    )
    assert settings.email is not None
    assert (settings.email.host, settings.email.username, settings.email.to) == (
        "smtp.office365.com",
        "me@example.org",
        ("me@example.org",),
    )
    assert settings.webhooks[0].url == SLACK + "?thread=1"


@pytest.mark.parametrize("env", [{}, {"SLACK_WEBHOOK_URL": ""}])
def test_an_unset_or_empty_variable_names_the_key_and_the_variable(env: dict[str, str]) -> None:
    message = error(ISSUE_EXAMPLE, env)
    assert message.startswith(
        "config.yml:18: notify.webhooks[0].url: environment variable SLACK_WEBHOOK_URL is not set"
    )
    assert "GitHub Actions secret" in message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("notify:\n  emial: {}\n", "config.yml:9: notify.emial: unknown key\n  hint: did you mean 'email'?"),
        (
            "notify:\n  email: {host: h.org, from: a@b.org, to: c@d.org, passwd: x}\n",
            "config.yml:9: notify.email.passwd: unknown key",
        ),
        (
            "notify:\n  email: {host: h.org, from: a@b.org, to: c@d.org, topics: [MLM]}\n",
            "config.yml:9: notify.email.topics[0]: 'MLM' is not a topic of this config\n"
            "  hint: did you mean 'MLLM'?",
        ),
        (
            "notify:\n  webhooks:\n    - {url: 'https://x.org/h', format: slack, topics: [Robots]}\n",
            "config.yml:10: notify.webhooks[0].topics[0]: 'Robots' is not a topic of this config",
        ),
        (
            "notify:\n  email: {host: h.org, security: tls, from: a@b.org, to: c@d.org}\n",
            "notify.email.security: must be one of none | starttls | ssl, not 'tls'",
        ),
        ("notify:\n  email: {host: h.org, from: a@b.org}\n", "notify.email: needs `to:`"),
        (
            "notify:\n  email: {host: h.org, from: a@b.org, to: 'a@b.org, c@d.org'}\n",
            "notify.email.to[0]: must be one e-mail address, not 'a@b.org, c@d.org'",
        ),
        (
            "notify:\n  email: {host: h.org, port: 70000, from: a@b.org, to: c@d.org}\n",
            "notify.email.port: must be a TCP port (1-65535), not 70000",
        ),
        (
            "notify:\n  email: {host: h.org, security: none, username: me, from: a@b.org, to: c@d.org}\n",
            "notify.email.username: a password must not travel in clear text",
        ),
        ("notify:\n  webhooks:\n    - {url: 'https://x.org/h'}\n", "notify.webhooks[0]: needs `format:`"),
        (
            "notify:\n  webhooks:\n    - {url: 'https://x.org/h', format: teams}\n",
            "notify.webhooks[0].format: must be one of slack | discord | json, not 'teams'",
        ),
        (
            "notify:\n  webhooks:\n    - {url: '${HOOK', format: json}\n",
            "notify.webhooks[0].url: `${` must start a variable reference",
        ),
        ("notify:\n  send_empty: yes please\n", "notify.send_empty: must be true or false"),
        ("notify:\n  attempts: 0\n", "notify.attempts: must be at least 1"),
        ("notify:\n  retry_backoff_seconds: -1\n", "notify.retry_backoff_seconds: must be at least 0"),
    ],
)
def test_errors_name_file_line_and_key(text: str, expected: str) -> None:
    assert expected in error(text)


@pytest.mark.parametrize(
    "url",
    [
        "http://hooks.slack.com/services/T0/B0/secretTOKEN",  # in clear text over the network
        "ftp://hooks.slack.com/services/T0/B0/secretTOKEN",
        "hooks.slack.com/services/T0/B0/secretTOKEN",
        "https://hooks.slack.com/services/T0/B0/secret TOKEN",
    ],
)
def test_a_bad_webhook_url_is_refused_without_being_repeated(url: str) -> None:
    message = error("notify:\n  webhooks:\n    - {url: '${HOOK}', format: slack}\n", {"HOOK": url})
    assert "notify.webhooks[0].url: must be an" in message
    assert "secret" not in message.replace("it is a secret", "").replace("the URL is a secret", "")


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "[::1]"])
def test_plain_http_is_accepted_for_a_receiver_on_this_machine(host: str) -> None:
    settings = notify(f"notify:\n  webhooks:\n    - {{url: 'http://{host}:8080/hook', format: json}}\n")
    assert settings.webhooks[0].url == f"http://{host}:8080/hook"


def test_a_password_in_the_file_is_refused_pointing_at_the_environment() -> None:
    message = error(
        "notify:\n  email: {host: h.org, from: a@b.org, to: c@d.org, password: hunter2, colour: red}\n"
    )
    assert "notify.email.password: unknown key" in message
    assert "ARXIV_DIGEST_SMTP_PASSWORD" in message
    assert "notify.email.colour: unknown key" in message  # every unknown key named
    assert "hunter2" not in message


def test_check_lists_the_channels_without_their_secrets(
    tmp_path: Path, cli: Callable[..., CliResult]
) -> None:
    config = tmp_path / "config.yml"
    config.write_text(BASE + ISSUE_EXAMPLE.replace("${SLACK_WEBHOOK_URL}", SLACK), encoding="utf-8")
    result = cli("check", "--config", config)
    assert result.exit_code == 0, result.err
    assert "notify email: smtp.example.org:587 (starttls), to 2 address(es), MLLM, LLM" in result.out
    assert "notify webhook 1 (slack): every topic" in result.out
    assert "notify webhook 2 (discord): MLLM" in result.out
    assert "secretTOKEN" not in result.out and "discord.com" not in result.out
