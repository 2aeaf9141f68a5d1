"""The workflow `init` writes, for the extras (issues #9 and #11): it keeps the For-you model between runs
(the cached .arxiv-digest/ holds .arxiv-digest/rank/), and maps the Zotero and summaries keys from the
repository's Actions secrets into the run step. Proven by running the job as GitHub would
(tests/test_workflow.py's interpreter) against a fake Zotero and a fake chat API on 127.0.0.1, with the keys
given only as secrets."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from arxiv_digest.jobs._for_you import cache_dir
from arxiv_digest.output.layout import STATE_DIR
from tests.fakearxiv import FakeArxiv
from tests.fakes.chat import FakeChat
from tests.fakes.zotero import FakeZotero
from tests.test_workflow import commits, digest_steps, git, load_workflow, repository, run_job

__all__ = ["repository"]  # the fixture, used by name

ZOTERO_KEY = "k3y-Zotero-0123456789"
CHAT_KEY = "sk-proj-w0rkflowKey0123456789abcdef"
LIBRARY = """
library:
  zotero: {user: 1234567, key: "${ZOTERO_API_KEY}"}
summaries:
  endpoint: %s
  model: gpt-4o-mini
  key: "${OPENAI_API_KEY}"
  language: English
  papers: 3
  max_tokens_per_day: 60000
"""


def workflow_of(repo: Path) -> dict[str, object]:
    return load_workflow(repo / ".github" / "workflows" / "arxiv-digest.yml")


def test_the_cache_step_keeps_the_model_and_the_run_step_maps_the_keys(
    repository: tuple[Path, Path, dict[str, str]],
) -> None:
    repo, _, _ = repository
    steps = digest_steps(workflow_of(repo))  # type: ignore[arg-type]
    (cache,) = [s for s in steps if str(s.get("uses", "")).startswith("actions/cache@")]
    kept = [Path(line) for line in str(cache["with"]["path"]).split()]
    model = cache_dir(Path(".")).relative_to(".")
    assert Path(STATE_DIR) in kept and model.is_relative_to(STATE_DIR)  # .arxiv-digest/rank with it
    assert "hashFiles('data/*.jsonl')" in cache["with"]["key"] and cache["with"]["restore-keys"]
    names = [s.get("name") for s in steps]
    assert names.index(cache["name"]) < names.index("Fetch and publish today's announcement")
    (run,) = [s for s in steps if "arxiv-digest run" in s.get("run", "")]
    assert run["env"]["ZOTERO_API_KEY"] == "${{ secrets.ZOTERO_API_KEY }}"
    assert run["env"]["OPENAI_API_KEY"] == "${{ secrets.OPENAI_API_KEY }}"


@pytest.fixture
def zotero() -> Iterator[FakeZotero]:
    with FakeZotero(1234567, key=ZOTERO_KEY) as fake:
        abstract = "We render radiance fields with 3D Gaussians in real time, splatting them on the image."
        fake.add("3D Gaussian Splatting for Real-Time Radiance Field Rendering", abstract=abstract)
        fake.add("Dynamic Gaussian Splatting", abstract="Deformable 3D Gaussians reconstruct dynamic scenes.")
        yield fake


def test_the_job_ranks_by_a_zotero_library_and_summarises_with_the_keys_given_as_secrets(
    repository: tuple[Path, Path, dict[str, str]], arxiv_env: FakeArxiv, zotero: FakeZotero
) -> None:
    repo, remote, env = repository
    env = {**env, "ARXIV_DIGEST_ZOTERO_URL": zotero.url}
    with FakeChat(key=CHAT_KEY) as chat:
        config = repo / "config.yml"
        config.write_text(config.read_text(encoding="utf-8") + LIBRARY % chat.url, encoding="utf-8")
        git(repo, "-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-qam", "library")
        # Without the secrets the run stops before publishing, naming the variable; nothing is committed.
        refused = run_job(repo, workflow_of(repo), env, secrets={})  # type: ignore[arg-type]
        assert refused.failed and "ZOTERO_API_KEY" in "".join(refused.logs.values())
        assert len(commits(remote)) == 1
        secrets = {"ZOTERO_API_KEY": ZOTERO_KEY, "OPENAI_API_KEY": CHAT_KEY}
        job = run_job(repo, workflow_of(repo), env, secrets=secrets)  # type: ignore[arg-type]
    assert not job.failed, job.logs
    assert any(r.headers.get("zotero-api-key") == ZOTERO_KEY for r in zotero.requests)
    pushed = git(remote, "ls-tree", "-r", "--name-only", "main").splitlines()
    assert "for_you.md" in pushed and "data/zotero.jsonl" in pushed
    page = git(remote, "show", "main:for_you.md")
    assert page.count("🤖 <b>Summary</b> (machine-written)") == 3  # the keys reached both services
    everything = "".join(job.logs.values()) + "".join(
        git(remote, "show", f"main:{p}") for p in pushed if p.endswith((".md", ".json", ".jsonl"))
    )
    assert ZOTERO_KEY not in everything and CHAT_KEY not in everything
    assert (repo / cache_dir(Path("."))).is_dir()  # the model, for the cache step to keep
