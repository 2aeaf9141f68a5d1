"""TeX in arXiv titles and abstracts -> HTML: math as MathML, text-mode macros as HTML, the rest escaped.

arXiv's text is TeX-flavoured: ``$\\tilde{O}(\\sqrt{T})$``, ``\\(x\\)``, ``$$…$$``, and outside math
``\\textbf{…}``, ``\\emph{…}``, ``73\\%``. The site must never show that source raw, so:

- a math segment is converted by latex2mathml, then *checked*: latex2mathml copies ``\\text{<script>}``,
  ``&`` and ``\\style{…}`` through unescaped, so its output is parsed as XML and accepted only when every
  element is MathML and every attribute is a presentational one with a plain value; it is then serialised
  again by lxml (which escapes text). Anything else, or a conversion error, or an unknown command
  (``\\foo`` kept as an identifier), shows the TeX, escaped, in a ``<code class="tex">``;
- the text-mode macros that arXiv abstracts use (``\\textbf``, ``\\textit``, ``\\emph``, ``{\\em …}``,
  ``\\textsc``, ``\\texttt``, ``\\underline``, ``\\url``, ``\\href``, ``\\textcolor``, ``\\footnote``,
  escaped specials such as ``\\%``) become HTML, their arguments rendered in turn (math included:
  ``\\textbf{20$\\times$}``); citations and labels are dropped; an author's own macro shows its argument
  (``\\model{Grok 4}``) or, without one, its name (``\\ourmodel``), so no TeX command is shown raw;
- any other text is escaped (as Jinja's autoescape does), so ``<script>`` or ``</div>`` in a title stays text.

Conversions are cached: a formula such as ``$k$`` recurs across thousands of papers.
"""

from __future__ import annotations

import re
from functools import lru_cache

from latex2mathml.converter import convert
from lxml import etree
from markupsafe import Markup, escape

from .math_spans import MathSpans

MATHML_NS = "http://www.w3.org/1998/Math/MathML"

# Outside math: a command with a braced argument, or a group opened by a font switch (`{\em x}`).
_BRACED = re.compile(r"\\([A-Za-z]+)\s*\{|\{\\(em|it|sl|bf|sc|tt|rm|sf|bfseries|itshape)(?![A-Za-z])\s*")
# What is left in plain text: an escaped special, a TeX space or line break, a command without argument.
_TEXT_MACRO = re.compile(r"\\(?:([A-Za-z]+)|([%$&#_{}])|(\\)|( ))")
_SWITCHES = {
    "em": "em",
    "it": "em",
    "sl": "em",
    "itshape": "em",
    "bf": "strong",
    "bfseries": "strong",
    "sc": 'span class="sc"',
    "tt": "code",
    "rm": "",
    "sf": "",
}
#: Commands whose argument is not text for a reader (citation keys, labels): dropped with it.
_DROPPED = frozenset(
    {"cite", "citep", "citet", "citealp", "ref", "eqref", "autoref", "cref", "Cref", "label"}
)
#: Commands that only change the size or layout: dropped, their argument (if any) kept.
_LAYOUT = frozenset(
    {
        "tiny",
        "scriptsize",
        "footnotesize",
        "small",
        "normalsize",
        "large",
        "Large",
        "LARGE",
        "huge",
        "Huge",
        "centering",
        "noindent",
        "par",
        "newline",
        "linebreak",
        "hfill",
        "quad",
    }
)
_SYMBOLS = {
    "textless": "<",
    "textgreater": ">",
    "ldots": "…",
    "dots": "…",
    "textasciitilde": "~",
    "textasciicircum": "^",
    "textbackslash": "\\",
    "textendash": "–",
    "textemdash": "—",
    "textbar": "|",
    "textbullet": "•",
    "S": "§",
    "P": "¶",
    "copyright": "©",
    "LaTeX": "LaTeX",
    "TeX": "TeX",
    "eg": "e.g.",
    "ie": "i.e.",
    "etal": "et al.",
    "etc": "etc.",
    "vs": "vs.",
}
_TAGS = {
    "textbf": "strong",
    "textit": "em",
    "emph": "em",
    "textsl": "em",
    "textsc": 'span class="sc"',
    "texttt": "code",
    "underline": "u",
    "textrm": "",
    "textsf": "",
    "text": "",
    "mbox": "",
}
#: Commands nested deeper than this are shown as text: each level is a Python call, and 490 of them
#: (``\\a{\\a{…}}``) passed the interpreter's recursion limit.
MAX_DEPTH = 32
#: Longer formulas are shown as TeX (the longest in 34,000 real abstracts is under 1,000 characters).
MAX_FORMULA_CHARS = 4000
_BRACES = re.compile(r"(?<!\\)[{}]")
_BRACE_TOKEN = re.compile(r"\\.|[{}]", re.DOTALL)
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SAFE_URL = re.compile(r"^https?://[^\s\"'<>\\]+$")

