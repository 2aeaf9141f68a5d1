"""The cut that keeps delivery's secrets out of messages (notify/redact.py, issue #7), on its own: every
encoding of a password or a webhook token is found wherever it sits, base64 at any alignment, a form it
does not know is withheld whole, and short secrets do not blank ordinary text. The end-to-end proof
(real servers echoing secrets, every output read) is test_secrets.py."""

from __future__ import annotations

import base64
import html
import json
from urllib.parse import quote

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from arxiv_digest.config import EmailSettings, NotifySettings, SmtpSecurity, WebhookSettings
from arxiv_digest.notify.redact import (
    MAX_MESSAGE_CHARS,
    MIN_PIECE_CHARS,
    MIN_SECRET_CHARS,
    PASSWORD,
    TOKEN,
    URL,
    WITHHELD,
    Redactor,
)

USER = "me@example.org"
HOOK = "https://hooks.slack.com/services/T0AAA/B0BBB/XyZsecretTOKEN123?key=Q9-value-S3CRET&format=json"
TOKEN_SEGMENT = "XyZsecretTOKEN123"


def redactor(password: str | None = None, *urls: str) -> Redactor:
    email = EmailSettings("smtp.example.org", 587, SmtpSecurity.STARTTLS, USER, (USER,), username=USER)
    notify = NotifySettings(email=email, webhooks=tuple(WebhookSettings(u) for u in urls))
    return Redactor.for_delivery(notify, {"ARXIV_DIGEST_SMTP_PASSWORD": password} if password else {})


def encodings(secret: str) -> dict[str, str]:
    """The forms a server or library may echo ``secret`` in, by name."""
    return {
        "raw": secret,
        "upper case": secret.upper(),
        "percent": quote(secret, safe=""),
        "percent, lower-case hex": quote(secret, safe="").lower(),
        "percent, / kept": quote(secret, safe="/"),
        "json": json.dumps(secret)[1:-1],
        "json, \\/": json.dumps(secret)[1:-1].replace("/", "\\/"),
        "json, raw unicode": json.dumps(secret, ensure_ascii=False)[1:-1],
        "html": html.escape(secret),
        "html, decimal references": html.escape(secret).encode("ascii", "xmlcharrefreplace").decode(),
        "json inside html": html.escape(json.dumps(secret)[1:-1]),
        "python repr": ascii(secret)[1:-1],
        "utf-8 bytes repr": repr(secret.encode())[2:-1],
        "utf-8 read as latin-1": secret.encode().decode("latin-1"),
    }


PASSWORDS = ['pw/S3CRET<&>"battery', "pässwörd€", "correct horse battery", "hunter22"]


@pytest.mark.parametrize("password", PASSWORDS)
def test_every_encoding_of_the_password_is_cut_wherever_it_sits(password: str) -> None:
    cut = redactor(password)
    for name, form in encodings(password).items():
        said = cut.scrub(f'535 5.7.8 {{"error": "bad credentials: {form}"}}, try again')
        assert said == '535 5.7.8 {"error": "bad credentials: <password>"}, try again', (name, said)


@pytest.mark.parametrize("password", PASSWORDS)
def test_the_password_in_base64_is_cut_as_auth_plain_and_login_carry_it_and_at_any_alignment(
    password: str,
) -> None:
    cut = redactor(password)
    raw = password.encode()
    login = base64.b64encode(raw).decode()
    plain = base64.b64encode(b"\0" + USER.encode() + b"\0" + raw).decode()
    assert cut.scrub(f"535 {login} refused") == "535 <password> refused"
    assert cut.scrub(f"535 {plain} refused") == "535 <password> refused"
    # Inside any longer base64 string (an authorisation id, other fields), whatever its alignment:
    # what remains decodes to no run of the password's bytes longer than 2 (a stretch's ragged edges).
    for prefix in (b"", b"x", b"xy", b"authz\0user\0", b"a\0b\0"):
        blob = base64.b64encode(prefix + raw + b"\0tail").decode()
        said = cut.scrub(f"535 {blob}")
        assert PASSWORD in said, (prefix, said)
        left = said.removeprefix("535 ").split(PASSWORD)
        assert all(len(part) <= 4 for part in left[1:-1]), said
        assert len(left[0]) < len(blob) and len(left[-1]) < len(blob)


