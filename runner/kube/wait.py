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
from runner.kube.errors import ClusterError, Timeout, translate
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


def pod_condition(condition: str) -> Predicate:
    def check(pod: dict[str, Any] | None) -> Outcome:
        if pod is None:
            return Outcome(False, state="not created yet")
        status = pod.get("status") or {}
        phase = status.get("phase", "Pending")
        for cs in (status.get("initContainerStatuses") or []) + (status.get("containerStatuses") or []):
            waiting = (cs.get("state") or {}).get("waiting") or {}
            if waiting.get("reason") in BAD_WAITING:
                return Outcome(
                    False, f"container {cs.get('name')} is {waiting['reason']}: {waiting.get('message', '')}".strip(": "), phase
                )
        if phase == "Failed" and condition != "failed":
            return Outcome(False, f"pod failed: {status.get('reason') or ''} {status.get('message') or ''}".strip(), phase)
        if condition == "ready":
            ready = any(c.get("type") == "Ready" and c.get("status") == "True" for c in status.get("conditions") or [])
            if phase == "Succeeded":
                return Outcome(True, state=phase)
            return Outcome(ready, state=f"{phase}{', ready' if ready else ''}")
        if condition == "running":
            return Outcome(phase in ("Running", "Succeeded"), state=phase)
        if condition == "succeeded":
            return Outcome(phase == "Succeeded", state=phase)
        if condition in ("terminated", "finished"):
            return Outcome(phase in ("Succeeded", "Failed"), state=phase)
        return Outcome(True, state=phase)

    return check


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


def pvc_bound(pvc: dict[str, Any] | None) -> Outcome:
    if pvc is None:
        return Outcome(False, state="not created yet")
    phase = (pvc.get("status") or {}).get("phase", "Pending")
    if phase == "Lost":
        return Outcome(False, "claim lost its volume", phase)
    return Outcome(phase == "Bound", state=phase)


def exists(obj: dict[str, Any] | None) -> Outcome:
    return Outcome(obj is not None, state="exists" if obj else "not created yet")


def gone(obj: dict[str, Any] | None) -> Outcome:
    return Outcome(obj is None, state="deleting" if obj else "gone")


def predicate_for(kind: str, condition: str) -> Predicate:
    if condition == "deleted":
        return gone
    if condition == "exists":
        return exists
    if kind == "Pod":
        return pod_condition(condition)
    if kind == "Job" and condition in ("complete", "succeeded", "ready"):
        return job_complete
    if kind == "PersistentVolumeClaim" and condition in ("bound", "ready"):
        return pvc_bound
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
    deadline = time.monotonic() + timeout

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
        remaining = deadline - time.monotonic()
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
                if time.monotonic() >= deadline:
                    break
        except ClusterError:
            raise
        except Exception as exc:
            err = translate(exc, f"watching {ref}")
            if err.exit_code == 3:
                raise err from exc
            # a dropped watch is re-established after a fresh read


def _what(predicate: Predicate) -> str:
    return {gone: "deleted", exists: "created", job_complete: "complete", pvc_bound: "bound"}.get(predicate, "ready")
