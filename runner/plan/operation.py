"""What the runner does with a step, as the plan decides it: one member per operation of `runner/run/operations`.

An enum, not a string, so a new operation is one member here and one module
there, and a reader that forgets a member is found by a type checker instead
of by a run. The values are the words the plan always used, so any JSON or
text that shows an action reads the same.
"""

from __future__ import annotations

from enum import StrEnum


class Operation(StrEnum):
    APPLY = "apply"  # the runner creates a manifest's objects
    WRITE = "write"  # a manifest a command of the tutorial applies: it is in the working directory, nothing more to do
    COMMAND = "command"  # a command on this machine (a step's command, or an interactive step's `instead`)
    EXEC = "exec"  # a command in a pod
    FILE = "file"  # a local file the tutorial writes or updates
    CHECK = "check"  # a check of the lesson
    SKIP = "skip"  # not run: the plan says why
    FAIL = "fail"  # the block cannot be used as written: it fails at its step, not before

    @property
    def acts(self) -> bool:
        """Whether the runner performs something for it (skip and fail are the plan's verdicts, nothing to do)."""
        return self not in (Operation.SKIP, Operation.FAIL)
