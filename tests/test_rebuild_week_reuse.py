"""The weekly pages' elements an incremental `rebuild` (issue #15) takes from the last one: after a topic
changed, only the elements not kept are rendered again, and every page is still a full rebuild's. The
kept elements are not used when anything they were made under changed (a template, a library's version,
the package), when the file is damaged, nor by ``--full``."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
import pytest

from arxiv_digest.config import load_config
from arxiv_digest.jobs import _manifest, _week
from arxiv_digest.jobs import _rebuild as rebuild_module
from arxiv_digest.jobs import _rebuild_elements as week_elements
from arxiv_digest.jobs.rebuild import rebuild
from arxiv_digest.render.markdown import MarkdownRenderer
from arxiv_digest.render.site import SiteRenderer
from tests.test_rebuild_manifest import BENCH, ROOT, TODAY, _edit_config, _rebuild, _same_as_full
from tests.test_rebuild_manifest import published as published  # the fixture

MOVE = BENCH + "      - Agent*\n      - Model*\n"  # Benchmark then lists other papers on most days


def _weekly_pages(out: Path) -> str:
    pages = sorted(out.glob("weekly/*.md")) + sorted(out.glob("site/weekly/*.html"))
    assert len(pages) >= 4
    return "".join(p.read_text(encoding="utf-8") for p in pages)


def _poison(out: Path, **changes: Any) -> None:
    """Every kept element replaced by a text no renderer writes (and ``changes`` to the file's fields)."""
    path = out / week_elements.CACHE
    raw = orjson.loads(path.read_bytes())
    raw["elements"] = {k: "POISON" for k in raw["elements"]}
    path.write_bytes(orjson.dumps({**raw, **changes}))


@pytest.fixture
def in_weeks(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The ids whose weekly element (Markdown entry or site element) the weekly pass renders."""
    calls: list[str] = []
    inside = [False]

    def spied(real: Callable[..., Any]) -> Callable[..., Any]:
        def spy(self: object, paper: Any, *args: Any, **kwargs: Any) -> Any:
            if inside[0]:
                calls.append(paper.id)
            return real(self, paper, *args, **kwargs)

        return spy

    monkeypatch.setattr(MarkdownRenderer, "entry", spied(MarkdownRenderer.entry))
    monkeypatch.setattr(SiteRenderer, "paper", spied(SiteRenderer.paper))
    real = _week.publish_weeks  # as `_rebuild` imported it

    def weeks(*args: Any, **kwargs: Any) -> Any:
        inside[0] = True
        try:
            return real(*args, **kwargs)
        finally:
            inside[0] = False

    monkeypatch.setattr(rebuild_module, "publish_weeks", weeks)
    return calls


def test_only_the_elements_not_kept_are_rendered(
    published: Path, tmp_path: Path, in_weeks: list[str]
) -> None:
    kept = week_elements.load(published, _manifest.global_key(load_config(published / "config.yml")))
    shown = _weekly_pages(published)
    assert kept and all(e in shown for e in kept.values())
    _edit_config(published, BENCH, MOVE)
    _rebuild(published)
    assert 0 < len(in_weeks) < len(kept) // 2  # the moved papers' elements, under their new topic
    _same_as_full(published, tmp_path)
    # and back: the file holds what the pages now show, so the papers moved back are rendered again
    _edit_config(published, MOVE, BENCH)
    _rebuild(published)
    _same_as_full(published, tmp_path)


def test_kept_elements_are_taken_as_they_are(published: Path) -> None:
    """What the weekly pass does with the file: it takes its elements (so the tests below, where none is
    taken, show that the checks work, not that the file is ignored)."""
    _poison(published)
    _edit_config(published, BENCH, MOVE)
    _rebuild(published)
    assert "POISON" in _weekly_pages(published)


@pytest.mark.parametrize(
    "damage",
    [
        lambda path: path.write_bytes(b"{not json"),
        lambda path: path.write_bytes(path.read_bytes()[:1000]),
        lambda path: _poison(path.parent.parent, version=week_elements.VERSION + 1),
        lambda path: _poison(path.parent.parent, **{"global": "other code or settings"}),
        lambda path: _poison(path.parent.parent, elements={"00" * 16: ["not", "text"]}),
        lambda path: _poison(path.parent.parent, elements={"00" * 8: "a key cut short"}),
    ],
    ids=["not-json", "cut-short", "other-version", "other-key", "not-text", "short-key"],
)
def test_a_damaged_or_stale_file_is_not_used(
    published: Path, tmp_path: Path, damage: Callable[[Path], None]
) -> None:
    damage(published / week_elements.CACHE)
    _edit_config(published, BENCH, MOVE)
    _rebuild(published)
    _same_as_full(published, tmp_path)
    assert week_elements.load(published, _manifest.global_key(load_config(published / "config.yml")))


def test_elements_of_another_template_are_not_used(published: Path, tmp_path: Path) -> None:
    _poison(published)
    folder = published / "templates" / "site"
    folder.mkdir(parents=True)
    packaged = ROOT / "src" / "arxiv_digest" / "render" / "templates" / "site" / "_paper.html.j2"
    (folder / "_paper.html.j2").write_text(packaged.read_text(encoding="utf-8") + "\n", "utf-8")
    with (published / "config.yml").open("a", encoding="utf-8") as f:
        f.write("templates: templates\n")
    _rebuild(published)
    assert "POISON" not in _weekly_pages(published)
    _same_as_full(published, tmp_path)


@pytest.mark.parametrize("what", ["library", "package"])
def test_elements_of_another_version_are_not_used(
    published: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, what: str
) -> None:
    _poison(published)
    if what == "library":  # MarkupSafe or Jinja2 upgraded
        real = _manifest._version
        monkeypatch.setattr(_manifest, "_version", lambda name: real(name) + ".post1")
    else:
        monkeypatch.setattr(_manifest, "code_key", lambda: "another package")
    _edit_config(published, BENCH, MOVE)
    _rebuild(published)
    assert "POISON" not in _weekly_pages(published)
    monkeypatch.undo()
    _same_as_full(published, tmp_path)


def test_a_full_rebuild_uses_none(published: Path, tmp_path: Path) -> None:
    _poison(published)
    rebuild(load_config(published / "config.yml"), published, jobs=1, today=TODAY, full=True)
    assert "POISON" not in _weekly_pages(published)
    _same_as_full(published, tmp_path)


def test_a_rebuild_that_renders_no_week_leaves_the_file(
    published: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = published / week_elements.CACHE
    before = path.stat()

    def unread(*args: Any) -> dict[bytes, str]:
        raise AssertionError("read without a weekly page to render")

    monkeypatch.setattr(week_elements, "load", unread)
    _rebuild(published)  # nothing changed
    after = path.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
