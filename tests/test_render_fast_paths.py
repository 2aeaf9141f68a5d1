"""Issue #15, rendering faster with the same bytes: each shortcut the renderers take gives what the slower
way it replaces gives, for any text (hypothesis), and templates compiled with the output shortcut
(``render/jinja_output.py``) render what Jinja's own compilation renders, a person's templates included.
The day pages' bytes themselves are pinned by test_golden.py, test_seed.py and test_reference_days.py."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import jinja2
import markupsafe
from hypothesis import given, settings
from hypothesis import strategies as st
from jinja2.compiler import CodeGenerator

from arxiv_digest.config import parse_config
from arxiv_digest.models import CodeLink, Facts, LinkKind, Paper, Track, Venue
from arxiv_digest.render.badges import badges, page_badges
from arxiv_digest.render.escape import url_path
from arxiv_digest.render.jinja_output import escape_output
from arxiv_digest.render.markdown import MarkdownRenderer
from arxiv_digest.render.math import CONTROL_CHARACTERS, without_controls
from arxiv_digest.render.site import SiteRenderer
from arxiv_digest.render.site_context import PaperInfo
from arxiv_digest.render.tex_tables import (
    NEEDS_WORK,
    SPACE_RUN,
    collapse_spaces,
    needs_work,
    squeeze_spaces,
)
from tests.test_badges import CONFIG, CVPR, HOSTILE, paper

# Every character the shortcuts look at, and the white space and control characters they must not miss.
TRICKY = st.text(
    st.sampled_from(
        [*"ab \n\r\t\\{}$~-`'_^<>&\"", "\xa0", "\u2028", "\u2029", "\x85", "\x1c", "\x00", "\x7f", "\x0b",
         "\u200b", "é", "∑", "\U0001d400"]
    ),
    max_size=40,
)  # fmt: skip
HOSTILE_TITLE = "<script>alert(1)</script> & \"quotes\" 'apostrophes' $x<y$ \\emph{<b>}"


@settings(max_examples=1000, deadline=None)
@given(TRICKY)
def test_the_tex_shortcuts_agree_with_the_regular_expressions_they_skip(text: str) -> None:
    assert needs_work(text) == bool(NEEDS_WORK.search(text))
    assert collapse_spaces(text) == " ".join(text.split())
    assert squeeze_spaces(text) == SPACE_RUN.sub(" ", text)
    assert without_controls(text) == CONTROL_CHARACTERS.sub("", text)


PATH_TEXT = st.text(
    st.one_of(
        st.sampled_from([*"az09AZ/-._~ %?#&+:@!*'()[]\\\n", "\x00", "é", "∑", "\U0001d400"]),
        st.characters(blacklist_categories=("Cs",)),  # (a lone surrogate cannot be encoded at all)
    ),
    max_size=30,
)


@settings(max_examples=1000, deadline=None)
@given(PATH_TEXT)
def test_a_link_target_left_as_it_is_is_what_quoting_gives(segment: str) -> None:
    from urllib.parse import quote

    assert url_path(segment) == quote(segment, safe="/-._~")
    assert url_path("day/2026-06-30.html") == "day/2026-06-30.html"


@settings(max_examples=1000, deadline=None)
@given(st.one_of(TRICKY, st.integers(), st.none(), TRICKY.map(markupsafe.Markup)))
def test_output_escaping_is_markupsafes(value: object) -> None:
    assert escape_output(value) == str(markupsafe.escape(value))


def test_an_object_with_its_own_html_is_written_as_it_says() -> None:
    class Html:
        def __html__(self) -> str:
            return "<b>mine</b>"

    assert escape_output(Html()) == "<b>mine</b>"


def test_page_badges_are_the_papers_badges_each_call_a_list_of_its_own() -> None:
    for facts in (None, Facts(), CVPR, HOSTILE, Facts((), Venue("ICCV", 2025, Track.WORKSHOP))):
        p = paper(facts)
        first = page_badges(p)
        assert first == badges(p) == page_badges(p)
        first.append(first[0]) if first else first.append(None)  # type: ignore[arg-type]
        assert page_badges(p) == badges(p)  # a template that changes its list changes no other


def _papers() -> list[Paper]:
    code = Facts((CodeLink("https://github.com/a/b?x=1&y=<2>", LinkKind.GITHUB),), Venue('N"IPS', 2026))
    return [
        paper(None),
        paper(HOSTILE, pid="2606.00002", title=HOSTILE_TITLE),
        dataclasses.replace(paper(code, pid="2606.00003"), abstract=None, authors=("<i>A</i> & B",) * 8),
    ]


def _jinja_compiled(renderer: SiteRenderer) -> SiteRenderer:
    """The same renderer with templates compiled by Jinja's own code generator (markupsafe's escape)."""
    env = renderer.env
    env.code_generator_class = CodeGenerator
    env.cache.clear()  # type: ignore[union-attr]
    template = env.get_template("_paper.html.j2")
    renderer._paper = template.module.paper  # type: ignore[attr-defined]
    renderer._brief = template.module.brief  # type: ignore[attr-defined]
    return renderer


INFO = PaperInfo("new", "New", ("LLM", "<x>"), None)
INFO_UPDATED = PaperInfo("updated", "Up", (), "cs.<b>", "S&")


def _site_pages(renderer: SiteRenderer) -> list[str]:
    out = []
    for p in _papers():
        for info in (INFO, INFO_UPDATED):
            out += [renderer.paper(p, info), renderer.brief(p, info)]
    return out


def test_the_site_templates_render_as_jinja_compiles_them() -> None:
    config = parse_config(CONFIG, env={})
    ours = _site_pages(SiteRenderer(config))
    assert ours == _site_pages(_jinja_compiled(SiteRenderer(config)))
    assert any("&lt;script&gt;" in e for e in ours) and not any("<script>" in e for e in ours)


def test_a_persons_site_template_is_compiled_with_the_shortcut_and_escapes_the_same(tmp_path: Path) -> None:
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "_paper.html.j2").write_text(
        "{% macro paper(p, info, max_authors) %}<h2>{{ p.title }}</h2>{{ p.title | safe }}"
        "{{ info.label }}{{ p.version }}{{ info.cross_from }}|{{ p.title | tex }}{% endmacro %}\n"
        "{% macro brief(p, info, max_authors) %}{{ p.id }}{% endmacro %}\n",
        encoding="utf-8",
    )
    config = dataclasses.replace(parse_config(CONFIG, env={}), templates_dir=tmp_path)
    ours = _site_pages(SiteRenderer(config))
    assert ours == _site_pages(_jinja_compiled(SiteRenderer(config)))
    assert ours[4].startswith("<h2>&lt;script&gt;alert(1)&lt;/script&gt; &amp; &#34;quotes&#34; &#39;")
    assert "</h2><script>alert(1)</script>" in ours[4]  # `| safe` is the person's choice


MARKDOWN = MarkdownRenderer(parse_config(CONFIG, env={})).env
JOINED = MARKDOWN.from_string('{{ values | map("code") | join(" ") | trusted }}')
CODES = MARKDOWN.from_string("{{ values | codes }}")


@settings(max_examples=300, deadline=None)
@given(st.lists(TRICKY, max_size=4))
def test_the_categories_filter_is_the_map_and_join_it_replaces(values: list[str]) -> None:
    assert CODES.render(values=values) == JOINED.render(values=values)


def test_a_renderer_reads_its_templates_once(tmp_path: Path) -> None:
    """Templates are not stat()ed again at each page: a renderer keeps what it loaded, and a new one reads
    the folder afresh (a rebuild or a run makes its renderers when it starts)."""
    (tmp_path / "markdown").mkdir()
    path = tmp_path / "markdown" / "archive.md.j2"
    path.write_text("one\n", encoding="utf-8")
    config = dataclasses.replace(parse_config(CONFIG, env={}), templates_dir=tmp_path)
    renderer = MarkdownRenderer(config)
    assert renderer.archive_index([]) == b"one\n"
    path.write_text("two\n", encoding="utf-8")
    assert renderer.archive_index([]) == b"one\n"
    assert MarkdownRenderer(config).archive_index([]) == b"two\n"
    assert isinstance(renderer.env, jinja2.Environment) and renderer.env.auto_reload is False
