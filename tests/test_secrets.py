"""Secrets never leak (issue #5): the SMTP password and a webhook URL (which carries its token) come from
the environment and appear in no log line, no message and no file under --out, whatever fails: arXiv
before anything is published, the delivery after the pages are written, a bad value in the config, and
the commands that print the config (`check`, `status`). Every run is a subprocess at `-vv`, so everything
any logger prints is seen.
"""

from __future__ import annotations

import base64
import html
import json
import os
import re
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from tests.fakearxiv import FakeArxiv, Reply
from tests.receivers import HookReceiver, SmtpReceiver

ENTRY = "from arxiv_digest.cli import main; raise SystemExit(main())"
PASSWORD = "pw-S3CRET-correct-horse-battery"
TOKEN = "T0AAA/B0BBB/hook-S3CRET-xoxb-5678"
DAY = "2026-06-30"


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def secret_env(arxiv_env: FakeArxiv, digest_dir: Path) -> dict[str, str]:
    """A digest that mails and posts the day, with both secrets in the environment only. Both channels
    point at a closed port on 127.0.0.1, so delivery fails (after the pages are written)."""
    port = _closed_port()
    config = digest_dir / "config.yml"
    config.write_text(
        config.read_text(encoding="utf-8") + "notify:\n"
        "  attempts: 1\n"
        "  retry_backoff_seconds: 0\n"
        "  email:\n"
        "    host: 127.0.0.1\n"
        f"    port: {port}\n"
        "    security: starttls\n"
        "    username: digest@example.org\n"
        "    from: digest@example.org\n"
        "    to: [reader@example.org]\n"
        "  webhooks:\n"
        "    - {url: '${SLACK_WEBHOOK_URL}', format: slack}\n",
        encoding="utf-8",
    )
    return {
        **os.environ,
        "ARXIV_DIGEST_SMTP_PASSWORD": PASSWORD,
        "SLACK_WEBHOOK_URL": f"http://127.0.0.1:{port}/services/{TOKEN}",
    }


def arxiv_digest(env: dict[str, str], *args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", ENTRY, "-vv", *map(str, args)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def assert_no_secret(
    done: subprocess.CompletedProcess[str], out_dir: Path, also: tuple[str, ...] = ()
) -> None:
    for secret in (PASSWORD, TOKEN, "S3CRET", *also):
        assert secret not in done.stdout and secret not in done.stderr, (secret, done.stdout, done.stderr)
        for path in out_dir.rglob("*"):
            if path.is_file():
                assert secret.encode() not in path.read_bytes(), (secret, path)


def test_a_failed_fetch_leaks_no_secret(
    secret_env: dict[str, str], arxiv_env: FakeArxiv, digest_dir: Path
) -> None:
    arxiv_env.queue(*[Reply(status=503) for _ in range(5)])
    done = arxiv_digest(secret_env, "run", "--config", digest_dir / "config.yml", "--out", digest_dir)
    assert done.returncode == 1 and "gave up after 5 attempts" in done.stderr
    assert_no_secret(done, digest_dir)


def test_a_failed_delivery_leaks_no_secret(secret_env: dict[str, str], digest_dir: Path) -> None:
    done = arxiv_digest(secret_env, "run", "--config", digest_dir / "config.yml", "--out", digest_dir)
    assert done.returncode == 1, done.stderr
    assert "delivery failed" in done.stderr
    assert (digest_dir / "data" / f"{DAY}.jsonl").is_file()  # the pages were written first
    assert any((digest_dir / "delivery").iterdir())  # and the delivery record, which must not hold them
    assert_no_secret(done, digest_dir)
    for command in (("check", "--config", digest_dir / "config.yml"), ("status", "--out", digest_dir)):
        shown = arxiv_digest(secret_env, *command)
        assert shown.returncode in (0, 1), shown.stderr
        assert_no_secret(shown, digest_dir)


def test_a_bad_secret_value_is_a_config_error_that_does_not_repeat_it(
    secret_env: dict[str, str], digest_dir: Path
) -> None:
    env = {**secret_env, "SLACK_WEBHOOK_URL": f"ftp://{TOKEN}"}
    done = arxiv_digest(env, "run", "--config", digest_dir / "config.yml", "--out", digest_dir)
    assert done.returncode == 2
    assert f"{digest_dir / 'config.yml'}:" in done.stderr and "notify.webhooks" in done.stderr
    assert_no_secret(done, digest_dir)


