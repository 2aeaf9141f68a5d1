"""E-mail delivery through a real SMTP server on 127.0.0.1 (aiosmtpd): what arrives (parts, subject, every
paper, escaping), STARTTLS and implicit TLS with a certificate the client must verify, and the failures:
connection refused, a wrong password, STARTTLS not offered, no password at all, and the rule that a day
is mailed once however often it runs."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.conftest import CliResult
from tests.fakearxiv import FakeArxiv
from tests.receivers import DAY, TOPICS, SmtpReceiver, add_config, delivery_state, free_port, topic_ids

Cli = Callable[..., CliResult]
PASSWORD = "app-password-s3cret"
HOSTILE_TITLE = "LLM <script>alert(1)</script> & *bold* </details> <!channel> @everyone"
HOSTILE_ABSTRACT = 'An LLM abstract <img src=x onerror="alert(1)"> with R&D, x < 1 and </details><b>'


def run(cli: Cli, digest: Path) -> CliResult:
    return cli("run", "--config", digest / "config.yml", "--out", digest)


def email_config(port: int, *, security: str = "starttls", username: bool = True, extra: str = "") -> str:
    login = "    username: me@example.org\n" if username else ""
    return (
        "notify:\n"
        "  retry_backoff_seconds: 0\n"
        "  email:\n"
        "    host: 127.0.0.1\n"
        f"    port: {port}\n"
        f"    security: {security}\n"
        f"{login}"
        "    from: arXiv digest <digest@example.org>\n"
        "    to: [me@example.org, lab@example.org]\n"
        f"{extra}"
    )


@pytest.fixture
def smtp_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """The password in its variable, and a folder for the throwaway CA."""
    monkeypatch.setenv("ARXIV_DIGEST_SMTP_PASSWORD", PASSWORD)
    monkeypatch.delenv("GITHUB_OUTPUT", raising=False)
    folder = tmp_path / "tls"
    folder.mkdir()
    return folder


def trusting(monkeypatch: pytest.MonkeyPatch, server: SmtpReceiver) -> SmtpReceiver:
    monkeypatch.setenv("SSL_CERT_FILE", str(server.ca_file))
    return server


@pytest.fixture
def starttls_server(smtp_env: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[SmtpReceiver]:
    """Like Gmail or Outlook on 587: STARTTLS first, then AUTH."""
    with SmtpReceiver(smtp_env, tls="starttls", auth=("me@example.org", PASSWORD)) as server:
        yield trusting(monkeypatch, server)


def hostile(arxiv: FakeArxiv) -> str:
    """Give one new paper a title and abstract full of markup; returns its id."""
    target = next(i for i in arxiv.items(["cs.CL"]) if i.announce_type == "new")
    arxiv.rewrite_item(target.id, title=HOSTILE_TITLE, abstract=HOSTILE_ABSTRACT)
    return target.id


# ---------------------------------------------------------------------------------------------------------
def test_the_day_arrives_as_one_email_with_text_and_html_and_every_paper(
    arxiv_env: FakeArxiv, cli: Cli, digest_dir: Path, starttls_server: SmtpReceiver
) -> None:
    add_config(digest_dir, email_config(starttls_server.port))
    result = run(cli, digest_dir)
    assert result.exit_code == 0, result.err
    assert "delivered: email" in result.out

    [mail] = starttls_server.messages
    assert starttls_server.logins == [("me@example.org", PASSWORD)]
    assert mail.mail_from == "digest@example.org"
    assert mail.rcpt_tos == ("me@example.org", "lab@example.org")
    message = mail.message
    assert message.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in message.iter_parts()] == ["text/plain", "text/html"]
    assert message["To"] == "me@example.org, lab@example.org"
    assert message["Auto-Submitted"] == "auto-generated"

    # Subject: distinct papers, topics that have any.
    listed = topic_ids(digest_dir)
    papers = {pid for ids in listed.values() for pid in ids}
    topics = [t for t in TOPICS if listed[t]]
    assert len(papers) > 50 and len(topics) >= 5
    assert message["Subject"] == f"arXiv digest {DAY}: {len(papers)} papers in {len(topics)} topics"

    text, html = mail.part("plain"), mail.part("html")
    for pid in papers:
        assert f"arXiv:{pid}" in text, pid
        assert f"https://arxiv.org/abs/{pid}" in text, pid
        assert f'href="https://arxiv.org/abs/{pid}"' in html, pid
    # Topics in config order, each with its papers in page order.
    headings = [text.index(f"== {t} ({len(listed[t])}) ==") for t in topics]
    assert headings == sorted(headings)
    for topic, start, end in zip(topics, headings, [*headings[1:], len(text)], strict=True):
        section = text[start:end]
        positions = [section.index(f"arXiv:{pid}") for pid in listed[topic]]
        assert positions == sorted(positions), topic
    # Tags, authors, categories.
    assert re.search(r"arXiv:\S+ \| cs\.\w+.* \| new\n", text)
    assert re.search(r"\| updated \(v2\)\n", text)
    assert "et al." in text
    # HTML: inline styles only, nothing fetched from elsewhere.
    assert "style=" in html
    for tag in ("<img", "<style", "<link", "<script", "<iframe"):
        assert tag not in html.lower()
    assert not re.search(r"""src=["']?https?:""", html)

    state = delivery_state(digest_dir)
    assert state["email"]["status"] == "sent"
    assert state["email"]["attempts"] == 1
    assert state["email"]["sent_at"].endswith("Z")
    assert PASSWORD not in (digest_dir / "delivery" / f"{DAY}.json").read_text(encoding="utf-8")


