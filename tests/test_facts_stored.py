"""Paper facts stored with the paper (issue #10): the snapshot field ``facts`` is additive (a snapshot
without it loads, with its facts extracted), ``rebuild`` writes it into such a snapshot once and then
changes nothing, the database keeps it, and the sources fill it as they read arXiv's formats."""

from __future__ import annotations

import json
from pathlib import Path

from arxiv_digest.config import load_config
from arxiv_digest.facts import RULES_VERSION, extract
from arxiv_digest.jobs.rebuild import rebuild
from arxiv_digest.models import Facts, Paper, Submission
from arxiv_digest.output import layout
from arxiv_digest.sources import api
from arxiv_digest.store import open_store
from arxiv_digest.store import snapshot as snapshots
from tests.sitebuild import DEMO, LATEST, SCAFFOLD

CAPTURES = Path(__file__).resolve().parent / "data" / "captures"


def _records(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_a_record_keeps_its_old_keys_and_gains_facts_last() -> None:
    (record, *_) = _records(DEMO)
    assert "facts" not in record  # the bundled day was written before facts existed
    paper = Paper.from_record(record)
    assert paper.facts is None  # the record says nothing: the store decides (below)
    filled = snapshots.loads(DEMO.read_bytes(), source="demo")[0]
    assert filled.facts == extract(filled.abstract, filled.comment, filled.journal_ref)
    assert filled.facts is not None and filled.facts.rules == RULES_VERSION
    written = filled.to_record()
    assert list(written) == [*record, "facts"] and {k: written[k] for k in record} == record
    assert Paper.from_record(json.loads(json.dumps(written))).facts == filled.facts
    assert Paper.from_record(written) == filled  # facts take no part in equality: derived from the text


def test_facts_from_older_rules_are_extracted_again_on_load() -> None:
    (record, *_) = _records(DEMO)
    stale = {**record, "facts": {**Facts().to_record(), "rules": RULES_VERSION + 1}}
    (paper,) = snapshots.loads(json.dumps(stale).encode() + b"\n", source="x")
    assert paper.facts == extract(paper.abstract, paper.comment, paper.journal_ref)
    assert paper.facts is not None and paper.facts.rules == RULES_VERSION
    assert snapshots.loads_filling(json.dumps(stale).encode(), source="x")[1]
    fresh = snapshots.dumps([paper])
    assert snapshots.loads_filling(fresh, source="x")[1] is False


def test_rebuild_writes_the_facts_into_an_old_snapshot_once_and_then_changes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "digest"
    (out / "data").mkdir(parents=True)
    old = out / "data" / layout.snapshot_name(LATEST)
    old.write_bytes(DEMO.read_bytes())
    config_path = out / "config.yml"
    config_path.write_text(SCAFFOLD.read_text(encoding="utf-8"), encoding="utf-8")
    config = load_config(config_path)
    rebuild(config, out, jobs=1)
    before, after = _records(DEMO), _records(old)
    assert len(after) == len(before) == 500
    for was, now in zip(before, after, strict=True):
        assert list(now) == [*was, "facts"] and {k: now[k] for k in was} == was
        facts = extract(str(was["abstract"]), was["comment"], was["journal_ref"])  # type: ignore[arg-type]
        assert now["facts"] == facts.to_record()
    assert sum(1 for r in after if r["facts"]["code"]) > 50  # type: ignore[index]
    content, stamp = old.read_bytes(), old.stat().st_mtime_ns
    result = rebuild(config, out, jobs=1)
    assert (old.read_bytes(), old.stat().st_mtime_ns) == (content, stamp)
    assert result.written == 0
    with open_store(out / ".arxiv-digest" / "digest.db", out / "data") as store:
        stored = {p.id: p.facts for p in store.papers_for_day(LATEST)}
    assert stored == {p.id: p.facts for p in snapshots.loads(content, source="x")}


def test_the_api_source_fills_the_facts_of_what_it_reads() -> None:
    xml = CAPTURES / "api" / "id_2104.12255v1_s0_m100.xml"
    page = api.parse_feed(xml.read_bytes(), "https://export.arxiv.org/api/query")
    assert page.entries
    for s in page.entries:
        assert isinstance(s, Submission) and s.facts == extract(s.abstract, s.comment, s.journal_ref)
        assert s.as_paper().facts == s.facts
        assert Submission.from_record(s.to_record()).facts == s.facts