def test_a_password_in_the_config_file_is_refused(secret_env: dict[str, str], digest_dir: Path) -> None:
    """The password is read from the environment only: a `password:` key is an unknown key (exit 2), so it
    cannot end up committed with config.yml by mistake."""
    config = digest_dir / "config.yml"
    config.write_text(
        config.read_text(encoding="utf-8").replace(
            "    username: digest@example.org\n", "    username: digest@example.org\n    password: hunter2\n"
        ),
        encoding="utf-8",
    )
    done = arxiv_digest(secret_env, "check", "--config", config)
    assert done.returncode == 2
    assert "notify.email.password: unknown key" in done.stderr
    assert "hunter2" not in done.stderr


# -- servers that echo the secret (issue #7) ---------------------------------------------------------------
USER = "digest@example.org"
#: A password with every character an encoding changes: `/` (JSON `\/`, percent), `<&>"` (HTML, JSON).
ECHOED_PASSWORD = 'pw/S3CRET<&>"battery-staple'
HOOK_PATH = "/services/T0AAA/B0BBB/hook-S3CRET-xoxb-5678"
HOOK_TOKEN = "hook-S3CRET-xoxb-5678"
HOOK_QUERY = "token=Q1-S3CRET-value&team=T0AAA"


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


#: What the webhook echoes (given its whole URL), per case: every form of its token.
HOOK_ECHOES = {
    "the whole URL": lambda url: url,
    "the path without its slash": lambda url: HOOK_PATH[1:],
    "the path, JSON-escaped with \\/": lambda url: json.dumps(HOOK_PATH[1:])[1:-1].replace("/", "\\/"),
    "the path percent-encoded": lambda url: quote(HOOK_PATH[1:], safe=""),
    "the bare token": lambda url: HOOK_TOKEN,
    "a query value": lambda url: "Q1-S3CRET-value",
    "the query, HTML-escaped": lambda url: html.escape(HOOK_QUERY),
}
#: What the SMTP server's 535 echoes (given the user and password it received), per case.
SMTP_ECHOES = {
    "raw": lambda user, password: password,
    "base64 as AUTH PLAIN sent it": lambda user, password: _b64(f"\0{user}\0{password}".encode()),
    "base64 as AUTH LOGIN sent it": lambda user, password: _b64(password.encode()),
    "percent-encoded": lambda user, password: quote(password, safe=""),
    "JSON-escaped with \\/": lambda user, password: json.dumps(password)[1:-1].replace("/", "\\/"),
    "HTML-escaped": lambda user, password: html.escape(password),
    "base64 after an authorisation id": lambda user, password: _b64(f"{user}\0{user}\0{password}".encode()),
}
ECHO_CASES = [pytest.param(h, m, id=f"{h} + {m}") for h, m in zip(HOOK_ECHOES, SMTP_ECHOES, strict=True)]


