"""TeX as readable text in the Markdown pages and the e-mail (issue #7), and TeX that is nested or huge
in every renderer (Markdown, site, e-mail): it renders or falls back to text, in linear time.

The real-data tests render the demo day (2026-06-30, real arXiv abstracts) and count the raw TeX
commands (``\\name``) a reader would see: none in the default mode; the compatibility mode keeps the
reference's raw bytes, so it still shows them (which is also what proves the count can fail).
"""

from __future__ import annotations

import datetime as dt
import re
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from arxiv_digest.config import parse_config
from arxiv_digest.models import AnnounceType, Digest, Paper, TopicDigest
from arxiv_digest.render import escape
from arxiv_digest.render.email import EmailRenderer
from arxiv_digest.render.markdown import MarkdownRenderer
from arxiv_digest.render.math import tex_to_html
from arxiv_digest.render.math_spans import math_spans
from arxiv_digest.render.selection import select
from arxiv_digest.render.tex_text import EM, STRONG, Run, runs_to_html, tex_runs, tex_to_text
from arxiv_digest.store.snapshot import loads
from tests import gfm
from tests.test_escape import FAST, html_events

RAW_COMMAND = re.compile(r"\\[A-Za-z]+")
#: Raw commands allowed to remain on a default-mode page: none.
ALLOWED_RAW: set[str] = set()
DAY = dt.date(2026, 6, 30)
CONFIG = parse_config("category:\n  cs.CV: Computer Vision\ntopic:\n  MLLM:\n    keywords: [MLLM]\n", env={})
COMPAT = parse_config(
    "match: substring\ncategory:\n  cs.CV: Computer Vision\ntopic:\n  MLLM:\n    keywords: [MLLM]\n", env={}
)


@pytest.mark.parametrize(
    ("tex", "text"),
    [
        ("\\emph{x}", "x"),
        ("$\\tilde{O}(\\sqrt{kT})$", "Õ(√(kT))"),
        ("$x_i^2 + y_{ij}$", "xᵢ² + yᵢⱼ"),
        ("$\\mathbb{R}^d$ and $\\mathcal{O}(n \\log n)$", "ℝᵈ and 𝒪(n log n)"),
        ("\\textbf{20$\\times$} faster", "20× faster"),
        ("$\\alpha \\leq \\beta$, $\\ell_0$ and 360$^\\circ$", "α ≤ β, ℓ₀ and 360°"),
        ("$\\frac{a+b}{2}$, $\\frac12$, $\\sqrt[3]{x}$", "(a+b)/2, 1/2, ∛x"),
        ("$\\hat{x}$, $\\bar{y}$, $\\sum_{i=1}^n$", "x̂, ȳ, ∑ᵢ₌₁ⁿ"),
        ("$x^{T+1}$, $W_{QK}$, $x^q$", "xᵀ⁺¹, W_(QK), x^q"),
        ("73\\% of \\texttt{foo\\_bar}", "73% of foo_bar"),
        ("prior work \\cite{a, b}. Next", "prior work. Next"),
        ("\\ourmodel{} beats \\model{Grok 4} and \\ourmethod", "ourmodel beats Grok 4 and ourmethod"),
        (
            "{\\em new} \\url{https://x.ex/a_b} \\href{https://y}{code}",
            "new https://x.ex/a_b code (https://y)",
        ),
        ("30--41\\%, ``quoted'', Fig.~1 \\footnote{see}", "30–41%, “quoted”, Fig. 1 (see)"),
        ("Andr\\'e and \\\"{o}", "André and ö"),
        ("costs $5 and $10", "costs $5 and $10"),
        ("$\\left( x \\right.$ and $\\{1, 2\\}$ \\ldots", "( x and {1, 2} …"),
        ("unbalanced } and { braces", "unbalanced and braces"),
        ("plain text stays", "plain text stays"),
    ],
)
def test_tex_reads_as_text(tex: str, text: str) -> None:
    assert tex_to_text(tex) == text


def test_emphasis_is_kept_as_runs_and_written_by_the_renderer() -> None:
    runs = tex_runs("\\emph{x} and \\textbf{y $\\alpha$} {\\em z}")
    assert runs == (Run("x", frozenset({EM})), Run(" and "), Run("y α", frozenset({STRONG})),
                    Run(" "), Run("z", frozenset({EM})))  # fmt: skip
    # The text is escaped by the context's escaper, once; the tags are ours.
    assert runs_to_html(tex_runs("\\emph{<img src=x>} & co"), escape.html_text) == (
        "<em>&lt;img src=x></em> & co"
    )


