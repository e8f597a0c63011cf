"""waits: a step annotation's `wait=` that cannot happen to what the step makes.

`<!-- step: wait=bound -->` over a Pod, or `wait=complete` over a
Deployment, waits for nothing that will come: the run stops there with a
timeout and blames the step. The condition must fit a kind the step creates
(or, for `wait=deleted`, the step must delete something).
"""

from __future__ import annotations

from runner.lint.base import rule

# which kinds each condition can be met by (the run's waits, `runner.kube.wait.predicate_for`)
FITS = {
    "ready": {"Pod", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "PersistentVolumeClaim"},
    "running": {"Pod", "Job"},
    "succeeded": {"Pod", "Job"},
    "complete": {"Pod", "Job"},
    "bound": {"PersistentVolumeClaim"},
}


@rule("waits", summary="a `wait=` annotation no object of its step can meet (wait=bound over a Pod)")
def waits(*, lesson, facts, emit, **_) -> None:
    for step in lesson.steps:
        want = step.wait
        if not want or want in ("none", "exists"):
            continue
        events = facts.effects.of_step(step)
        if want == "deleted":
            calls = facts.step_calls(step)
            seen = bool(events) or (bool(calls) and all(c.call.verb for c in calls))
            if seen and not any(e.action == "delete" for e in events) and not any(c.call.verb == "delete" for c in calls):
                emit(
                    step,
                    step.line,
                    "error",
                    "`wait=deleted`, but this step deletes nothing",
                    hint="put the annotation over the delete",
                )
            continue
        made = sorted({e.kind for e in events if e.creates and e.kind})
        if not made or FITS.get(want, set()) & set(made):
            continue  # nothing we can see is made (a script, a download): nothing to say
        fits = ", ".join(sorted(FITS.get(want, ())))
        emit(
            step,
            step.line,
            "error",
            f"`wait={want}` can never be met here: this step makes {', '.join(made)}, and only {fits} can be {want}",
            hint=f"wait=ready for a {made[0]}"
            if made[0] in FITS["ready"]
            else "drop the wait, or put it over the step that makes the object",
        )
