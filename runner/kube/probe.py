"""What checks may look at: objects, pods of a Job, logs, exec, and a claim's contents.

The same small API serves run mode (objects the runner created) and grade
mode (objects a participant made by hand), so a check is written once. When
the evidence needs a pod that is gone (a PVC's files after its Jobs were
deleted), a short-lived inspector pod mounts the claim read-only and is
deleted afterwards.
"""

from __future__ import annotations

import builtins
import uuid
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from runner.kube.client import Cluster
from runner.kube.errors import ClusterError, NotFound, translate
from runner.kube.exec import ExecResult, exec_in_pod
from runner.kube.objects import ObjectRef, create, delete, get, pods_of_job, resource
from runner.kube.wait import Outcome, gone, pod_condition, predicate_for, wait_for, wait_for_selected
from runner.syntax.shell import PodChoice, pod_choice


@runtime_checkable
class Probe(Protocol):
    """What a check may do: read objects, find pods, wait, exec, read logs and claims.

    Implemented by `ClusterProbe` (the live cluster, for runs), the grader's
    `CachedProbe` (reads from one shared cache), and the fakes of unit tests.
    """

    cluster: Cluster
    simulated_gpu: bool

    @property
    def namespace(self) -> str: ...

    def get(self, kind: str, name: str) -> dict[str, Any] | None: ...

    def list(self, kind: str, label_selector: str | None = None) -> builtins.list[dict[str, Any]]: ...

    def pods_of_job(self, job: str) -> builtins.list[dict[str, Any]]: ...

    def wait(self, kind: str, name: str, condition: str, timeout: float = 120) -> dict[str, Any] | None: ...

    def running_pod(self, name: str, timeout: float = 120) -> str: ...

    def exec(self, pod: str, command: str, container: str | None = None, timeout: float = 120) -> ExecResult: ...

    def logs(self, pod: str, container: str | None = None, tail: int | None = None) -> str: ...

    def read_claim(self, claim: str, command: str, timeout: float = 120) -> ExecResult: ...

    def existed(self, kind: str, name: str) -> bool: ...


