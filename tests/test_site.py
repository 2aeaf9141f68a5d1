"""The HTML site (issue #4) without a browser: what the pages hold, hostile text kept inert, TeX rendered,
the same bytes from the same input, `site: false`, stale pages, template overrides, the 2,000-paper day,
and `arxiv-digest serve`. The browser's view is in test_site_browser.py."""

from __future__ import annotations

import datetime as dt
import functools
import os
import re
import shutil
import subprocess
import sys
import urllib.request
from collections.abc import Callable, Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import html as lxml_html

from arxiv_digest.config import load_config, parse_config
from arxiv_digest.errors import ConfigError
from arxiv_digest.jobs.rebuild import rebuild
from arxiv_digest.match.digest import build_digest
from arxiv_digest.models import AnnounceType, Paper
from arxiv_digest.render import math as tex
from arxiv_digest.render.site import PAST_LINKS, SiteRenderer
from arxiv_digest.render.site_context import PaperInfo
from arxiv_digest.store import snapshot
from tests import bigday, sitebuild
from tests.conftest import CliResult, tree_state

Cli = Callable[..., CliResult]
DAY = sitebuild.LATEST.isoformat()
TOPICS = ("LLM", "MLLM", "Test-Time-Scaling", "Embodied_AI", "Diffusion", "3D_Reconstruction",
          "3D_Generation", "Benchmark")  # fmt: skip
CATEGORIES = ("cs.AI", "cs.CL", "cs.CV", "cs.LG", "cs.MA", "cs.RO")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site") / "digest"
    sitebuild.build(out)
    return out


