"""Secrets never leak (issue #5): the SMTP password and a webhook URL (which carries its token) come from
the environment and appear in no log line, no message and no file under --out, whatever fails: arXiv
before anything is published, the delivery after the pages are written, a bad value in the config, and
the commands that print the config (`check`, `status`). Every run is a subprocess at `-vv`, so everything
any logger prints is seen.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fakearxiv import FakeArxiv, Reply

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


def assert_no_secret(done: subprocess.CompletedProcess[str], out_dir: Path) -> None:
    for secret in (PASSWORD, TOKEN, "S3CRET"):
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
