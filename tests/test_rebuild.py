"""`rebuild` over a longer history: worker processes give the same bytes as one process, and the compiled
entry renderer gives the same bytes as the packaged template."""

from __future__ import annotations

import contextlib
import json
import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path

from arxiv_digest.config import load_config
from arxiv_digest.jobs.rebuild import PARALLEL_MIN_DAYS, rebuild
from arxiv_digest.models import Paper
from arxiv_digest.render.markdown import MarkdownRenderer
from tests.conftest import CliResult, db_rows, tree_state

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "src" / "arxiv_digest" / "demo" / "2026-06-30.jsonl"
SCAFFOLD = ROOT / "src" / "arxiv_digest" / "scaffold" / "config.yml"


def _history(out: Path, days: int) -> None:
    """``days`` real announcement days: the demo day's papers moved to consecutive weekdays."""
    import datetime as dt

    records = [json.loads(line) for line in DEMO.read_text(encoding="utf-8").splitlines()][:120]
    (out / "data").mkdir(parents=True)
    day = dt.date(2026, 1, 5)
    for k in range(days):
        while day.weekday() >= 5:
            day += dt.timedelta(days=1)
        lines = []
        for i, r in enumerate(records):
            r = dict(r, announced=day.isoformat(), id=f"{day:%y%m}.{k * 200 + i:05d}")
            if i % 7 == 0:
                r["announce_type"], r["version"] = "replace", 2
            lines.append(json.dumps(r, ensure_ascii=False))
        (out / "data" / f"{day}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
        day += dt.timedelta(days=1)
    shutil.copy(SCAFFOLD, out / "config.yml")


def test_worker_processes_publish_the_same_bytes_as_one_process(tmp_path: Path) -> None:
    days = PARALLEL_MIN_DAYS + 2
    one, many = tmp_path / "one", tmp_path / "many"
    _history(one, days)
    _history(many, days)
    config = load_config(one / "config.yml")
    first = rebuild(config, one, jobs=1)
    second = rebuild(config, many, jobs=2)
    assert first.days == second.days == days
    assert tree_state(one) == tree_state(many)
    assert db_rows(one / ".arxiv-digest" / "digest.db") == db_rows(many / ".arxiv-digest" / "digest.db")
    assert len(list((many / "archive").glob("*/README.md"))) == days
    # the workers' scratch files became one sound database, in WAL mode, and left nothing behind
    with contextlib.closing(sqlite3.connect(many / ".arxiv-digest" / "digest.db")) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    state = [p.name for p in (many / ".arxiv-digest").iterdir()]
    assert [name for name in state if "building" in name or "rebuild" in name] == []
    # and again, with everything in place: nothing changes
    assert rebuild(config, many, jobs=2).written == 0


def test_a_bad_snapshot_in_a_worker_fails_the_rebuild_naming_the_file(
    tmp_path: Path, cli: Callable[..., CliResult]
) -> None:
    _history(tmp_path, PARALLEL_MIN_DAYS + 1)
    victim = sorted((tmp_path / "data").glob("*.jsonl"))[5]
    lines = victim.read_text(encoding="utf-8").splitlines()
    lines[3] = lines[3].replace('"title"', '"titel"')
    victim.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = cli("rebuild", "--config", tmp_path / "config.yml", "--out", tmp_path, "--jobs", "2")
    assert result.exit_code == 1
    assert f"{victim}:4: bad paper record: missing field 'title'" in result.err
    assert db_rows(tmp_path / ".arxiv-digest" / "digest.db") == []  # one transaction: nothing kept


def _papers() -> list[Paper]:
    out = [Paper.from_record(json.loads(line)) for line in DEMO.read_text(encoding="utf-8").splitlines()]
    hostile = out[0].with_(
        title="A `tick` [x](javascript:y) **b** <script>",
        abstract="</details> & <b>x</b>",
        authors=("O'Neil `x`", "A_B", "C*D"),
    )
    return [*out, hostile, out[1].with_(abstract="", authors=())]


def test_a_user_entry_template_is_rendered_by_jinja(tmp_path: Path) -> None:
    templates = tmp_path / "templates" / "markdown"
    templates.mkdir(parents=True)
    (templates / "_entry.md.j2").write_text(
        "{% macro entry(paper, max_authors, mark_updates, open=True, cross_from=None, compat=False) -%}\n"
        "* {{ paper.title }} ({{ paper.id | trusted }})\n{% endmacro %}\n",
        encoding="utf-8",
    )
    config = tmp_path / "config.yml"
    config.write_text(SCAFFOLD.read_text(encoding="utf-8") + "\ntemplates: templates\n", encoding="utf-8")
    renderer = MarkdownRenderer(load_config(config))
    paper = _papers()[0]
    assert renderer.entry(paper, mark_updates=True, open_=True) == f"* {paper.title} ({paper.id})\n"
