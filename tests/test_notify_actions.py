"""Delivery on GitHub Actions: the workflow `init` writes maps the secrets into the run step and commits
whenever the pages were written (even when delivery then failed), and `run` tells it so through
$GITHUB_OUTPUT only once the pages are there."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import CliResult
from tests.fakearxiv import FakeArxiv

Cli = Callable[..., CliResult]


def steps(digest: Path) -> dict[str, Any]:
    workflow = yaml.safe_load((digest / ".github" / "workflows" / "arxiv-digest.yml").read_text("utf-8"))
    return {step.get("name", step.get("uses")): step for step in workflow["jobs"]["digest"]["steps"]}


def test_the_workflow_maps_the_secrets_and_commits_whenever_the_pages_were_written(digest_dir: Path) -> None:
    by_name = steps(digest_dir)
    run = by_name["Fetch and publish today's announcement"]
    assert run["id"] == "digest"
    assert run["run"] == "arxiv-digest run --config config.yml --out ."
    assert run["env"] == {
        "ARXIV_DIGEST_SMTP_PASSWORD": "${{ secrets.ARXIV_DIGEST_SMTP_PASSWORD }}",
        "SLACK_WEBHOOK_URL": "${{ secrets.SLACK_WEBHOOK_URL }}",
        "DISCORD_WEBHOOK_URL": "${{ secrets.DISCORD_WEBHOOK_URL }}",
        "OPENAI_API_KEY": "${{ secrets.OPENAI_API_KEY }}",  # summaries (issue #11)
        "ZOTERO_API_KEY": "${{ secrets.ZOTERO_API_KEY }}",  # the library through Zotero's API (#9)
    }
    commit = by_name["Commit and push when something changed"]
    assert commit["if"] == "always() && steps.digest.outputs.published == 'true'"
    assert "git push" in commit["run"]
    names = list(by_name)
    assert names.index("Fetch and publish today's announcement") < names.index(
        "Commit and push when something changed"
    )


def test_run_marks_the_step_published_once_the_pages_are_written(
    arxiv_env: FakeArxiv, cli: Cli, digest_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    outputs = tmp_path / "github_output"
    outputs.write_text("earlier=1\n")
    monkeypatch.setenv("GITHUB_OUTPUT", str(outputs))
    result = cli("run", "--config", digest_dir / "config.yml", "--out", digest_dir)
    assert result.exit_code == 0, result.err
    assert outputs.read_text() == "earlier=1\npublished=true\n"  # appended, as Actions expects


def test_a_run_that_fails_before_publishing_does_not_mark_it(
    arxiv_env: FakeArxiv, cli: Cli, digest_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    outputs = tmp_path / "github_output"
    monkeypatch.setenv("GITHUB_OUTPUT", str(outputs))
    arxiv_env.feed_override = b"<html><body>Access Denied</body></html>"
    result = cli("run", "--config", digest_dir / "config.yml", "--out", digest_dir)
    assert result.exit_code == 1
    assert not outputs.exists()
    assert not (digest_dir / "delivery").exists()
