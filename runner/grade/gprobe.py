"""The checks' probe over the shared cache: reads come from memory, exec and inspector pods are real.

In grade mode nothing waits: a check sees the participant's objects as they
are now (the live board re-evaluates when they change).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..kube.errors import NotFound, Timeout
from ..kube.wait import predicate_for
from ..probe import Probe
from .cache import ClusterCache


@dataclass
class CachedProbe(Probe):
    cache: ClusterCache | None = None

    def get(self, kind: str, name: str) -> dict[str, Any] | None:
        return self.cache.get(kind, name)

    def list(self, kind: str, label_selector: str | None = None) -> list[dict[str, Any]]:
        items = self.cache.list(kind)
        if not label_selector:
            return items
        wanted = dict(p.split("=", 1) for p in label_selector.split(",") if "=" in p)
        return [o for o in items if all(((o.get("metadata") or {}).get("labels") or {}).get(k) == v for k, v in wanted.items())]

    def pods_of_job(self, job: str) -> list[dict[str, Any]]:
        pods = [p for p in self.cache.list("Pod")
                if ((p.get("metadata") or {}).get("labels") or {}).get("batch.kubernetes.io/job-name", ((p.get("metadata") or {}).get("labels") or {}).get("job-name")) == job]
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
