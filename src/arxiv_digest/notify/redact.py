"""Secrets kept out of every message delivery prints or stores (issue #7).

A channel's failure carries whatever the server or a library said, and servers echo what they were sent: a
webhook's error body may quote its URL (the token), an SMTP ``535`` reply the password or the base64 it
arrived in. That text lands on stderr, in ``delivery/<day>.json`` (which the workflow commits) and in
``status``, so it passes through :meth:`Redactor.scrub` first, at the one boundary where a failure becomes
a message (``deliver._attempts``), and again where ``status`` prints a record an older version wrote.

What is secret: the SMTP password (``ARXIV_DIGEST_SMTP_PASSWORD``), the summaries' API key (the variable
``summaries.key`` names), and each webhook URL: the URL itself,
its path and each tail of it (with and without the leading slash), its query, the path segments and query
values that look like tokens, the password of a ``user:password@``. Each is searched in every form a
server or a library may echo it in, and the forms of those forms: as is, with whitespace runs collapsed,
percent-encoded (``/`` kept or not, either case of hex), JSON-escaped (``\\uXXXX`` or not, ``/`` as
``\\/``), HTML-escaped (named, decimal or hex references, ``/`` as ``&#x2F;``), Python's escapes
(``\\xe4``, and a UTF-8 bytes repr's ``\\xc3\\xa4``), UTF-8 misread as Latin-1 or cp1252; and the password
in base64 as AUTH LOGIN and AUTH PLAIN carry it, exactly or at any of the three alignments inside a longer
base64 string. Matching ignores case. A text that still holds a secret once percent-, HTML- or
backslash-decoded (a form not in that list, such as a partly percent-encoded token) is withheld whole.

Short secrets: a whole secret (the password, a URL) is searched only from :data:`MIN_SECRET_CHARS`
characters, since a one-character password would blank every message and one that short is guessed
before it is read. Pieces of a secret (a segment, a query value, a path, a base64 stretch at a shifted
alignment) are searched only from :data:`MIN_PIECE_CHARS` characters and, for a segment or value, only
when it does not read as a lowercase word (``services``, ``webhooks``, ``json``): shorter pieces occur in
ordinary text by chance, and a route word is no secret.
"""

from __future__ import annotations

import base64
import html
import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from urllib.parse import quote, quote_plus, unquote_plus, urlsplit

from ..config import SMTP_PASSWORD_ENV, NotifySettings
from ..wording import shorten

#: A whole secret shorter than this is not searched for (see the module docstring).
MIN_SECRET_CHARS = 4
#: A piece of a secret (path segment, query value, shifted base64) shorter than this is not searched for.
MIN_PIECE_CHARS = 8
#: The longest message kept of a failure (cut after the secrets are, never before: a secret cut in two
#: would escape the search).
MAX_MESSAGE_CHARS = 500
#: What a text is replaced by when a secret is in it in a form that cannot be cut out.
WITHHELD = "(details withheld: they held a secret in a form that could not be cut out)"

PASSWORD, URL, TOKEN, API_KEY = "<password>", "<webhook URL>", "<secret>", "<API key>"

# A route word rather than a token: lowercase letters, maybe joined by - or _ ("incoming-webhook").
_WORD = re.compile(r"[a-z]+(?:[-_][a-z]+)*")
#: From this length even a lowercase-only piece is taken for a token (random lowercase strings exist).
_LONG_PIECE_CHARS = 20


def _json(text: str) -> Iterator[str]:
    for ascii_only in (True, False):
        escaped = json.dumps(text, ensure_ascii=ascii_only)[1:-1]
        yield escaped
        yield escaped.replace("/", "\\/")


def _html(text: str) -> Iterator[str]:
    for quoted in (True, False):
        escaped = html.escape(text, quote=quoted)
        for refs in (escaped, escaped.encode("ascii", "xmlcharrefreplace").decode("ascii")):
            yield refs
            yield refs.replace("/", "&#x2F;")
            yield refs.replace("/", "&#47;")
        yield "".join(c if c.isascii() else f"&#x{ord(c):x};" for c in escaped)


def _percent(text: str) -> Iterator[str]:
    yield quote(text, safe="")
    yield quote(text, safe="/")
    yield quote_plus(text, safe="")


def _python(text: str) -> Iterator[str]:
    yield ascii(text)[1:-1]
    yield repr(text.encode("utf-8"))[2:-1]


