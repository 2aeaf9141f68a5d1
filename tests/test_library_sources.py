"""The reader's library beyond BibTeX (issue #9): CSL JSON as Zotero exports it, and arXiv ids completed
from the export API (the fake arXiv on 127.0.0.1, real records), kept in data/library.jsonl so a known
entry costs no request again, with failures as warnings that never fail the run."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from arxiv_digest.config import ArxivSettings, load_config
from arxiv_digest.errors import ConfigError, StoreError
from arxiv_digest.jobs._library import load_library
from arxiv_digest.models import LibraryItem
from arxiv_digest.sources.csl_json import parse_csl_json
from arxiv_digest.sources.http import PoliteClient
from arxiv_digest.store import Store, open_store
from tests.fakearxiv import FakeArxiv, Reply
from tests.fakearxiv.api import FakeApi, entries_from
from tests.fakearxiv.feeds import load_records
from tests.sitebuild import DEMO

DAY = dt.date(2026, 6, 30)
OTHER_DAY = "2025-10-15"  # real records the fake API knows and the store does not
CONFIG_HEAD = "category:\n  cs.CL: Computation and Language\n"

# What Zotero 7 writes for File > Export Library > CSL JSON (tab-indented), trimmed to three items.
ZOTERO_CSL = """[
\t{
\t\t"id": "http://zotero.org/users/1234567/items/ABCD2345",
\t\t"type": "article",
\t\t"title": "Preprint <i>in</i> Zotero",
\t\t"abstract": "Ignored: the history's text wins.",
\t\t"note": "arXiv:ID_ONE [cs]",
\t\t"number": "arXiv:ID_ONE",
\t\t"publisher": "arXiv",
\t\t"source": "arXiv.org",
\t\t"URL": "http://arxiv.org/abs/ID_ONE",
\t\t"author": [{"family": "Lovelace", "given": "Ada"}],
\t\t"accessed": {"date-parts": [["2026", 5, 3]]},
\t\t"issued": {"date-parts": [["2026", 6]]}
\t},
\t{
\t\t"id": "http://zotero.org/users/1234567/items/EFGH6789",
\t\t"type": "article-journal",
\t\t"title": "A Journal Paper with \\\\'{e}tudes and <span class=\\"nocase\\">SciBERT</span>",
\t\t"container-title": "Journal of Things",
\t\t"abstract": "Its own   abstract,\\nover lines.",
\t\t"DOI": "10.1000/xyz123",
\t\t"issued": {"date-parts": [[2021, 3, 4]]}
\t},
\t{
\t\t"id": "http://zotero.org/users/1234567/items/JKLM2345",
\t\t"type": "webpage",
\t\t"URL": "https://example.org/"
\t}
]
"""


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    data = tmp_path / "out" / "data"
    data.mkdir(parents=True)
    shutil.copy(DEMO, data / f"{DAY}.jsonl")
    with open_store(tmp_path / "out" / "digest.db", data) as s:
        yield s


@pytest.fixture
def api(fake_arxiv: FakeArxiv) -> FakeApi:
    server = FakeApi(entries_from([OTHER_DAY]))
    fake_arxiv.api_handler = server.handle
    return server


@pytest.fixture
def client(fake_arxiv: FakeArxiv) -> Iterator[PoliteClient]:
    settings = ArxivSettings(api_url=fake_arxiv.url + "/api/query", delay_seconds=0.01, max_retries=1)
    with PoliteClient(settings) as c:
        yield c


def config_file(folder: Path, library: str) -> Path:
    """A config with ``library``; the arXiv client the tests pass points at the fake (the job asks
    through the client it is given, at the client's address)."""
    path = folder / "config.yml"
    path.write_text(CONFIG_HEAD + "library:\n" + library, encoding="utf-8")
    return path


# -- CSL JSON --------------------------------------------------------------------------------------
def test_zoteros_csl_json_export_is_read(tmp_path: Path, store: Store) -> None:
    stored = store.papers_for_day(DAY)[0]
    (tmp_path / "library.json").write_text(ZOTERO_CSL.replace("ID_ONE", stored.id + "v1"), encoding="utf-8")
    path = config_file(tmp_path, "  csl_json: [library.json]\n")
    lib = load_library(
        load_config(path), tmp_path / "out", history_lookup=store.latest_announcement, client=None
    )
    assert lib.items == (
        LibraryItem(stored.title, stored.abstract, stored.id, dt.date(2026, 5, 3)),
        LibraryItem(
            "A Journal Paper with études and SciBERT",
            "Its own abstract, over lines.",
            None,
            dt.date(2021, 3, 4),
        ),
    )
    assert lib.warnings == (
        f"{tmp_path / 'library.json'}:25: item "
        "'http://zotero.org/users/1234567/items/JKLM2345' has no title, abstract or arXiv id; skipped",
    )


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ('[\n  {"title": "a"},\n  {"title": "b",}\n]\n', 3, "not JSON"),
        ('{"items": []}', 1, "one array of items"),
        ('[\n  {"title": "a"}\n  {"title": "b"}\n]', 3, "expected `,` or `]`"),
        ('[\n  "just a string"\n]', 2, "must be an object"),
        ("[]\n[]", 2, "text after the array"),
    ],
)
def test_a_broken_csl_json_file_names_its_line(text: str, line: int, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_csl_json(text, path="library.json")
    assert str(caught.value).startswith(f"library.json:{line}: ") and message in str(caught.value)


def test_csl_ids_come_from_the_doi_or_a_bare_number_of_an_arxiv_item() -> None:
    found = parse_csl_json(
        '[{"title": "A", "DOI": "10.48550/arXiv.2502.00003"},'
        ' {"title": "B", "number": "2503.00004", "publisher": "arXiv"},'
        ' {"title": "C", "number": "12", "publisher": "ACM"}]'
    )
    assert [i.arxiv_id for i in found.items] == ["2502.00003", "2503.00004", None]


# -- the export API --------------------------------------------------------------------------------
def test_ids_not_in_the_history_are_completed_from_the_api_and_kept(
    tmp_path: Path, store: Store, api: FakeApi, fake_arxiv: FakeArxiv, client: PoliteClient
) -> None:
    records = load_records(OTHER_DAY)
    ids = [str(r["id"]) for r in records[:150]]
    stored = store.papers_for_day(DAY)[0]
    listed = "".join(f"    - '{i}'\n" for i in [*ids, stored.id, "2401.99999"])
    path = config_file(
        tmp_path,
        f"  arxiv:\n{listed}  dislike: ['{records[-1]['id']}']\n",
    )
    out = tmp_path / "out"
    lib = load_library(load_config(path), out, history_lookup=store.latest_announcement, client=client)
    assert [len(batch) for batch in api.id_lists] == [100, 52]  # 150 + the unknown id + the dislike
    assert [i.arxiv_id for i in lib.items] == [*ids, stored.id]
    first = records[0]
    assert lib.items[0].title == " ".join(str(first["title"]).split())
    assert lib.items[0].abstract == " ".join(str(first["summary"]).split())
    assert lib.dislikes[0].arxiv_id == records[-1]["id"] and lib.dislikes[0].title
    assert lib.warnings == ("2401.99999: arXiv has no such paper; left out (check the id)",)
    kept = (out / "data" / "library.jsonl").read_bytes()
    lines = [json.loads(line) for line in kept.decode().splitlines()]
    assert len(lines) == 152 and {"id": "2401.99999", "found": False} in lines
    assert stored.id not in kept.decode()  # the history has it: nothing to keep

    # A second run asks nothing, and writes nothing: the same library, the same bytes.
    mtime = (out / "data" / "library.jsonl").stat().st_mtime_ns
    again = load_library(load_config(path), out, history_lookup=store.latest_announcement, client=client)
    assert again == lib and len(api.id_lists) == 2
    assert (out / "data" / "library.jsonl").stat().st_mtime_ns == mtime
    # A paper that left the library leaves the file.
    path.write_text(path.read_text().replace(f"    - '{ids[0]}'\n", ""))
    load_library(load_config(path), out, history_lookup=store.latest_announcement, client=client)
    assert ids[0] not in (out / "data" / "library.jsonl").read_text() and len(api.id_lists) == 2


def test_an_entry_with_its_own_title_and_abstract_costs_no_request(
    tmp_path: Path, store: Store, api: FakeApi, client: PoliteClient
) -> None:
    (tmp_path / "library.bib").write_text(
        "@misc{a, title={Own}, abstract={Own text}, eprint={2510.00001}}\n@misc{b, eprint={2510.00002}}\n"
    )
    path = config_file(tmp_path, "  bibtex: [library.bib]\n")
    lib = load_library(
        load_config(path), tmp_path / "out", history_lookup=store.latest_announcement, client=client
    )
    assert api.id_lists == [["2510.00002"]]
    assert lib.items[0] == LibraryItem("Own", "Own text", "2510.00001")


def test_a_failing_api_is_a_warning_and_the_next_run_asks_again(
    tmp_path: Path, store: Store, api: FakeApi, fake_arxiv: FakeArxiv, client: PoliteClient
) -> None:
    ids = [str(r["id"]) for r in load_records(OTHER_DAY)[:3]]
    (tmp_path / "library.bib").write_text(f"@misc{{a, title={{Has a title}}, eprint={{{ids[0]}}}}}\n")
    path = config_file(tmp_path, f"  bibtex: [library.bib]\n  arxiv: ['{ids[1]}', '{ids[2]}']\n")
    out = tmp_path / "out"
    fake_arxiv.queue(Reply(status=503), Reply(status=503))  # both tries (max_retries: 1) fail
    lib = load_library(load_config(path), out, history_lookup=store.latest_announcement, client=client)
    assert lib.items == (LibraryItem("Has a title", "", ids[0]),)
    assert len(lib.warnings) == 3 and all("arXiv's API failed" in w for w in lib.warnings)
    assert "used with its own title for now" in lib.warnings[0]
    assert "the next run tries again" in lib.warnings[1]
    assert not (out / "data" / "library.jsonl").exists()
    lib = load_library(load_config(path), out, history_lookup=store.latest_announcement, client=client)
    assert [i.arxiv_id for i in lib.items] == ids and lib.warnings == ()
    assert all(i.abstract for i in lib.items)


def test_without_a_client_ids_the_history_lacks_are_warnings(tmp_path: Path, store: Store) -> None:
    path = config_file(tmp_path, "  arxiv: ['2510.00002']\n")
    lib = load_library(
        load_config(path), tmp_path / "out", history_lookup=store.latest_announcement, client=None
    )
    assert lib.items == () and "was not asked" in lib.warnings[0]


def test_a_damaged_library_jsonl_names_its_line(tmp_path: Path, store: Store) -> None:
    data = tmp_path / "out" / "data"
    (data / "library.jsonl").write_text('{"id": "2510.00002", "found": false}\n{"id": 5}\n')
    path = config_file(tmp_path, "  arxiv: ['2510.00002']\n")
    with pytest.raises(StoreError, match=r"library.jsonl:2: bad library entry record"):
        load_library(
            load_config(path), tmp_path / "out", history_lookup=store.latest_announcement, client=None
        )
