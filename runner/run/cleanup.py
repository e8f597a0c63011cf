"""Cleanup you can trust: delete what the run created, newest first, and wait until it is really gone.

After Chainsaw's cleaner, with its users' complaints designed out: a failed or
timed-out deletion is recorded as failed (the run's exit status becomes
non-zero), leftovers of an interrupted earlier run of the same lesson and user
are swept before a new run starts, and nothing is deleted that does not carry
this run's labels (or, when sweeping, this lesson's and user's labels) and
whose uid we did not see.

"Gone" means gone: deletions are in the foreground (a Job stays until its
pods are gone, a Deployment until its ReplicaSets and pods are), a claim held
by `kubernetes.io/pvc-protection` or an object with finalizers is waited for
until the API server forgets it, and the labels are listed again afterwards,
so a pod a controller made after the first listing goes too. A run starts only
once the sweep found nothing left; otherwise it stops with what is still there.

Forbidden and unreachable keep their meaning: the sweep raises them (exit 3),
and a cleanup keeps them in `errors` for the runner to raise once it is done.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from runner.kube.client import Cluster
from runner.kube.errors import ClusterError
from runner.kube.labels import RUN_LABEL, selector
from runner.kube.objects import SWEEP_KINDS, ObjectRef, delete, get, list_labeled, release_unserved_finalizers
from runner.kube.wait import Outcome, gone, wait_for
from runner.run.result import CleanupRecord
from runner.syntax.k8s import epoch

ROUNDS = 4  # listings after the first: objects made while we deleted (a Job's next pod) are deleted too

_ORDER = {kind: i for i, kind in enumerate(SWEEP_KINDS)}


class LeftoversRemain(ClusterError):
    """The sweep could not make the namespace clean of earlier runs' objects: the run does not start."""


