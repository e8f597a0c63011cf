"""Waiting for objects with watches and deadlines, never fixed sleeps.

A wait first reads the object (no race with an event that already happened),
then watches it by name until the condition holds, a failure shows, or the
deadline passes. Failures carry what decided them (phase, reason, message).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from runner.kube.client import Cluster
from runner.kube.errors import ClusterError, Timeout, Unreachable, translate
from runner.kube.objects import ObjectRef, resource

BAD_WAITING = {
    "ErrImagePull",
    "ImagePullBackOff",
    "CrashLoopBackOff",
    "CreateContainerConfigError",
    "InvalidImageName",
    "CreateContainerError",
    "RunContainerError",
}


@dataclass(frozen=True)
class Outcome:
    done: bool
    failure: str | None = None
    state: str = ""


Predicate = Callable[[dict[str, Any] | None], Outcome]


class WaitFailed(ClusterError):
    """The object reached a state from which the condition cannot be met."""


UNSCHEDULABLE_GRACE = 30.0  # seconds a pod may stay Unschedulable, unchanged, before the wait gives up on it


class Stuck:
    """Remembers since when a pod has been Unschedulable with the same message (a wait's own state)."""

    def __init__(self, grace: float = UNSCHEDULABLE_GRACE, clock: Callable[[], float] = time.monotonic) -> None:
        self.grace = grace
        self.clock = clock
        self._since: dict[str, tuple[str, float]] = {}

    def trouble(self, pod: dict[str, Any]) -> str | None:
        """Why this pod can never get to run or finish, or None: what the wait must not sit out to its deadline."""
        status = pod.get("status") or {}
        name = (pod.get("metadata") or {}).get("name", "")
        for cs in status.get("initContainerStatuses") or []:
            state, last = cs.get("state") or {}, (cs.get("lastState") or {}).get("terminated") or {}
            if (cs.get("restartCount") or 0) >= 2 and last.get("exitCode") not in (None, 0):
                return (
                    f"init container {cs.get('name')} of pod/{name} has failed {cs.get('restartCount')} times "
                    f"(exit {last.get('exitCode')}{', ' + last['reason'] if last.get('reason') else ''})"
                )
            if (state.get("terminated") or {}).get("exitCode") not in (None, 0) and status.get("phase") == "Failed":
                return f"init container {cs.get('name')} of pod/{name} failed (exit {state['terminated'].get('exitCode')})"
        for cs in (status.get("initContainerStatuses") or []) + (status.get("containerStatuses") or []):
            waiting = (cs.get("state") or {}).get("waiting") or {}
            if waiting.get("reason") in BAD_WAITING:
                return f"container {cs.get('name')} of pod/{name} is {waiting['reason']}: {waiting.get('message', '')}".strip(
                    ": "
                )
        cond = next((c for c in status.get("conditions") or [] if c.get("type") == "PodScheduled"), None)
        if cond and cond.get("status") == "False" and cond.get("reason") == "Unschedulable":
            message = cond.get("message") or "Unschedulable"
            seen = self._since.get(name)
            if seen is None or seen[0] != message:
                self._since[name] = (message, self.clock())
            elif self.clock() - seen[1] >= self.grace:
                return f"pod/{name} is Unschedulable, unchanged for {self.grace:.0f}s: {message}"
        else:
            self._since.pop(name, None)
        return None


def pod_condition(condition: str, stuck: Stuck | None = None) -> Predicate:
    stuck = stuck or Stuck()

    def check(pod: dict[str, Any] | None) -> Outcome:
        if pod is None:
            return Outcome(False, state="not created yet")
        status = pod.get("status") or {}
        phase = status.get("phase", "Pending")
        if condition == "ran" and _has_run(status):  # `kubectl run p -- echo hi`: ran once, restarted or not
            return Outcome(True, state=phase)
        trouble = stuck.trouble(pod) if condition not in ("failed", "terminated", "finished") else None
        if trouble:
            return Outcome(False, trouble, phase)
        if phase == "Failed" and condition not in ("failed", "terminated", "finished"):
            return Outcome(False, f"pod failed: {status.get('reason') or ''} {status.get('message') or ''}".strip(), phase)
        if condition == "ready":
            ready = any(c.get("type") == "Ready" and c.get("status") == "True" for c in status.get("conditions") or [])
            if phase == "Succeeded":
                return Outcome(True, state=phase)
            return Outcome(ready, state=f"{phase}{', ready' if ready else ''}")
        if condition == "ran":
            return Outcome(False, state=phase)  # not started yet (it would have returned above)
        if condition == "running":
            return Outcome(phase in ("Running", "Succeeded"), state=phase)
        if condition == "succeeded":
            return Outcome(phase == "Succeeded", state=phase)
        if condition in ("terminated", "finished"):
            return Outcome(phase in ("Succeeded", "Failed"), state=phase)
        return Outcome(True, state=phase)

    return check


def _has_run(status: dict[str, Any]) -> bool:
    """Has a container of the pod started at least once (running now, ended, or ended before a restart)?"""
    for cs in status.get("containerStatuses") or []:
        if {"running", "terminated"} & set((cs.get("state") or {}).keys()) or (cs.get("lastState") or {}).get("terminated"):
            return True
    return status.get("phase") in ("Succeeded", "Failed")


def job_complete(job: dict[str, Any] | None) -> Outcome:
    if job is None:
        return Outcome(False, state="not created yet")
    status = job.get("status") or {}
    conds = {c.get("type"): c for c in status.get("conditions") or [] if c.get("status") == "True"}
    want = (job.get("spec") or {}).get("completions") or 1
    state = f"{status.get('succeeded', 0) or 0}/{want} succeeded, {status.get('active', 0) or 0} active, {status.get('failed', 0) or 0} failed"
    if "Failed" in conds:
        c = conds["Failed"]
        return Outcome(False, f"job failed: {c.get('reason', '')} {c.get('message', '')}".strip(), state)
    return Outcome("Complete" in conds, state=state)


def job_complete_watching_pods(pods_of: Callable[[], list[dict[str, Any]]], stuck: Stuck | None = None) -> Predicate:
    """`job_complete`, and fail at once when a pod of the Job can never run (image, crash loop, init, unschedulable)."""
    stuck = stuck or Stuck()

    def check(job: dict[str, Any] | None) -> Outcome:
        outcome = job_complete(job)
        if outcome.done or outcome.failure or job is None:
            return outcome
        pods = pods_of()
        init_failed: list[str] = []
        for pod in pods:
            phase = (pod.get("status") or {}).get("phase")
            trouble = stuck.trouble(pod) if phase != "Succeeded" else None
            if trouble and phase == "Failed" and trouble.startswith("init container"):
                init_failed.append(trouble)  # a Job retries a failed pod: twice is a pattern, not bad luck
            elif trouble and phase != "Failed":
                return Outcome(False, trouble, outcome.state)
        if len(init_failed) >= 2:
            return Outcome(False, f"{init_failed[-1]}, in {len(init_failed)} pods of the Job", outcome.state)
        return outcome

    return check


def pvc_bound(pvc: dict[str, Any] | None) -> Outcome:
    if pvc is None:
        return Outcome(False, state="not created yet")
    phase = (pvc.get("status") or {}).get("phase", "Pending")
    if phase == "Lost":
        return Outcome(False, "claim lost its volume", phase)
    return Outcome(phase == "Bound", state=phase)


def rolled_out(obj: dict[str, Any] | None) -> Outcome:
    """A Deployment or StatefulSet whose pods are all updated and ready (`kubectl rollout status`)."""
    if obj is None:
        return Outcome(False, state="not created yet")
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    want = spec.get("replicas", 1)
    want = want if isinstance(want, int) else 1
    for cond in status.get("conditions") or []:
        if cond.get("type") == "Progressing" and cond.get("reason") == "ProgressDeadlineExceeded":
            return Outcome(False, f"rollout stalled: {cond.get('message', '')}", "stalled")
    ready = status.get("readyReplicas") or 0
    updated = status.get("updatedReplicas", ready) or 0
    return Outcome(ready >= want and updated >= want, state=f"{ready}/{want} ready")


def exists(obj: dict[str, Any] | None) -> Outcome:
    return Outcome(obj is not None, state="exists" if obj else "not created yet")


def gone(obj: dict[str, Any] | None) -> Outcome:
    return Outcome(obj is None, state="deleting" if obj else "gone")


def predicate_for(kind: str, condition: str, pods_of: Callable[[], list[dict[str, Any]]] | None = None) -> Predicate:
    """The predicate of a wait; with `pods_of` (the Job's pods), a Job's wait also fails fast on pods that cannot run."""
    if condition == "deleted":
        return gone
    if condition == "exists":
        return exists
    if kind == "Pod":
        return pod_condition(condition)
    if kind == "Job" and condition in ("complete", "succeeded", "ready"):
        return job_complete_watching_pods(pods_of) if pods_of else job_complete
    if kind == "PersistentVolumeClaim" and condition in ("bound", "ready"):
        return pvc_bound
    if kind in ("Deployment", "StatefulSet") and condition in ("ready", "available", "rolled-out"):
        return rolled_out
    return exists


def wait_for(
    cluster: Cluster,
    ref: ObjectRef,
    predicate: Predicate,
    timeout: float,
    progress: Callable[[str], None] | None = None,
    checkpoint: Callable[[], None] | None = None,
) -> tuple[dict[str, Any] | None, Outcome]:
    """Watch `ref` until `predicate` says done; raise WaitFailed or Timeout with the last state.

    `checkpoint` is called between watch events and at least every few seconds: it raises to stop the
    wait (a cancelled `run --all`).
    """
    slice_seconds = 5 if checkpoint else 60
    res = resource(cluster, ref.kind, ref.version)
    ns = ref.namespace if res.namespaced else None
    start_deadline = time.monotonic() + timeout
    waited_before = cluster.outage.waited

    def deadline() -> float:
        """The wait's own deadline, moved by any outage of the API server ridden out meanwhile (not the object's fault)."""
        return start_deadline + (cluster.outage.waited - waited_before)

    def judge(obj: dict[str, Any] | None) -> Outcome:
        """The predicate's verdict on one state of the object; a failure ends the wait."""
        outcome = predicate(obj)
        if progress:
            progress(f"{ref}: {outcome.state}")
        if not outcome.done and outcome.failure:
            raise WaitFailed(f"{ref} {outcome.failure}")
        return outcome

    while True:
        if checkpoint:
            checkpoint()
        try:
            listing = res.get(namespace=ns, field_selector=f"metadata.name={ref.name}")
        except Exception as exc:
            raise translate(exc, f"reading {ref}") from exc
        items = [i.to_dict() for i in listing.items]
        obj = items[0] if items else None
        outcome = judge(obj)
        if outcome.done:
            return obj, outcome
        remaining = deadline() - time.monotonic()
        if remaining <= 0:
            raise Timeout(f"{ref} not {_what(predicate)} after {timeout:.0f}s (last state: {outcome.state})")
        try:
            for event in cluster.dynamic.watch(
                res,
                namespace=ns,
                field_selector=f"metadata.name={ref.name}",
                resource_version=listing.metadata.resourceVersion,
                timeout=max(1, int(min(remaining, slice_seconds))),
            ):
                if event.get("type") == "ERROR":
                    break  # resourceVersion too old: read again
                obj = None if event.get("type") == "DELETED" else (event.get("raw_object") or {})
                outcome = judge(obj)
                if outcome.done:
                    return obj, outcome
                if checkpoint:
                    checkpoint()
                if time.monotonic() >= deadline():
                    break
        except ClusterError:
            raise
        except Exception as exc:
            _dropped_watch(exc, cluster, str(ref))


def _dropped_watch(exc: Exception, cluster: Cluster, what: str) -> None:
    """A watch that broke: raise what ends the wait (no cluster, no rights); else return, and the wait reads again
    and watches anew (the read rides out an outage of the API server)."""
    err = translate(exc, f"watching {what}")
    if err.exit_code == 3 and not (isinstance(err, Unreachable) and cluster.outage.timeout > 0):
        raise err from exc


def _what(predicate: Predicate) -> str:
    return {gone: "deleted", exists: "created", job_complete: "complete", pvc_bound: "bound"}.get(predicate, "ready")


def wait_for_selected(
    cluster: Cluster,
    kind: str,
    label_selector: str,
    predicate: Callable[[list[dict[str, Any]]], Outcome],
    timeout: float,
    checkpoint: Callable[[], None] | None = None,
) -> list[dict[str, Any]]:
    """Watch the objects of `kind` a label selector picks (in the cluster's namespace) until `predicate` says done of
    them all; the objects then. For a pod named only by its labels (`$(kubectl get pods -l app=web -o name)`), which no
    watch by name can follow."""
    res = resource(cluster, kind)
    ns = cluster.namespace if res.namespaced else None
    deadline = time.monotonic() + timeout
    while True:
        if checkpoint:
            checkpoint()
        try:
            listing = res.get(namespace=ns, label_selector=label_selector)
        except Exception as exc:
            raise translate(exc, f"reading {kind.lower()}s with labels {label_selector}") from exc
        seen = {i.metadata.name: i.to_dict() for i in listing.items}
        outcome = predicate(list(seen.values()))
        if outcome.done:
            return list(seen.values())
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise Timeout(f"no {kind.lower()} with labels {label_selector} after {timeout:.0f}s (last state: {outcome.state})")
        try:
            for event in cluster.dynamic.watch(
                res,
                namespace=ns,
                label_selector=label_selector,
                resource_version=listing.metadata.resourceVersion,
                timeout=max(1, int(min(remaining, 5))),
            ):
                if event.get("type") == "ERROR":
                    break  # resourceVersion too old: read again
                obj = event.get("raw_object") or {}
                name = (obj.get("metadata") or {}).get("name", "")
                if event.get("type") == "DELETED":
                    seen.pop(name, None)
                else:
                    seen[name] = obj
                outcome = predicate(list(seen.values()))
                if outcome.done:
                    return list(seen.values())
                if checkpoint:
                    checkpoint()
                if time.monotonic() >= deadline:
                    break
        except ClusterError:
            raise
        except Exception as exc:
            _dropped_watch(exc, cluster, f"{kind.lower()}s with labels {label_selector}")
