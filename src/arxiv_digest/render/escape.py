"""Escaping arXiv text for Markdown, exactly once, for the context it lands in.

Each escaper escapes precisely the characters that the target parser (CommonMark/GFM, then a browser)
would interpret there, and nothing else. Ordinary text such as "R&D", "x < 1", "$\\ell_0$" therefore comes
out byte for byte as the reference printed it (so `match: substring` can reproduce its pages), while
``</details>``, ``<script>``, ``[x](javascript:…)``, ``**`` or backticks come out inert.

Inline text is escaped with character references (``&lt;``, ``&#42;``), never with backslashes: GitHub's
autolink extension reads a URL up to the next space or ``<``, backslashes included, and hands trailing
``*_~`` back to the parser, so a backslash escape right after a URL is undone (issue #7). A reference
is read by every CommonMark parser and by no extension.

Contexts:
- :func:`inline`: Markdown inline text (titles inside ``**[…](…)**``, author lines inside ``_…_``);
- :func:`html_text`: text inside a raw HTML block (the abstract, which sits inside ``<details>``, where
  CommonMark does no Markdown at all: only ``<`` and ``&`` can mean something);
- :func:`code`: an inline code span (keywords, category codes);
- :func:`table_cell`: inline text inside a GFM table cell (``|`` ends a cell).
"""

from __future__ import annotations

import re
from functools import lru_cache
from html.entities import html5

_ASCII_PUNCT = set("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")
_TAG_START = re.compile(r"[A-Za-z/!?]")
_MD_ENTITY = re.compile(r"&(?:#[0-9]{1,7};|#[xX][0-9a-fA-F]{1,6};|[A-Za-z][A-Za-z0-9]{0,31};)")
_ENTITY_NAMES = tuple(sorted(html5, key=len, reverse=True))
_ENTITY_FIRST = {name[0] for name in _ENTITY_NAMES}
_NEWLINES = re.compile(r"[\r\n\u2028\u2029]+")
# The only characters inline() may change: text without any of them comes out as it went in.
_HTML_SPECIAL = re.compile(r"[<&]")
_INLINE_SPECIAL = re.compile(r"[\\`\[\]*~_<&]")
# `https://x.example\\<img …>` left a live <img> on GitHub: the autolink took the backslash (issue #7).
_ENTITY_FOR = {"[": "&#91;", "]": "&#93;", "*": "&#42;", "~": "&#126;"}
_INERT_TAG = re.compile(r"</?([A-Za-z][A-Za-z0-9]*)>")
# Every element name a browser gives meaning to (HTML Living Standard, plus the SVG and MathML roots and
# obsolete elements browsers still implement). Other names are "unknown elements": no behaviour at all.
_HTML_ELEMENTS = frozenset(
    """
a abbr acronym address applet area article aside audio b base basefont bdi bdo bgsound big blink
blockquote body br button canvas caption center cite code col colgroup data datalist dd del details dfn
dialog dir div dl dt em embed fieldset figcaption figure font footer form frame frameset h1 h2 h3 h4 h5
h6 head header hgroup hr html i iframe image img input ins isindex kbd keygen label legend li link
listing main map mark marquee math menu menuitem meta meter multicol nav nextid nobr noembed noframes
noscript object ol optgroup option output p param picture plaintext portal pre progress q rb rp rt rtc
ruby s samp script search section select slot small source spacer span strike strong style sub summary
sup svg table tbody td template textarea tfoot th thead time title tr track tt u ul var video wbr xmp
""".split()  # noqa: SIM905
)


def _one_line(text: str) -> str:
    # Text is cleaned at ingestion, so line breaks are rare; `in` is ~200x faster than the regex scan.
    if "\n" not in text and "\r" not in text and "\u2028" not in text and "\u2029" not in text:
        return text
    return _NEWLINES.sub(" ", text)


