"""The reader's library (issue #9): `library:` in config.yml, real BibTeX files read into LibraryItems,
ids completed from a real SQLite store of the history, warnings for what cannot be used."""

from __future__ import annotations

import dataclasses
import datetime as dt
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pylatexenc.latexencode import unicode_to_latex

from arxiv_digest.config import load_config
from arxiv_digest.errors import ConfigError
from arxiv_digest.jobs._library import load_library
from arxiv_digest.models import Library, LibraryItem, Paper
from arxiv_digest.sources import library as library_source
from arxiv_digest.sources.library import clean
from arxiv_digest.store import Store, open_store, snapshot
from arxiv_digest.text import normalize_whitespace, tex_to_unicode
from tests.sitebuild import DEMO

DAY = dt.date(2026, 6, 30)
CONFIG_HEAD = "category:\n  cs.CL: Computation and Language\n"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    data = tmp_path / "out" / "data"
    data.mkdir(parents=True)
    shutil.copy(DEMO, data / f"{DAY}.jsonl")
    with open_store(tmp_path / "out" / "digest.db", data) as s:
        yield s


def demo_papers() -> list[Paper]:
    return snapshot.loads(DEMO.read_bytes(), source="demo")


def write_config(folder: Path, library: str, **files: str) -> Path:
    for name, text in files.items():
        (folder / name.replace("_", ".")).write_text(text, encoding="utf-8")
    path = folder / "config.yml"
    path.write_text(CONFIG_HEAD + "library:\n" + library, encoding="utf-8")
    return path


# -- config.yml ------------------------------------------------------------------------------------
def test_the_issues_keys_are_read_with_paths_relative_to_the_config(tmp_path: Path) -> None:
    sub = tmp_path / "conf"
    sub.mkdir()
    path = write_config(
        sub,
        "  bibtex: [library.bib]\n  csl_json: [library.json]\n  arxiv: [2401.01230, 2310.06825v2]\n"
        '  zotero: {user: 1234567, key: "${ZOTERO_API_KEY}", collections: [ABCD2345]}\n'
        "  dislike: [2402.00001]\n",
        library_bib="",
        library_json="[]",
    )
    config = load_config(path, env={"ZOTERO_API_KEY": "k3y-value-123"})
    lib = config.library
    assert lib is not None
    assert lib.bibtex == (sub / "library.bib",) and lib.csl_json == (sub / "library.json",)
    assert lib.arxiv == ("2401.01230", "2310.06825")  # as written: YAML's float would be 2401.0123
    assert lib.dislike == ("2402.00001",)
    assert lib.zotero is not None and lib.zotero.user == 1234567 and lib.zotero.collections == ("ABCD2345",)
    assert lib.zotero.key == "k3y-value-123" and lib.zotero.key_variable == "ZOTERO_API_KEY"
    assert "k3y-value-123" not in repr(config)


def test_no_library_section_is_none(tmp_path: Path) -> None:
    (tmp_path / "config.yml").write_text(CONFIG_HEAD, encoding="utf-8")
    config = load_config(tmp_path / "config.yml")
    assert config.library is None
    assert load_library(config, tmp_path, history_lookup=lambda i: None, client=None) == Library()


