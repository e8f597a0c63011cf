"""Renderers of a lint report: compiler-style text for people and CI logs, JSON for scripts."""

from __future__ import annotations

import json
from itertools import groupby

from runner.lint.engine import Report


def to_json(report: Report) -> str:
    return json.dumps({"findings": [f.to_dict() for f in report.findings]}, indent=2, allow_nan=False)


def to_text(report: Report) -> str:
    lines: list[str] = []
    for _path, group in groupby(report.findings, key=lambda f: f.path):
        for f in group:
            lines.append(f"{f.path}:{f.line}: {f.severity} {f.rule}: {f.message}")
            if f.hint:
                lines.append(f"    hint: {f.hint}")
        lines.append("")
    lines.append(summary(report))
    return "\n".join(lines)


def summary(report: Report) -> str:
    n = len(report.files)
    counts = ", ".join(f"{report.count(s)} {s}{'s' if report.count(s) != 1 else ''}" for s in ("error", "warning", "info"))
    bad = f", {len(report.unusable)} unusable" if report.unusable else ""
    return f"{n} file{'s' if n != 1 else ''} checked{bad}: {counts}"
