"""The weekly digest with a library (issues #9 and #10): each topic's best papers of the week by the reader's
For-you score (the model `rank` prints), ties newest first; ``rank: {top: 0}`` or no library: by matches.
On three weeks of the real history, rebuilt as a user's repository would be, then the `week` command."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from arxiv_digest.config import load_config
from arxiv_digest.jobs.rebuild import rebuild
from arxiv_digest.models import id_sort_key
from tests import history_days
from tests.conftest import CliResult, tree_state
from tests.receivers import TOPICS, add_config, topic_ids
from tests.test_for_you import LIBRARY_BIB
from tests.test_week import DAYS_OF_WEEK, WEEK, sections, week_page

Cli = Callable[..., CliResult]
AFTER = dt.date(2025, 6, 23)  # the Monday after the last stored week


def _digest(folder: Path, *, library: bool) -> Path:
    folder.mkdir(parents=True)
    shutil.copy(Path(__file__).resolve().parent.parent / "src/arxiv_digest/scaffold/config.yml", folder)
    history_days.write_days(folder, history_days.days("2025-06-02", "2025-06-20", 120))
    if library:
        (folder / "library.bib").write_text(LIBRARY_BIB, encoding="utf-8")
        add_config(folder, "library:\n  bibtex: [library.bib]\n")
    rebuild(load_config(folder / "config.yml"), folder, jobs=1, today=AFTER)
    return folder


@pytest.fixture(scope="module")
def digests(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("week-for-you")
    return _digest(root / "ranked", library=True), _digest(root / "plain", library=False)


def test_a_library_orders_each_topic_of_the_week_by_its_score(
    digests: tuple[Path, Path], cli: Cli, tmp_path: Path
) -> None:
    ranked, plain = digests
    args = ("rank", "--config", ranked / "config.yml", "--out", ranked, "--json")
    done = cli(*args, "--from", DAYS_OF_WEEK[0], "--to", DAYS_OF_WEEK[-1])
    assert done.exit_code == 0, done.err
    rows = json.loads(done.out)
    score = {r["id"]: r["score"] for r in rows}
    day = {r["id"]: r["announced"] for r in rows}
    page = week_page(ranked)
    assert "by your library's score" in page
    shown, taken = sections(page), set[str]()
    for topic in TOPICS:  # in config order, each the best of what no earlier topic took
        listed = {i for d in DAYS_OF_WEEK for i in topic_ids(ranked, d)[topic]} - taken
        best = sorted(listed, key=lambda i: (score[i], day[i], id_sort_key(i)), reverse=True)
        assert shown[topic] == best[:10], topic
        taken.update(shown[topic])
    # The library is about Gaussian splatting: the 3D topic puts it first, the match count did not.
    before = sections(week_page(plain))
    assert shown["3D_Reconstruction"] != before["3D_Reconstruction"]
    assert "by how many of your topics and keywords" in week_page(plain)
    site = (ranked / "site" / "weekly" / f"{WEEK}.html").read_text(encoding="utf-8")
    assert "by your library's score" in site

    # The `week` command orders it the same way (the same model, from its cache): nothing changes.
    copy = tmp_path / "copy"
    shutil.copytree(ranked, copy)
    state = tree_state(copy)
    again = cli("week", "--config", copy / "config.yml", "--out", copy, "--week", WEEK)
    assert again.exit_code == 0 and "(nothing changed)" in again.out, again.err
    assert tree_state(copy) == state
    # Ranking off: the week is ordered by matches, as without a library.
    add_config(copy, "rank:\n  top: 0\n")
    off = cli("week", "--config", copy / "config.yml", "--out", copy, "--week", WEEK)
    assert off.exit_code == 0, off.err
    assert week_page(copy) == week_page(plain)