def html_pages(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html"))


def visible_text(element: lxml_html.HtmlElement) -> str:
    """The text a reader sees: MathML annotations (the TeX source, never rendered) left out."""
    for annotation in element.xpath(".//*[local-name()='annotation']"):
        annotation.getparent().remove(annotation)
    return str(element.text_content())


# -- what the site holds -------------------------------------------------------------------------------


def test_the_site_has_every_page_the_issue_lists(built: Path) -> None:
    site = built / "site"
    for rel in ("index.html", "archive.html", "assets/site.css", "assets/site.js", "feeds/all.xml"):
        assert (site / rel).is_file(), rel
    days = sorted(p.stem for p in (built / "data").glob("*.jsonl"))
    assert len(days) == 3
    for day in days:
        assert (site / "day" / f"{day}.html").is_file()
        for topic in TOPICS:
            assert (site / "day" / day / "topic" / f"{topic}.html").is_file()
        for code in CATEGORIES:
            assert (site / "day" / day / "category" / f"{code}.html").is_file()
    for topic in TOPICS:
        assert (site / "topic" / f"{topic}.html").is_file()
        assert (site / "feeds" / f"{topic}.xml").is_file()
    for code in CATEGORIES:
        assert (site / "category" / f"{code}.html").is_file()
    index = (site / "index.html").read_text(encoding="utf-8")
    for topic in TOPICS:
        assert f'href="topic/{topic}.html"' in index and f'href="feeds/{topic}.xml"' in index
    for code in CATEGORIES:
        assert f'href="category/{code}.html"' in index
    assert 'href="archive.html"' in index and 'href="feeds/all.xml"' in index
    archive = lxml_html.fromstring((site / "archive.html").read_bytes())
    assert [a.get("href") for a in archive.cssselect("table:not(.weeks) tbody a")] == [
        f"day/{d}.html" for d in reversed(days)
    ]


def test_every_paper_element_shows_what_the_issue_asks(built: Path) -> None:
    config = load_config(built / "config.yml")
    papers = snapshot.loads((built / "data" / f"{DAY}.jsonl").read_bytes(), source="t")
    digest = build_digest(config, sitebuild.LATEST, papers)
    by_id = {p.id: p for p in papers}
    for c in digest.categories:
        page = lxml_html.fromstring((built / "site" / "category" / f"{c.spec.slug}.html").read_bytes())
        elements = page.cssselect("[data-arxiv-id]")
        assert [e.get("data-arxiv-id") for e in elements] == [item.paper.id for item in c.listings]
        for element in elements:
            paper = by_id[element.get("data-arxiv-id")]
            (link,) = element.cssselect(".title a")
            assert link.get("href") == f"https://arxiv.org/abs/{paper.id}"
            assert element.cssselect(".authors")[0].text_content().startswith(paper.authors[0][:3])
            assert [c.text for c in element.cssselect(".cat")] == list(paper.categories)
            (tag,) = element.cssselect(".tag")
            kind = {"new": "new", "cross": "cross"}.get(paper.announce_type.value, "updated")
            assert tag.get("class") == f"tag {kind}"
            assert element.cssselect(".abstract"), paper.id


def test_topic_pages_list_exactly_the_markdown_topic_pages_papers(built: Path) -> None:
    for root, site_root in (("", "site/"), (f"archive/{DAY}/", f"site/day/{DAY}/")):
        for topic in TOPICS:
            page = lxml_html.fromstring((built / f"{site_root}topic/{topic}.html").read_bytes())
            ids = [e.get("data-arxiv-id") for e in page.cssselect("[data-arxiv-id]")]
            assert ids == sitebuild.markdown_ids(built / f"{root}hot_topic", topic), topic


def test_the_index_links_each_topic_with_its_count_and_lists_its_papers(built: Path) -> None:
    index = lxml_html.fromstring((built / "site" / "index.html").read_bytes())
    for topic in TOPICS:
        (section,) = index.cssselect(f'section[data-topic="{topic}"]')
        ids = [e.get("data-arxiv-id") for e in section.cssselect("[data-arxiv-id]")]
        assert ids == sitebuild.markdown_ids(built / "hot_topic", topic)
        assert section.cssselect("h2 .count")[0].text == str(len(ids))
        assert not section.cssselect(".abstract")  # the topic pages carry them


def test_topic_pages_link_the_same_topic_on_other_days(built: Path) -> None:
    days = sorted(p.stem for p in (built / "data").glob("*.jsonl"))
    latest = lxml_html.fromstring((built / "site" / "topic" / "LLM.html").read_bytes())
    past = [a.get("href") for a in latest.cssselect("details.past a")]
    assert past == [f"../day/{d}/topic/LLM.html" for d in reversed(days[:-1])]
    middle = lxml_html.fromstring((built / "site" / "day" / days[1] / "topic" / "LLM.html").read_bytes())
    assert middle.cssselect('a[rel="prev"]')[0].get("href") == f"../../{days[0]}/topic/LLM.html"
    assert middle.cssselect('a[rel="next"]')[0].get("href") == f"../../{days[2]}/topic/LLM.html"


def test_the_latest_pages_link_the_newest_earlier_days_and_the_archive_for_older_ones(tmp_path: Path) -> None:
    """Issue #12: the latest topic and category pages keep the same size however long the history is."""
    config = sitebuild.write_history(tmp_path, earlier_days=0, per_day=20)
    papers = snapshot.loads(next((tmp_path / "data").glob("*.jsonl")).read_bytes(), source="x")
    day = papers[0].announced
    digest = build_digest(config, day, papers)
    earlier = sitebuild.weekdays_before(day, PAST_LINKS + 25)
    files = SiteRenderer(config).top_files(digest, [*earlier, day])
    page = lxml_html.fromstring(files["topic/LLM.html"])
    links = [a.get("href") for a in page.cssselect("details.past a")]
    newest = sorted(earlier, reverse=True)[:PAST_LINKS]
    assert links == [f"../day/{d}/topic/LLM.html" for d in newest] + ["../archive.html"]
    assert page.cssselect("details.past a.older")[0].text == "25 older days: the archive"
    assert page.cssselect("details.past summary")[0].text == f"The same on {PAST_LINKS + 25} earlier days"


def test_latex_is_rendered_as_mathml_and_never_shown_raw(built: Path) -> None:
    page = lxml_html.fromstring((built / "site" / "topic" / "LLM.html").read_bytes())
    (sharp,) = page.cssselect('[data-arxiv-id="2606.99901"]')
    assert len(sharp.xpath(".//*[local-name()='math']")) == 4  # two in the title, two in the abstract
    assert sharp.xpath(".//*[local-name()='math'][@display='block']")
    assert sharp.cssselect(".abstract strong")[0].text == "large language model"
    for path in html_pages(built / "site"):
        page = lxml_html.fromstring(path.read_bytes())
        for fallback in page.cssselect("code.tex"):  # a formula latex2mathml cannot convert, shown as TeX
            fallback.drop_tree()
        text = visible_text(page)
        assert not re.search(r"\$\\|\\\(|\$\$|\\[A-Za-z]+", text), f"raw TeX in {path}"


def test_hostile_text_from_arxiv_stays_text(built: Path) -> None:
    for rel in ("topic/LLM.html", "category/cs.CL.html", "index.html"):
        raw = (built / "site" / rel).read_text(encoding="utf-8")
        tree = lxml_html.fromstring(raw)
        assert len(tree.xpath("//script")) == 1, rel  # site.js, and nothing else
        assert not tree.xpath("//img | //svg | //*[@onerror] | //*[@onload] | //*[@onmouseover]"), rel
        (hostile,) = [e for e in tree.cssselect('[data-arxiv-id="2606.99902"]')][:1]
        assert "<script>window.__pwned = 1</script>" in hostile.cssselect(".title")[0].text_content()
        assert "&lt;script&gt;" in raw


# -- escaping, property-tested -------------------------------------------------------------------------

FRAGMENTS = [
    "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "onerror=", "javascript:alert(1)", "</div>",
    "</article>", "</li>", "<!--", "-->", "<![CDATA[", "]]>", '"', "'", "&", "&amp;", "&lt;", "<", ">",
    "$x$", "$\\frac{1}{2}$", "$$a^2$$", "\\(y\\)", "$\\text{<b>x</b>}$", "\\textbf{", "}", "{",
    "\\href{javascript:alert(1)}{x}", "\\url{https://e.org/\"onmouseover=x}", "\\emph{<i>}",
    "$\\style{x}{y}$", "<svg onload=alert(1)>", "<math><mi>x</mi></math>", "<a href='javascript:x'>", " ",
    "word", "\\", "$",
]  # fmt: skip
hostile_text = st.lists(st.sampled_from(FRAGMENTS) | st.text(max_size=4), max_size=12).map("".join)
# What our templates and the TeX renderer may produce; anything else came from the text.
TEMPLATE_TAGS = {"article", "h2", "a", "p", "span", "li", "br", "strong", "em", "code", "u"}
TEMPLATE_ATTRIBUTES = {"class", "href", "rel", "data-arxiv-id", "data-topics", "xmlns"}
#: MathML's presentation markup (W3C MathML 3, chapter 3, with semantics/annotation), which the TeX
#: renderer may write inside a <math> element: no element of it runs script or loads anything.
MATHML_TAGS = set(
    """math semantics annotation mrow mi mn mo ms mtext mspace msub msup msubsup munder mover munderover
    mfrac msqrt mroot mstyle mpadded mphantom menclose mtable mtr mtd mlabeledtr merror mfenced
    mmultiscripts mprescripts none""".split()  # noqa: SIM905
)
#: ... and its presentation attributes (MathML 3, its attribute index; no event handler, no link).
MATHML_ATTRIBUTES = set(
    """display mathvariant stretchy fence separator accent accentunder lspace rspace width height depth
    voffset columnalign columnlines columnspacing rowalign rowlines rowspacing rowspan columnspan frame
    framespacing equalrows equalcolumns displaystyle scriptlevel linethickness minsize maxsize
    movablelimits symmetric largeop form notation open close separators mathcolor mathbackground
    mathsize encoding""".split()  # noqa: SIM905
)


class _Tags(HTMLParser):
    """Every start tag and attribute a browser's tokenizer would see, and whether it is inside <math>."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]], bool]] = []
        self.math = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs, self.math > 0))
        self.math += tag == "math"

    def handle_endtag(self, tag: str) -> None:
        self.math -= tag == "math" and self.math > 0

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs, self.math > 0))


def _paper(title: str, abstract: str, authors: tuple[str, ...]) -> Paper:
    return Paper(
        id="2606.00001", version=2, title=title, authors=authors, abstract=abstract, categories=("cs.CL",),
        announce_type=AnnounceType.REPLACE, announced=dt.date(2026, 6, 30),
    )  # fmt: skip


@functools.cache
def _packaged_site() -> SiteRenderer:
    """The packaged templates' renderer: the macros of ``_paper.html.j2``, as every page calls them."""
    return SiteRenderer(load_config(sitebuild.SCAFFOLD))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(title=hostile_text, abstract=hostile_text, author=hostile_text)
def test_hostile_text_never_becomes_an_element_or_attribute(title: str, abstract: str, author: str) -> None:
    info = PaperInfo("updated", "Updated", ("LLM",), None)
    paper = _paper(title, abstract, (author,))
    site = _packaged_site()
    for rendered in (str(site.paper(paper, info)), str(site.brief(paper, info))):
        parser = _Tags()
        parser.feed(rendered)
        parser.close()
        for tag, attrs, in_math in parser.tags:
            # MathML only as the TeX renderer writes it: a <math> of MathML's namespace, its markup inside
            if tag == "math":
                assert not in_math and ("xmlns", tex.MATHML_NS) in attrs, (attrs, rendered)
            assert tag in (MATHML_TAGS - {"math"} if in_math else TEMPLATE_TAGS | {"math"}), (tag, rendered)
            for name, value in attrs:
                assert name in (
                    MATHML_ATTRIBUTES | {"xmlns"} if in_math or tag == "math" else TEMPLATE_ATTRIBUTES
                ), (name, rendered)
                assert not name.startswith("on")
                if name == "href":
                    assert value is not None and value.startswith("https://"), (value, rendered)
        # The structure is the template's: one article/li, closed where the template closes it.
        tree = lxml_html.fragment_fromstring(rendered.strip())
        assert tree.get("data-arxiv-id") == "2606.00001"
        shown = tex.CONTROL_CHARACTERS.sub("", author).replace("\r\n", "\n").replace("\r", "\n")
        assert tree.cssselect(".authors")[0].text_content() == shown


@settings(max_examples=200, deadline=None)
@given(text=hostile_text)
def test_text_without_tex_comes_out_as_itself(text: str) -> None:
    plain = text.replace("$", "").replace("\\", "")
    rendered = tex.tex_to_html(plain)
    expected = (
        tex.CONTROL_CHARACTERS.sub("", plain).replace("\r\n", "\n").replace("\r", "\n")
    )  # HTML's newlines
    assert lxml_html.fragment_fromstring(f"<p>{rendered}</p>").text_content() == expected


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("costs $5 and $10", "costs $5 and $10"),
        ("\\$2,600 and 20\\%", "$2,600 and 20%"),
        ("$\\text{<script>}$", '<code class="tex">\\text{&lt;script&gt;}</code>'),
        ("$\\foo{x}$", '<code class="tex">\\foo{x}</code>'),
        ("$x & y$", '<code class="tex">x &amp; y</code>'),
        ("$\\style{color:red}{x}$", '<code class="tex">\\style{color:red}{x}</code>'),
        ("\\href{javascript:alert(1)}{x}", "x"),
        ("\\href{https://e.org}{code}", '<a href="https://e.org" rel="nofollow noopener">code</a>'),
        ("\\textit{a \\textbf{b}}", "<em>a <strong>b</strong></em>"),
        ("\\dataset is new", "dataset is new"),  # an author's own macro: its name, without the backslash
        ("\\textbf{20$\\times$ faster}", "<strong>20" + tex.formula("\\times") + " faster</strong>"),
        ("\\textit{$A$ (\\textbf{A}ttack)}", "<em>" + tex.formula("A") + " (<strong>A</strong>ttack)</em>"),
        ("code\\footnote{\\scriptsize at https://e.org} and", "code (at https://e.org) and"),
        ("{\\em Bit-ViP}, a scheme", "<em>Bit-ViP</em>, a scheme"),
        (
            "see \\textcolor{magenta}{\\url{https://e.org}}",
            'see <a href="https://e.org" rel="nofollow noopener">https://e.org</a>',
        ),
        (
            "datasets \\cite{a,b}. Eigen \\textit{et al.} \\citep{c} first",
            "datasets. Eigen <em>et al.</em>  first",
        ),
        ("models such as \\model{Grok 4} and \\our{}", "models such as Grok 4 and our"),
        ("\\texttt{\\textless EOS\\textgreater}", "<code>&lt; EOS&gt;</code>"),
        (
            "both $\\log x$ and $\\log y $ drop",
            "both " + tex.formula("\\log x") + " and " + tex.formula("\\log y") + " drop",
        ),
        ("an unclosed \\textbf{group", "an unclosed group"),
    ],
)
def test_tex_conversions(source: str, expected: str) -> None:
    assert str(tex.tex_to_html(source)) == expected


