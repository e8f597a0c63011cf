"""The one fake of OUR probe interface that the check tests share, and recorded objects to feed it.

The fake answers `get/list/wait/running_pod/exec/logs/pods_of_job/read_claim`
from recorded objects and recorded tool output (taken from runs on the local
cluster and from real systems); it is not a mock of the Kubernetes API.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from checks.basics import job_state
from runner.kube.errors import NotFound, Timeout
from runner.kube.exec import ExecResult
from runner.kube.wait import WaitFailed


@dataclass
class FakeProbe:
    objects: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    job_pods: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    pod_logs: dict[tuple[str, str | None], str] = field(default_factory=dict)
    on_exec: Callable[[str, str, str | None], ExecResult] | None = None
    claim_output: str = ""
    simulated_gpu: bool = False
    namespace: str = "default"
    execs: list[str] = field(default_factory=list)
    cluster: Any = None  # what `CheckContext.kwargs` hands on; a check never talks to it
    ran: set[tuple[str, str]] = field(default_factory=set)  # objects that existed once (the session's record, events)

    def get(self, kind, name):
        return self.objects.get((kind, name))

    def list(self, kind, label_selector=None):
        return [o for (k, _n), o in self.objects.items() if k == kind]

    def wait(self, kind, name, condition, timeout=120):
        obj = self.get(kind, name)
        if obj is None:
            raise Timeout(f"{kind.lower()}/{name} not created after {timeout}s")
        if kind == "Job":
            state, line = job_state(obj)
            if state == "failed":
                raise WaitFailed(f"job/{name} {line}")
            if state != "complete":
                raise Timeout(f"job/{name} not complete ({line})")
        if kind == "Pod" and (obj.get("status") or {}).get("phase") not in ("Running", "Succeeded"):
            raise Timeout(f"pod/{name} not ready (phase {(obj.get('status') or {}).get('phase')})")
        return obj

    def running_pod(self, name, timeout=120):
        pod = self.get("Pod", name)
        if pod is not None and (pod.get("status") or {}).get("phase") == "Running":
            return name
        running = [p for p in self.job_pods.get(name, []) if (p.get("status") or {}).get("phase") == "Running"]
        if running:
            return running[-1]["metadata"]["name"]
        raise NotFound(f"no running pod {name}")

    def pods_of_job(self, job):
        return list(self.job_pods.get(job, []))

    def exec(self, pod, command, container=None, timeout=120):
        self.execs.append(command)
        if self.on_exec is None:
            return ExecResult(command, "", "no exec recorded", 1)
        return self.on_exec(pod, command, container)

    def logs(self, pod, container=None, tail=None):
        for key in ((pod, container), (pod, None)):
            if key in self.pod_logs:
                return self.pod_logs[key]
        raise NotFound(f"pod/{pod} has no log (container {container})")

    def read_claim(self, claim, command, timeout=120):
        return ExecResult(command, self.claim_output, "", 0)

    def existed(self, kind, name):
        return (kind, name) in self.objects or (kind, name) in self.ran


def pod(
    name: str,
    phase: str = "Running",
    containers=None,
    init_statuses=(),
    statuses=(),
    labels=None,
    annotations=None,
    node: str = "tutorial-node",
    start: str = "2026-11-29T10:15:26Z",
    volumes=(),
) -> dict[str, Any]:
    return {
        "metadata": {"name": name, "labels": labels or {}, "annotations": annotations or {}, "creationTimestamp": start},
        "spec": {
            "nodeName": node,
            "containers": containers or [{"name": "main", "resources": {"requests": {"cpu": "10m"}, "limits": {"cpu": "100m"}}}],
            "volumes": list(volumes),
        },
        "status": {
            "phase": phase,
            "startTime": start,
            "initContainerStatuses": list(init_statuses),
            "containerStatuses": list(statuses),
            "podIP": "10.244.0.17",
        },
    }


def job(
    name: str,
    state: str = "complete",
    completions: int = 1,
    containers=None,
    init_containers=None,
    generate_name=None,
    spec_extra=None,
    created: str = "2026-11-29T10:16:00Z",
) -> dict[str, Any]:
    conds = {
        "complete": [{"type": "Complete", "status": "True"}],
        "failed": [
            {
                "type": "Failed",
                "status": "True",
                "reason": "BackoffLimitExceeded",
                "message": "Job has reached the specified backoff limit",
            }
        ],
        "running": [],
    }[state]
    meta = {"name": name, "creationTimestamp": created}
    if generate_name:
        meta["generateName"] = generate_name
    return {
        "metadata": meta,
        "spec": {
            "completions": completions,
            **(spec_extra or {}),
            "template": {"spec": {"containers": containers or [{"name": "main"}], "initContainers": init_containers or []}},
        },
        "status": {
            "conditions": conds,
            "succeeded": completions if state == "complete" else 0,
            "failed": 1 if state == "failed" else 0,
        },
    }


def terminated(name: str, code: int = 0) -> dict[str, Any]:
    return {
        "name": name,
        "restartCount": 0,
        "state": {"terminated": {"exitCode": code, "reason": "Completed" if code == 0 else "Error"}},
    }


# ------------------------------------------------------------------------- the basics lesson's checks
