"""The runner's operations: one module per kind of step, chosen by the plan's `Operation` (Chainsaw's `pkg/runner/operations`).

| operation | module | does |
| --- | --- | --- |
| `APPLY` | `apply.py` `ApplyManifest` | creates a manifest's objects, labelled, tracked for cleanup |
| `WRITE` | `write.py` `WriteManifest` | nothing more: a manifest a command applies is already in the working directory |
| `COMMAND` | `command.py` `HostCommand` (`shell.py`, `jobpods.py`, `../session.py`) | a command on this machine, in the reader's terminal (variables, folder kept); labels what it made |
| `EXEC` | `exec.py` `ExecInPod` | a command in a pod, its session (`cd`, `export`) kept |
| `FILE` | `file.py` `WriteFile` | a local file written or updated |
| `CHECK` | `check.py` `RunCheck` | a check, as a grade calls it |

`SKIP` and `FAIL` are the plan's verdicts: nothing to perform, the runner
reports them. After an operation the runner waits for the action's objects
(`wait.py`); when a step fails it collects what explains it (`evidence.py`).
"""

from __future__ import annotations

from collections.abc import Mapping

from checks.registry import Registry
from runner.effects import Effects
from runner.lesson.model import Lesson
from runner.plan.operation import Operation
from runner.run.operations.apply import ApplyManifest
from runner.run.operations.base import Done, OperationContext, ProgressFn, StepFailed, StepOperation
from runner.run.operations.check import RunCheck
from runner.run.operations.command import HostCommand
from runner.run.operations.exec import ExecInPod
from runner.run.operations.file import WriteFile
from runner.run.operations.write import WriteManifest
from runner.run.session import ShellSession

__all__ = ["Done", "OperationContext", "ProgressFn", "StepFailed", "StepOperation", "operations_for"]


def operations_for(
    ctx: OperationContext,
    lesson: Lesson,
    effects: Effects,
    session: ShellSession,
    registry: Registry | None = None,
    kubectl_dir: str | None = None,
) -> Mapping[Operation, StepOperation]:
    """Every operation a run performs, made once per run (an exec keeps its pods' sessions across steps).

    `lesson` is rendered for the user; `effects` are its steps' (what commands create, their here-documents).
    """
    return {
        Operation.APPLY: ApplyManifest(ctx, effects),
        Operation.WRITE: WriteManifest(ctx, effects),
        Operation.COMMAND: HostCommand(ctx, effects, session, kubectl_dir),
        Operation.EXEC: ExecInPod(ctx),
        Operation.FILE: WriteFile(ctx),
        Operation.CHECK: RunCheck(ctx, lesson, registry),
    }