def test_math_is_checked_mathml_with_its_source_kept() -> None:
    rendered = str(tex.tex_to_html("$\\tilde{O}(\\sqrt{kT})$"))
    assert rendered.startswith('<math xmlns="http://www.w3.org/1998/Math/MathML" display="inline">')
    assert "<msqrt>" in rendered
    assert '<annotation encoding="application/x-tex">\\tilde{O}(\\sqrt{kT})</annotation>' in rendered


# -- determinism, configuration, stale pages -----------------------------------------------------------


def test_same_input_same_bytes(built: Path, tmp_path: Path) -> None:
    other = tmp_path / "again"
    sitebuild.build(other)
    site_state = {k: v for k, v in tree_state(built).items() if k.startswith("site/")}
    assert site_state == {k: v for k, v in tree_state(other).items() if k.startswith("site/")}
    assert len(site_state) > 60
    assert rebuild(load_config(other / "config.yml"), other).written == 0


def test_site_false_writes_no_site(tmp_path: Path) -> None:
    sitebuild.build(tmp_path, config_extra="\nsite: false\n")
    assert (tmp_path / "README.md").is_file()
    assert not (tmp_path / "site").exists()


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("site: maybe", "config.yml:2: site: must be true or false, not 'maybe'"),
        ("feed_days: 0", "config.yml:2: feed_days: must be at least 1, not 0"),
        ("feed_days: 1.5", "config.yml:2: feed_days: must be an integer, not 1.5"),
        ("site_url: ftp://x.org/", "config.yml:2: site_url: must be an http(s) URL, not 'ftp://x.org/'"),
        ("sitee: true", "config.yml:2: sitee: unknown key"),
    ],
)
def test_site_settings_are_validated(line: str, message: str) -> None:
    with pytest.raises(ConfigError) as error:
        parse_config(f"category: {{cs.CL: CL}}\n{line}\n")
    assert str(error.value).startswith(message)


