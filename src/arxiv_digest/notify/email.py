"""The digest as one e-mail a day: built with the standard library's ``email`` package (multipart/
alternative: a plain-text part and an HTML part) and sent with ``smtplib``.

Both parts come from Jinja2 templates under ``render/templates/email/`` that a user can override one at a
time (``templates:`` in the config, as for the Markdown pages). The HTML environment autoescapes every
value, so arXiv's text lands in the HTML exactly once escaped; the plain-text part escapes nothing (it is
not markup) but drops control and bidirectional-override characters, which could disguise what a line
says. Titles and abstracts pass ``| tex`` first: their TeX becomes readable text (``\\emph{x}`` is *x*,
``$\\sqrt{k}$`` is √k); in the HTML part each piece is escaped and emphasis is written as tags.
The HTML uses inline styles only (mail clients drop ``<style>`` and ``<head>``) and no image.

Sending: ``security: starttls`` refuses to go on when the server does not offer STARTTLS (it never falls
back to clear text); ``ssl`` is TLS from the first byte. Certificates are verified with the default
context (which honours ``SSL_CERT_FILE``). The password comes from ``ARXIV_DIGEST_SMTP_PASSWORD`` only.
Failure messages carry the server's answer, which may echo the password: ``deliver`` cuts it out
(``redact.py``) before a message is shown or stored. A non-ASCII password is sent as UTF-8 (see
:func:`login`).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import re
import smtplib
import ssl
import textwrap
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup, escape

from ..config import SMTP_PASSWORD_ENV, EmailSettings, SmtpSecurity
from ..errors import SendFailed, reason
from ..render.markdown import author_line, make_environment
from ..render.tex_text import runs_to_html, shorten_runs, tex_runs, tex_to_text
from .selection import Selection, kind_tag, shorten

TEMPLATES = "email"
#: The HTML part shows this much of an abstract, then links to arXiv for the rest.
ABSTRACT_PREVIEW_CHARS = 500
#: What the client says in EHLO. socket.getfqdn() (smtplib's default) can stall on a runner's DNS.
EHLO_NAME = "localhost"

# C0/C1 controls (but tab and newline) and the bidirectional overrides/isolates.
_UNSAFE_PLAIN = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _plain(value: Any) -> str:
    if value is None:
        return ""
    return _UNSAFE_PLAIN.sub("", str(value))


def _html_finalize(value: Any) -> Any:
    return "" if value is None else value  # autoescape does the rest (and leaves Markup alone)


def _wrap(text: str, width: int = 76, indent: str = "") -> str:
    return textwrap.fill(
        " ".join(str(text).split()),
        width=width,
        initial_indent=indent,
        subsequent_indent=indent,
        break_long_words=False,
        break_on_hyphens=False,
    )


def _html_tex(text: Any) -> Markup:
    """A title or abstract for the HTML part: readable TeX, each piece HTML-escaped, emphasis as tags."""
    return Markup(runs_to_html(tex_runs(str(text)), lambda t: str(escape(t))))


def _html_tex_preview(text: Any, limit: int) -> Markup:
    """The first ``limit`` characters of the readable text (cut at a word), as :func:`_html_tex`."""
    runs = tex_runs(str(text))
    cut = shorten(tex_to_text(str(text)), limit)
    prefix = cut[:-1] if cut.endswith("…") else cut
    return Markup(runs_to_html(shorten_runs(runs, prefix), lambda t: str(escape(t))))


def _filters(env: jinja2.Environment, max_authors: int) -> jinja2.Environment:
    env.filters["authors"] = lambda authors: author_line(authors, max_authors)
    env.filters["tag"] = kind_tag
    env.filters["shorten"] = shorten
    env.filters["wrap"] = _wrap
    return env


class EmailRenderer:
    """The two parts of the day's e-mail, from ``email/digest.txt.j2`` and ``email/digest.html.j2``."""

    def __init__(self, templates_dir: Path | None, max_authors: int) -> None:
        self.text_env = _filters(
            make_environment(TEMPLATES, templates_dir, finalize=_plain, autoescape=False), max_authors
        )
        self.text_env.filters["tex"] = lambda text: tex_to_text(str(text))
        self.html_env = _filters(
            make_environment(TEMPLATES, templates_dir, finalize=_html_finalize, autoescape=True), max_authors
        )
        self.html_env.filters["tex"] = _html_tex
        self.html_env.filters["tex_preview"] = _html_tex_preview
        self.html_env.filters["tex_length"] = lambda text: len(tex_to_text(str(text)))

    def _context(self, selection: Selection) -> dict[str, Any]:
        return {
            "selection": selection,
            "subject": selection.subject,
            "title": selection.title,
            "day": selection.label,
            "topics": [
                {"name": t.topic.name, "url": selection.topic_url(t), "papers": t.papers}
                for t in selection.shown
            ],
            "paper_count": selection.paper_count,
            "day_url": selection.day_url,
            "preview_chars": ABSTRACT_PREVIEW_CHARS,
            "summary_of": selection.summary_of,  # machine-written (issue #11), or None
        }

    def text(self, selection: Selection) -> str:
        return self.text_env.get_template("digest.txt.j2").render(self._context(selection))

    def html(self, selection: Selection) -> str:
        return self.html_env.get_template("digest.html.j2").render(self._context(selection))


def _address(text: str) -> str:
    return parseaddr(text)[1]


