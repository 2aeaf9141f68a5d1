"""The digest as one e-mail a day: built with the standard library's ``email`` package (multipart/
alternative: a plain-text part and an HTML part) and sent with ``smtplib``. The parts arrive rendered
(``render/email.py``, called by the job): this module only wraps and sends them.

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
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr

from ..config import SMTP_PASSWORD_ENV, EmailSettings, SmtpSecurity
from ..errors import SendFailed, reason
from .outgoing import Outgoing

#: What the client says in EHLO. socket.getfqdn() (smtplib's default) can stall on a runner's DNS.
EHLO_NAME = "localhost"


def _address(text: str) -> str:
    return parseaddr(text)[1]


def build_message(outgoing: Outgoing, of: str, settings: EmailSettings, *, now: dt.datetime) -> EmailMessage:
    """The e-mail of ``of`` (a day, ``2026-07-03``, or an ISO week, ``2026-W27``): headers, a text/plain
    part and a text/html alternative (both rendered)."""
    msg = EmailMessage()
    msg["Subject"] = outgoing.subject
    msg["From"] = settings.sender
    msg["To"] = ", ".join(settings.to)
    msg["Date"] = format_datetime(now)
    # The same message for the same day and recipients has the same id, so a resend after a lost
    # acknowledgement is recognisable as a duplicate by the receiving side.
    key = "\n".join([of, *settings.to, *outgoing.topics])
    domain = _address(settings.sender).rpartition("@")[2] or "arxiv-digest.invalid"
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]
    msg["Message-ID"] = f"<arxiv-digest.{of}.{digest}@{domain}>"
    msg["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation auto-replies, please
    msg["X-Auto-Response-Suppress"] = "All"
    msg.set_content(outgoing.text, subtype="plain", charset="utf-8")
    msg.add_alternative(outgoing.html, subtype="html", charset="utf-8")
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
