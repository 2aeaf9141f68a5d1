"""A day's counts agree everywhere (issue #7). The README counted what its pages list while the archive
counted what the database stored, so a day with one replace-cross paper (which `include` leaves out) was
"519 papers, 19 updated" on its README and "520, 20" in the archive. Now one count (`digest.count_day`)
is used by the README, its category table, the archive README, the site's index and archive, `status` and
the run's summary; and every count word agrees with its number ("1 topic", never "1 topics")."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest
from lxml import html as lxml_html

from arxiv_digest.config import load_config
from arxiv_digest.match.digest import build_digest, count_day
from arxiv_digest.render.chat import discord_payload, slack_payload
from arxiv_digest.render.email import EmailRenderer
from arxiv_digest.render.selection import select
from arxiv_digest.store import snapshot as snapshots
from arxiv_digest.wording import counted
from tests.conftest import CliResult
from tests.fakearxiv import FakeArxiv

Cli = Callable[..., CliResult]
DAY = "2026-06-30"
KIND = {"new": "new", "cross": "cross", "replace": "updated"}  # what `include` lists by default

_HEADLINE = re.compile(r"(\d+) papers? \((\d+) new, (\d+) cross-lists?, (\d+) updated\)")
_ROW = re.compile(
    r"^\| \[(?P<label>[^\]]+)\]\((?P<link>[^)]+)\) \| (\d+) \| (\d+) \| (\d+) \| (\d+) \|$", re.M
)


def run(cli: Cli, digest: Path) -> CliResult:
    return cli("run", "--config", digest / "config.yml", "--out", digest)


def headline(text: str) -> tuple[int, ...]:
    found = _HEADLINE.search(text)
    assert found, text[:500]
    return tuple(int(n) for n in found.groups())


def rows(text: str) -> dict[str, tuple[int, ...]]:
    """A Markdown counts table: link label -> (papers, new, cross-lists, updated)."""
    return {m["label"]: tuple(int(n) for n in m.groups()[2:]) for m in _ROW.finditer(text)}


def site_archive(path: Path) -> dict[str, tuple[int, ...]]:
    page = lxml_html.fromstring(path.read_bytes())
    out = {}
    for tr in page.cssselect("table:not(.weeks) tbody tr"):
        cells = [td.text_content() for td in tr.cssselect("td")]
        out[cells[0]] = tuple(int(c) for c in cells[1:])
    return out


def expected(digest: Path, day: str) -> tuple[int, ...]:
    """(papers, new, cross-lists, updated) counted here, from the snapshot, by the documented rule."""
    records = [
        json.loads(line) for line in (digest / "data" / f"{day}.jsonl").read_text("utf-8").splitlines()
    ]
    kinds = Counter(KIND[r["announce_type"]] for r in records if r["announce_type"] in KIND)
    return (sum(kinds.values()), kinds["new"], kinds["cross"], kinds["updated"])


def test_every_page_and_report_gives_the_day_the_same_counts(
    arxiv_env: FakeArxiv, cli: Cli, digest_dir: Path
) -> None:
    ran = run(cli, digest_dir)
    assert ran.exit_code == 0, ran.err
    records = (digest_dir / "data" / f"{DAY}.jsonl").read_text("utf-8").splitlines()
    assert sum('"announce_type": "replace-cross"' in r for r in records) == 1  # the case of the issue
    want = expected(digest_dir, DAY)
    assert want == (519, 490, 10, 19)

    readme = (digest_dir / "README.md").read_text("utf-8")
    assert headline(readme) == want
    assert f"badge/papers-{want[0]}-red" in readme
    table = rows(readme)  # the category table adds up to the headline
    assert len(table) == 6 and tuple(map(sum, zip(*table.values(), strict=True))) == want
    assert headline((digest_dir / "archive" / DAY / "README.md").read_text("utf-8")) == want
    assert rows((digest_dir / "archive" / "README.md").read_text("utf-8")) == {DAY: want}

    site = digest_dir / "site"
    for page in (site / "index.html", site / "day" / f"{DAY}.html"):
        assert headline(lxml_html.fromstring(page.read_bytes()).cssselect("p.lede")[0].text_content()) == want
    assert site_archive(site / "archive.html") == {DAY: want}

    status = cli("status", "--out", digest_dir, "--today", DAY)
    assert (
        f"  papers:    {want[0]} ({want[1]} new, {want[2]} cross-lists, {want[3]} updated), of 520 announced"
        in (status.out)
    )
    report = json.loads(cli("status", "--out", digest_dir, "--today", DAY, "--json").out)
    assert (report["listed"], *report["listed_by_kind"].values()) == want
    assert f"{DAY}: 520 papers announced, {want[0]} listed" in ran.out


def test_after_a_config_change_the_archive_counts_what_each_day_lists(
    arxiv_env: FakeArxiv, cli: Cli, digest_dir: Path
) -> None:
    """A category removed from config.yml: its papers leave every page, and the archive says so, where the
    stored counts (the old source of the archive's numbers) still hold them."""
    arxiv_env.announce("2025-10-15")
    assert run(cli, digest_dir).exit_code == 0
    arxiv_env.announce(DAY, replaced_from="2025-10-15", replaced_count=20)
    assert run(cli, digest_dir).exit_code == 0
    config = digest_dir / "config.yml"
    config.write_text(
        config.read_text("utf-8").replace("  cs.CV: Computer Vision and Pattern Recognition 📸\n", "")
    )
    assert cli("rebuild", "--config", config, "--out", digest_dir).exit_code == 0

    archive = rows((digest_dir / "archive" / "README.md").read_text("utf-8"))
    site = site_archive(digest_dir / "site" / "archive.html")
    settings = load_config(config)
    for day in ("2025-10-15", DAY):
        papers = snapshots.loads((digest_dir / "data" / f"{day}.jsonl").read_bytes(), source=day)
        shown = headline((digest_dir / "archive" / day / "README.md").read_text("utf-8"))
        assert archive[day] == site[day] == shown
        assert shown[0] < len(papers)  # the cs.CV papers are no longer listed, nor counted
        counts = count_day(settings, papers[0].announced, papers)
        assert (counts.total, counts.new, counts.cross, counts.updated) == shown


def _one_paper_day(fake: FakeArxiv) -> str:
    """Serve one item only: the first cross-list into cs.CL that the topic below takes. Returns its id."""
    for item in fake.items(["cs.CL"]):
        if item.announce_type == "cross" and "language model" in f"{item.title} {item.abstract}".lower():
            fake.item_transform = lambda items, keep=item.id: [i for i in items if i.id == keep]
            return item.id
    raise AssertionError("no cross-list into cs.CL in the fixture day")


ONE_TOPIC_CONFIG = """\
category:
  cs.CL: Computation and Language
topic:
  LLM:
    keywords:
      - language model
"""


def test_counts_of_one_are_singular_in_every_output(arxiv_env: FakeArxiv, cli: Cli, tmp_path: Path) -> None:
    out = tmp_path / "digest"
    out.mkdir()
    (out / "config.yml").write_text(ONE_TOPIC_CONFIG, encoding="utf-8")
    paper_id = _one_paper_day(arxiv_env)
    ran = run(cli, out)
    assert ran.exit_code == 0, ran.err
    assert f"{DAY}: 1 paper announced, 1 listed" in ran.out

    readme = (out / "README.md").read_text("utf-8")
    assert "**: 1 paper (0 new, 1 cross-list, 0 updated)" in readme
    assert "the archive](archive/README.md) holds 1 day;" in readme
    assert "1 announcement day, newest first" in (out / "archive" / "README.md").read_text("utf-8")
    assert "`cs.CL` · 0 new · 1 cross-list · 0 updated" in (out / "category" / "cs.CL.md").read_text("utf-8")

    index = lxml_html.fromstring((out / "site" / "index.html").read_bytes())
    assert index.cssselect("p.lede")[0].text_content().endswith(": 1 paper (0 new, 1 cross-list, 0 updated).")
    assert "Archive (1 day)" in index.text_content()
    assert index.cssselect("output#shown")[0].text_content() == "1 paper"
    topic = lxml_html.fromstring((out / "site" / "topic" / "LLM.html").read_bytes())
    assert topic.cssselect("p.lede")[0].text_content().startswith("1 paper · ")
    category = lxml_html.fromstring((out / "site" / "category" / "cs.CL.html").read_bytes())
    assert "0 new · 1 cross-list · 0 updated" in category.cssselect("p.lede")[0].text_content()
    assert "1 announcement day, newest first" in (out / "site" / "archive.html").read_text("utf-8")

    status = cli("status", "--out", out, "--today", DAY)
    assert "1 day stored" in status.out and "papers:    1 (0 new, 1 cross-list, 0 updated)" in status.out
    assert cli("rebuild", "--config", out / "config.yml", "--out", out).out.startswith("Rebuilt 1 day.\n")

    config = load_config(out / "config.yml")
    papers = snapshots.loads((out / "data" / f"{DAY}.jsonl").read_bytes(), source=DAY)
    assert [p.id for p in papers] == [paper_id]
    digest = build_digest(config, papers[0].announced, papers)
    selection = select(digest, None, title=config.title, repo=None, max_authors=6)
    assert selection.subject == f"arXiv digest {DAY}: 1 paper in 1 topic"
    mail = EmailRenderer(None, 6)
    assert mail.text(selection).startswith(f"arXiv digest {DAY}: 1 paper in 1 topic\n")
    assert "1 paper in 1 topic" in lxml_html.fromstring(mail.html(selection)).text_content()
    assert "*LLM* · 1 paper" in json.dumps(slack_payload(selection), ensure_ascii=False)
    assert "LLM · 1 paper" in json.dumps(discord_payload(selection), ensure_ascii=False)


@pytest.mark.parametrize(
    ("n", "noun", "text"),
    [
        (0, "paper", "0 papers"),
        (1, "topic", "1 topic"),
        (2, "day", "2 days"),
        (1, "cross-list", "1 cross-list"),
        (3, "category", "3 categories"),
        (1, "category", "1 category"),
        (12, "entry", "12 entries"),
    ],
)
def test_counted(n: int, noun: str, text: str) -> None:
    assert counted(n, noun) == text