def _misread(text: str) -> Iterator[str]:
    raw = text.encode("utf-8")
    yield raw.decode("latin-1")
    yield raw.decode("cp1252", "replace")


_ENCODINGS: tuple[Callable[[str], Iterable[str]], ...] = (_json, _html, _percent, _python, _misread)


def forms(secret: str) -> set[str]:
    """``secret`` as a server or a library may echo it: as is, in each encoding, and each encoding of
    those (a JSON body quoting a percent-encoded path)."""
    first = {secret, " ".join(secret.split())}
    for encode in _ENCODINGS:
        first.update(encode(secret))
    out = set(first)
    for text in first:
        for encode in _ENCODINGS:
            out.update(encode(text))
    return out


def _b64(data: bytes) -> Iterator[str]:
    for text in (base64.b64encode(data).decode("ascii"), base64.urlsafe_b64encode(data).decode("ascii")):
        yield text
        yield text.rstrip("=")


def base64_forms(password: str, username: str | None) -> dict[str, bool]:
    """The password in base64 -> whether the form is a piece (subject to :data:`MIN_PIECE_CHARS`): as AUTH
    LOGIN sends it, as AUTH PLAIN sends it with the user name, and the stretch that encodes it whatever
    precedes it in a longer base64 string (each of the three alignments)."""
    raw = password.encode("utf-8")
    out = {text: False for text in _b64(raw)}
    if username is not None:
        user = username.encode("utf-8")
        for blob in (b"\0" + user + b"\0" + raw, user + b"\0" + user + b"\0" + raw):
            out.update((text, False) for text in _b64(blob))
    for shift in range(3):
        for text in _b64(b"\0" * shift + raw):
            # Characters that mix bits of the prefix, or of what follows, are not the password's own.
            start, end = (8 * shift + 5) // 6, 8 * (shift + len(raw)) // 6
            out.setdefault(text[start:end], True)
    return out


def _is_token(piece: str) -> bool:
    if len(piece) < MIN_PIECE_CHARS:
        return False
    return len(piece) >= _LONG_PIECE_CHARS or not _WORD.fullmatch(piece)


def url_secrets(url: str) -> dict[str, str]:
    """The secret strings of a webhook URL -> the label that replaces them."""
    out = {url: URL}
    parts = urlsplit(url)
    path = parts.path
    query = parts.query
    pieces = [f"{path}?{query}" if query else "", query]
    segments = path.split("/")
    for i, segment in enumerate(segments):
        # Each tail of the path ("T0AAA/B0BBB/token" after Slack's "/services"), with and without its
        # slash, and each segment alone.
        tail = "/".join(segments[i:])
        pieces += [tail, f"/{tail}", segment, unquote_plus(segment)]
    for pair in query.split("&"):
        value = pair.partition("=")[2]
        pieces += [value, unquote_plus(value)]
    if parts.password:
        pieces.append(unquote_plus(parts.password))
    for piece in pieces:
        if _is_token(piece):
            out.setdefault(piece, TOKEN)
    return out


def _lower(text: str) -> str:
    """``text`` case-folded, one character for one (so that positions agree with ``text``). Case folding,
    not lower case: "µ" (micro sign) upper-cases to "Μ", whose lower case is "μ", and only folding maps
    all three to one character."""
    low = text.casefold()
    if len(low) == len(text):
        return low
    return "".join(_fold_one(c) for c in text)  # "ß" folds to "ss", "İ" lowers to two


def _fold_one(c: str) -> str:
    folded = c.casefold()
    if len(folded) == 1:
        return folded
    lowered = c.lower()
    return lowered if len(lowered) == 1 else c


