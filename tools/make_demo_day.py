"""Regenerate the demo day bundled in the package from a real arXiv day in ../shared/data/arxiv-days/.

    python tools/make_demo_day.py ../shared/data/arxiv-days/2026-06-30.jsonl src/arxiv_digest/demo/

The source records are real arXiv metadata (id, title, authors, categories, comment, abstract with
arXiv's line breaks), with some papers recorded twice (once per listing they were collected from): the
first copy is kept. They carry no announce type or version, so: a paper whose primary category is one
of the default config's six is `new`, any other is a `cross`-list; the version is 1.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

from arxiv_digest.models import AnnounceType, Paper
from arxiv_digest.output import layout
from arxiv_digest.store import snapshot
from arxiv_digest.text import clean_abstract, clean_author, clean_title

TRACKED = {"cs.AI", "cs.CL", "cs.CV", "cs.LG", "cs.MA", "cs.RO"}


def main(source: str, out_dir: str) -> None:
    src = Path(source)
    day = dt.date.fromisoformat(src.stem)
    papers = []
    seen: set[str] = set()
    for line in src.read_text(encoding="utf-8").splitlines():
        r = json.loads(line)
        if r["id"] in seen or not TRACKED.intersection(r["categories"]):
            continue  # a duplicate, or a neighbour listing's paper the six-category feed would not carry
        seen.add(r["id"])
        cats = tuple(r["categories"])
        papers.append(
            Paper(
                id=r["id"],
                version=1,
                title=clean_title(r["title"]),
                authors=tuple(clean_author(a) for a in r["authors"]),
                abstract=clean_abstract(r["summary"]),
                categories=cats,
                announce_type=AnnounceType.NEW if cats[0] in TRACKED else AnnounceType.CROSS,
                announced=day,
                comment=r.get("comment") or None,
            )
        )
    target = Path(out_dir) / layout.snapshot_name(day)
    target.write_bytes(snapshot.dumps(papers))
    print(f"{target}: {len(papers)} papers")


if __name__ == "__main__":
    main(*sys.argv[1:3])