def _forms_of_the_password() -> tuple[str, ...]:
    """The password's forms the test looks for in every output: each one echoed, and the stretch of
    base64 that encodes the password at each alignment."""
    raw = ECHOED_PASSWORD.encode()
    stretches = [_b64(b"\0" * k + raw)[(8 * k + 5) // 6 : 8 * (k + len(raw)) // 6] for k in range(3)]
    return (*(echo(USER, ECHOED_PASSWORD) for echo in SMTP_ECHOES.values()), *stretches)


@pytest.fixture
def echoing_env(arxiv_env: FakeArxiv, digest_dir: Path, tmp_path: Path) -> Iterator[dict[str, Any]]:
    """A digest that mails (STARTTLS, AUTH) and posts to a Slack-like URL; both servers refuse, each with
    an answer that echoes the secret in the form `echo` (set by the test) says."""
    chosen: dict[str, str] = {}
    hooks = HookReceiver(error_body=lambda path: f'{{"error": "no such hook: {chosen["hook"]}"}}')
    smtp = SmtpReceiver(
        tmp_path,
        tls="starttls",
        auth=(USER, "the-right-one"),
        refusal=lambda mechanism, user, password: f"535 5.7.8 bad credentials {chosen['smtp']} for {user}",
    )
    with hooks, smtp:
        url = hooks.url(f"{HOOK_PATH}?{HOOK_QUERY}")
        config = digest_dir / "config.yml"
        config.write_text(
            config.read_text(encoding="utf-8") + "notify:\n"
            "  attempts: 1\n"
            "  retry_backoff_seconds: 0\n"
            "  email:\n"
            "    host: 127.0.0.1\n"
            f"    port: {smtp.port}\n"
            "    security: starttls\n"
            f"    username: {USER}\n"
            f"    from: {USER}\n"
            "    to: [reader@example.org]\n"
            "  webhooks:\n"
            "    - {url: '${SLACK_WEBHOOK_URL}', format: slack}\n",
            encoding="utf-8",
        )
        hooks.answer(400)
        env = {
            **os.environ,
            "ARXIV_DIGEST_SMTP_PASSWORD": ECHOED_PASSWORD,
            "SLACK_WEBHOOK_URL": url,
            "SSL_CERT_FILE": str(smtp.ca_file),
        }
        yield {"env": env, "url": url, "chosen": chosen, "hooks": hooks, "smtp": smtp}


@pytest.mark.parametrize(("hook_echo", "smtp_echo"), ECHO_CASES)
def test_a_secret_a_server_echoes_reaches_no_output_in_any_form(
    echoing_env: dict[str, Any], digest_dir: Path, hook_echo: str, smtp_echo: str
) -> None:
    env, url = echoing_env["env"], echoing_env["url"]
    echoed_token = HOOK_ECHOES[hook_echo](url)
    echoed_password = SMTP_ECHOES[smtp_echo](USER, ECHOED_PASSWORD)
    echoing_env["chosen"].update(hook=echoed_token, smtp=echoed_password)

    done = arxiv_digest(env, "run", "--config", digest_dir / "config.yml", "--out", digest_dir)
    assert done.returncode == 1, done.stderr
    assert "delivery failed" in done.stderr and "Traceback" not in done.stderr
    assert echoing_env["smtp"].logins and echoing_env["hooks"].requests  # both servers were reached
    state = json.loads((digest_dir / "delivery" / f"{DAY}.json").read_text(encoding="utf-8"))["channels"]
    # The answers arrived and were cut (not dropped): each one's label stands where the secret was.
    assert state["email"]["last_error"].startswith("authentication failed at 127.0.0.1:")
    assert "bad credentials <password> for digest@example.org" in state["email"]["last_error"]
    assert state["webhook 1 (slack)"]["last_error"].startswith("HTTP 400: ")
    assert re.search(r"no such hook: <(secret|webhook URL)>", state["webhook 1 (slack)"]["last_error"])

    secrets = (echoed_token, url, HOOK_PATH[1:], HOOK_TOKEN, *_forms_of_the_password())
    assert_no_secret(done, digest_dir, also=secrets)
    for command in (("status", "--out", digest_dir), ("status", "--out", digest_dir, "--json")):
        shown = arxiv_digest(env, *command, "--today", DAY)
        assert shown.returncode == 0, shown.stderr
        assert "delivery to email failed" in shown.stdout and "<password>" in shown.stdout
        assert_no_secret(shown, digest_dir, also=secrets)


def test_status_cuts_the_secrets_out_of_a_record_an_older_version_wrote(
    secret_env: dict[str, str], digest_dir: Path
) -> None:
    """Records written before issue #7 may hold a secret: `status` prints them through the same cut."""
    done = arxiv_digest(secret_env, "run", "--config", digest_dir / "config.yml", "--out", digest_dir)
    assert done.returncode == 1, done.stderr
    record_path = digest_dir / "delivery" / f"{DAY}.json"
    record = json.loads(record_path.read_text(encoding="utf-8"))
    url = secret_env["SLACK_WEBHOOK_URL"]
    record["channels"]["email"]["last_error"] = f"535 bad password {PASSWORD} ({_b64(PASSWORD.encode())})"
    record["channels"]["webhook 1 (slack)"]["last_error"] = f"HTTP 404: {url} ({quote(TOKEN, safe='')})"
    record_path.write_text(json.dumps(record), encoding="utf-8")
    for command in (("status", "--out", digest_dir), ("status", "--out", digest_dir, "--json")):
        shown = arxiv_digest(secret_env, *command, "--today", DAY)
        assert shown.returncode == 0, shown.stderr
        assert "535 bad password <password> (<password>)" in shown.stdout
        assert "HTTP 404: <webhook URL> (<secret>)" in shown.stdout
        for secret in (PASSWORD, TOKEN, "S3CRET", url, _b64(PASSWORD.encode()), quote(TOKEN, safe="")):
            assert secret not in shown.stdout + shown.stderr, secret


# -- a password in any script (issue #7) -------------------------------------------------------------------
NON_ASCII_PASSWORD = "pässwörd€"


def _non_ascii_forms() -> tuple[str, ...]:
    """Every character sequence of the password a message could carry: itself, its escapes, its UTF-8
    misread, its base64, and each of its non-ASCII characters in each of those spellings."""
    pw = NON_ASCII_PASSWORD
    chars = [c for c in pw if not c.isascii()]
    return (
        pw,
        ascii(pw)[1:-1],
        repr(pw.encode())[2:-1],
        pw.encode().decode("latin-1"),
        json.dumps(pw)[1:-1],
        quote(pw),
        _b64(pw.encode()),
        _b64(f"\0{USER}\0{pw}".encode()),
        *chars,
        *(ascii(c)[1:-1] for c in chars),
        *(repr(c.encode())[2:-1] for c in chars),
        *(c.encode().decode("latin-1") for c in chars),
    )


def _mail_config(digest_dir: Path, port: int) -> Path:
    config = digest_dir / "config.yml"
    config.write_text(
        config.read_text(encoding="utf-8") + "notify:\n"
        "  attempts: 1\n"
        "  retry_backoff_seconds: 0\n"
        "  email:\n"
        "    host: 127.0.0.1\n"
        f"    port: {port}\n"
        "    security: starttls\n"
        f"    username: {USER}\n"
        f"    from: {USER}\n"
        "    to: [reader@example.org]\n",
        encoding="utf-8",
    )
    return config


@pytest.mark.parametrize("mechanism", ["PLAIN", "LOGIN"])
def test_a_non_ascii_password_logs_in(
    arxiv_env: FakeArxiv, digest_dir: Path, tmp_path: Path, mechanism: str
) -> None:
    """smtplib alone raises UnicodeEncodeError on it (python/cpython#73936); it is sent as UTF-8."""
    with SmtpReceiver(
        tmp_path, tls="starttls", auth=(USER, NON_ASCII_PASSWORD), mechanisms=(mechanism,)
    ) as server:
        config = _mail_config(digest_dir, server.port)
        env = {
            **os.environ,
            "ARXIV_DIGEST_SMTP_PASSWORD": NON_ASCII_PASSWORD,
            "SSL_CERT_FILE": str(server.ca_file),
        }
        done = arxiv_digest(env, "run", "--config", config, "--out", digest_dir)
        assert done.returncode == 0, done.stderr
        assert "delivered: email" in done.stdout
        assert server.logins == [(USER, NON_ASCII_PASSWORD)]
        assert len(server.messages) == 1


def test_a_refused_non_ascii_password_is_a_clean_error_that_shows_none_of_it(
    arxiv_env: FakeArxiv, digest_dir: Path, tmp_path: Path
) -> None:
    """The server refuses it and echoes it, raw and escaped: exit 1 with the server's answer, cut."""
    pw = NON_ASCII_PASSWORD
    misread = pw.encode().decode("latin-1")
    echo = f"535 5.7.8 no user with password {pw} ({pw!a}, {pw.encode()!r}, {misread})"
    with SmtpReceiver(
        tmp_path, tls="starttls", auth=(USER, "another"), refusal=lambda mechanism, user, password: echo
    ) as server:
        config = _mail_config(digest_dir, server.port)
        env = {**os.environ, "ARXIV_DIGEST_SMTP_PASSWORD": pw, "SSL_CERT_FILE": str(server.ca_file)}
        done = arxiv_digest(env, "run", "--config", config, "--out", digest_dir)
        status = [arxiv_digest(env, "status", "--out", digest_dir, *flag) for flag in ((), ("--json",))]
        assert all(s.returncode in (0, 1) for s in status)  # 1: stale, as today is not the demo day
    assert done.returncode == 1
    assert server.logins and all(login == (USER, pw) for login in server.logins)  # it was sent, as UTF-8
    assert "Traceback" not in done.stderr and "internal error" not in done.stderr
    failed = f"error: delivery failed: email: authentication failed at 127.0.0.1:{server.port} (535"
    assert failed in done.stderr
    record = (digest_dir / "delivery" / f"{DAY}.json").read_text(encoding="utf-8")
    assert "no user with password <password> (" in record
    for text in (done.stdout, done.stderr, record, *(s.stdout + s.stderr for s in status)):
        for form in _non_ascii_forms():
            assert form not in text, (form, text)
    assert_no_secret(done, digest_dir, also=_non_ascii_forms()[:8])  # the whole forms, in every file
