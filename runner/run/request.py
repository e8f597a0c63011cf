"""What a user asked `tutorial run` to do, as one frozen object the CLI builds and passes down.

`run --all` runs every lesson with the same request (`for_lesson`), so no
option is lost on the way, and the pytest plugin builds one the same way.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from runner.kube.client import ClusterTarget


@dataclass(frozen=True)
class RunRequest:
    lesson: str  # an id from the lessons folder, or a path
    user: str
    target: ClusterTarget = field(default_factory=ClusterTarget)
    sets: Mapping[str, str] = field(default_factory=dict)  # --set name=value
    sections: tuple[str, ...] = ()  # only steps of sections whose heading contains one of these
    keep: bool = False
    keep_on_failure: bool = False
    keep_going: bool = False
    strict: bool = False  # a skipped step counts as a failure
    workdir: str | None = None  # default: a new temporary directory
    command_timeout: float = 300.0
    wait: bool = False  # another run of this lesson and user holds the lease: queue behind it instead of stopping
    wait_timeout: float = 1800.0  # with `wait`: give up after this long

    def for_lesson(self, lesson: str, user: str, workdir: str | None = None) -> RunRequest:
        """The same request for another lesson and user (`run --all`)."""
        return replace(self, lesson=lesson, user=user, workdir=workdir)
