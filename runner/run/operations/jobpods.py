"""The pod a tutorial means by `<hash>`: `kubectl logs c3-bob-<hash>` is the newest pod of Job c3-bob.

Tutorials write the generated part of a Job's pod name as `<hash>` (and an
indexed Job's as `<index>-<hash>`); only the cluster knows it, when the
command runs.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

from runner.kube.errors import Timeout
from runner.kube.objects import ObjectRef, get, pods_of_job
from runner.kube.wait import Outcome, WaitFailed, predicate_for, wait_for, wait_for_selected
from runner.lesson.model import Step
from runner.run.operations.base import OperationContext, StepFailed
from runner.syntax import kubectl
from runner.syntax.shell import PodChoice, pod_choice, segments

_HASH = re.compile(r"([a-z0-9][a-z0-9.-]*?)(?:-(<index>|\d+))?-<hash>")


def await_logged_jobs(
    command: str, step: Step, ctx: OperationContext, expand: Callable[[Iterable[str]], dict[str, str]] | None = None
) -> None:
    """`kubectl logs job/simple-job-bob`: the Job is waited for first, as for `<hash>` (a reader reads its logs once it
    ran; asked at once, kubectl answers that the container is still being created); `kubectl logs POD [-c C]`: until
    that container has started. `job/$JOB` is the Job the terminal's variable names now (`expand`)."""
    for seg in segments(command):
        call = kubectl.parse(seg) if seg and seg[0] == "kubectl" else None
        if call is None or call.verb != "logs":
            continue
        targets = call.targets
        if expand is not None and any("$" in name for _, name in targets):
            values = expand(name for _, name in targets)
            targets = tuple((kind, values.get(name, name)) for kind, name in targets)
        for kind, name in targets:
            if kind == "Job" and "<" not in name and "$" not in name:
                _await_job(name, step, ctx)
            elif kind in (None, "Pod") and "<" not in name and "$" not in name:
                _await_started(name, call.flag("-c", "--container"), step, ctx)
            elif kind in (None, "Pod") and (choice := pod_choice(name)) is not None:
                _await_chosen(choice, call.flag("-c", "--container"), step, ctx)


def _await_started(pod: str, container: str | None, step: Step, ctx: OperationContext) -> None:
    """`kubectl logs myapp-pod -c init-myservice` just after the pod was made: its container has started first (a reader
    asks a moment later; asked at once, kubectl answers that it is waiting to start)."""
    cluster = ctx.cluster
    ref = ObjectRef("Pod", pod, cluster.namespace)

    def started(obj: dict[str, Any] | None) -> Outcome:
        begun = obj is not None and _container_begun(obj, container)
        return Outcome(begun or obj is None, state="started" if begun else "waiting to start")

    try:
        if get(cluster, ref) is not None:
            wait_for(cluster, ref, started, min(step.timeout or 60, 60), checkpoint=ctx.cancel.raise_if_set)
    except (WaitFailed, Timeout):
        pass  # kubectl then says why


def _await_chosen(choice: PodChoice, container: str | None, step: Step, ctx: OperationContext) -> None:
    """`kubectl logs $(kubectl get pods -l job-name=hello -o jsonpath=…)` just after `kubectl create job hello`: a pod
    the lookup finds, with its container started (asked at once, the lookup finds none, or one still being created)."""

    def begun(pods: list[dict[str, Any]]) -> Outcome:
        started = [p for p in pods if _container_begun(p, container) and (choice.contains or "") in _name(p)]
        return Outcome(bool(started), state=f"{len(started)} of {len(pods)} pods started")

    try:
        wait_for_selected(ctx.cluster, "Pod", choice.selector, begun, min(step.timeout or 60, 60), ctx.cancel.raise_if_set)
    except (WaitFailed, Timeout):
        pass  # kubectl then says why


def _container_begun(pod: dict[str, Any], container: str | None) -> bool:
    status = pod.get("status") or {}
    found = [
        cs
        for cs in (status.get("initContainerStatuses") or []) + (status.get("containerStatuses") or [])
        if container in (None, cs.get("name"))
    ]
    return any({"running", "terminated"} & set((cs.get("state") or {}).keys()) for cs in found)


def _name(obj: dict[str, Any]) -> str:
    return str((obj.get("metadata") or {}).get("name") or "")


def _await_job(job: str, step: Step, ctx: OperationContext) -> None:
    cluster = ctx.cluster
    ref = ObjectRef("Job", job, cluster.namespace)
    if get(cluster, ref) is None:
        return
    try:
        wait_for(
            cluster,
            ref,
            predicate_for("Job", "complete", pods_of=lambda: pods_of_job(cluster, job)),
            step.timeout or 300,
            checkpoint=ctx.cancel.raise_if_set,
        )
    except WaitFailed:
        pass  # a failed Job's logs are exactly what the reader wants to see


def resolve_hashes(command: str, step: Step, ctx: OperationContext) -> str:
    """`kubectl logs c3-bob-<hash>` -> the newest pod of Job c3-bob; `job2-bob-<index>-<hash>` -> a pod of job2-bob.

    For `logs` the Job is first waited for (its logs are complete then; a
    failed Job's logs are exactly what the reader wants to see); for other
    verbs (`delete pod badjob-bob-<hash>`) any pod of the Job will do.
    """
    cluster = ctx.cluster
    wants_logs = any(seg and seg[0] == "kubectl" and "logs" in seg[1:3] for seg in segments(command))

    def sub(m: re.Match[str]) -> str:
        job, index = m.group(1), m.group(2)
        if index and index.isdigit() and get(cluster, ObjectRef("Job", f"{job}-{index}", cluster.namespace)):
            job, index = f"{job}-{index}", None  # `job-7-<hash>`: a Job named job-7, not index 7 of job
        if wants_logs:
            _await_job(job, step, ctx)
        pods = pods_of_job(cluster, job)
        if index and index.isdigit():
            pods = [p for p in pods if _completion_index(p) == index]
        if not pods:
            raise StepFailed(f"no pod of job/{job} to stand for {m.group(0)}")
        return str(pods[-1]["metadata"]["name"])

    return _HASH.sub(sub, command)


def _completion_index(pod: dict[str, Any]) -> str | None:
    meta = pod.get("metadata") or {}
    labels, notes = meta.get("labels") or {}, meta.get("annotations") or {}
    return labels.get("batch.kubernetes.io/job-completion-index") or notes.get("batch.kubernetes.io/job-completion-index")
