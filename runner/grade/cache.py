"""One read of the cluster per resource kind, shared by every participant's checks (list + watch).

Grading 300 participants must not mean 300 × (checks) requests: each kind is
listed once, and in --watch mode kept fresh by one watch per kind, whose
events also tell the live board whose objects changed.
"""

from __future__ import annotations

import builtins
import threading
from collections.abc import Callable
from typing import Any

from runner.kube.client import Cluster
from runner.kube.errors import translate
from runner.kube.objects import resource

DEFAULT_KINDS = ("Pod", "Job", "PersistentVolumeClaim", "ConfigMap", "Secret")


class ClusterCache:
    def __init__(self, cluster: Cluster, kinds: tuple[str, ...] = DEFAULT_KINDS) -> None:
        self.cluster = cluster
        self.kinds = tuple(dict.fromkeys(kinds))
        self._store: dict[str, dict[str, dict[str, Any]]] = {k: {} for k in self.kinds}
        self._versions: dict[str, str | None] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self.requests = 0

    def load(self) -> None:
        for kind in self.kinds:
            self._list(kind)

    def _list(self, kind: str) -> None:
        res = resource(self.cluster, kind)
        try:
            listing = res.get(namespace=self.cluster.namespace)
        except Exception as exc:
            raise translate(exc, f"listing {kind} objects in {self.cluster.namespace}") from exc
        self.requests += 1
        items = {i.metadata.name: i.to_dict() for i in listing.items}
        with self._lock:
            self._store[kind] = items
            self._versions[kind] = listing.metadata.resourceVersion

    def get(self, kind: str, name: str) -> dict[str, Any] | None:
        with self._lock:
            if kind not in self._store:
                pass
            else:
                return self._store[kind].get(name)
        self._store.setdefault(kind, {})
        if kind not in self.kinds:
            self.kinds += (kind,)
            self._list(kind)
        with self._lock:
            return self._store[kind].get(name)

    def list(self, kind: str) -> builtins.list[dict[str, Any]]:
        if kind not in self._store or kind not in self.kinds:
            self.get(kind, "")
        with self._lock:
            items = list(self._store.get(kind, {}).values())
        return sorted(items, key=lambda o: ((o.get("metadata") or {}).get("creationTimestamp") or "", o["metadata"]["name"]))

    def snapshot(self) -> dict[str, builtins.list[dict[str, Any]]]:
        return {k: self.list(k) for k in self.kinds}

    # ---- watch mode
    def watch(self, on_change: Callable[[str, dict[str, Any]], None]) -> None:
        for kind in self.kinds:
            t = threading.Thread(target=self._watch_kind, args=(kind, on_change), daemon=True, name=f"watch-{kind}")
            t.start()
            self._threads.append(t)

    def _watch_kind(self, kind: str, on_change: Callable[[str, dict[str, Any]], None]) -> None:
        res = resource(self.cluster, kind)
        while not self._stop.is_set():
            try:
                for event in self.cluster.dynamic.watch(
                    res, namespace=self.cluster.namespace, resource_version=self._versions.get(kind), timeout=30
                ):
                    if self._stop.is_set():
                        return
                    raw = event.get("raw_object") or {}
                    name = (raw.get("metadata") or {}).get("name")
                    if event.get("type") == "ERROR" or not name:
                        self._list(kind)
                        break
                    with self._lock:
                        if event["type"] == "DELETED":
                            self._store[kind].pop(name, None)
                        else:
                            self._store[kind][name] = raw
                        self._versions[kind] = (raw.get("metadata") or {}).get("resourceVersion", self._versions.get(kind))
                    on_change(kind, raw)
            except Exception:
                if self._stop.wait(1.0):  # a dropped watch: read again after a pause, not in a hot loop
                    return
                try:
                    self._list(kind)
                except Exception:
                    continue

    def close(self) -> None:
        self._stop.set()
