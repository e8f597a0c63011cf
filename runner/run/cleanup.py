"""Cleanup you can trust: delete what the run created, newest first, and wait until it is gone.

After Chainsaw's cleaner, with its users' complaints designed out: a failed or
timed-out deletion is recorded as failed (the run's exit status becomes
non-zero), leftovers of an interrupted earlier run of the same lesson and user
are swept before a new run starts, and nothing is deleted that does not carry
this run's labels (or, when sweeping, this lesson's and user's labels) and
whose uid we did not see.
"""

from __future__ import annotations

import time

from runner.kube.client import Cluster
from runner.kube.errors import ClusterError
from runner.kube.labels import selector
from runner.kube.objects import SWEEP_KINDS, ObjectRef, delete, list_labeled
from runner.kube.wait import gone, wait_for
from runner.run.result import CleanupRecord


class Cleaner:
    def __init__(self, cluster: Cluster, timeout: float = 120.0) -> None:
        self.cluster = cluster
        self.timeout = timeout
        self.tracked: list[ObjectRef] = []

    def track(self, ref: ObjectRef) -> None:
        key = (ref.kind, ref.name, ref.uid)
        if not any((r.kind, r.name, r.uid) == key for r in self.tracked):
            self.tracked.append(ref)

    def clean(self, labels: dict[str, str]) -> list[CleanupRecord]:
        """Tracked objects newest first, then anything else carrying `labels`; wait for all to be gone."""
        refs = list(reversed(self.tracked))
        refs_error: CleanupRecord | None
        try:
            extra = list_labeled(self.cluster, selector(labels))
        except ClusterError as exc:
            extra = []
            refs_error = CleanupRecord(f"objects labelled {selector(labels)}", "failed", 0.0, str(exc))
        else:
            refs_error = None
        seen = {(r.kind, r.name) for r in refs}
        order = {kind: i for i, kind in enumerate(SWEEP_KINDS)}
        refs += sorted((r for r in extra if (r.kind, r.name) not in seen), key=lambda r: order.get(r.kind, 99))
        records = self._delete_all(refs)
        return records + ([refs_error] if refs_error else [])

    def sweep(self, labels: dict[str, str]) -> list[CleanupRecord]:
        """Leftovers of earlier runs (same lesson and user), deleted before a new run starts."""
        refs = list_labeled(self.cluster, selector(labels))
        order = {kind: i for i, kind in enumerate(SWEEP_KINDS)}
        return self._delete_all(sorted(refs, key=lambda r: order.get(r.kind, 99)))

    def _delete_all(self, refs: list[ObjectRef]) -> list[CleanupRecord]:
        started: list[tuple[ObjectRef, float, bool]] = []
        records: list[CleanupRecord] = []
        for ref in refs:
            t0 = time.monotonic()
            try:
                existed = delete(self.cluster, ref)
            except ClusterError as exc:
                records.append(CleanupRecord(str(ref), "failed", time.monotonic() - t0, str(exc)))
                continue
            started.append((ref, t0, existed))
        deadline = time.monotonic() + self.timeout
        for ref, t0, existed in started:
            try:
                wait_for(
                    self.cluster,
                    ObjectRef(ref.kind, ref.name, ref.namespace, ref.api_version),
                    _gone_of(ref),
                    max(1.0, deadline - time.monotonic()),
                )
            except ClusterError as exc:
                records.append(CleanupRecord(str(ref), "failed", time.monotonic() - t0, str(exc)))
                continue
            records.append(CleanupRecord(str(ref), "deleted" if existed else "gone", time.monotonic() - t0))
        return records


def _gone_of(ref: ObjectRef):
    """Gone, or replaced by a different object of the same name (not ours to wait for)."""
    if not ref.uid:
        return gone

    def check(obj):
        if obj is not None and (obj.get("metadata") or {}).get("uid") != ref.uid:
            return gone(None)
        return gone(obj)

    return check
