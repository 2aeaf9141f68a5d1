"""The reference's published days turned back into our input: ``data/<day>.jsonl`` plus its config.

The reference's README lists every paper of its day (title, link id, up to six authors then "et al.",
abstract as it printed it) under its primary category; its topic pages add each paper's category list.
The README does not say which papers were replacements (the reference did not distinguish), so every
paper is fed as it saw them, `new`; where it printed "et al." the record keeps the six names it showed and
an "et al." entry, so that the seventh-author rule prints exactly what it printed.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml

from tests.conftest import DATA

REFERENCE = DATA / "reference"
DAYS = ("2025-11-14", "2026-05-13")
_ENTRY = re.compile(r"^- \*\*\[(.*)\]\((.*?)\)\*\*  `arXiv:(\S+)`  $")
_TOPIC_ENTRY = re.compile(r"`arXiv:(\S+)`((?: +`[^`]+`)*)")


def reference_records(day: str) -> list[dict[str, object]]:
    base = REFERENCE / day
    config = yaml.safe_load((base / "config.yml").read_text(encoding="utf-8"))
    categories: dict[str, list[str]] = {}
    for topic in config["topic"]:
        text = (base / "hot_topic" / f"{topic}.md").read_text(encoding="utf-8")
        for m in _TOPIC_ENTRY.finditer(text):
            categories[m.group(1)] = re.findall(r"`([^`]+)`", m.group(2))
    code_of = {name: code for code, name in config["category"].items()}
    lines = (base / "README.md").read_text(encoding="utf-8").splitlines()
    section = None
    records = []
    for i, line in enumerate(lines):
        if line.startswith("### "):
            section = code_of.get(line[4:])
        m = _ENTRY.match(line)
        if not m:
            continue
        assert lines[i + 2].strip() == "<details><summary>Abstract</summary>", lines[i + 2]
        authors = lines[i + 1].strip()[1:-1].split(", ")
        records.append(
            {
                "id": m.group(3),
                "version": 1,
                "title": m.group(1),
                "authors": authors,
                "abstract": lines[i + 3][2:],
                "categories": categories.get(m.group(3), [section]),
                "announce_type": "new",
                "announced": day,
                "comment": None,
                "journal_ref": None,
                "doi": None,
                "license": None,
            }
        )
    return records


def write_reference_day(
    day: str, out: Path, *, extra_config: str = "match: substring\nrepo: tavish9/awesome-daily-AI-arxiv\n"
) -> Path:
    """Write out/data/<day>.jsonl and out/config.yml (the reference's, plus ``extra_config``)."""
    (out / "data").mkdir(parents=True, exist_ok=True)
    lines = [json.dumps(r, ensure_ascii=False) for r in reference_records(day)]
    (out / "data" / f"{day}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    config = out / "config.yml"
    config.write_text(
        (REFERENCE / day / "config.yml").read_text(encoding="utf-8") + "\n" + extra_config, encoding="utf-8"
    )
    return config
