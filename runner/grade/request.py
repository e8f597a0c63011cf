"""What an instructor asked `tutorial grade` to do, as one frozen object the CLI builds and passes down."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from runner.kube.client import ClusterTarget


@dataclass(frozen=True)
class GradeRequest:
    lesson: str  # an id from the lessons folder, or a path
    target: ClusterTarget = field(default_factory=ClusterTarget)
    roster: str | None = None  # exactly one of roster, users, discover names the participants
    users: str | None = None
    discover: bool = False
    sets: Mapping[str, str] = field(default_factory=dict)
    concurrency: int = 8  # checks that exec into pods at once
    progress_file: str | None = None  # the record of first passes (--progress)
