"""The labels that mark what tutorial-runner created: by lesson, user and run.

Cleanup, the sweep before a run, `tutorial clean` and the graders find our
objects by these, and nothing that lacks them is ever deleted as ours.
"""

from __future__ import annotations

from collections.abc import Mapping

LABEL_PREFIX = "tutorial-runner.io"
LESSON_LABEL, USER_LABEL, RUN_LABEL = f"{LABEL_PREFIX}/lesson", f"{LABEL_PREFIX}/user", f"{LABEL_PREFIX}/run"
ROLE_LABEL = f"{LABEL_PREFIX}/role"


def run_labels(lesson: str, user: str, run_id: str) -> dict[str, str]:
    return {LESSON_LABEL: lesson[:63], USER_LABEL: user, RUN_LABEL: run_id}


def selector(labels: Mapping[str, str]) -> str:
    return ",".join(f"{k}={v}" for k, v in labels.items())