@pytest.fixture(scope="module")
def demo_papers(tmp_path_factory: pytest.TempPathFactory) -> list[Paper]:
    from arxiv_digest.cli import main

    out = tmp_path_factory.mktemp("demo")
    assert main(["-q", "demo", "--out", str(out)]) == 0
    content = (out / "data" / f"{DAY}.jsonl").read_bytes()
    return loads(content, source="demo", day=DAY)


def raw_commands(text: str) -> list[str]:
    return [c for c in RAW_COMMAND.findall(text) if c not in ALLOWED_RAW]


def page(papers: list[Paper], config: object) -> str:
    assert config is CONFIG or config is COMPAT
    digest = Digest(day=DAY, topics=(TopicDigest(config.topics[0], tuple(papers)),), categories=(), total=0)  # type: ignore[attr-defined]
    renderer = MarkdownRenderer(config)  # type: ignore[arg-type]
    return renderer.day_pages(digest, days=[DAY], archived=False)["hot_topic/MLLM.md"].decode("utf-8")


def test_no_raw_tex_command_on_a_default_mode_page_of_real_abstracts(demo_papers: list[Paper]) -> None:
    with_tex = [p for p in demo_papers if RAW_COMMAND.search(p.title + (p.abstract or ""))]
    assert len(with_tex) > 50  # the day has real TeX to convert
    before = raw_commands(page(with_tex, COMPAT))  # the reference's bytes: TeX as written
    after = raw_commands(page(with_tex, CONFIG))
    print(f"\nraw TeX commands on a page of {len(with_tex)} real papers: {len(before)} -> {len(after)}")
    assert len(before) > 150
    assert after == []
    # What GitHub shows of it has none either, and no markup but ours.
    html = gfm.render(page(with_tex, CONFIG))
    assert raw_commands(html) == []
    tags = {e[1] for e in html_events(html) if e[0] == "start"}
    assert tags <= {"h1", "h2", "p", "a", "img", "hr", "ul", "li", "strong", "em", "code", "br", "details",
                    "summary"}  # fmt: skip


def email(papers: list[Paper]) -> tuple[str, str]:
    digest = Digest(day=DAY, topics=(TopicDigest(CONFIG.topics[0], tuple(papers)),), categories=(), total=0)
    selection = select(digest, None, title="Daily arXiv Digest", repo=None, max_authors=CONFIG.max_authors)
    renderer = EmailRenderer(None, CONFIG.max_authors)
    return renderer.text(selection), renderer.html(selection)


def test_no_raw_tex_command_in_the_email_of_real_abstracts(demo_papers: list[Paper]) -> None:
    with_tex = [p for p in demo_papers if RAW_COMMAND.search(p.title + (p.abstract or ""))]
    text, html = email(with_tex)
    assert raw_commands(text) == []
    assert raw_commands(html) == []
    assert "Õ" in text or "√" in text or "×" in text  # math became symbols, it was not just dropped
    assert "<em>" in html  # \emph became emphasis in the HTML part


def test_the_email_preview_cuts_the_readable_text() -> None:
    abstract = "\\emph{Lead} " + "word " * 200 + "$\\alpha$"
    _, html = email([paper("T", abstract)])
    preview = re.search(r'<div style="margin:4px 0 0 0;font-size:14px;">(.*?)</div>', html, re.DOTALL)
    assert preview is not None
    assert preview.group(1).startswith("<em>Lead</em> word word")
    assert "…" in preview.group(1) and "read the abstract on arXiv" in preview.group(1)


def paper(title: str, abstract: str) -> Paper:
    return Paper(id="2606.00001", version=1, title=title, authors=("A. Author",), abstract=abstract,
                 categories=("cs.CV",), announce_type=AnnounceType.NEW, announced=DAY)  # fmt: skip


MATH_PIECES = ["$", "$$", "\\", "\\(", "\\)", "\\[", "\\]", " ", "a", "1", "\\log", "\n"]
NESTED = "\\a{" * 490 + "x" + "}" * 490
HUGE = "\\emph{x}" * 12_500  # 100 KB


@pytest.mark.parametrize("tex", [NESTED, "$" + NESTED + "$", "\\textbf{" * 490 + "x" + "}" * 490,
                                 "$" + "\\sqrt{" * 490 + "x" + "}" * 490 + "$", "{" * 490 + "x"])  # fmt: skip
def test_deeply_nested_tex_renders_everywhere(tex: str) -> None:
    """490 levels passed Python's recursion limit in the site's renderer; every renderer copes."""
    assert "x" in tex_to_text(tex)
    assert "x" in tex_to_html(tex)
    p = paper(tex, tex)
    for config in (CONFIG, COMPAT):
        text = page([p], config)
        assert text.count("<details open>") == 1
    text, html = email([p])
    assert "x" in text and "x" in html


