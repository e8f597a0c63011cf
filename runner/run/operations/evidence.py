"""When a step fails: the status, recent events and logs of the objects it touched (Chainsaw's `catch`).

What a reader would look at next (`kubectl describe`, `kubectl logs`), kept
in the report so a failure in CI explains itself. Collecting it never fails
the run: an object that cannot be read is left out.
"""

from __future__ import annotations

from collections.abc import Iterator

import yaml

from runner.core.results import Evidence
from runner.effects import Effects
from runner.kube.errors import ClusterError, translate
from runner.kube.objects import ObjectRef, get, pods_of_job
from runner.lesson.model import StepType
from runner.plan.build import Action
from runner.run.operations.base import OperationContext


def evidence_of_failure(action: Action, ctx: OperationContext, effects: Effects) -> list[Evidence]:
    """The objects the step waited for, made (a manifest) or ran in (a pod): status, events, logs."""
    names: list[tuple[str, str]] = [(w.kind, w.name) for w in action.waits]
    names += [(o.kind, o.name) for o in effects.block_objects(action.step) if o.name]
    if action.step.type is StepType.IN_POD and action.step.pod:
        names.append(("Pod", action.step.pod))
    out: list[Evidence] = []
    for kind, name in dict.fromkeys(names):
        try:
            out.extend(_evidence_of(kind, name, ctx))
        except ClusterError:
            continue
    return out


def _evidence_of(kind: str, name: str, ctx: OperationContext) -> Iterator[Evidence]:
    cluster, redact = ctx.cluster, ctx.redact
    obj = get(cluster, ObjectRef(kind, name, cluster.namespace))
    if obj is None:
        yield Evidence(f"{kind.lower()}/{name}", ("does not exist",))
        return
    status = obj.get("status") or {}
    yield Evidence(f"{kind.lower()}/{name} status", redact.lines(yaml.safe_dump(status, sort_keys=False).splitlines()[:25]))
    try:
        events = cluster.core.list_namespaced_event(cluster.namespace, field_selector=f"involvedObject.name={name}").items
    except Exception as exc:
        raise translate(exc, "reading events") from exc
    lines = [
        f"{e.type} {e.reason}: {e.message}"
        for e in sorted(events, key=lambda e: str(e.last_timestamp or e.event_time or ""))[-10:]
    ]
    if lines:
        yield Evidence(f"events of {kind.lower()}/{name}", redact.lines(lines))
    pods = [name] if kind == "Pod" else [p["metadata"]["name"] for p in pods_of_job(cluster, name)][-2:] if kind == "Job" else []
    for pod in pods:
        try:
            log = ctx.probe.logs(pod, tail=20)
        except ClusterError:
            continue
        if log:
            yield Evidence(f"logs of pod/{pod}", redact.lines(log.splitlines()[-20:]))
