"""The checks' probe over the shared cache: reads come from memory, exec and inspector pods are real.

In grade mode nothing waits: a check sees the participant's objects as they
are now (the live board re-evaluates when they change). A pod that is
terminating is not running; an exec into a pod that went away is `Gone`
("not yet"), never "cluster unreachable".

Reads are batched per grading round (`round()`): the grader runs every
participant's checks once while `collecting`, a check that wants to read a
claim is stopped (`ReadDeferred`) and its read remembered; then every
remembered read is done in one exec per inspector pod (`fetch`), and the
stopped checks run again and find their answers. Execs into a participant's
pod are remembered for the round, so two checks asking the same `df` share
one exec.
"""

from __future__ import annotations

import builtins
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from runner.grade.cache import ClusterCache
from runner.grade.inspector import Inspectors, read_many, unmountable
from runner.kube.errors import ClusterError, ExecLost, Gone, NotFound, Timeout
from runner.kube.exec import ExecResult, exec_in_pod
from runner.kube.objects import ObjectRef, get
from runner.kube.probe import ClusterProbe, chosen_pod
from runner.kube.wait import predicate_for
from runner.syntax.shell import pod_choice


class ReadDeferred(BaseException):
    """A check asked for a claim's contents while the grader is collecting reads: it runs again once they are in."""


def _terminating(obj: dict[str, Any] | None) -> bool:
    return bool(((obj or {}).get("metadata") or {}).get("deletionTimestamp"))


