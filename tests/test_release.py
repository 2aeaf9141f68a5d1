"""The release workflow (issue #7): a `v*` tag builds the sdist and the wheel and publishes them to PyPI by
trusted publishing, so that `pip install arxiv-digest==<version>`, what `init` writes by default, resolves.

The workflow's structure is read from its YAML; its shell step (the tag names the version built) is run
here with bash on a real build of this repository (`python -m build`, without an isolated environment so
that no package index is needed), and the built wheel is installed by the very requirement `init` writes,
from the build folder alone.
"""

from __future__ import annotations

import email
import os
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest
import yaml

from arxiv_digest import __version__

ROOT = Path(__file__).resolve().parent.parent
RELEASE = ROOT / ".github" / "workflows" / "release.yml"
pytestmark = pytest.mark.skipif(not RELEASE.is_file(), reason="needs the repository, not an installed copy")


def load() -> dict[str, Any]:
    workflow = yaml.safe_load(RELEASE.read_text(encoding="utf-8"))
    workflow["on"] = workflow.pop(True, workflow.get("on"))  # YAML 1.1 reads a bare `on` as true
    return dict(workflow)


def step_named(job: dict[str, Any], text: str) -> dict[str, Any]:
    (step,) = [s for s in job["steps"] if text in s.get("name", "")]
    return dict(step)


def test_a_version_tag_builds_and_publishes_with_trusted_publishing() -> None:
    workflow = load()
    assert workflow["on"] == {"push": {"tags": ["v*"]}}
    assert workflow["permissions"] == {"contents": "read"}  # nothing else gets a token that can write
    build, publish = workflow["jobs"]["build"], workflow["jobs"]["publish"]

    assert "python -m build" in step_named(build, "Build the sdist and the wheel")["run"]
    (upload,) = [s for s in build["steps"] if s.get("uses", "").startswith("actions/upload-artifact@")]

    assert publish["needs"] == "build"
    assert publish["permissions"] == {"id-token": "write"}  # the OIDC token, for this job only
    assert publish["environment"]["name"] == "pypi"
    uses = [s.get("uses", "") for s in publish["steps"]]
    assert uses[-1] == "pypa/gh-action-pypi-publish@release/v1"
    (download,) = [s for s in publish["steps"] if s.get("uses", "").startswith("actions/download-artifact@")]
    assert download["with"]["name"] == upload["with"]["name"]
    assert download["with"]["path"].rstrip("/") == "dist"
    # Trusted publishing needs no secret: none may be handed to the upload.
    assert "password" not in (publish["steps"][-1].get("with") or {})


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`python -m build` on this repository (the release job's command, without isolation)."""
    pytest.importorskip("build")
    pytest.importorskip("hatchling")
    out = tmp_path_factory.mktemp("release") / "dist"
    done = subprocess.run(
        [sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return out


def test_the_build_makes_an_sdist_and_a_wheel_of_this_version(built: Path) -> None:
    names = sorted(p.name for p in built.iterdir())
    assert names == [f"arxiv_digest-{__version__}-py3-none-any.whl", f"arxiv_digest-{__version__}.tar.gz"]
    with zipfile.ZipFile(built / names[0]) as wheel:
        files = set(wheel.namelist())
        metadata = email.message_from_bytes(wheel.read(f"arxiv_digest-{__version__}.dist-info/METADATA"))
    assert metadata["Name"] == "arxiv-digest" and metadata["Version"] == __version__
    # What `init` and `demo` read from the package is in it.
    for packaged in (
        "scaffold/workflow.yml",
        "scaffold/config.yml",
        "scaffold/gitignore",
        "demo/2026-06-30.jsonl",
    ):
        assert f"arxiv_digest/{packaged}" in files, packaged


@pytest.mark.parametrize("tag, ok", [(f"v{__version__}", True), ("v99.0.0", False)])
def test_the_tag_must_name_the_version_built(tag: str, ok: bool, built: Path) -> None:
    script = step_named(load()["jobs"]["build"], "tag names the version")["run"]
    done = subprocess.run(
        ["bash", "-e", "-c", script],
        cwd=built.parent,
        env={**os.environ, "GITHUB_REF_NAME": tag},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (done.returncode == 0) is ok, done.stdout + done.stderr
    if not ok:
        assert f"tag {tag} does not match the version built" in done.stdout


def test_the_requirement_init_writes_installs_the_wheel_the_release_builds(
    built: Path, tmp_path: Path
) -> None:
    target = tmp_path / "site-packages"
    done = subprocess.run(
        [
            sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index",
            "--find-links", str(built), "--target", str(target), f"arxiv-digest=={__version__}",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert (target / "arxiv_digest" / "scaffold" / "workflow.yml").is_file()
