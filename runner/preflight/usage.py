"""What one participant holds at once while following a lesson: the peak of each quota resource, and the line it is reached.

Read from the lesson's `Effects` (what each step creates and deletes, in
order), with a namespace's LimitRange defaults filled in where a container
says nothing. The names are ResourceQuota's own (`pods`, `requests.cpu`,
`persistentvolumeclaims`, `requests.storage`, `count/jobs.batch`,
`<class>.storageclass.storage.k8s.io/requests.storage`, …), so a peak is
held against a quota's `hard` without translation.

It is an upper bound where the cluster frees things by itself: a Job's pods
count from its creation to its deletion (a quota stops counting a pod once
it finished), so the answer errs on the side of fewer participants.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from runner.effects import Effects
from runner.effects.environment import quantity
from runner.syntax.k8s import pod_spec

CORE_COUNTS = {  # the older quota names of core objects, beside count/<resource>
    "Pod": "pods",
    "Service": "services",
    "ConfigMap": "configmaps",
    "Secret": "secrets",
    "PersistentVolumeClaim": "persistentvolumeclaims",
    "ReplicationController": "replicationcontrollers",
}
GROUPS = {
    "Job": "batch",
    "CronJob": "batch",
    "Deployment": "apps",
    "StatefulSet": "apps",
    "DaemonSet": "apps",
    "ReplicaSet": "apps",
    "Ingress": "networking.k8s.io",
    "Role": "rbac.authorization.k8s.io",
    "RoleBinding": "rbac.authorization.k8s.io",
    "Lease": "coordination.k8s.io",
}
GPU = "nvidia.com/gpu"


def plural(kind: str) -> str:
    low = kind.lower()
    if low.endswith("s"):
        return low + "es"
    if low.endswith("y"):
        return low[:-1] + "ies"
    return low + "s"


def count_name(kind: str) -> str:
    group = GROUPS.get(kind)
    return f"count/{plural(kind)}" + (f".{group}" if group else "")


@dataclass(frozen=True)
class ContainerDefaults:
    """A namespace's LimitRange defaults for containers: what admission fills in where a container gives none."""

    requests: Mapping[str, str] = field(default_factory=dict)  # defaultRequest
    limits: Mapping[str, str] = field(default_factory=dict)  # default

    @classmethod
    def from_limit_ranges(cls, ranges: Iterable[Mapping[str, Any]]) -> ContainerDefaults:
        requests: dict[str, str] = {}
        limits: dict[str, str] = {}
        for lr in ranges:
            for item in (lr.get("spec") or {}).get("limits") or []:
                if item.get("type") == "Container":
                    requests.update(item.get("defaultRequest") or {})
                    limits.update(item.get("default") or {})
        return cls(requests, limits)


@dataclass(frozen=True)
class Peak:
    resource: str
    amount: float
    line: int  # where the lesson first holds that much


def _container_amounts(c: Mapping[str, Any], defaults: ContainerDefaults) -> dict[str, float]:
    res = c.get("resources") or {}
    limits = {**defaults.limits, **(res.get("limits") or {})}
    # admission: a request not given is the limit given in the container, else the default request, else the default limit
    requests = {**defaults.limits, **defaults.requests, **(res.get("limits") or {}), **(res.get("requests") or {})}
    out: dict[str, float] = {}
    for name in ("cpu", "memory", "ephemeral-storage"):
        if name in requests:
            out[f"requests.{name}"] = quantity(requests[name])
        if name in limits:
            out[f"limits.{name}"] = quantity(limits[name])
    if GPU in limits or GPU in requests:
        out[f"requests.{GPU}"] = quantity(requests.get(GPU) or limits.get(GPU))
    return out


def pod_amounts(spec: Mapping[str, Any], defaults: ContainerDefaults) -> dict[str, float]:
    """One pod: its containers' sum, or its largest init container where that is more (as the scheduler counts)."""
    main: dict[str, float] = {}
    for c in spec.get("containers") or []:
        for k, v in _container_amounts(c, defaults).items():
            main[k] = main.get(k, 0.0) + v
    for c in spec.get("initContainers") or []:
        for k, v in _container_amounts(c, defaults).items():
            main[k] = max(main.get(k, 0.0), v)
    return {"pods": 1.0, "count/pods": 1.0, **main}


def _claim_amounts(spec: Mapping[str, Any]) -> dict[str, float]:
    storage = quantity(((spec.get("resources") or {}).get("requests") or {}).get("storage"))
    out = {"persistentvolumeclaims": 1.0, "requests.storage": storage}
    cls = spec.get("storageClassName")
    if cls:
        out[f"{cls}.storageclass.storage.k8s.io/persistentvolumeclaims"] = 1.0
        out[f"{cls}.storageclass.storage.k8s.io/requests.storage"] = storage
    return out


def _times(amounts: Mapping[str, float], n: float) -> dict[str, float]:
    return {k: v * n for k, v in amounts.items()}


def _plus(a: dict[str, float], b: Mapping[str, float]) -> dict[str, float]:
    for k, v in b.items():
        a[k] = a.get(k, 0.0) + v
    return a


def object_amounts(kind: str, body: Mapping[str, Any] | None, defaults: ContainerDefaults) -> dict[str, float]:
    """What one object of the lesson counts against a quota while it exists (its pods and claims included)."""
    body = {**(body or {}), "kind": kind}
    spec = body.get("spec") or {}
    if kind == "Pod":  # `kubectl run` shows no body: one container with nothing said, the defaults apply
        return pod_amounts(pod_spec(body) or {"containers": [{}]}, defaults)
    if kind == "PersistentVolumeClaim":
        return {"count/persistentvolumeclaims": 1.0, **_claim_amounts(spec)}
    out: dict[str, float] = {count_name(kind): 1.0}
    if kind in CORE_COUNTS:
        out[CORE_COUNTS[kind]] = 1.0
    pod = pod_spec(body)
    if pod is not None and kind != "CronJob":  # a CronJob makes nothing until its schedule fires
        if kind == "Job":
            pods = float(min(spec.get("parallelism") or 1, spec.get("completions") or spec.get("parallelism") or 1))
        else:
            pods = float(spec.get("replicas", 1) or 0)
        _plus(out, _times(pod_amounts(pod, defaults), pods))
    if kind == "StatefulSet":
        for template in spec.get("volumeClaimTemplates") or []:
            claim = {"count/persistentvolumeclaims": 1.0, **_claim_amounts(template.get("spec") or {})}
            _plus(out, _times(claim, float(spec.get("replicas", 1) or 0)))
    return out


def peaks(effects: Effects, defaults: ContainerDefaults = ContainerDefaults()) -> dict[str, Peak]:
    """The most of each resource one participant holds at once, following the lesson's creations and deletions in order."""
    alive: dict[tuple[str, str], dict[str, float]] = {}
    best: dict[str, Peak] = {}
    for e in effects.events:
        if not e.kind:
            continue
        if e.creates and e.action != "ref":
            body = e.manifest.obj.body if e.manifest is not None else None
            alive[(e.kind, e.name)] = object_amounts(e.kind, body, defaults)
        elif e.action == "delete":
            gone = [key for key in alive if key[0] == e.kind and (e.name == "*" or key[1] == e.name)]
            for key in gone:
                del alive[key]
            continue
        else:
            continue
        total: dict[str, float] = {}
        for amounts in alive.values():
            _plus(total, amounts)
        for name, amount in total.items():
            if amount > 0 and (name not in best or amount > best[name].amount):
                best[name] = Peak(name, amount, e.line)
    return best
