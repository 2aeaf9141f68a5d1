"""A hostile model answer on the published site, in a real browser (issue #11): Debian's Chromium through
Playwright opens the topic page of a day whose summaries the fake chat API wrote as HTML and script. The
summary reads as the text it is, above the abstract and marked as machine-written; nothing of it runs."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import pytest

from arxiv_digest.cli.site import make_server
from tests.fakearxiv import FakeArxiv
from tests.fakes.chat import FakeChat, Reply
from tests.test_site_browser import CHROMIUM, FLAGS
from tests.test_summaries_daily import HOSTILE, KEY, PAPERS, VARIABLE, Cli, run, with_summaries

sync_api = pytest.importorskip("playwright.sync_api", reason="the [test] extra installs playwright")


def test_a_hostile_summary_never_runs_and_reads_as_text(
    arxiv_env: FakeArxiv,
    cli: Cli,
    digest_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(VARIABLE, KEY)
    with FakeChat(key=KEY) as chat:
        chat.queue(*(Reply(content=HOSTILE) for _ in range(PAPERS)))
        with_summaries(digest_dir, chat.url)
        result = run(cli, digest_dir)
    assert result.exit_code == 0, result.err
    server = make_server(digest_dir / "site", 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    profile = tmp_path / "chromium-profile"
    problems: list[str] = []
    try:
        with sync_api.sync_playwright() as pw:
            context = pw.chromium.launch_persistent_context(
                str(profile), executable_path=str(CHROMIUM), args=FLAGS, headless=True
            )
            page = context.new_page()
            page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
            page.on("dialog", lambda d: problems.append(f"dialog: {d.message}"))
            page.goto(f"http://127.0.0.1:{server.server_address[1]}/topic/LLM.html")
            page.wait_for_selector("html.js", state="attached")  # site.js ran
            assert page.evaluate("window.pwned") is None
            summaries = page.locator(".paper .summary")
            assert summaries.count() >= 1
            shown = summaries.first.inner_text()
            assert shown.startswith("🤖 Summary (machine-written):")
            assert "<script>window.pwned = 1</script>" in shown
            assert "<img src=x onerror=alert(1)>" in shown
            assert page.locator(".paper img, .paper script, .paper a[href^='javascript']").count() == 0
            # Above the abstract, in the same paper.
            paper = page.locator(".paper", has=page.locator(".summary")).first
            order = paper.evaluate(
                "el => [...el.children].map(c => c.className)"
                ".filter(c => c === 'summary' || c === 'abstract')"
            )
            assert order == ["summary", "abstract"]
            context.close()
    finally:
        server.shutdown()
        server.server_close()
        shutil.rmtree(profile, ignore_errors=True)
    assert problems == []