def test_arxiv_text_is_escaped_in_html_and_kept_as_is_in_plain_text(
    arxiv_env: FakeArxiv, cli: Cli, digest_dir: Path, starttls_server: SmtpReceiver
) -> None:
    pid = hostile(arxiv_env)
    add_config(digest_dir, email_config(starttls_server.port))
    assert run(cli, digest_dir).exit_code == 0
    [mail] = starttls_server.messages
    text, html = mail.part("plain"), mail.part("html")
    assert pid in topic_ids(digest_dir)["LLM"]

    assert f"* {HOSTILE_TITLE}\n" in text  # plain text is not markup: nothing to escape
    assert "R&D, x < 1" in text
    assert (
        "LLM &lt;script&gt;alert(1)&lt;/script&gt; &amp; *bold* &lt;/details&gt; &lt;!channel&gt; @everyone"
        in html
    )
    assert "with R&amp;D, x &lt; 1 and &lt;/details&gt;&lt;b&gt;" in html
    assert "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;" in html
    assert "<script" not in html and "<img" not in html and "</details>" not in html
    assert "&amp;amp;" not in html and "&amp;lt;" not in html  # escaped once, not twice


def test_topics_limits_the_email_to_those_topics_in_config_order(
    arxiv_env: FakeArxiv, cli: Cli, digest_dir: Path, starttls_server: SmtpReceiver
) -> None:
    add_config(digest_dir, email_config(starttls_server.port, extra="    topics: [MLLM, LLM]\n"))
    assert run(cli, digest_dir).exit_code == 0
    [mail] = starttls_server.messages
    listed = topic_ids(digest_dir)
    wanted = set(listed["LLM"]) | set(listed["MLLM"])
    assert mail.message["Subject"] == f"arXiv digest {DAY}: {len(wanted)} papers in 2 topics"
    text = mail.part("plain")
    assert text.index("== LLM (") < text.index("== MLLM (")  # config order, not the list's
    assert set(re.findall(r"arXiv:(\d{4}\.\d{4,5}) \|", text)) == wanted
    assert "== Diffusion (" not in text


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_implicit_tls_on_465(
    arxiv_env: FakeArxiv, cli: Cli, digest_dir: Path, smtp_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with SmtpReceiver(smtp_env, tls="ssl", auth=("me@example.org", PASSWORD)) as server:
        trusting(monkeypatch, server)
        add_config(digest_dir, email_config(server.port, security="ssl"))
        result = run(cli, digest_dir)
        assert result.exit_code == 0, result.err
        assert len(server.messages) == 1
        assert server.logins == [("me@example.org", PASSWORD)]


def test_a_certificate_the_client_does_not_trust_is_a_failure(
    arxiv_env: FakeArxiv, cli: Cli, digest_dir: Path, smtp_env: Path
) -> None:
    with SmtpReceiver(smtp_env, tls="starttls", auth=("me@example.org", PASSWORD)) as server:
        add_config(digest_dir, email_config(server.port))  # SSL_CERT_FILE not pointed at its CA
        result = run(cli, digest_dir)
        assert result.exit_code == 1
        assert "delivery failed: email: TLS certificate of 127.0.0.1:" in result.err
        assert server.messages == [] and server.logins == []


# -- failures ---------------------------------------------------------------------------------------------
def assert_failed_after_pages(result: CliResult, digest: Path, reason: str) -> dict[str, object]:
    assert result.exit_code == 1, result.out + result.err
    assert f"error: delivery failed: email: {reason}" in result.err, result.err
    assert f"{DAY}: " in result.out  # the day was published first
    for rel in ("README.md", "hot_topic/LLM.md", f"archive/{DAY}/README.md", f"data/{DAY}.jsonl"):
        assert (digest / rel).is_file(), rel
    record = delivery_state(digest)["email"]
    assert record["status"] == "failed"
    assert reason in record["last_error"]
    assert PASSWORD not in result.err + result.out + str(record)
    return record


def test_connection_refused_is_retried_then_fails_the_run(
    arxiv_env: FakeArxiv, cli: Cli, digest_dir: Path, smtp_env: Path
) -> None:
    port = free_port()  # nothing listens there
    add_config(digest_dir, email_config(port))
    result = run(cli, digest_dir)
    record = assert_failed_after_pages(result, digest_dir, f"connection refused by 127.0.0.1:{port}")
    assert record["attempts"] == 3
    assert "not delivered: email after 3 attempts" in result.out


def test_a_wrong_password_is_an_authentication_failure(
    arxiv_env: FakeArxiv,
    cli: Cli,
    digest_dir: Path,
    starttls_server: SmtpReceiver,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ARXIV_DIGEST_SMTP_PASSWORD", "wrong-password")
    add_config(digest_dir, email_config(starttls_server.port))
    result = run(cli, digest_dir)
    record = assert_failed_after_pages(result, digest_dir, "authentication failed at 127.0.0.1:")
    assert "535" in str(record["last_error"])
    assert "wrong-password" not in result.err + str(record)
    assert starttls_server.messages == []
    assert record["attempts"] == 3  # bounded retries
    assert starttls_server.logins and set(starttls_server.logins) == {("me@example.org", "wrong-password")}


def test_a_server_without_starttls_gets_nothing(
    arxiv_env: FakeArxiv, cli: Cli, digest_dir: Path, smtp_env: Path
) -> None:
    with SmtpReceiver(smtp_env, tls=None) as server:
        add_config(digest_dir, email_config(server.port))
        result = run(cli, digest_dir)
        assert_failed_after_pages(result, digest_dir, f"127.0.0.1:{server.port} does not offer STARTTLS")
        assert server.messages == []


def test_a_missing_password_fails_at_once(
    arxiv_env: FakeArxiv,
    cli: Cli,
    digest_dir: Path,
    starttls_server: SmtpReceiver,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("ARXIV_DIGEST_SMTP_PASSWORD")
    add_config(digest_dir, email_config(starttls_server.port))
    result = run(cli, digest_dir)
    record = assert_failed_after_pages(result, digest_dir, "ARXIV_DIGEST_SMTP_PASSWORD is not set")
    assert record["attempts"] == 1  # trying again cannot help
    assert starttls_server.logins == []


def test_a_day_is_mailed_once_and_a_failed_mail_is_sent_by_the_next_run(
    arxiv_env: FakeArxiv, cli: Cli, digest_dir: Path, smtp_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = trusting(monkeypatch, SmtpReceiver(smtp_env, tls="starttls", auth=("me@example.org", PASSWORD)))
    add_config(digest_dir, email_config(server.port))
    assert run(cli, digest_dir).exit_code == 1  # the server is not up yet
    assert delivery_state(digest_dir)["email"]["status"] == "failed"

    with server:
        again = run(cli, digest_dir)  # the same day: pages unchanged, the mail goes out
        assert again.exit_code == 0, again.err
        assert "0 files written" in again.out
        assert "delivered: email" in again.out
        assert len(server.messages) == 1
        record = delivery_state(digest_dir)["email"]
        assert record["status"] == "sent"
        assert record["attempts"] == 4  # 3 failed, then 1

        third = run(cli, digest_dir)
        assert third.exit_code == 0, third.err
        assert "already delivered: email" in third.out
        assert len(server.messages) == 1  # never twice
        assert delivery_state(digest_dir)["email"] == record
