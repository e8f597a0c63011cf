"""Wait for an object the step made to reach the state the plan asks (a Pod ready, a PVC bound, a Job complete).

A read, then a watch, with the plan's deadline (`kube/wait.py`); the progress
line says what it waits for and what it sees. A cluster that cannot be
reached or refuses stops the run (exit 3); anything else fails the step.
"""

from __future__ import annotations

from runner.kube.errors import ClusterError
from runner.kube.objects import ObjectRef, pods_of_job
from runner.kube.wait import predicate_for, wait_for
from runner.lesson.model import Step
from runner.plan.build import Wait
from runner.run.operations.base import OperationContext, StepFailed


def wait_for_object(step: Step, wait: Wait, ctx: OperationContext) -> None:
    """Return once `wait` holds; `StepFailed` when it does not by its deadline."""
    ctx.progress("wait", {"step": step, "wait": wait})
    cluster = ctx.cluster
    ref = ObjectRef(wait.kind, wait.name, wait.namespace or cluster.namespace)
    try:
        wait_for(
            cluster,
            ref,
            predicate_for(wait.kind, wait.condition, pods_of=lambda: pods_of_job(cluster, wait.name)),
            wait.timeout,
            progress=lambda state: ctx.progress("waiting", {"state": state}),
            checkpoint=ctx.cancel.raise_if_set,
        )
    except ClusterError as exc:
        if exc.exit_code == 3:
            raise
        raise StepFailed(f"waiting for {ref} to be {wait.condition}: {exc}") from exc
