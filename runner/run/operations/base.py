"""What every operation shares: the context it gets, what it returns, and how it fails.

An operation does one kind of step (Chainsaw's `pkg/runner/operations`: one
`Execute` per operation, the runner loop choosing). It gets the run's pieces
through one explicit `OperationContext`, never the whole `Runner`, so what an
operation may touch is written down in one place: the loop, the lease's life
and the verdict (which step failed, what is skipped because of it) stay with
the runner.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from runner.core.errors import TutorialError
from runner.core.redact import Redactor
from runner.core.results import PASSED, SKIPPED, Evidence
from runner.effects.commands import answers_no
from runner.kube.client import Cluster
from runner.kube.labels import RUN_LABEL
from runner.kube.probe import ClusterProbe
from runner.lesson.model import Step
from runner.lesson.placeholders import to_fill
from runner.plan.build import Action
from runner.run.cleanup import Cleaner
from runner.run.lease import RunLease
from runner.run.request import RunRequest
from runner.run.result import CheckOutcome
from runner.run.session import NOTHING_SELECTED
from runner.run.signals import Cancel
from runner.run.workspace import Workspace

ProgressFn = Callable[[str, dict[str, Any]], None]


@dataclass(frozen=True)
class OperationContext:
    """The pieces of one run an operation may use; the runner makes one per run."""

    cluster: Cluster  # its namespace is the run's
    workspace: Workspace  # the working directory, the run's labels, the user, the profile
    probe: ClusterProbe  # reads, waits, execs and logs, as checks see them
    redact: Redactor  # every message and line of evidence goes through it
    cancel: Cancel  # Ctrl-C, SIGTERM or a lost lease: stop at the next chance
    cleaner: Cleaner  # what the run made, to delete at the end
    lease: RunLease  # told which objects a command is about to make (a killed run's are swept by the next)
    request: RunRequest  # the user's options (command timeout, user)
    progress: ProgressFn  # the live progress line

    @property
    def run_id(self) -> str:
        return self.workspace.labels[RUN_LABEL]


@dataclass(frozen=True)
class Done:
    """What an operation did: the step's message and evidence; a check also gives its outcome (and status)."""

    message: str
    evidence: tuple[Evidence, ...] = ()
    status: str = PASSED
    check: CheckOutcome | None = None


class StepOperation(Protocol):
    """One kind of step. Failing is raising: `StepFailed` (the step failed), a `ClusterError` or a `TutorialError`."""

    def perform(self, action: Action) -> Done: ...


class StepFailed(TutorialError):
    """The step did not do what the lesson says (a command's exit status, a conflict, a wait that ran out)."""

    exit_code = 1

    def __init__(self, message: str, evidence: Sequence[Evidence] = ()):
        super().__init__(message)
        self.evidence = tuple(evidence)


def refuse_unresolved(command: str) -> None:
    """A command with a placeholder nobody declared cannot run as written (a runtime one, `<hash>`, is resolved later)."""
    left = to_fill(command, 1, shell=True, fill_ins=False)
    if left:
        raise TutorialError(f"placeholder <{left[0].name}> is not declared, so the command cannot run as written")


def judge_exit(step: Step, redact: Redactor, command: str, code: int, stdout: str, stderr: str, pod: str | None = None) -> Done:
    """A finished command (on this machine, or in `pod`): its last lines as evidence, passed or `StepFailed`.

    A step that expects failure passes on a non-zero status and fails on zero.
    """
    at, where = (f"in pod/{pod}, ", f" in pod/{pod}") if pod else ("", "")
    nothing = NOTHING_SELECTED in stderr.splitlines()
    if nothing:
        stderr = "\n".join(line for line in stderr.splitlines() if line != NOTHING_SELECTED)
    evidence = (
        Evidence(
            f"$ {redact.text(command)} ({at}exit {code})",
            redact.lines(stdout.splitlines()[-30:] + [f"stderr: {line}" for line in stderr.splitlines()[-15:]]),
        ),
    )
    if step.expect_failure:
        if code == 0:
            raise StepFailed("the lesson expects this command to fail, but it succeeded", evidence)
        return Done(f"failed as expected (exit {code})", evidence)
    if code == 1 and (meaning := answers_no(command)):  # `kubectl auth can-i …` printing "no": an answer, not an error
        return Done(f"answered: {meaning} (exit 1){where}", evidence)
    if code != 0 and nothing:
        # `… | grep Error | awk '{print $1}' | xargs kubectl delete pod`: what it acts on is what this cluster has; here,
        # nothing matched, so the line cannot be judged (not a defect: on the author's cluster it had pods to delete)
        return Done(
            f"nothing to act on{where}: the commands before `xargs` selected nothing here, so it ran its command with no "
            f"arguments (exit {code})",
            evidence,
            status=SKIPPED,
        )
    if code != 0:
        last = (stderr.strip().splitlines() or stdout.strip().splitlines() or [""])[-1]
        raise StepFailed(f"command failed{where} (exit {code}): {redact.text(last)}", evidence)
    return Done(f"exit 0{where}", evidence)
