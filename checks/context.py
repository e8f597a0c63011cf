"""How a check is called, in one place: the context it gets, the errors it may raise, and what it is worth.

`run` and `grade` build a `CheckContext` (the probe of a run or the grader's
cached probe, the participant, the lesson rendered for them) and call
`evaluate`, so a check behaves the same in both: an unreachable or forbidden
cluster stops the caller (exit 3); a participant's object that is missing,
replaced or not in the wanted state is a failed check ("not yet"), with the
reason; any other API error, or a crash of the check itself, is that check's
error. Checks keep their keyword-only signatures (`*, probe, args, **_`), so a
new context field never breaks an old check.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from checks.registry import ERROR, FAILED, CheckResult, Evidence, Registry
from runner.core.redact import Redactor
from runner.kube.errors import ClusterError, Conflict, Gone, NotFound, Timeout, translate
from runner.kube.probe import Probe
from runner.kube.wait import WaitFailed
from runner.lesson.model import Lesson, Step
from runner.lesson.placeholders import near_miss
from runner.plan.profile import Profile

# errors that say "the participant's objects are not (or no longer) in that state", not "the tool could not look":
# missing, replaced (409), not ready by the deadline, or changed under the check (pod deleted or terminating,
# container not running, the exec's 404/409/400 or the kubelet's 500 "container not found")
NOT_YET = (NotFound, Conflict, Timeout, WaitFailed, Gone)


@dataclass(frozen=True)
class CheckContext:
    """Everything a check may be told, for one participant."""

    probe: Probe
    user: str
    lesson: Lesson  # rendered for this participant
    mode: str  # "run": the runner made the objects; "grade": the participant did
    profile: Profile | None = None
    workdir: Path | None = None
    labels: Mapping[str, str] = field(default_factory=dict)

    def kwargs(self, step: Step) -> dict[str, Any]:
        return {
            "probe": self.probe,
            "cluster": self.probe.cluster,
            "namespace": self.probe.namespace,
            "user": self.user,
            "args": dict(step.check_args),
            "lesson": self.lesson,
            "mode": self.mode,
            "profile": self.profile,
            "workdir": self.workdir,
            "labels": dict(self.labels),
        }


@dataclass(frozen=True)
class Evaluation:
    """A check's result for one participant, redacted, with its points."""

    step: Step
    result: CheckResult
    points: float
    max_points: float
    seconds: float


OBJECT_ARGS = ("pod", "job", "claim", "configmap", "secret", "generate-name")


def _not_yet_hint(step: Step) -> str:
    """What to do when the objects a check looks at are not (or no longer) there, or not in that state yet."""
    args = dict(step.check_args)
    names = ", ".join(f"{k} {args[k]}" for k in OBJECT_ARGS if args.get(k))
    what = f"it reads {names} now" if names else "it reads your objects now"
    return f"follow the lesson's steps before this check (line {step.line}): {what}; `kubectl describe` shows what is there"


def evaluate(step: Step, ctx: CheckContext, registry: Registry, redact: Redactor) -> Evaluation:
    """Call the check of `step` with `ctx`, map its errors, redact its words and score it."""
    t0 = time.monotonic()
    fn = registry.get(step.check or "")
    if fn is None:
        close = near_miss(step.check or "", registry.names())
        hint = f"did you mean '{close}'? " if close else ""
        result = CheckResult(ERROR, f"unknown check '{step.check}' ({hint}known: {', '.join(registry.names())})")
    else:
        try:
            result = fn(**ctx.kwargs(step))
        except ClusterError as exc:
            if exc.exit_code == 3:
                raise
            not_yet = isinstance(exc, NOT_YET)
            result = CheckResult(FAILED if not_yet else ERROR, str(exc), hint=_not_yet_hint(step) if not_yet else None)
        except Exception as exc:  # a check's bug is that check's error, not the caller's crash ...
            err = translate(exc)  # ... but a client error that escaped the probe keeps its meaning
            if err.exit_code == 3:
                raise err from exc
            result = CheckResult(ERROR, f"check crashed: {type(exc).__name__}: {exc}")
    result = CheckResult(
        result.status,
        redact.text(result.summary or ""),
        tuple(Evidence(redact.text(e.source), redact.lines(e.lines)) for e in result.evidence),
        redact(result.hint),
        result.simulated,
    )
    max_points = ctx.lesson.points(step)
    return Evaluation(step, result, max_points if result.ok else 0.0, max_points, time.monotonic() - t0)