def inline(text: str, *, ends_paragraph: bool = False) -> str:
    """Escape text for Markdown inline context so that it renders as itself and nothing more.

    ``ends_paragraph``: nothing but this text follows in its paragraph (the author line), so a run of
    backticks can only open a code span if an equally long run follows *within the text*; other runs are
    literal already and are left as they are.
    """
    text = _one_line(text)
    if not _INLINE_SPECIAL.search(text):
        return text
    live_backticks = _pairable_backticks(text) if ends_paragraph else None
    n = len(text)

    def one(m: re.Match[str]) -> str:  # called only at the few characters that may need escaping
        ch, i = m.group(), m.start()
        nxt = text[i + 1] if i + 1 < n else ""
        if ch == "\\":
            # A backslash only escapes ASCII punctuation; at the very end it would escape our closing `]`.
            return "&#92;" if (nxt == "" or nxt in _ASCII_PUNCT) else "\\"
        if ch == "`":
            return "&#96;" if live_backticks is None or i in live_backticks else "`"
        if ch == "_":
            prev = text[i - 1] if i > 0 else ""
            # Intraword underscores (`$\ell_0$`, `snake_case`) can never delimit emphasis in CommonMark.
            return "_" if (prev.isalnum() and nxt.isalnum()) else "&#95;"
        if ch == "<":
            return "&lt;" if _TAG_START.match(nxt) else "<"
        if ch == "&":
            return "&amp;" if _MD_ENTITY.match(text, i) else "&"
        return _ENTITY_FOR[ch]  # [ ] * ~

    return _INLINE_SPECIAL.sub(one, text)


def html_text(text: str, *, keep_inert_tags: bool = False) -> str:
    """Escape text that lands inside a raw HTML block (no Markdown applies there).

    ``keep_inert_tags`` (the reference-compatibility mode only) leaves a tag alone when it can do nothing:
    no attributes and a name that is not an HTML, SVG or MathML element (``</think>``, ``<eos>``). A
    browser shows nothing for such a tag, which is how the reference's pages read; everything else (any
    real element, any attribute, comments, declarations) is escaped in every mode.
    """
    text = _one_line(text)
    if "<" not in text and "&" not in text:  # most abstracts
        return text

    def one(m: re.Match[str]) -> str:
        i = m.start()
        if m.group() == "&":
            return "&amp;" if _starts_reference(text, i + 1) else "&"
        if keep_inert_tags:
            tag = _INERT_TAG.match(text, i)
            if tag and tag.group(1).lower() not in _HTML_ELEMENTS:
                return "<"
        return "&lt;" if _TAG_START.match(text, i + 1) else "<"

    return _HTML_SPECIAL.sub(one, text)


def _pairable_backticks(text: str) -> set[int]:
    """Offsets of backticks in runs that a later run of the same length could close (a code span)."""
    runs = [(m.start(), m.end()) for m in re.finditer(r"`+", text)]
    live: set[int] = set()
    for k, (start, end) in enumerate(runs):
        length = end - start
        if start in live:
            continue
        for start2, end2 in runs[k + 1 :]:
            if end2 - start2 == length:
                live.update(range(start, end))
                live.update(range(start2, end2))
                break
    if live:
        # An escaped backtick (\`) is still a one-backtick closer for a code span opened before it (a
        # backslash is literal inside a code span), so once any run is escaped, every run must be.
        return {i for i, ch in enumerate(text) if ch == "`"}
    return live


def _starts_reference(text: str, pos: int) -> bool:
    """Would a browser read a character reference at ``pos`` (just after ``&``)? Includes the legacy
    names it accepts without a semicolon (``&copy 2020``)."""
    if pos >= len(text):
        return False
    first = text[pos]
    if first == "#":
        return True
    if first not in _ENTITY_FIRST:
        return False
    window = text[pos : pos + 33]
    return any(window.startswith(name) for name in _ENTITY_NAMES if name[0] == first)


@lru_cache(maxsize=1024)
def code(text: str) -> str:
    """An inline code span holding ``text`` literally (fenced with enough backticks)."""
    text = _one_line(text)
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = (
        " "
        if text.startswith("`")
        or text.endswith("`")
        or (text.startswith(" ") and text.endswith(" ") and text.strip())
        else ""
    )
    return f"{fence}{pad}{text}{pad}{fence}"


def table_cell(text: str) -> str:
    return inline(text).replace("|", "\\|")


#: What ``quote(segment, safe="/-._~")`` leaves as it is, every character of it: ASCII letters and digits,
#: ``_.-~`` (always safe) and ``/``.
_URL_SAFE = re.compile(r"[A-Za-z0-9_.~/-]*")


def url_path(segment: str) -> str:
    """A relative link target for a file we wrote (topic names may hold spaces or Unicode). Most are
    already safe (``day/2026-06-30.html``): returned as they are, without quoting (issue #15: the archive
    pages link every day, more distinct paths than a cache would keep)."""
    if _URL_SAFE.fullmatch(segment):
        return segment
    return _quoted(segment)


@lru_cache(maxsize=4096)  # topic and category pages with spaces or Unicode in their names
def _quoted(segment: str) -> str:
    from urllib.parse import quote

    return quote(segment, safe="/-._~")