_ELEMENTS = frozenset(
    """math semantics annotation mrow mi mn mo ms mtext mspace msub msup msubsup munder mover munderover
    mfrac msqrt mroot mstyle mpadded mphantom menclose mtable mtr mtd mlabeledtr merror mfenced
    mmultiscripts mprescripts none""".split()  # noqa: SIM905
)
_ATTRIBUTES = frozenset(
    """display mathvariant stretchy fence separator accent accentunder lspace rspace width height depth
    voffset columnalign columnlines columnspacing rowalign rowlines rowspacing rowspan columnspan frame
    framespacing equalrows equalcolumns displaystyle scriptlevel linethickness minsize maxsize
    movablelimits symmetric largeop form notation open close separators mathcolor mathbackground
    mathsize encoding""".split()  # noqa: SIM905
)
_VALUE = re.compile(r"^[\w.%#+\- ]*$")
_TOKENS = frozenset({"mi", "mo", "mn", "mtext", "ms"})
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


def _escape(text: str) -> str:
    """MarkupSafe's escaping (Jinja's autoescape, the same bytes), as a plain string: the pieces are joined
    with our own markup, which a ``Markup`` would escape again when added to it."""
    return str(escape(text))


def tex_to_html(text: str) -> Markup:
    """HTML for a title or abstract: MathML for its math, HTML for its text macros, the rest escaped."""
    text = without_controls(text)
    if "$" not in text and "\\" not in text:  # no math, no command: escaped, nothing else
        return escape(text)
    if _too_deep(text):  # no real abstract nests so deep: read it as text, in linear time
        return Markup(_text(_BRACES.sub("", text)))
    return Markup(_render(text))


def _render(text: str, depth: int = 0) -> str:
    if depth > MAX_DEPTH:  # nested deeper than any real abstract: the rest as text (issue #7)
        return _text(_BRACES.sub("", text))
    out: list[str] = []
    pos = 0
    spans = MathSpans(text)
    m = spans.search(0)
    while pos < len(text):
        if m is not None and m.start < pos:  # the last command's argument held that formula
            m = spans.search(pos)
        b = _BRACED.search(text, pos, m.start if m else len(text))
        if b is not None:  # a command before the next formula; its argument may hold math
            close = _closing_brace(text, b.end())
            if close is not None:
                out.append(_text(text[pos : b.start()]))
                html, pos = _command(text, b, close, depth)
                if not html and out and text[pos : pos + 1] in (".", ",", ";", ":", ")"):
                    out[-1] = out[-1].rstrip()  # "datasets \\cite{x}." reads "datasets."
                out.append(html)
                continue
        if m is None:
            break
        out.append(_text(text[pos : m.start]))
        out.append(formula(text[m.inner_start : m.inner_end], display=m.display))
        pos = m.end
        m = spans.search(pos)
    out.append(_text(text[pos:]))
    return "".join(out)


def _wrap(tag: str, html: str) -> str:
    return f"<{tag}>{html}</{tag.split()[0]}>" if tag else html


def _command(text: str, m: re.Match[str], close: int, depth: int) -> tuple[str, int]:
    """HTML for ``\\name{arg}`` or ``{\\em …}`` (the argument ends at ``close``), and where to go on."""
    argument = text[m.end() : close]
    pos = close + 1
    switch, name = m.group(2), m.group(1)
    if switch is not None:
        return _wrap(_SWITCHES[switch], _render(argument, depth + 1)), pos
    if name == "url":
        return _link(argument, _escape(argument)), pos
    if name in ("href", "textcolor", "colorbox"):  # two arguments: {url}{label}, {colour}{text}
        second = _closing_brace(text, pos + 1) if text.startswith("{", pos) else None
        if second is None:
            return (_escape(argument) if name == "href" else ""), pos
        label = _render(text[pos + 1 : second], depth + 1)
        return (_link(argument, label) if name == "href" else label), second + 1
    if name in _TAGS:
        return _wrap(_TAGS[name], _render(argument, depth + 1)), pos
    if name == "footnote":
        return f" ({_render(argument, depth + 1).strip()})", pos
    if name in _DROPPED:
        return "", pos
    if not argument.strip() and name not in _LAYOUT:  # `\\method{}`: an author's macro for a name
        return _escape(_SYMBOLS.get(name, name)), pos
    return _render(argument, depth + 1), pos  # an author's own macro, `\\model{Grok 4}`: its text


