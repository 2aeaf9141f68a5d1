"""``data/remote/<YYYY-MM>.jsonl``: the papers remote searches found, one paper a line, by month of first
submission. Part of the history in git, beside the announcement days, but never mistaken for one.

API results are not announcements (arXiv's search does not say when or as what a paper was announced),
so they cannot go into ``data/<day>.jsonl``, and ``Store.sync`` never reads this folder. They are few (the
papers your remote searches matched), so local ``search`` reads these files directly instead of keeping a
second cache in the database. Output is deterministic: papers sorted by arXiv id (newest first), keys in a
fixed order, UTF-8; a paper found again replaces its older record only with a version at least as new.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable
from pathlib import Path

from ..errors import StoreError, cannot_read
from ..facts import with_submission_facts
from ..models import Submission, id_sort_key
from .snapshot import read_records

REMOTE_DIR = "remote"
_MONTH_FILE = re.compile(r"^(\d{4})-(\d{2})\.jsonl$", re.ASCII)


def month_name(day: dt.date) -> str:
    return f"{day:%Y-%m}.jsonl"


def remote_dir(data_dir: Path) -> Path:
    return data_dir / REMOTE_DIR


def dumps(submissions: Iterable[Submission]) -> bytes:
    ordered = sorted(submissions, key=lambda s: id_sort_key(s.id), reverse=True)
    lines = [json.dumps(s.to_record(), ensure_ascii=False) for s in ordered]
    return ("\n".join(lines) + "\n").encode("utf-8") if lines else b""


def loads(content: bytes, *, source: str) -> list[Submission]:
    """Parse one month's file; errors name the file and line."""
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError as e:
        raise StoreError(f"{source}: not UTF-8 ({e}); restore it from git") from e
    return [
        with_submission_facts(s)  # a file written before facts existed, or by older rules (issue #10)
        for s in read_records(text, source, Submission.from_record, what="remote paper")
    ]


def month_files(data_dir: Path) -> dict[str, Path]:
    """The month files of a data folder's ``remote/``, by file name, in order."""
    folder = remote_dir(data_dir)
    if not folder.is_dir():
        return {}
    return {p.name: p for p in sorted(folder.iterdir()) if _MONTH_FILE.match(p.name) and p.is_file()}


def load_all(data_dir: Path) -> list[Submission]:
    out: list[Submission] = []
    for path in month_files(data_dir).values():
        try:
            content = path.read_bytes()
        except OSError as e:
            raise StoreError(cannot_read(path, e)) from e
        out.extend(loads(content, source=str(path)))
    return out


def merged(data_dir: Path, found: Iterable[Submission]) -> dict[str, bytes]:
    """The month files (relative to ``data_dir``) that change when ``found`` is added, with their new
    content. The caller writes them (atomically, under the output lock)."""
    by_month: dict[str, dict[str, Submission]] = {}
    for s in map(with_submission_facts, found):  # every record written carries its facts (issue #10)
        by_month.setdefault(month_name(s.submitted), {})
        current = by_month[month_name(s.submitted)].get(s.id)
        if current is None or s.version >= current.version:
            by_month[month_name(s.submitted)][s.id] = s
    files = month_files(data_dir)
    out: dict[str, bytes] = {}
    for name, new in sorted(by_month.items()):
        path = files.get(name)
        old = loads(path.read_bytes(), source=str(path)) if path is not None else []
        papers = {s.id: s for s in old}
        for arxiv_id, s in new.items():
            kept = papers.get(arxiv_id)
            if kept is None or s.version >= kept.version:
                papers[arxiv_id] = s
        content = dumps(papers.values())
        if path is None or path.read_bytes() != content:
            out[f"{REMOTE_DIR}/{name}"] = content
    return out