@dataclass
class ClusterProbe:
    """The probe of a run: every read and wait goes to the live cluster."""

    cluster: Cluster
    labels: dict[str, str] = field(default_factory=dict)  # put on inspector pods (so cleanup finds them)
    inspector_image: str = "busybox"
    simulated_gpu: bool = False

    @property
    def namespace(self) -> str:
        return self.cluster.namespace

    def get(self, kind: str, name: str) -> dict[str, Any] | None:
        return get(self.cluster, ObjectRef(kind, name, self.cluster.namespace))

    def list(self, kind: str, label_selector: str | None = None) -> builtins.list[dict[str, Any]]:
        """Objects of `kind` in the namespace (optionally by label), oldest first: finds generateName objects."""
        res = resource(self.cluster, kind)
        kwargs = {"label_selector": label_selector} if label_selector else {}
        try:
            items = [i.to_dict() for i in res.get(namespace=self.cluster.namespace, **kwargs).items]
        except Exception as exc:
            raise translate(exc, f"listing {kind} objects") from exc
        return sorted(
            items,
            key=lambda o: ((o.get("metadata") or {}).get("creationTimestamp") or "", (o.get("metadata") or {}).get("name", "")),
        )

    def pods_of_job(self, job: str) -> builtins.list[dict[str, Any]]:
        return pods_of_job(self.cluster, job)

    def wait(self, kind: str, name: str, condition: str, timeout: float = 120) -> dict[str, Any] | None:
        obj, _ = wait_for(self.cluster, ObjectRef(kind, name, self.cluster.namespace), predicate_for(kind, condition), timeout)
        return obj

    def running_pod(self, name: str, timeout: float = 120) -> str:
        """`name` if it is a pod, else a running pod of the Job `name` (waiting for one to run), of the Deployment,
        StatefulSet, ReplicaSet or DaemonSet `name` (`kubectl exec -it deploy/web`), or of the lookup `name` is
        (`$(kubectl get pods -l app=web -o name)`, which the reader's shell would run)."""
        choice = pod_choice(name)
        if choice is not None:
            return self._chosen_pod(choice, timeout)
        if self.get("Pod", name) is not None:
            self.wait("Pod", name, "running", timeout)
            return name
        if self.get("Job", name) is None:
            for kind in _WORKLOADS:
                selector = _selector_of(self.get(kind, name))
                if selector:
                    return self._chosen_pod(PodChoice(selector), timeout)
            raise NotFound(f"no pod or job named {name}")

        def any_running(job: dict[str, Any] | None) -> Outcome:
            pods = self.pods_of_job(name)
            running = [p for p in pods if (p.get("status") or {}).get("phase") == "Running"]
            return Outcome(bool(running), state=f"{len(running)} of {len(pods)} pods running")

        wait_for(self.cluster, ObjectRef("Job", name, self.cluster.namespace), any_running, timeout)
        pods = [p for p in self.pods_of_job(name) if (p.get("status") or {}).get("phase") == "Running"]
        if not pods:
            raise NotFound(f"job/{name} has no running pod")
        return pods[-1]["metadata"]["name"]

    def _chosen_pod(self, choice: PodChoice, timeout: float) -> str:
        """The newest running pod of `choice`, once there is one."""
        pods = wait_for_selected(self.cluster, "Pod", choice.selector, lambda found: _running_of(found, choice), timeout)
        return chosen_pod(pods, choice) or ""

    def exec(self, pod: str, command: str, container: str | None = None, timeout: float = 120) -> ExecResult:
        return exec_in_pod(self.cluster, pod, command, container, timeout)

    def existed(self, kind: str, name: str) -> bool:
        """Does the object exist, or did it (a Job's pods, or the namespace's events, kept about an hour, name it)?"""
        if self.get(kind, name) is not None or (kind == "Job" and self.pods_of_job(name)):
            return True
        return any(mentions(e, kind, name) for e in self.list("Event"))

    def logs(self, pod: str, container: str | None = None, tail: int | None = None) -> str:
        try:
            kwargs: dict[str, Any] = {}
            if container:
                kwargs["container"] = container
            if tail:
                kwargs["tail_lines"] = tail
            return self.cluster.core.read_namespaced_pod_log(pod, self.cluster.namespace, **kwargs)
        except Exception as exc:
            raise translate(exc, f"reading the logs of pod/{pod}") from exc

    def inspector_body(self, name: str, mounts: dict[str, str], lifetime: int = 600) -> dict[str, Any]:
        """A pod that mounts each claim read-only at its path and sleeps `lifetime` seconds: for reading what is on volumes."""
        return {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": name, "labels": {**self.labels, "tutorial-runner.io/role": "inspector"}},
            "spec": {
                "restartPolicy": "Never",
                "terminationGracePeriodSeconds": 0,
                "containers": [
                    {
                        "name": "inspect",
                        "image": self.inspector_image,
                        "imagePullPolicy": "IfNotPresent",
                        "command": ["sh", "-c", f"sleep {int(lifetime)}"],
                        "resources": {"requests": {"cpu": "10m", "memory": "16Mi"}, "limits": {"cpu": "200m", "memory": "64Mi"}},
                        "volumeMounts": [
                            {"name": f"c{i}", "mountPath": path, "readOnly": True} for i, path in enumerate(mounts.values())
                        ],
                    }
                ],
                "volumes": [
                    {"name": f"c{i}", "persistentVolumeClaim": {"claimName": claim, "readOnly": True}}
                    for i, claim in enumerate(mounts)
                ],
            },
        }

    def read_claim(self, claim: str, command: str, timeout: float = 120) -> ExecResult:
        """Run `command` in a throw-away pod that mounts `claim` read-only at /data."""
        name = f"inspect-{claim[:40]}-{uuid.uuid4().hex[:5]}".lower()
        ref = create(self.cluster, self.inspector_body(name, {claim: "/data"}))
        try:
            wait_for(self.cluster, ref, pod_condition("ready"), timeout)
            return exec_in_pod(self.cluster, name, command, timeout=timeout)
        finally:
            try:
                delete(self.cluster, ref)
                wait_for(self.cluster, ref, gone, 60)
            except ClusterError:
                pass  # the run's label sweep deletes it


def mentions(event: dict[str, Any], kind: str, name: str) -> bool:
    """Is the event about this object (or, for a Job, about one of its pods, `<job>-<suffix>`)?"""
    inv = event.get("involvedObject") or event.get("involved_object") or {}
    if inv.get("kind") == kind and inv.get("name") == name:
        return True
    return kind == "Job" and inv.get("kind") == "Pod" and str(inv.get("name", "")).startswith(f"{name}-")


_WORKLOADS = ("Deployment", "StatefulSet", "ReplicaSet", "DaemonSet")  # kinds `kubectl exec KIND/NAME` picks a pod of


def _selector_of(workload: dict[str, Any] | None) -> str:
    """A workload's pod selector as kubectl's `-l` takes it (its `matchLabels`; "" when it has none)."""
    labels = (((workload or {}).get("spec") or {}).get("selector") or {}).get("matchLabels") or {}
    return ",".join(f"{k}={v}" for k, v in sorted(labels.items()))


def chosen_pod(pods: builtins.list[dict[str, Any]], choice: PodChoice) -> str | None:
    """Of the pods a reader's lookup lists, the one they mean: running, not on its way out (an old pod of a rollout),
    named as the lookup's `grep` asks, the newest of them."""
    fitting = [
        p
        for p in pods
        if (p.get("status") or {}).get("phase") == "Running"
        and not (p.get("metadata") or {}).get("deletionTimestamp")
        and (choice.contains is None or choice.contains in (p.get("metadata") or {}).get("name", ""))
    ]
    if not fitting:
        return None
    return max(fitting, key=lambda p: str((p.get("metadata") or {}).get("creationTimestamp") or ""))["metadata"]["name"]


def _running_of(pods: builtins.list[dict[str, Any]], choice: PodChoice) -> Outcome:
    found = chosen_pod(pods, choice)
    return Outcome(found is not None, state=f"{len(pods)} pods, {'one running' if found else 'none running yet'}")
