"""Helpers shared by the lint tests (no tests here): lint a Markdown snippet, find the line of a text in it."""

from __future__ import annotations

import textwrap

from runner.lint import Options, lint_text


def md(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def lint(source: str, **options) -> list:
    return lint_text(md(source), "t.md", Options(**options))


def hits(source: str, rule: str, **options) -> list[tuple[int, str]]:
    """(line, severity) of the findings of one rule."""
    return [(f.line, f.severity) for f in lint(source, **options) if f.rule == rule]


def messages(source: str, rule: str) -> list[str]:
    return [f.message for f in lint(source) if f.rule == rule]


def line(source: str, needle: str, nth: int = 1) -> int:
    """1-based line of the nth line of the (dedented) snippet containing `needle`."""
    seen = 0
    for i, text in enumerate(md(source).splitlines(), 1):
        if needle in text:
            seen += 1
            if seen == nth:
                return i
    raise AssertionError(f"{needle!r} not in snippet")


POD = """
```yaml
apiVersion: v1
kind: Pod
metadata:
  name: {name}
spec:
  containers:
  - name: main
    image: busybox
    command: ["sleep", "3600"]
    resources:
      requests: {{cpu: 100m, memory: 64Mi}}
      limits: {{cpu: 200m, memory: 128Mi}}
```
"""

JOB = """
```yaml
apiVersion: batch/v1
kind: Job
metadata:
  name: {name}
spec:
  template:
    spec:
      restartPolicy: Never
      containers:
      - name: main
        image: busybox
        resources:
          requests: {{cpu: 100m, memory: 64Mi}}
          limits: {{cpu: 200m, memory: 128Mi}}
```
"""


def pod(name: str = "p-<username>") -> str:
    return POD.format(name=name)


def job(name: str = "j-<username>") -> str:
    return JOB.format(name=name)
