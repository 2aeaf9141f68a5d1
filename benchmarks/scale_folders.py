"""The digest folders of ``bench_scale.py``: published once per history and code, cloned per repetition.

A *published* folder is a history (``scale_data.py``) rebuilt by ``arxiv-digest rebuild`` and searched once
(which builds the search index): every page of every day, the database, the index, as a digest repository
that has been running for years holds them on the machine that keeps its database. It is built once under
``benchmarks/.work/`` and reused while the installed package's files are the same
(:func:`code_fingerprint`); ``<folder>.json`` beside it records what building it took.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from benchmarks import scale_data
from benchmarks.scale_harness import STATE_DIR, check_untouched, clone, folder_bytes, remove, run_child

#: The query of the search that builds the index (and of the first search after a run).
INDEX_QUERY = "learning"


@dataclass(frozen=True)
class Setup:
    cli: Path
    env: dict[str, str]
    work: Path
    scratch: Path
    config_text: str
    repeat: int
    #: the environment of the commands that publish the folders (``--publish-with``: another tree's code on
    #: ``PYTHONPATH``); None: ``env``, the measured code's
    publish_env: dict[str, str] | None = None

    @property
    def publishing_env(self) -> dict[str, str]:
        return self.env if self.publish_env is None else self.publish_env

    def command(self, *args: str | Path) -> list[str]:
        return [str(self.cli), "--quiet", *map(str, args)]

    def log(self, name: str) -> Path:
        return self.scratch / "logs" / f"{name}.log"


@dataclass(frozen=True)
class Master:
    """A published digest folder (pages, database, search index) of a history, and what building it took."""

    root: Path
    label: str
    papers: int
    built: dict[str, Any]


# -- folders ----------------------------------------------------------------------------------------------


def size_label(papers: int) -> str:
    return f"{papers / 1e6:.1f}M" if papers >= 1e6 else f"{papers / 1e3:.0f}k"


def code_fingerprint(setup: Setup) -> str:
    """A hash of the publishing code's files and version (the installed package's, or ``--publish-with``'s):
    a cached folder made by other code is not used (its database and pages would be another program's)."""
    env = setup.publishing_env
    where = subprocess.run(
        [sys.executable, "-c", "import arxiv_digest, os; print(os.path.dirname(arxiv_digest.__file__))"],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    ).stdout.strip()
    version = subprocess.run([str(setup.cli), "--version"], capture_output=True, check=True, env=env).stdout
    h = hashlib.sha256(version)
    for path in sorted(Path(where).rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            h.update(str(path.relative_to(where)).encode() + b"\0" + path.read_bytes())
    return h.hexdigest()[:12]


def published(setup: Setup, history: scale_data.History, fingerprint: str) -> Master:
    """The history rebuilt by ``arxiv-digest rebuild`` and searched once (which builds the index), built
    once under benchmarks/.work/ and reused while the code is the same."""
    root = setup.work / f"published-{history.root.name}-{fingerprint}"
    stamp = root.with_name(root.name + ".json")
    label = size_label(history.papers)
    if stamp.is_file():
        return Master(root, label, history.papers, json.loads(stamp.read_text(encoding="utf-8")))
    print(f"building the published folder of {label} ({history.describe()}) ...", flush=True)
    remove(root)
    root.mkdir(parents=True)
    subprocess.run(["cp", "-al", str(history.data), str(root / "data")], check=True)
    (root / "config.yml").write_text(setup.config_text, encoding="utf-8")
    rebuilt = run_child(
        setup.command("rebuild", "--config", root / "config.yml", "--out", root),
        setup.log(f"master-rebuild-{label}"),
        env=setup.publishing_env,
    )
    indexed = run_child(
        setup.command("search", "--out", root, "--limit", "1", INDEX_QUERY),
        setup.log(f"master-index-{label}"),
        env=setup.publishing_env,
    )
    files, size = folder_bytes(root)
    built = {
        "date": dt.date.today().isoformat(),
        "rebuild": asdict(rebuilt),
        "first_search": asdict(indexed),
        "files": files,
        "bytes": size,
        "database_bytes": folder_bytes(root / STATE_DIR)[1],
    }
    stamp.write_text(json.dumps(built, indent=1) + "\n", encoding="utf-8")
    return Master(root, label, history.papers, built)


def newest_id(folder: Path) -> str:
    newest = max((folder / "data").glob("*.jsonl"))
    with newest.open("rb") as f:
        return str(json.loads(f.readline())["id"])


def bring_up_to_date(setup: Setup, folder: Path) -> None:
    """Let the database record the clone's snapshot files (their ctime changed with the hard links), as the
    previous day's run would have on the machine that keeps it: ``explain`` syncs and reads one paper."""
    run_child(
        setup.command(
            "explain", "--config", folder / "config.yml", "--id", newest_id(folder), "--out", folder
        ),
        setup.log("explain"),
        env=setup.env,
    )


def write_config(folder: Path, text: str) -> None:
    path = folder / "config.yml"
    path.unlink(missing_ok=True)  # a clone's config.yml is a hard link to the master's: never write into it
    path.write_text(text, encoding="utf-8")


def settle() -> None:
    """Write what the clone left in the page cache to disk (``sync``), before the measured command: the
    copied database (gigabytes of dirty pages at 1.2M papers) and the file system's journal of the hard
    links. Left so, the command's first ``fsync`` (a checkpoint of the database, the snapshot written
    durably) would write them on its time: up to 0.3 s of system CPU and seconds of wall time at 1.2M.
    On the machine that keeps its database, yesterday's run wrote all that to disk hours ago."""
    os.sync()


#: What a run keeps under ``.arxiv-digest/`` for the next day's run besides the database (issue #15: the
#: feeds' days). The published folders lack it when the code that published them keeps none.
KEPT = "feed-days"


def kept_before(folder: Path, day: dt.date, into: Path) -> None:
    """Save what the run in ``folder`` kept of the days before ``day`` (``KEPT``) into ``into``: what the
    day before's run would have left. Each kept day is keyed on that day's snapshot, its window's, the
    config and the code only (``jobs/_feed_cache.py``), so the run of the day before keeps the same."""
    remove(into)
    source = folder / STATE_DIR / KEPT
    if not source.is_dir():
        return  # code that keeps nothing
    into.mkdir(parents=True)
    for path in sorted(source.glob("*.json")):
        if path.stem < day.isoformat():
            shutil.copy2(path, into / path.name)


@contextmanager
def cloned(
    setup: Setup, master: Master | None, name: str, *, database: bool, kept: Path | None = None
) -> Iterator[Path]:
    """A folder for one repetition: a clone of ``master`` (or an empty folder with the config), checked
    afterwards to have left the master as it was, then removed. ``kept``: what the day before's run kept
    (:func:`kept_before`), put under ``.arxiv-digest/`` of a clone with its database."""
    folder = setup.scratch / name
    if master is None:
        remove(folder)
        folder.mkdir(parents=True)
        write_config(folder, setup.config_text)
    else:
        clone(master.root, folder, database=database)
        if database and kept is not None and kept.is_dir():
            shutil.copytree(kept, folder / STATE_DIR / KEPT)
        if database:
            bring_up_to_date(setup, folder)
    settle()
    since = time.time_ns()
    try:
        yield folder
        if master is not None:
            check_untouched(folder, since)
    finally:
        remove(folder)
