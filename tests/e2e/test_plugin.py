"""The pytest plugin running a lesson on the real local cluster: items per step, failures with lines and evidence."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e
REPO = Path(__file__).resolve().parents[2]


def run_pytest(tmp_path: Path, lesson: Path, *extra: str) -> subprocess.CompletedProcess:
    from runner.cluster import paths

    env = {**os.environ, "KUBECONFIG": str(paths.admin_kubeconfig())}
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            "--rootdir",
            str(tmp_path),
            f"--lessons={lesson.parent}",
            "--lesson-profile",
            "local",
            "-rs",
            "-v",
            str(lesson),
            *extra,
        ],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )


def test_storage_lesson_as_pytest_items(kube_api, tmp_path):
    lesson = tmp_path / "storage.md"
    lesson.write_text((REPO / "lessons" / "storage.md").read_text())
    res = run_pytest(tmp_path, lesson, "--lesson-namespace=default")
    assert res.returncode == 0, res.stdout[-4000:]
    for item in (
        "storage.md::lint PASSED",
        "storage.md::scratch-pod PASSED",
        "storage.md::pvc-bound PASSED",
        "storage.md::pvc-data-survives PASSED",
    ):
        assert item in res.stdout


def test_a_failing_check_shows_the_markdown_lines_evidence_and_hint(kube_api, tmp_path):
    lesson = tmp_path / "storage.md"
    text = (REPO / "lessons" / "storage.md").read_text()
    lesson.write_text(text.replace("      medium: Memory\n      sizeLimit: 256Mi\n", ""))  # the RAM disk mistake
    res = run_pytest(tmp_path, lesson)
    assert res.returncode == 1
    assert "storage.md::ramdisk-is-tmpfs FAILED" in res.stdout
    assert "storage.md::scratch-on-disk PASSED" in res.stdout
    assert "did you set `medium: Memory` on the ramdisk volume?" in res.stdout
    assert "> " in res.stdout and "<!-- check: ramdisk-is-tmpfs" in res.stdout  # the Markdown line, marked
    assert "evidence: kubectl exec" in res.stdout