def _text(text: str) -> str:
    """Text outside math and outside braced commands: escaped specials, TeX spaces, commands without an
    argument (a few symbols by name, layout commands dropped, any other shown by its name), the rest
    escaped."""
    if "\\" not in text:
        return _escape(text)
    out: list[str] = []
    pos = 0
    while (m := _TEXT_MACRO.search(text, pos)) is not None:
        out.append(_escape(text[pos : m.start()]))
        name, special, newline = m.group(1), m.group(2), m.group(3)
        pos = m.end()
        if special is not None:
            out.append(_escape(special))
        elif newline is not None or name is None:
            out.append(" ")
        elif name in _LAYOUT:
            if text.startswith(" ", pos):
                pos += 1
        elif text.startswith("{}", pos):  # `\\LaTeX{}`
            out.append(_escape(_SYMBOLS.get(name, name)))
            pos += 2
        elif text.startswith("{", pos):  # a command whose argument never closes: drop the command
            pos += 1
        else:
            out.append(_escape(_SYMBOLS.get(name, name)))
    out.append(_escape(text[pos:]))
    return "".join(out)


def _closing_brace(text: str, start: int) -> int | None:
    """The index of the ``}`` closing a group whose content starts at ``start`` (escaped braces skipped)."""
    depth = 1
    for m in _BRACE_TOKEN.finditer(text, start):
        brace = m.group()
        if brace == "{":
            depth += 1
        elif brace == "}":
            depth -= 1
            if depth == 0:
                return m.start()
    return None


def _link(url: str, label: str) -> str:
    url = url.strip()
    if _SAFE_URL.match(url):
        return f'<a href="{_escape(url)}" rel="nofollow noopener">{label}</a>'
    return label


@lru_cache(maxsize=16384)
def formula(tex: str, *, display: bool = False) -> str:
    """One math segment as checked MathML, or its TeX escaped in ``<code class="tex">`` if that fails."""
    mathml = _mathml(tex.strip(), display)
    if mathml is None:
        return f'<code class="tex">{_escape(tex.strip())}</code>'
    return mathml


def _mathml(tex: str, display: bool) -> str | None:
    # latex2mathml recurses per group and is slow on very long input: such formulas show as TeX.
    if not tex or len(tex) > MAX_FORMULA_CHARS or _too_deep(tex):
        return None
    try:
        raw = convert(tex, display="block" if display else "inline")
        root = etree.fromstring(raw.encode("utf-8"), _PARSER)
    except Exception:  # latex2mathml raises many types on bad TeX; lxml raises XMLSyntaxError
        return None
    if not _acceptable(root):
        return None
    # Keep the source for copying and for assistive technology; browsers do not render annotations.
    semantics = etree.Element(f"{{{MATHML_NS}}}semantics")
    children = list(root)
    row = children[0] if len(children) == 1 else etree.SubElement(semantics, f"{{{MATHML_NS}}}mrow")
    if len(children) == 1:
        semantics.append(row)
    else:
        for child in children:
            row.append(child)
    annotation = etree.SubElement(semantics, f"{{{MATHML_NS}}}annotation", encoding="application/x-tex")
    annotation.text = tex
    root.append(semantics)
    return str(etree.tostring(root, encoding="unicode"))


def without_controls(text: str) -> str:
    """``text`` without the ``CONTROL_CHARACTERS``. Every control character is unprintable, so a text that
    is printable once its line breaks are left out (arXiv wraps abstracts) is returned without a scan."""
    probe = text.replace("\n", "") if "\n" in text else text
    return text if probe.isprintable() else CONTROL_CHARACTERS.sub("", text)


def _too_deep(tex: str) -> bool:
    """Whether ``{…}`` groups nest deeper than MAX_DEPTH; no scan when fewer braces open in all."""
    return tex.count("{") > MAX_DEPTH and _depth(tex) > MAX_DEPTH


def _depth(tex: str) -> int:
    """How deeply ``{…}`` groups nest in ``tex``."""
    depth = deepest = 0
    for m in _BRACES.finditer(tex):
        depth += 1 if m.group() == "{" else -1
        deepest = max(deepest, depth)
    return deepest


def _acceptable(root: etree._Element) -> bool:
    for element in root.iter():
        if not isinstance(element.tag, str):  # a comment or processing instruction
            return False
        namespace, _, name = element.tag.rpartition("}")
        if namespace != "{" + MATHML_NS or name not in _ELEMENTS:
            return False
        for attribute, value in element.attrib.items():
            if attribute not in _ATTRIBUTES or not _VALUE.match(value):
                return False
        # An unknown command is kept by latex2mathml as an identifier "\foo": not math we can show.
        if name in _TOKENS and element.text and element.text.startswith("\\") and len(element.text) > 1:
            return False
    return True