@pytest.mark.parametrize(
    ("library", "env", "expected"),
    [
        ("  bibtex: [missing.bib]\n", {}, "config.yml:4: library.bibtex[0]: file "),
        (
            "  arxiv: [2401.01234, not-an-id]\n",
            {},
            "config.yml:4: library.arxiv[1]: 'not-an-id' is not an arXiv",
        ),
        (
            "  dislike: 12\n  arxiv: [2401.01234]\n",
            {},
            "config.yml:4: library.dislike: '12' is not an arXiv id",
        ),
        (
            "  zotero: {user: 1, key: abcdef}\n",
            {},
            "config.yml:4: library.zotero.key: the Zotero key must come",
        ),
        (
            '  zotero: {user: 1, key: "${ZK}"}\n',
            {},
            "config.yml:4: library.zotero.key: environment variable ZK",
        ),
        ("  zotero: {key: x}\n", {}, "config.yml:4: library.zotero: needs `user:`"),
        (
            "  zotero: {user: 1, collections: [abc]}\n",
            {},
            "library.zotero.collections[0]: 'abc' is not a Zotero",
        ),
        ("  bibtex: []\n", {}, "config.yml:3: library: names no paper"),
        (
            '  zotero: {user: 1, key: "${ZK}", api_url: "http://zotero.example.org"}\n',
            {"ZK": "a-key-of-mine"},
            "library.zotero.api_url: must be an https URL",
        ),
        (
            "  bibtx: [a.bib]\n",
            {},
            "config.yml:4: library.bibtx: unknown key\n  hint: did you mean 'bibtex'?",
        ),
    ],
)
def test_mistakes_name_the_file_line_and_key(
    tmp_path: Path, library: str, env: dict[str, str], expected: str
) -> None:
    path = write_config(tmp_path, library)
    with pytest.raises(ConfigError) as caught:
        load_config(path, env=env)
    assert expected in str(caught.value)
    assert "abcdef" not in str(caught.value)  # a key written in the file is not repeated


# -- BibTeX + history ------------------------------------------------------------------------------
REAL_BIB = r"""% Exported by Zotero (Better BibTeX) and hand-edited, as libraries are
@string{neurips = "Advances in Neural Information Processing Systems"}
@comment{jabref-meta: databaseType:bibtex;}

@article{stored2026,
  title = {{Whatever the Export Says}},
  author = {M{\"u}ller, J{\"o}rg and Someone, Else},
  eprint = {ID_STORED},
  archivePrefix = {arXiv},
  primaryClass = {cs.CL},
  timestamp = {2026-05-02T10:11:12Z},
}

@misc{byurl,
  title = {A Paper Found by Its {URL}},
  howpublished = {\url{https://arxiv.org/abs/2501.00002v3}},
  url = {https://arxiv.org/abs/2501.00002v3},
  note = {unpublished},
}

@inproceedings{nodoi,
  title = {Caf{\'e} {S}cenes with $\alpha$-Blending: 50\% Faster},
  booktitle = neurips,
  abstract = {We {\"u}se \{braces\} and \& signs,
     across lines.},
  year = {2024},
  creationdate = {2024-11-30},
}

@article{bydoi, title = {By Its DataCite DOI}, doi = {10.48550/arXiv.2502.00003}}

@article{pubmed, title = {Not an arXiv Eprint}, eprint = {12345678}, eprinttype = {pubmed}}

@misc{nothing, author = {Nobody, A.}, year = {2020}}
"""


def test_bibtex_entries_are_completed_from_the_history(tmp_path: Path, store: Store) -> None:
    stored = demo_papers()[3]
    path = write_config(
        tmp_path,
        f"  bibtex: [library.bib]\n  arxiv: [{demo_papers()[4].id}v1]\n"
        f"  dislike: ['{demo_papers()[5].id}']\n",
        library_bib=REAL_BIB.replace("ID_STORED", stored.id + "v2"),
    )
    config = load_config(path)
    lib = load_library(config, tmp_path / "out", history_lookup=store.latest_announcement, client=None)
    by_id = {i.arxiv_id: i for i in lib.items}
    assert by_id[stored.id] == LibraryItem(stored.title, stored.abstract, stored.id, dt.date(2026, 5, 2))
    cafe = next(i for i in lib.items if i.arxiv_id is None)
    assert cafe.title == "Café Scenes with $\\alpha$-Blending: 50% Faster"
    assert cafe.abstract == "We üse {braces} and & signs, across lines."
    assert cafe.added == dt.date(2024, 11, 30)
    four = demo_papers()[4]
    assert by_id[four.id] == LibraryItem(four.title, four.abstract, four.id)
    # not in the history, but with a title of their own: kept as they are (the API completes them later)
    assert by_id["2501.00002"].title == "A Paper Found by Its URL"
    assert by_id["2502.00003"].title == "By Its DataCite DOI"
    five = demo_papers()[5]
    assert lib.dislikes == (LibraryItem(five.title, five.abstract, five.id),)
    assert any(w.startswith(f"{tmp_path / 'library.bib'}:34: entry 'nothing'") for w in lib.warnings)
    assert [i.arxiv_id for i in lib.items] == [stored.id, "2501.00002", None, "2502.00003", None, four.id]
    assert lib.items[4].title == "Not an arXiv Eprint"