def build_message(
    selection: Selection, settings: EmailSettings, renderer: EmailRenderer, *, now: dt.datetime
) -> EmailMessage:
    """The day's e-mail: headers, a text/plain part and a text/html alternative."""
    msg = EmailMessage()
    msg["Subject"] = selection.subject
    msg["From"] = settings.sender
    msg["To"] = ", ".join(settings.to)
    msg["Date"] = format_datetime(now)
    # The same message for the same day and recipients has the same id, so a resend after a lost
    # acknowledgement is recognisable as a duplicate by the receiving side.
    key = "\n".join([selection.label, *settings.to, *(t.topic.name for t in selection.topics)])
    domain = _address(settings.sender).rpartition("@")[2] or "arxiv-digest.invalid"
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]
    msg["Message-ID"] = f"<arxiv-digest.{selection.label}.{digest}@{domain}>"
    msg["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation auto-replies, please
    msg["X-Auto-Response-Suppress"] = "All"
    msg.set_content(renderer.text(selection), subtype="plain", charset="utf-8")
    msg.add_alternative(renderer.html(selection), subtype="html", charset="utf-8")
    return msg


def _server_text(e: smtplib.SMTPResponseException) -> str:
    raw = e.smtp_error
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
    return f"{e.smtp_code} {' '.join(text.split())}".strip()


def _b64(text: str) -> str:
    return base64.b64encode(text.encode("utf-8")).decode("ascii")


def login(smtp: smtplib.SMTP, username: str, password: str) -> None:
    """Log in, with a password in any script.

    ``smtplib`` encodes every AUTH exchange as ASCII, so a password such as ``pässwörd€`` raised
    UnicodeEncodeError before a byte was sent (python/cpython#73936, still open). An ASCII login goes
    through ``smtplib`` unchanged (CRAM-MD5 first, as it prefers); any other is sent as UTF-8, which
    AUTH PLAIN prescribes (RFC 4616) and servers offering AUTH LOGIN read, with PLAIN preferred.
    Raises what ``smtplib.SMTP.login`` raises.
    """
    if username.isascii() and password.isascii():
        smtp.login(username, password)
        return
    if not smtp.has_extn("auth"):
        raise smtplib.SMTPNotSupportedError("SMTP AUTH extension not supported by server.")
    offered = smtp.esmtp_features["auth"].upper().split()
    if "PLAIN" in offered:
        code, reply = smtp.docmd("AUTH", "PLAIN " + _b64(f"\0{username}\0{password}"))
    elif "LOGIN" in offered:
        code, reply = smtp.docmd("AUTH", "LOGIN " + _b64(username))
        if code == 334:
            code, reply = smtp.docmd(_b64(password))
    else:
        raise smtplib.SMTPException(
            "the password is not ASCII, and the server offers neither AUTH PLAIN nor AUTH LOGIN to send it "
            f"as UTF-8 (it offers {' '.join(offered) or 'nothing'})"
        )
    if code not in (235, 503):  # 503: already authenticated
        raise smtplib.SMTPAuthenticationError(code, reply)


def send_message(
    msg: EmailMessage, settings: EmailSettings, *, password: str | None, timeout_seconds: float
) -> dict[str, tuple[int, bytes]]:
    """Send ``msg`` to every recipient. Returns the recipients the server refused (the others got it);
    raises :class:`SendFailed` when nobody did."""
    if settings.username and not password:
        raise SendFailed(
            f"{SMTP_PASSWORD_ENV} is not set; set it as a GitHub Actions secret and map it in the "
            "workflow's env: (or export it)",
            retryable=False,
        )
    where = f"{settings.host}:{settings.port}"
    context = ssl.create_default_context()
    try:
        smtp: smtplib.SMTP
        if settings.security is SmtpSecurity.SSL:
            smtp = smtplib.SMTP_SSL(
                settings.host,
                settings.port,
                local_hostname=EHLO_NAME,
                timeout=timeout_seconds,
                context=context,
            )
        else:
            smtp = smtplib.SMTP(
                settings.host, settings.port, local_hostname=EHLO_NAME, timeout=timeout_seconds
            )
        with smtp:
            smtp.ehlo()
            if settings.security is SmtpSecurity.STARTTLS:
                if not smtp.has_extn("starttls"):
                    raise SendFailed(
                        f"{where} does not offer STARTTLS; refusing to send in clear text "
                        "(security: starttls; use `ssl` for port 465)"
                    )
                smtp.starttls(context=context)
                smtp.ehlo()
            if settings.username:
                assert password is not None
                login(smtp, settings.username, password)
            return smtp.send_message(
                msg, from_addr=_address(settings.sender), to_addrs=[_address(a) for a in settings.to]
            )
    except SendFailed:
        raise
    except smtplib.SMTPAuthenticationError as e:
        raise SendFailed(f"authentication failed at {where} ({_server_text(e)})") from None
    except smtplib.SMTPRecipientsRefused as e:
        refused = "; ".join(
            f"{rcpt}: {code} {' '.join(text.decode('utf-8', 'replace').split())}"
            for rcpt, (code, text) in e.recipients.items()
        )
        raise SendFailed(f"every recipient was refused ({refused})") from None
    except smtplib.SMTPResponseException as e:
        raise SendFailed(f"{where} answered {_server_text(e)}") from None
    except smtplib.SMTPNotSupportedError as e:
        raise SendFailed(f"{where}: {e}") from None
    except smtplib.SMTPServerDisconnected as e:
        raise SendFailed(f"{where} closed the connection ({e or 'unexpectedly'})") from None
    except ssl.SSLCertVerificationError as e:
        raise SendFailed(f"TLS certificate of {where} not trusted ({e.verify_message})") from None
    except ssl.SSLError as e:
        raise SendFailed(f"TLS with {where} failed ({e.reason or e})") from None
    except TimeoutError:
        raise SendFailed(f"{where} did not answer within {timeout_seconds:g} s") from None
    except ConnectionRefusedError:
        raise SendFailed(f"connection refused by {where}") from None
    except (OSError, smtplib.SMTPException) as e:
        detail = reason(e)
        raise SendFailed(f"cannot talk to {where} ({detail})") from None
