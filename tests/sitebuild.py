"""A digest folder with a site, for the site, feed and browser tests: the bundled real day (2026-06-30,
500 papers) plus earlier days made of its first papers under other ids, and a few papers whose titles and
abstracts are hostile or full of TeX. Built with ``rebuild`` (one process), as a user's ``demo`` is."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable
from pathlib import Path

from arxiv_digest.config import Config, load_config
from arxiv_digest.jobs.rebuild import rebuild

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "src" / "arxiv_digest" / "demo" / "2026-06-30.jsonl"
SCAFFOLD = ROOT / "src" / "arxiv_digest" / "scaffold" / "config.yml"
LATEST = dt.date(2026, 6, 30)

#: Papers added to the latest day: TeX the site must render, text it must keep inert.
EXTRA = [
    {
        "id": "2606.99901",
        "title": "Sharp $\\tilde{O}(\\sqrt{T})$ regret for LLM agents with $\\mathcal{H}_\\infty$ control",
        "abstract": "We prove $$\\sum_{t=1}^T r_t \\le \\frac{1}{2}\\sqrt{T}$$ for \\textbf{large language "
        "model} agents, improving \\(O(T^{2/3})\\) by 73\\%.",
        "authors": ["Ada Lovelace", "Émilie du Châtelet"],
        "categories": ["cs.LG", "cs.AI"],
    },
    {
        "id": "2606.99902",
        "title": "<script>window.__pwned = 1</script> LLM & </article> <img src=x onerror=alert(1)> ]]>",
        "abstract": 'An abstract with <b onmouseover="alert(1)">markup</b>, javascript:alert(1), a '
        "$\\text{<script>alert(2)</script>}$ formula and an unknown $\\foo{x}$ large language model.",
        "authors": ["<svg onload=alert(1)>", "O'Neil & Sons"],
        "categories": ["cs.CL"],
        # Facts as a hand-edited snapshot could hold them (issue #10): a venue and a link made to break out.
        "facts": {
            "rules": 1,
            "code": [
                {"url": 'https://evil.example/"><script>window.__pwned=2</script>(x)', "kind": "project"}
            ],
            "venue": {
                "name": "<img src=x onerror=alert(3)> & </span>`",
                "year": 2026,
                "workshop": True,
                "track": "workshop",
            },
        },
    },
]


def _record(base: dict[str, object], day: dt.date, **changes: object) -> dict[str, object]:
    return {**base, "announced": day.isoformat(), **changes}


def weekdays_before(day: dt.date, count: int) -> list[dt.date]:
    out: list[dt.date] = []
    while len(out) < count:
        day -= dt.timedelta(days=1)
        if day.weekday() < 5:
            out.append(day)
    return sorted(out)


def write_history(out: Path, *, earlier_days: int = 2, per_day: int = 60, config_extra: str = "") -> Config:
    """Snapshots of the latest day (the demo day and EXTRA) and ``earlier_days`` weekdays before it."""
    records = [json.loads(line) for line in DEMO.read_text(encoding="utf-8").splitlines()]
    data = out / "data"
    data.mkdir(parents=True, exist_ok=True)
    template = records[0]
    # The paper announced on every day (below): on the latest day, its latest revision.
    records[1] = dict(records[1], announce_type="replace", version=earlier_days + 2)
    latest = records + [
        _record(template, LATEST, **extra, version=1, announce_type="new", comment=None) for extra in EXTRA
    ]
    _write(data / f"{LATEST}.jsonl", latest)
    for k, day in enumerate(weekdays_before(LATEST, earlier_days)):
        day_records = []
        for i, r in enumerate(records[:per_day]):
            changes: dict[str, object] = {"id": f"{day:%y%m}.{90000 + k * 1000 + i:05d}"}
            if i % 5 == 0:
                changes.update(announce_type="replace", version=2)
            day_records.append(_record(r, day, **changes))
        # The same paper on every day, revised each time (v2, v3 …): its feed entry must appear once, and
        # a topic that listed it shows the next revision as "seen before" unless asked for replacements.
        day_records.append(_record(records[1], day, announce_type="replace", version=k + 2))
        _write(data / f"{day}.jsonl", day_records)
    config_path = out / "config.yml"
    config_path.write_text(SCAFFOLD.read_text(encoding="utf-8") + config_extra, encoding="utf-8")
    return load_config(config_path)


def _write(path: Path, records: Iterable[dict[str, object]]) -> None:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")


def build(out: Path, **kwargs: object) -> Config:
    config = write_history(out, **kwargs)  # type: ignore[arg-type]
    rebuild(config, out, jobs=1)
    return config


_MD_ENTRY = re.compile(r"^- \*\*\[.*`arXiv:(?P<id>[^`]+)`", re.MULTILINE)


def markdown_ids(folder: Path, slug: str) -> list[str]:
    """The arXiv ids a Markdown list page shows, every part of a split page included, in order."""
    parts = [folder / f"{slug}.md"]
    n = 2
    while (folder / f"{slug}-{n}.md").is_file():
        parts.append(folder / f"{slug}-{n}.md")
        n += 1
    return [m.group("id") for part in parts for m in _MD_ENTRY.finditer(part.read_text(encoding="utf-8"))]