def test_site_settings_defaults_and_values() -> None:
    default = parse_config("category: {cs.CL: CL}\n")
    assert (default.site, default.feed_days, default.site_url) == (True, 7, None)
    custom = parse_config(
        "category: {cs.CL: CL}\nsite: false\nfeed_days: 3\nsite_url: https://me.github.io/d\n"
    )
    assert (custom.site, custom.feed_days, custom.site_url) == (False, 3, "https://me.github.io/d/")


def test_a_removed_topic_loses_its_site_pages_and_feed(tmp_path: Path) -> None:
    sitebuild.build(tmp_path)
    site = tmp_path / "site"
    assert (site / "topic" / "Benchmark.html").is_file() and (site / "feeds" / "Benchmark.xml").is_file()
    config = tmp_path / "config.yml"
    text = config.read_text(encoding="utf-8")
    old = "  Benchmark:\n    keywords:\n      - Bench*\n    filters:\n"
    assert old in text
    config.write_text(text.replace(old, ""), encoding="utf-8")
    result = rebuild(load_config(config), tmp_path)
    assert result.deleted > 0
    assert not (site / "topic" / "Benchmark.html").exists()
    assert not (site / "feeds" / "Benchmark.xml").exists()
    assert not list(site.glob("day/*/topic/Benchmark.html"))
    assert "topic/Benchmark.html" not in (site / "index.html").read_text(encoding="utf-8")