@pytest.mark.parametrize(
    "tex",
    [HUGE, "\\(" * 50_000, "$" + "\\a{" * 25_000 + "$", "\\textbf{" * 30 + "x" + "}" * 30 + " " * 99_000,
     "$a " * 33_000, "{" * 100_000, "$x" + "^{x" * 30_000 + "$"],
    ids=["emph", "parens", "nested-math", "deep-then-long", "dollars", "braces", "scripts"],
)  # fmt: skip
def test_a_100_kb_abstract_renders_in_linear_time(tex: str) -> None:
    """99 KB of `\\emph{x}` took ~60 s on the site renderer. The bound is generous (machines are noisy);
    the timings are printed."""
    timings = {}
    for name, render in _RENDERERS.items():
        text = f"{name} {tex}"  # a text of its own: no renderer reuses what another converted (a cache)
        started = time.perf_counter()
        render(text)
        timings[name] = time.perf_counter() - started
    print(f"\n{len(tex) / 1000:.0f} KB: " + ", ".join(f"{k} {v:.3f} s" for k, v in timings.items()))
    assert all(seconds < 5 for seconds in timings.values()), timings


def _markdown_entry(tex: str) -> str:
    return MarkdownRenderer(CONFIG).entry(paper(tex[:200], tex), mark_updates=False, open_=True)


_RENDERERS: dict[str, Callable[[str], object]] = {
    "text": lambda t: tex_runs(t),
    "markdown": _markdown_entry,
    "site": lambda t: tex_to_html(t),
    "email": lambda t: email([paper("T", t)]),
}


# Math segments, in the order TeX users write them. A single `$` opens only before a non-space and closes
# only after one ("costs $5 and $10" is text); math that starts with a digit does not close before a digit
# ("$5,$10"), other math may ("$\sim$30%"); `\$` is a literal dollar.
REFERENCE_SEGMENT = re.compile(
    r"\$\$(?P<dd>.+?)\$\$"
    r"|(?<![\\$])\$(?P<d>[^\s$\d](?:[^$]*?[^\s$\\])?)\$"
    r"|(?<![\\$])\$(?P<t>\\[A-Za-z][^$]*?)\s+\$"  # `$\log x $`: a command, then a space before the `$`
    r"|(?<![\\$])\$(?P<n>\d(?:[^$]*?[^\s$\\])?)\$(?!\d)"
    r"|\\\((?P<p>.+?)\\\)"
    r"|\\\[(?P<b>.+?)\\\]",
    re.DOTALL,
)


@FAST
@given(st.lists(st.sampled_from(MATH_PIECES), max_size=40).map("".join))
def test_math_segments_are_found_as_the_reference_pattern_finds_them(text: str) -> None:
    """The linear segment finder agrees with the regular expression it replaces (which is quadratic)."""
    expected = []
    for m in REFERENCE_SEGMENT.finditer(text):
        group = next(k for k, v in m.groupdict().items() if v is not None)
        expected.append((m.start(), m.end(), m.start(group), m.end(group), group in ("dd", "b")))
    got = [(s.start, s.end, s.inner_start, s.inner_end, s.display) for s in math_spans(text)]
    assert got == expected


@FAST
@given(st.lists(st.sampled_from(["$", "\\", "{", "}", "[", "]", "^", "_", "~", "a", " ", "\\emph", "\\frac",
                                 "\\sqrt", "\\href", "\\cite", "\\'", "\\url", "\\left", "\\em", "\\x", "%",
                                 "\\mathbb", "\\begin", "\\item", "\\text", "\\\\", "--"]),
                max_size=30).map("".join))  # fmt: skip
def test_any_tex_converts_without_error(tex: str) -> None:
    runs = tex_runs(tex)
    assert all(r.text for r in runs)
    assert "\n" not in tex_to_text(tex)


def test_user_templates_written_before_the_tex_filters_still_render(tmp_path: Path) -> None:
    """A user's `_entry.md.j2` that still uses `| html_text` keeps working (raw TeX, escaped)."""
    folder = tmp_path / "markdown"
    folder.mkdir()
    (folder / "_entry.md.j2").write_text(
        "{% macro entry(paper, max_authors, mark_updates, open=True, cross_from=None, compat=False) -%}\n"
        "- {{ paper.title }}: {{ paper.abstract | html_text(compat) }}\n{% endmacro %}\n",
        encoding="utf-8",
    )
    yaml = f"templates: {tmp_path}\ncategory:\n  cs.CV: Computer Vision\ntopic:\n  MLLM:\n    keywords: [M]\n"
    config = parse_config(yaml, env={})
    entry = MarkdownRenderer(config).entry(paper("$x$", "\\emph{y}"), mark_updates=False, open_=True)
    assert entry == "- $x$: \\emph{y}\n"