def test_a_paper_liked_and_disliked_is_a_dislike_and_duplicates_are_merged(
    tmp_path: Path, store: Store
) -> None:
    p = demo_papers()[7]
    bib = (
        f"@misc{{a, title={{X}}, eprint={{{p.id}}}}}\n"
        f"@misc{{b, eprint={{{p.id}v3}}, timestamp={{2025-01-02}}}}\n"
    )
    path = write_config(tmp_path, f"  bibtex: [library.bib]\n  arxiv: ['{p.id}']\n", library_bib=bib)
    lib = load_library(load_config(path), tmp_path, history_lookup=store.latest_announcement, client=None)
    assert lib.items == (LibraryItem(p.title, p.abstract, p.id, dt.date(2025, 1, 2)),)
    path.write_text(path.read_text() + f"  dislike: ['{p.id}']\n")
    lib = load_library(load_config(path), tmp_path, history_lookup=store.latest_announcement, client=None)
    assert lib.items == () and lib.dislikes == (LibraryItem(p.title, p.abstract, p.id),)
    assert any("both in the library and under `dislike:`" in w for w in lib.warnings)


def test_entries_without_id_are_told_apart_by_title_or_abstract(tmp_path: Path) -> None:
    bib = (
        "@misc{a, abstract={Only an abstract.}}\n@misc{b, abstract={Another abstract.}}\n"
        "@misc{c, title={Same Title!}}\n@misc{d, title={same title}, abstract={With text.}}\n"
    )
    path = write_config(tmp_path, "  bibtex: [library.bib]\n", library_bib=bib)
    lib = load_library(load_config(path), tmp_path, history_lookup=lambda i: None, client=None)
    assert lib.items == (
        LibraryItem("", "Only an abstract."),
        LibraryItem("", "Another abstract."),
        LibraryItem("Same Title!", "With text."),  # one paper, twice: the second copy's abstract fills in
    )


def test_a_broken_bibtex_file_names_its_line(tmp_path: Path) -> None:
    bib = "@article{ok, title={Fine}}\n\n@article{bad, title={Unclosed\n}\n\n@article{next, title={X}}\n"
    path = write_config(tmp_path, "  bibtex: [library.bib]\n", library_bib=bib)
    with pytest.raises(ConfigError) as caught:
        load_library(load_config(path), tmp_path, history_lookup=lambda i: None, client=None)
    assert str(caught.value).startswith(f"{tmp_path / 'library.bib'}:3: this BibTeX entry does not parse")
    assert caught.value.exit_code == 2


def test_an_unreadable_file_is_a_config_error_naming_its_line(tmp_path: Path) -> None:
    path = write_config(tmp_path, "  bibtex: [library.bib]\n", library_bib="")
    # 0x81 is neither UTF-8 here nor any character of Windows-1252.
    (tmp_path / "library.bib").write_bytes(b"@misc{a,\n  title={\x81\xfe}}")
    with pytest.raises(ConfigError) as caught:
        load_library(load_config(path), tmp_path, history_lookup=lambda i: None, client=None)
    assert str(caught.value).startswith(f"{tmp_path / 'library.bib'}:2: not UTF-8 text (byte 0x81)")
    assert "export the library again as UTF-8" in str(caught.value) and caught.value.exit_code == 2