@dataclass(frozen=True, slots=True)
class Redactor:
    """Cuts the secrets of one delivery out of any text. Build it with :meth:`for_delivery`."""

    #: every searched form, in lower case -> its label; longest first
    labels: Mapping[str, str] = field(default_factory=dict)
    #: the secrets themselves (lower case), looked for in decoded views of a scrubbed text
    secrets: tuple[str, ...] = ()

    @classmethod
    def of(cls, secrets: Mapping[str, str], pieces: Mapping[str, str] | None = None) -> Redactor:
        """``secrets`` (whole: every form searched) and ``pieces`` (already in their final form) -> label."""
        labels: dict[str, str] = {}
        for secret, label in secrets.items():
            if len(secret.strip()) >= MIN_SECRET_CHARS:
                # Upper case too: folding is one character for one, and "ß" upper-cases to "SS".
                for form in {*forms(secret), secret.upper()}:
                    # (a password of spaces collapses to one: a form must pass the length rule too)
                    if len(form.strip()) >= MIN_SECRET_CHARS:
                        labels.setdefault(_lower(form), label)
        for piece, label in (pieces or {}).items():
            if piece:
                labels.setdefault(_lower(piece), label)
        ordered = sorted(labels, key=lambda f: (-len(f), f))
        kept = tuple(
            _lower(form)
            for s in secrets
            if len(s.strip()) >= MIN_SECRET_CHARS
            for form in dict.fromkeys((s, s.upper()))
        )
        return cls({f: labels[f] for f in ordered}, kept)

    @classmethod
    def for_delivery(
        cls, notify: NotifySettings | None, env: Mapping[str, str], *, api_key_env: str | None = None
    ) -> Redactor:
        """The secrets a delivery with these settings holds: its webhook URLs and the SMTP password; and
        the summaries' API key (issue #11), held in the variable ``api_key_env``, which this process
        knows too and no message may show."""
        secrets: dict[str, str] = {}
        pieces: dict[str, str] = {}
        api_key = env.get(api_key_env, "").strip() if api_key_env else ""
        if api_key:
            secrets[api_key] = API_KEY
        for hook in notify.webhooks if notify is not None else ():
            secrets.update(url_secrets(hook.url))
        password = env.get(SMTP_PASSWORD_ENV) or ""
        if password:
            secrets[password] = PASSWORD
            username = notify.email.username if notify is not None and notify.email is not None else None
            for text, is_piece in base64_forms(password, username).items():
                # The length rule applies to the form: AUTH PLAIN's blob (with the user name) is long
                # whatever the password, a 1-character password's own base64 is not.
                if len(text) >= (MIN_PIECE_CHARS if is_piece else MIN_SECRET_CHARS):
                    pieces.setdefault(text, PASSWORD)
        return cls.of(secrets, pieces)

    def _spans(self, low: str) -> list[tuple[int, int, str]]:
        """Where the forms occur in ``low``: overlapping occurrences merged into one span, so that no
        part of a secret survives next to another one."""
        found = []
        for form, label in self.labels.items():
            at = low.find(form)
            while at != -1:
                found.append((at, at + len(form), label))
                at = low.find(form, at + 1)
        found.sort(key=lambda s: (s[0], -s[1]))
        merged: list[tuple[int, int, str]] = []
        for start, end, label in found:
            if merged and start < merged[-1][1]:
                first = merged[-1]
                merged[-1] = (first[0], max(first[1], end), first[2])
            else:
                merged.append((start, end, label))
        return merged

    def scrub(self, text: str) -> str:
        """``text`` with every form of every secret replaced by its label (``<password>``, ``<webhook
        URL>``, ``<secret>``), or :data:`WITHHELD` when a secret is left in a form that cannot be cut."""
        if not self.labels:
            return text
        spans = self._spans(_lower(text))
        kept, cut, last = [], [], 0
        for start, end, label in spans:
            kept.append(text[last:start])
            cut.append(text[last:start])
            kept.append(label)
            cut.append("\0")  # a separator, so that a label never counts as a secret ("<password>")
            last = end
        kept.append(text[last:])
        cut.append(text[last:])
        rest = _lower("".join(cut))
        if any(secret in view for view in _decoded_views(rest) for secret in self.secrets):
            return WITHHELD
        return "".join(kept)

    def message(self, text: str) -> str:
        """What may be shown and stored of ``text``: its secrets cut (:meth:`scrub`), then on one line and
        at most :data:`MAX_MESSAGE_CHARS` long."""
        return shorten(self.scrub(text), MAX_MESSAGE_CHARS)


_BACKSLASH = re.compile(r"\\(u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2}|.)", re.DOTALL)


def _unbackslash(text: str) -> str:
    def one(m: re.Match[str]) -> str:
        code = m.group(1)
        return chr(int(code[1:], 16)) if len(code) > 1 else code

    return _BACKSLASH.sub(one, text)


def _decoded_views(text: str) -> Iterator[str]:
    """``text`` as each decoding, and every chain of them, would read it."""
    views = {text}
    for _ in range(3):
        views |= {decode(v) for v in views for decode in (unquote_plus, html.unescape, _unbackslash)}
    yield from views
