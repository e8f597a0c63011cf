"""Run a check of the lesson against what the run made, and give its outcome and points.

The check is called as a grade calls it (`checks/context.py` `evaluate`: the
same context, error mapping and scoring), with the run's probe. A check that
does not run (skipped, or its block is invalid) still appears in the report,
worth nothing out of what it would be worth.
"""

from __future__ import annotations

from checks.context import CheckContext, Evaluation, evaluate
from checks.registry import Registry, load_all
from runner.core.redact import Redactor
from runner.core.results import Evidence
from runner.lesson.model import Lesson, Step
from runner.plan.build import Action
from runner.run.operations.base import Done, OperationContext
from runner.run.result import CheckOutcome


class RunCheck:
    def __init__(self, ctx: OperationContext, lesson: Lesson, registry: Registry | None = None) -> None:
        """`lesson`: rendered for this user (points, what checks read); `registry`: every known check by default."""
        self.ctx = ctx
        self.lesson = lesson
        self.registry = registry

    def perform(self, action: Action) -> Done:
        ws = self.ctx.workspace
        context = CheckContext(self.ctx.probe, self.ctx.request.user, self.lesson, "run", ws.profile, ws.root, ws.labels)
        ev = evaluate(action.step, context, self.registry or load_all(), self.ctx.redact)
        outcome = _outcome(ev, self.ctx.redact)
        return Done(outcome.summary, outcome.evidence, outcome.status, outcome)


def _outcome(ev: Evaluation, redact: Redactor) -> CheckOutcome:
    r = ev.result
    return CheckOutcome(
        ev.step.check or "",
        redact.text(ev.step.id),
        ev.step.line,
        r.status,
        ev.points,
        ev.max_points,
        r.summary,
        r.evidence,
        r.hint,
        r.simulated,
        ev.seconds,
    )


def not_run(
    step: Step, lesson: Lesson, redact: Redactor, status: str, summary: str, evidence: tuple[Evidence, ...] = ()
) -> CheckOutcome:
    """A check that did not run (skipped, or failed before it could): no points, out of what it is worth."""
    points = lesson.points(step)
    return CheckOutcome(step.check or "", redact.text(step.id), step.line, status, 0.0, points, redact.text(summary), evidence)