def test_every_part_of_a_webhook_url_that_holds_its_token_is_cut() -> None:
    cut = redactor(None, HOOK)
    path = "/services/T0AAA/B0BBB/XyZsecretTOKEN123"
    for echoed, expected in {
        HOOK: URL,
        path: TOKEN,  # the path, with or without its slash
        path[1:]: TOKEN,
        path[1:].replace("/", "\\/"): TOKEN,  # JSON with \/
        quote(path[1:], safe=""): TOKEN,  # percent-encoded
        TOKEN_SEGMENT: TOKEN,  # the bare token
        "Q9-value-S3CRET": TOKEN,  # a query value
        html.escape("key=Q9-value-S3CRET&format=json"): TOKEN,  # the query, HTML-escaped
    }.items():
        assert cut.scrub(f"HTTP 404: no hook at {echoed}!") == f"HTTP 404: no hook at {expected}!", echoed


def test_route_words_and_short_pieces_of_a_url_are_not_secrets() -> None:
    """`services`, `json`, Slack's `T0AAA` (under MIN_PIECE_CHARS): a message may say them."""
    cut = redactor(None, HOOK)
    text = "HTTP 400: services need format json for team T0AAA"
    assert cut.scrub(text) == text
    assert len("T0AAA") < MIN_PIECE_CHARS


@pytest.mark.parametrize("password", ["a", "ab", "abc"])
def test_a_password_under_the_minimum_does_not_blank_every_message(password: str) -> None:
    assert len(password) < MIN_SECRET_CHARS
    text = "535 5.7.8 a bad abc password, try again (abcd)"
    assert redactor(password).scrub(text) == text


def test_a_password_at_the_minimum_is_cut() -> None:
    assert redactor("abcd").scrub("535 bad password abcd") == "535 bad password <password>"


def test_a_password_that_reads_like_a_label_is_still_cut_and_the_label_is_not_taken_for_it() -> None:
    assert redactor("password").scrub("535 wrong password") == "535 wrong <password>"
    assert redactor("secret").scrub("HTTP 500: secret") == "HTTP 500: <password>"


def test_a_form_the_cut_does_not_know_withholds_the_whole_text() -> None:
    """A token percent-encoded only in part (`X%79Z…`) is none of the known forms: the text is withheld."""
    cut = redactor("pw-S3CRET-battery", HOOK)
    assert cut.scrub("HTTP 404: no hook X%79ZsecretTOKEN123") == WITHHELD
    assert cut.scrub("535 bad pw-S3CRET&#x2d;battery") == WITHHELD
    assert cut.scrub("535 bad pw-S3CRET\\u002dbattery") == WITHHELD
    assert cut.scrub("535 bad credentials") == "535 bad credentials"


def test_the_message_is_cut_to_length_after_the_secrets_are() -> None:
    """A token that straddles the cut must not leave its first half behind."""
    cut = redactor(None, HOOK)
    text = "x " * (MAX_MESSAGE_CHARS // 2 - 5) + TOKEN_SEGMENT + " and more"
    said = cut.message(text)
    assert len(said) <= MAX_MESSAGE_CHARS
    assert "XyZ" not in said and "secret" not in said.lower().replace("<secret>", "")


def test_nothing_to_hide_changes_nothing() -> None:
    text = "HTTP 500: server error <html> &amp; %2F \\u00e4"
    assert redactor().scrub(text) == text


@settings(max_examples=150, deadline=None)
@given(
    password=st.text(min_size=MIN_SECRET_CHARS, max_size=24).filter(lambda p: len(p.strip()) >= 4),
    before=st.text(max_size=20),
    after=st.text(max_size=20),
    kind=st.sampled_from(sorted(encodings("x"))),
)
def test_any_password_in_any_encoding_never_survives(
    password: str, before: str, after: str, kind: str
) -> None:
    form = encodings(password)[kind]
    said = redactor(password).scrub(f"{before}{form}{after}")
    assert said == WITHHELD or form.lower() not in said.lower()
    assert password.lower() not in said.lower()
