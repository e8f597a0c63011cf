"""The live board's record: when each check first passed for each participant, with its evidence.

Saved atomically on every change, so a final grade can use the best evidence
seen during the session (`tutorial grade --progress FILE`).
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from runner.core.errors import UsageError
from runner.core.limits import MAX_PROGRESS_BYTES, read_bounded
from runner.grade.result import GradeReport


def load(path: str) -> dict[str, dict[str, Any]]:
    """user -> check -> {"at", "summary", "evidence"}."""
    p = Path(path)
    if not p.exists():
        return {}
    try:
        data = json.loads(read_bounded(p, MAX_PROGRESS_BYTES, "progress file"), parse_constant=_refuse_constant)
    except ValueError as exc:
        raise UsageError(f"{path}: not a progress file ({exc})") from None
    return data.get("participants", {})


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON (RFC 8259 has no NaN or Infinity)")


def record(best: dict[str, dict[str, Any]], report: GradeReport, now: str) -> bool:
    """Add checks that pass now for the first time; True when something changed."""
    changed = False
    for p in report.participants:
        seen = best.setdefault(p.user, {})
        for c in p.checks:
            if c.status == "passed" and c.name not in seen:
                seen[c.name] = {"at": now, "summary": c.summary, "evidence": [e.to_dict() for e in c.evidence]}
                changed = True
    return changed


def save(path: str, lesson: str, namespace: str, best: dict[str, dict[str, Any]]) -> None:
    data = {"lesson": lesson, "namespace": namespace, "participants": best}
    target = Path(path)
    fd, tmp = tempfile.mkstemp(dir=target.parent if str(target.parent) else ".", prefix=".progress-")
    with os.fdopen(fd, "w") as fh:
        json.dump(data, fh, indent=2, allow_nan=False)
    os.replace(tmp, target)
