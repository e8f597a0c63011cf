"""The pytest plugin without a cluster: collection, lint items, loud parse failures."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

GOOD = """---
id: ok
title: OK
---
# OK

```yaml
apiVersion: v1
kind: ConfigMap
metadata:
  name: cfg-<username>
data:
  a: b
```

<!-- check: no-running-pods -->
"""


def pytest_run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--rootdir", str(tmp_path), *args],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_lessons_are_collected_with_step_ids(tmp_path):
    (tmp_path / "ok.md").write_text(GOOD)
    res = pytest_run(tmp_path, f"--lessons={tmp_path}", "--co", "-q", str(tmp_path))
    assert (
        "ok.md::lint" in res.stdout
        and "ok.md::configmap-cfg-username-L7" in res.stdout
        and "ok.md::no-running-pods" in res.stdout
    )


def test_static_mode_runs_lint_items_only(tmp_path):
    (tmp_path / "ok.md").write_text(GOOD)
    (tmp_path / "typo.md").write_text(GOOD.replace("id: ok", "id: typo").replace("cfg-<username>", "cfg-<usernam>"))
    res = pytest_run(tmp_path, f"--lessons={tmp_path}", "--lessons-static", "-q", str(tmp_path))
    assert res.returncode == 1
    assert "1 failed, 1 passed" in res.stdout
    assert "typo.md:11: error placeholders" in res.stdout, res.stdout


def test_a_lesson_that_does_not_parse_fails_at_collection(tmp_path):
    (tmp_path / "bad.md").write_text("---\nid: [\n---\n# x\n")
    res = pytest_run(tmp_path, f"--lessons={tmp_path}", "--lessons-static", "-q", str(tmp_path))
    assert res.returncode != 0
    assert "lesson does not parse" in res.stdout and "bad.md:2" in res.stdout


def test_without_the_flag_markdown_is_not_collected(tmp_path):
    (tmp_path / "ok.md").write_text(GOOD)
    res = pytest_run(tmp_path, "--co", "-q", str(tmp_path))
    assert "ok.md" not in res.stdout