class Cleaner:
    def __init__(self, cluster: Cluster, timeout: float = 120.0) -> None:
        self.cluster = cluster
        self.timeout = timeout
        self.tracked: list[ObjectRef] = []
        self.errors: list[ClusterError] = []  # forbidden / unreachable during cleanup: the command ends with exit 3

    def track(self, ref: ObjectRef) -> None:
        key = (ref.kind, ref.name, ref.uid)
        if not any((r.kind, r.name, r.uid) == key for r in self.tracked):
            self.tracked.append(ref)

    def clean(self, labels: dict[str, str]) -> list[CleanupRecord]:
        """Tracked objects newest first, then anything else carrying `labels`; wait for all to be gone."""
        refs = list(reversed(self.tracked))
        try:
            extra = list_labeled(self.cluster, selector(labels))
        except ClusterError as exc:
            self._remember(exc)
            extra = []
            listing_error: CleanupRecord | None = CleanupRecord(f"objects labelled {selector(labels)}", "failed", 0.0, str(exc))
        else:
            listing_error = None
        seen = {(r.kind, r.name) for r in refs}
        refs += _ordered(r for r in extra if (r.kind, r.name) not in seen)
        deadline = time.monotonic() + self.timeout
        records = self._delete_all(refs, deadline)
        if listing_error is None:
            records += self._until_none_left(labels, records, deadline)
        return records + ([listing_error] if listing_error else [])

    def sweep(self, labels: dict[str, str]) -> list[CleanupRecord]:
        """Leftovers of earlier runs (same lesson and user), deleted and gone before a new run starts.

        Raises Forbidden/Unreachable as they are, and LeftoversRemain when something is still there at the
        deadline (the run would only fail later at "already exists", pointing at nothing).
        """
        deadline = time.monotonic() + self.timeout
        records = self._delete_all(_ordered(list_labeled(self.cluster, selector(labels))), deadline, raise_fatal=True)
        records += self._until_none_left(labels, records, deadline, raise_fatal=True)
        failed = [r for r in records if r.outcome == "failed"]
        if failed:
            raise LeftoversRemain(
                "leftovers of an earlier run are still there, so the run did not start: "
                + "; ".join(f"{r.ref} ({r.error})" for r in failed[:3])
                + (f" and {len(failed) - 3} more" if len(failed) > 3 else "")
            )
        return records

    def sweep_named(self, objects: tuple[tuple[str, str], ...], since: float, run_id: str) -> list[CleanupRecord]:
        """Delete what a killed run's command was creating (`named_leftovers`) and wait until it is gone."""
        refs = self.named_leftovers(objects, since, run_id)
        deadline = time.monotonic() + self.timeout
        records = self._delete_all(_ordered(refs), deadline, raise_fatal=True)
        failed = [r for r in records if r.outcome == "failed"]
        if failed:
            raise LeftoversRemain(
                "leftovers of a killed run are still there, so the run did not start: "
                + "; ".join(f"{r.ref} ({r.error})" for r in failed[:3])
            )
        return records

    def named_leftovers(self, objects: tuple[tuple[str, str], ...], since: float, run_id: str) -> list[ObjectRef]:
        """Objects a killed run's command was creating (its lease said so), made after `since`, not yet labelled.

        Only an object of one of these names that was created after `since` (2 s of clock slack, as when a
        run labels what its commands made) and carries no run label but the killed run's counts: each with
        its uid, so that an object made again meanwhile under that name is not the one deleted.
        """
        refs: list[ObjectRef] = []
        for kind, name in dict.fromkeys(objects):
            obj = get(self.cluster, ObjectRef(kind, name, self.cluster.namespace))
            if obj is None:
                continue
            meta = obj.get("metadata") or {}
            run = (meta.get("labels") or {}).get(RUN_LABEL)
            created = _timestamp(meta.get("creationTimestamp"))
            if run not in (None, run_id) or created is None or created < since - 2:
                continue  # not made by that run's command: never ours to delete
            refs.append(ObjectRef(kind, name, self.cluster.namespace, uid=meta.get("uid")))
        return refs

    def delete(self, refs: list[ObjectRef]) -> list[CleanupRecord]:
        """Delete exactly these objects (`tutorial clean`) and wait until they are gone."""
        return self._delete_all(_ordered(refs), time.monotonic() + self.timeout)

    def still_there(self, labels: dict[str, str]) -> list[ObjectRef]:
        """What the run made that still exists (for `--keep`): tracked objects with their uid, and anything labelled.

        Not what is on its way out: an object being deleted, or one whose owner is gone (the pods of a Job
        the lesson deleted, which the garbage collector is about to take).
        """
        seen = {(r.kind, r.name) for r in self.tracked}
        candidates = list(reversed(self.tracked)) + _ordered(
            r for r in list_labeled(self.cluster, selector(labels)) if (r.kind, r.name) not in seen
        )
        found: list[ObjectRef] = []
        for ref in candidates:
            obj = get(self.cluster, ObjectRef(ref.kind, ref.name, ref.namespace, ref.api_version))
            if obj is None or (ref.uid and (obj.get("metadata") or {}).get("uid") != ref.uid):
                continue  # gone, or another object of that name now
            if not self._going(obj):
                found.append(ref)
        return found

    def _going(self, obj: dict[str, Any]) -> bool:
        meta = obj.get("metadata") or {}
        if meta.get("deletionTimestamp") or meta.get("deletion_timestamp"):
            return True
        for owner in meta.get("ownerReferences") or meta.get("owner_references") or []:
            kind, name = owner.get("kind", ""), owner.get("name", "")
            version = owner.get("apiVersion") or owner.get("api_version") or ""
            found = get(self.cluster, ObjectRef(kind, name, self.cluster.namespace, version))
            if found is None or (found.get("metadata") or {}).get("uid") != owner.get("uid"):
                return True  # its owner is gone: the garbage collector deletes it next
        return False

    # ----------------------------------------------------------------- internals
    def _remember(self, exc: ClusterError, raise_fatal: bool = False) -> None:
        if exc.exit_code == 3:
            if raise_fatal:
                raise exc
            self.errors.append(exc)

    def _until_none_left(
        self, labels: dict[str, str], done: list[CleanupRecord], deadline: float, raise_fatal: bool = False
    ) -> list[CleanupRecord]:
        """List the labels again until nothing is left but what already failed; delete what appeared meanwhile."""
        failed = {r.ref for r in done if r.outcome == "failed"}
        records: list[CleanupRecord] = []
        for _ in range(ROUNDS):
            try:
                left = [r for r in list_labeled(self.cluster, selector(labels)) if str(r) not in failed]
            except ClusterError as exc:
                self._remember(exc, raise_fatal)
                records.append(CleanupRecord(f"objects labelled {selector(labels)}", "failed", 0.0, str(exc)))
                return records
            if not left:
                return records
            round_records = self._delete_all(_ordered(left), deadline, raise_fatal)
            records += round_records
            failed |= {r.ref for r in round_records if r.outcome == "failed"}
        return records

    def _delete_all(self, refs: list[ObjectRef], deadline: float, raise_fatal: bool = False) -> list[CleanupRecord]:
        started: list[tuple[ObjectRef, float, bool]] = []
        records: list[CleanupRecord] = []
        for ref in refs:
            t0 = time.monotonic()
            try:
                existed = delete(self.cluster, ref, propagation="Foreground")
            except ClusterError as exc:
                self._remember(exc, raise_fatal)
                records.append(CleanupRecord(str(ref), "failed", time.monotonic() - t0, str(exc)))
                continue
            if existed:  # a demo's `finalizers: [kubernetes]` would hold it, and its namespace, for ever
                try:
                    release_unserved_finalizers(self.cluster, ref)
                except ClusterError as exc:  # the wait below says what still holds it
                    self._remember(exc, raise_fatal)
            started.append((ref, t0, existed))
        for ref, t0, existed in started:
            try:
                wait_for(
                    self.cluster,
                    ObjectRef(ref.kind, ref.name, ref.namespace, ref.api_version),
                    _gone_of(ref),
                    max(1.0, deadline - time.monotonic()),
                )
            except ClusterError as exc:
                self._remember(exc, raise_fatal)
                records.append(CleanupRecord(str(ref), "failed", time.monotonic() - t0, str(exc)))
                continue
            records.append(CleanupRecord(str(ref), "deleted" if existed else "gone", time.monotonic() - t0))
        return records


def _timestamp(value: Any) -> float | None:
    return epoch(value)


def _ordered(refs: Any) -> list[ObjectRef]:
    """Owners before what they use: Jobs and workloads, then pods, then what pods mount (claims last)."""
    return sorted(refs, key=lambda r: _ORDER.get(r.kind, 99))


def _gone_of(ref: ObjectRef) -> Callable[[dict[str, Any] | None], Outcome]:
    """Gone, or replaced by a different object of the same name (not ours to wait for).

    While it waits, the state names what holds the object: its finalizers (pvc-protection,
    foregroundDeletion: dependents still there), so a timeout says why.
    """

    def check(obj: dict[str, Any] | None) -> Outcome:
        if obj is None or (ref.uid and (obj.get("metadata") or {}).get("uid") != ref.uid):
            return gone(None)
        finalizers = (obj.get("metadata") or {}).get("finalizers") or []
        return Outcome(False, state=f"deleting, held by {', '.join(finalizers)}" if finalizers else "deleting")

    return check