def test_a_windows_1252_export_is_read_with_a_warning(tmp_path: Path) -> None:
    """JabRef on Windows and older BibTeX files write Windows-1252: read, not refused, and said so."""
    path = write_config(tmp_path, "  bibtex: [library.bib]\n", library_bib="")
    text = "@misc{a,\n  title = {Caf\u00e9 \u201cagents\u201d},\n  abstract = {Na\u00efve cooperation.}\n}\n"
    (tmp_path / "library.bib").write_bytes(text.encode("cp1252"))
    lib = load_library(load_config(path), tmp_path, history_lookup=lambda i: None, client=None)
    assert [(i.title, i.abstract) for i in lib.items] == [
        ("Caf\u00e9 \u201cagents\u201d", "Na\u00efve cooperation.")
    ]
    assert lib.warnings == (
        f"{tmp_path / 'library.bib'}:2: not UTF-8; read as Windows-1252 (export the "
        "library as UTF-8 to be sure of its accents)",
    )


def test_an_id_nowhere_to_be_found_is_a_warning_not_a_failure(tmp_path: Path, store: Store) -> None:
    p = dataclasses.replace(demo_papers()[0])
    path = write_config(tmp_path, f"  arxiv: ['{p.id}', 2401.99999]\n")
    lib = load_library(load_config(path), tmp_path, history_lookup=store.latest_announcement, client=None)
    assert [i.arxiv_id for i in lib.items] == [p.id]
    assert any(w.startswith("2401.99999:") for w in lib.warnings)


# -- text cleaning ---------------------------------------------------------------------------------
@given(st.text(alphabet="ab é{}\\$%&#_~-`'^0", max_size=24))
@settings(max_examples=400, deadline=None)
def test_the_fast_path_agrees_with_the_tex_converter(text: str) -> None:
    # clean() converts plain text without the TeX converter: whichever way it goes, the converter's text
    assert clean(text) == normalize_whitespace(tex_to_unicode(normalize_whitespace(text)))


TEX_PIECES = [
    "a",
    "b",
    " ",
    "é",
    "{",
    "}",
    "$",
    "%",
    "-",
    "'",
    "`",
    "~",
    "^",
    "&",
    "\\",
    "\\alpha",
    "\\'e",
    "\\%",
    "\\&",
    "\\$",
    "\\{",
    "\\}",
    "\\_",
    "\\#",
    "--",
    "---",
    "''",
    "``",
    "\\textbackslash{}",
    "\\textasciitilde{}",
    "\\textasciicircum{}",
    "\\textbackslash",
    "x^{2}",
]


@given(st.lists(st.sampled_from(TEX_PIECES), max_size=12))
@settings(max_examples=400, deadline=None)
def test_the_fast_path_agrees_with_the_tex_converter_on_exporters_pieces(pieces: list[str]) -> None:
    text = "".join(pieces)
    assert clean(text) == normalize_whitespace(tex_to_unicode(normalize_whitespace(text)))


def test_the_fast_path_agrees_on_real_records_written_as_tex(monkeypatch: pytest.MonkeyPatch) -> None:
    """Real titles and abstracts written as an exporter writes them (every special character as TeX)."""
    records = snapshot.loads(DEMO.read_bytes(), source="demo")[:150]
    converted: list[str] = []  # the texts clean() gave the TeX converter

    def counted(text: str) -> str:
        converted.append(text)
        return tex_to_unicode(text)

    monkeypatch.setattr(library_source, "tex_to_unicode", counted)
    texts = [
        text
        for p in records
        for raw in (p.title, p.abstract)
        for text in (unicode_to_latex(raw, non_ascii_only=False, unknown_char_warning=False), f"{{{raw}}}")
    ]
    for text in texts:
        assert clean(text) == normalize_whitespace(tex_to_unicode(normalize_whitespace(text))), text
    assert len(texts) - len(converted) > 200  # most real text takes the fast path