def test_a_user_template_overrides_one_site_template(tmp_path: Path) -> None:
    templates = tmp_path / "templates" / "site"
    templates.mkdir(parents=True)
    (templates / "_paper.html.j2").write_text(
        (Path(sitebuild.ROOT / "src/arxiv_digest/render/templates/site/_paper.html.j2"))
        .read_text(encoding="utf-8")
        .replace('<p class="authors">', '<p class="authors mine">'),
        encoding="utf-8",
    )
    sitebuild.build(tmp_path, config_extra="\ntemplates: templates\n")
    page = (tmp_path / "site" / "topic" / "LLM.html").read_text(encoding="utf-8")
    assert '<p class="authors mine">' in page
    assert "<script>window.__pwned" not in page  # autoescape holds in a user's template too
    assert '<link rel="stylesheet" href="../assets/site.css">' in page  # the rest is packaged


# -- the busy day --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def big_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    out, _ = bigday.publish_big_day(tmp_path_factory.mktemp("bigsite"))
    yield out


@pytest.mark.slow
def test_the_index_of_a_2000_paper_day_is_under_1_mb(big_site: Path) -> None:
    index = big_site / "site" / "index.html"
    size = index.stat().st_size
    assert size < 1_000_000, f"index.html is {size:,} bytes"
    tree = lxml_html.fromstring(index.read_bytes())
    listed = {e.get("data-arxiv-id") for e in tree.cssselect("[data-arxiv-id]")}
    assert len(listed) > 1000  # every topic's papers are there, without abstracts
    for topic in ("LLM", "MLLM", "Test-Time-Scaling", "Benchmark"):
        page = lxml_html.fromstring((big_site / "site" / "topic" / f"{topic}.html").read_bytes())
        ids = [e.get("data-arxiv-id") for e in page.cssselect("[data-arxiv-id]")]
        assert ids == sitebuild.markdown_ids(big_site / "hot_topic", topic)


