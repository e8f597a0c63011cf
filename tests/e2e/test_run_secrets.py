"""No secret of a lesson in a run's reports (text, JSON, JUnit, Markdown) on the real local cluster.

The lesson is the unit tests' corpus (tests/unit/secret_shapes.py: every shape
of secret, run for real: Secrets created from literals, env files and
manifests, pods with secret env values, commands given tokens), plus steps
that print the secrets where no pattern can see them: `kubectl get secret
-o yaml` (base64 data), a value decoded, and a failing command that writes
every secret to stdout and stderr (its evidence is shown in full).
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "unit"))

import secret_shapes as S  # noqa: E402

PRINTS_THEM = """
## Printing them

```bash
kubectl get secret s01-<username> s24-<username> s26-<username> -o yaml
kubectl get secret s24-<username> -o jsonpath='{.data.token}' | base64 -d
```

<!-- step: expect=success -->
```bash
printf '%s\\n' {values} && printf '%s\\n' {values} >&2 && false
```
"""


def test_no_secret_in_any_run_report(kube_api, namespace, tmp_path, monkeypatch):
    from rich.console import Console

    from runner.cli.progress import Progress
    from runner.cluster import paths
    from runner.kube.client import ClusterTarget
    from runner.report.run import RENDERERS, render
    from runner.run.flow import run_lesson
    from runner.run.request import RunRequest

    monkeypatch.setenv("KUBECONFIG", str(paths.admin_kubeconfig()))
    values = " ".join(f"'{v}'" for v in S.all_secrets() if "\n" not in v)
    lesson = tmp_path / "leaks.md"
    lesson.write_text(S.lesson() + PRINTS_THEM.replace("{values}", values))
    request = RunRequest(
        lesson=str(lesson),
        user="e2e-leak",
        target=ClusterTarget(namespace=namespace, profile="local"),
        sets=dict(S.SETS),
        keep_going=True,
        workdir=str(tmp_path / "work"),
        command_timeout=60,
    )
    terminal = io.StringIO()  # what the live progress prints on a terminal: the lines, and each status line
    bar = Progress("leaks", enabled=True, console=Console(file=terminal, width=300, force_terminal=False))
    status_lines: list[str] = []

    def progress(event, data):
        bar(event, data)
        status_lines.append(bar._text())

    try:
        report = run_lesson(request, progress=progress)
    finally:
        bar.close()
    by_id = {s.id: s for s in report.steps}
    printed = [s for s in report.steps if s.command and "printf" in s.command]
    assert printed and printed[0].status == "failed" and printed[0].evidence  # the step ran and its output is kept
    assert any("***" in line for ev in printed[0].evidence for line in ev.lines)
    shown = [s for s in report.steps if s.command and "-o yaml" in s.command]
    assert shown and shown[0].status == "passed", by_id  # the Secrets exist: their data was printed
    assert any(s.status == "passed" and s.type == "manifest" for s in report.steps)
    outputs = {fmt: render(fmt, [report], verbose=True) for fmt in RENDERERS}  # every format, a new one too
    outputs["progress"] = terminal.getvalue() + "\n".join(status_lines)
    assert "ok line" in outputs["progress"] and len(status_lines) > 20  # the progress printed the steps
    for name, text in outputs.items():
        assert S.leaks(text) == [], (name, S.leaking_lines(text)[:5])
