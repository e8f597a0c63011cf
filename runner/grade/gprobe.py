"""The checks' probe over the shared cache: reads come from memory, exec and inspector pods are real.

In grade mode nothing waits: a check sees the participant's objects as they
are now (the live board re-evaluates when they change).
"""

from __future__ import annotations

import builtins
import re
import uuid
from dataclasses import dataclass, field
from typing import Any

from runner.grade.cache import ClusterCache
from runner.kube.errors import ClusterError, NotFound, Timeout
from runner.kube.exec import ExecResult, exec_in_pod
from runner.kube.objects import ObjectRef, create, delete
from runner.kube.probe import ClusterProbe
from runner.kube.wait import gone, pod_condition, predicate_for, wait_for


@dataclass
class CachedProbe(ClusterProbe):
    cache: ClusterCache = field(kw_only=True)  # required: every read comes from it
    _inspector: ObjectRef | None = field(default=None, repr=False)
    _mounted: frozenset[str] = frozenset()

    def prefetch_claims(self, claims: builtins.list[str], timeout: float = 180) -> None:
        """One inspector pod mounting every Bound claim the graders will read, instead of one pod per participant."""
        bound = sorted(
            {c for c in claims if ((self.get("PersistentVolumeClaim", c) or {}).get("status") or {}).get("phase") == "Bound"}
        )
        if not bound:
            return
        name = f"inspect-grade-{uuid.uuid4().hex[:6]}"
        self._inspector = create(self.cluster, self.inspector_body(name, {c: f"/data/{c}" for c in bound}))
        wait_for(self.cluster, self._inspector, pod_condition("ready"), timeout)
        self._mounted = frozenset(bound)

    def read_claim(self, claim: str, command: str, timeout: float = 120) -> ExecResult:
        if self._inspector is not None and claim in self._mounted:
            # the shared inspector has the claim at /data/<claim>; the command speaks of /data
            return exec_in_pod(
                self.cluster, self._inspector.name, re.sub(r"/data(?![\w-])", f"/data/{claim}", command), timeout=timeout
            )
        return super().read_claim(claim, command, timeout)

    def close(self) -> None:
        if self._inspector is None:
            return
        try:
            delete(self.cluster, self._inspector)
            wait_for(self.cluster, self._inspector, gone, 60)
        except ClusterError:
            pass  # `tutorial clean` finds it by its labels
        self._inspector = None

    def get(self, kind: str, name: str) -> dict[str, Any] | None:
        return self.cache.get(kind, name)

    def list(self, kind: str, label_selector: str | None = None) -> builtins.list[dict[str, Any]]:
        items = self.cache.list(kind)
        if not label_selector:
            return items
        wanted = dict(p.split("=", 1) for p in label_selector.split(",") if "=" in p)
        return [o for o in items if all(((o.get("metadata") or {}).get("labels") or {}).get(k) == v for k, v in wanted.items())]

    def pods_of_job(self, job: str) -> builtins.list[dict[str, Any]]:
        pods = [
            p
            for p in self.cache.list("Pod")
            if ((p.get("metadata") or {}).get("labels") or {}).get(
                "batch.kubernetes.io/job-name", ((p.get("metadata") or {}).get("labels") or {}).get("job-name")
            )
            == job
        ]
        return pods

    def wait(self, kind: str, name: str, condition: str, timeout: float = 120) -> dict[str, Any] | None:
        obj = self.get(kind, name)
        outcome = predicate_for(kind, condition)(obj)
        if not outcome.done:
            raise Timeout(f"{kind.lower()}/{name} is not {condition} ({outcome.failure or outcome.state})")
        return obj

    def running_pod(self, name: str, timeout: float = 120) -> str:
        pod = self.get("Pod", name)
        if pod is not None:
            if (pod.get("status") or {}).get("phase") != "Running":
                raise NotFound(f"pod {name} is {(pod.get('status') or {}).get('phase')}, not running")
            return name
        running = [p for p in self.pods_of_job(name) if (p.get("status") or {}).get("phase") == "Running"]
        if running:
            return running[-1]["metadata"]["name"]
        raise NotFound(f"no running pod {name} (or pod of job {name})")