# -- serve -----------------------------------------------------------------------------------------------


def test_serve_previews_the_site_on_loopback(built: Path) -> None:
    command = [sys.executable, "-c", "from arxiv_digest.cli import main; raise SystemExit(main())"]
    proc = subprocess.Popen(
        [*command, "serve", "--out", str(built), "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        m = re.match(r"Serving .* at (http://127\.0\.0\.1:\d+/) \(Ctrl-C to stop\)", line)
        assert m, line
        with urllib.request.urlopen(m.group(1) + "index.html", timeout=10) as response:
            assert response.status == 200
            assert response.headers["Content-Type"] == "text/html; charset=utf-8"
            assert b"data-arxiv-id" in response.read()
        with urllib.request.urlopen(m.group(1) + "feeds/all.xml", timeout=10) as response:
            assert response.headers["Content-Type"] == "application/atom+xml"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_serve_without_a_site_says_what_to_do(cli: Cli, tmp_path: Path) -> None:
    result = cli("serve", "--out", tmp_path)
    assert result.exit_code == 2
    assert f"no site in {tmp_path / 'site'}: run `arxiv-digest rebuild" in result.err


def test_serve_help_has_an_example(cli: Cli) -> None:
    result = cli("serve", "--help")
    assert result.exit_code == 0
    assert "Example" in result.out and "arxiv-digest serve --out" in result.out


def test_demo_writes_the_site(cli: Cli, tmp_path: Path) -> None:
    out = tmp_path / "demo"
    assert cli("demo", "--out", out).exit_code == 0
    assert (out / "site" / "index.html").is_file()
    shutil.rmtree(out / "site")
    assert cli("rebuild", "--config", out / "config.yml", "--out", out).exit_code == 0
    assert (out / "site" / "index.html").is_file()