@dataclass
class CachedProbe(ClusterProbe):
    cache: ClusterCache = field(kw_only=True)  # required: every read comes from it
    lifetime: int = field(default=3600, kw_only=True)  # seconds an inspector pod lives
    collecting: bool = False
    _inspectors: Inspectors | None = field(default=None, repr=False)
    _claim_reads: dict[tuple[str, str], ExecResult | ClusterError] = field(default_factory=dict, repr=False)
    _execs: dict[tuple[str, str | None, str], ExecResult | ClusterError] = field(default_factory=dict, repr=False)
    _wanted: set[tuple[str, str]] = field(default_factory=set, repr=False)
    _wanted_execs: set[tuple[str, str | None, str]] = field(default_factory=set, repr=False)
    traces: set[str] = field(default_factory=set, repr=False)  # "Kind/name" that existed during the session (the record)
    _events: builtins.list[dict[str, Any]] | None = field(default=None, repr=False)
    _index: tuple[builtins.list[dict[str, Any]], set[str]] | None = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _events_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def inspector_body(self, name: str, mounts: dict[str, str], lifetime: int = 600) -> dict[str, Any]:
        """The run's inspector, with room for a class's reads in one exec (a core at most, for seconds)."""
        body = super().inspector_body(name, mounts, lifetime)
        body["spec"]["containers"][0]["resources"]["limits"]["cpu"] = "1"
        return body

    @property
    def inspectors(self) -> Inspectors:
        if self._inspectors is None:
            self._inspectors = Inspectors(self.cluster, self.inspector_body, self.lifetime)
        return self._inspectors

    # ---- rounds of batched reads
    def round(self) -> None:
        """Forget what the last round read: a new round sees the cluster anew."""
        with self._lock:
            self._claim_reads.clear()
            self._execs.clear()
            self._wanted.clear()
            self._wanted_execs.clear()
        with self._events_lock:
            self._events = None

    def wanted(self) -> builtins.list[tuple[str, str]]:
        """The claim reads asked for and not done yet."""
        with self._lock:
            return sorted(self._wanted - set(self._claim_reads))

    def fetch(self, concurrency: int = 8) -> int:
        """Do every read the collecting pass asked for, the claims' (one exec per inspector pod) beside the pods' execs."""
        wanted = self.wanted()
        with self._lock:
            execs = sorted(self._wanted_execs - set(self._execs), key=str)
        if not wanted and not execs:
            return 0
        with ThreadPoolExecutor(max_workers=max(1, concurrency)) as pool:
            claims = pool.submit(self._fetch_claims, wanted) if wanted else None
            for key, result in zip(execs, pool.map(lambda k: self._exec_now(k[0], k[2], k[1], 120), execs), strict=True):
                with self._lock:
                    self._execs[key] = result
            if claims is not None:
                claims.result()
        return len(wanted) + len(execs)

    def _fetch_claims(self, wanted: builtins.list[tuple[str, str]]) -> None:
        results: dict[tuple[str, str], ExecResult | ClusterError] = {}
        mountable = []
        for claim, command in wanted:
            why = unmountable(claim, self.get("PersistentVolumeClaim", claim))
            if why is not None:
                results[(claim, command)] = why
            else:
                mountable.append((claim, command))
        for attempt in range(2):  # an inspector deleted under us (`kubectl delete pods --all`): once more with a new one
            if not mountable:
                break
            try:
                where = self.inspectors.ensure(c for c, _ in mountable)
            except ClusterError as exc:
                if exc.exit_code == 3:
                    raise
                results.update(dict.fromkeys(mountable, exc))  # the inspector did not start: the cluster's failure
                break
            by_pod: dict[str, builtins.list[tuple[str, str]]] = {}
            for read in mountable:
                by_pod.setdefault(where[read[0]].ref.name, []).append(read)
            again = []
            for pod, reads in by_pod.items():
                try:
                    results.update(read_many(self.cluster, pod, reads))
                except ClusterError as exc:
                    if exc.exit_code == 3:
                        raise
                    if isinstance(exc, Gone | ExecLost) and attempt == 0:
                        for inspector in {where[c] for c, _ in reads}:
                            self.inspectors.forget(inspector)
                        again.extend(reads)
                        continue
                    results.update(dict.fromkeys(reads, exc))
            mountable = again
        with self._lock:
            self._claim_reads.update(results)

    def read_claim(self, claim: str, command: str, timeout: float = 120) -> ExecResult:
        key = (claim, command)
        with self._lock:
            known = self._claim_reads.get(key)
            if known is None and self.collecting:
                self._wanted.add(key)
        if known is None and self.collecting:
            raise ReadDeferred(key)
        if known is None:  # not batched (a check that reads again after its first answer): read it alone
            with self._lock:
                self._wanted.add(key)
            self.fetch()
            with self._lock:
                known = self._claim_reads[key]
        if isinstance(known, ClusterError):
            raise known
        return known

    def release_claim(self, claim: str) -> None:
        """The claim is being deleted: let go of it now, so its deletion is not held up by our inspector."""
        if self._inspectors is not None:
            self._inspectors.release(claim)

    def close(self) -> None:
        if self._inspectors is not None:
            self._inspectors.close()

    # ---- pods
    def exec(self, pod: str, command: str, container: str | None = None, timeout: float = 120) -> ExecResult:
        key = (pod, container, command)
        with self._lock:
            known = self._execs.get(key)
            if known is None and self.collecting:
                self._wanted_execs.add(key)
        if known is None and self.collecting:
            raise ReadDeferred(key)  # done with the round's other reads, all at once
        if known is None:
            known = self._exec_now(pod, command, container, timeout)
            with self._lock:
                self._execs[key] = known
        if isinstance(known, ClusterError):
            raise known
        return known

    def _exec_now(self, pod: str, command: str, container: str | None, timeout: float) -> ExecResult | ClusterError:
        cached = self.get("Pod", pod)
        if _terminating(cached):
            return Gone(f"pod {pod} is terminating")
        try:
            return exec_in_pod(self.cluster, pod, command, container, timeout)
        except ExecLost as exc:
            # no exit status: if the pod went away meanwhile that is the participant's doing, else the cluster's
            now = get(self.cluster, ObjectRef("Pod", pod, self.cluster.namespace))
            uid = ((cached or {}).get("metadata") or {}).get("uid")
            if now is None or _terminating(now) or (uid and (now.get("metadata") or {}).get("uid") != uid):
                return Gone(f"pod {pod} went away during the exec ({exc})")
            return exc
        except ClusterError as exc:
            if exc.exit_code == 3:
                raise
            return exc

    def events(self) -> builtins.list[dict[str, Any]]:
        """The namespace's events, read once per round (one request; not kept in the watched cache)."""
        with self._events_lock:  # held while reading: the participants' threads wait for one read, not make eight
            if self._events is None:
                self._events = ClusterProbe.list(self, "Event")
            return self._events

    def existed(self, kind: str, name: str) -> bool:
        """Exists now, or existed during the session (the record), or the events name it (or a Job's pod)."""
        if self.get(kind, name) is not None or (kind == "Job" and self.pods_of_job(name)):
            return True
        if f"{kind}/{name}" in self.traces:
            return True
        return f"{kind}/{name}" in self._event_index()

    def _event_index(self) -> set[str]:
        """ "Kind/name" of every object the events name, and "Job/<prefix>" for each pod's name prefixes (a Job's pods)."""
        events = self.events()
        with self._events_lock:
            if self._index is not None and self._index[0] is events:
                return self._index[1]
            index: set[str] = set()
            for e in events:
                inv = e.get("involvedObject") or e.get("involved_object") or {}
                kind, name = inv.get("kind"), str(inv.get("name") or "")
                if kind and name:
                    index.add(f"{kind}/{name}")
                    if kind == "Pod":
                        parts = name.split("-")
                        index.update(f"Job/{'-'.join(parts[:i])}" for i in range(1, len(parts)))
            self._index = (events, index)
            return index

    def get(self, kind: str, name: str) -> dict[str, Any] | None:
        return self.cache.get(kind, name)

    def list(self, kind: str, label_selector: str | None = None) -> builtins.list[dict[str, Any]]:
        if not label_selector:
            return self.cache.list(kind)
        wanted = dict(p.split("=", 1) for p in label_selector.split(",") if "=" in p)
        if not wanted:
            return self.cache.list(kind)
        first, *rest = wanted.items()
        items = self.cache.by_label(kind, *first)
        return [o for o in items if all(((o.get("metadata") or {}).get("labels") or {}).get(k) == v for k, v in rest)]

    def pods_of_job(self, job: str) -> builtins.list[dict[str, Any]]:
        return self.cache.pods_of_job(job)

    def wait(self, kind: str, name: str, condition: str, timeout: float = 120) -> dict[str, Any] | None:
        obj = self.get(kind, name)
        outcome = predicate_for(kind, condition)(obj)
        if not outcome.done:
            raise Timeout(f"{kind.lower()}/{name} is not {condition} ({outcome.failure or outcome.state})")
        return obj

    def running_pod(self, name: str, timeout: float = 120) -> str:
        choice = pod_choice(name)  # `$(kubectl get pods -l app=web -o name)`: the pod the lookup finds now
        if choice is not None:
            found = chosen_pod(self.list("Pod", label_selector=choice.selector or None), choice)
            if found is None:
                raise NotFound(f"no running pod with labels {choice.selector}")
            return found
        pod = self.get("Pod", name)
        if pod is not None:
            if _terminating(pod):
                raise Gone(f"pod {name} is terminating")
            if (pod.get("status") or {}).get("phase") != "Running":
                raise NotFound(f"pod {name} is {(pod.get('status') or {}).get('phase')}, not running")
            return name
        running = [p for p in self.pods_of_job(name) if (p.get("status") or {}).get("phase") == "Running" and not _terminating(p)]
        if running:
            return running[-1]["metadata"]["name"]
        raise NotFound(f"no running pod {name} (or pod of job {name})")
