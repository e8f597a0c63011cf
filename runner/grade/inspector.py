"""Inspector pods that mount participants' claims read-only, and batched reads of what is on them.

A check that reads a claim (`ls` of a PersistentVolumeClaim after its Jobs
are gone) needs a pod that mounts it. Grading a class does not start a pod
per participant: one inspector mounts up to `per_pod` claims, and every
claim the round needs is read in one exec per inspector, each command
fenced by markers so its stdout, stderr and exit code come back apart.

An inspector holds the claims it mounts: Kubernetes keeps a claim in use
from being deleted. When a participant deletes their claim (as a lesson's
clean-up says), `release` deletes the inspectors that mount it at once, so
their `kubectl delete pvc` is not held up by the board.
"""

from __future__ import annotations

import re
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from runner.kube.client import Cluster
from runner.kube.errors import ClusterError, ExecLost, Gone, Timeout, translate
from runner.kube.exec import ExecResult, exec_in_pod
from runner.kube.objects import ObjectRef, create, delete, resource
from runner.kube.wait import WaitFailed, pod_condition

BATCH_LABEL = "tutorial-runner.io/inspector-batch"  # the inspectors made together, watched together
MAX_SCRIPT = 96_000  # bytes of one `sh -c` argument (Linux refuses a single argument over 128 KiB)


@dataclass
class Inspector:
    ref: ObjectRef
    claims: frozenset[str]
    started: float
    lifetime: float

    def fresh(self, margin: float = 120) -> bool:
        return time.monotonic() - self.started < self.lifetime - margin


@dataclass
class Inspectors:
    """The inspector pods of one grading session."""

    cluster: Cluster
    body: Callable[[str, dict[str, str], int], dict[str, Any]]  # (name, {claim: mount path}, lifetime seconds) -> pod
    lifetime: int = 3600
    per_pod: int = 250
    wait_ready: float = 180
    _pods: list[Inspector] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def ensure(self, claims: Iterable[str]) -> dict[str, Inspector]:
        """An inspector for every claim (creating pods for those no live inspector mounts), claim -> inspector."""
        wanted = sorted(set(claims))
        with self._lock:
            live = [i for i in self._pods if i.fresh()]
            for gone in [i for i in self._pods if not i.fresh()]:
                self._drop(gone)
            self._pods = live
            out = {c: i for i in live for c in i.claims if c in wanted}
            missing = [c for c in wanted if c not in out]
            new = []
            batch = uuid.uuid4().hex[:10]
            for start in range(0, len(missing), self.per_pod):
                chunk = missing[start : start + self.per_pod]
                name = f"inspect-grade-{uuid.uuid4().hex[:8]}"
                body = self.body(name, {c: f"/data/{c}" for c in chunk}, self.lifetime)
                body["metadata"]["labels"][BATCH_LABEL] = batch
                ref = create(self.cluster, body)
                new.append(Inspector(ref, frozenset(chunk), time.monotonic(), self.lifetime))
        if new:
            try:
                self._wait_ready(batch, {i.ref.name for i in new})
            except ClusterError:
                for inspector in new:
                    self._drop(inspector)
                raise
        with self._lock:
            self._pods.extend(new)
        out.update({c: i for i in new for c in i.claims})
        return out

    def _wait_ready(self, batch: str, names: set[str]) -> None:
        """One watch for all the inspectors just made (a watch without a version starts with what exists)."""
        res = resource(self.cluster, "Pod")
        ready: set[str] = set()
        deadline = time.monotonic() + self.wait_ready
        last = ""
        try:
            while time.monotonic() < deadline and ready != names:
                for event in self.cluster.dynamic.watch(
                    res,
                    namespace=self.cluster.namespace,
                    label_selector=f"{BATCH_LABEL}={batch}",
                    timeout=max(1, int(deadline - time.monotonic())),
                ):
                    obj = event.get("raw_object") or {}
                    outcome = pod_condition("ready")(obj)
                    last = outcome.failure or outcome.state
                    if outcome.failure:
                        raise WaitFailed(f"inspector pod {(obj.get('metadata') or {}).get('name')}: {outcome.failure}")
                    if outcome.done:
                        ready.add((obj.get("metadata") or {}).get("name", ""))
                    if ready >= names:
                        return
        except ClusterError:
            raise
        except Exception as exc:
            raise translate(exc, "waiting for the inspector pods") from exc
        if ready != names:
            raise Timeout(f"inspector pods not ready after {self.wait_ready:.0f}s ({last})")

    def release(self, claim: str) -> None:
        """Delete every inspector that mounts `claim` (its owner is deleting it), without waiting."""
        with self._lock:
            holding = [i for i in self._pods if claim in i.claims]
            self._pods = [i for i in self._pods if claim not in i.claims]
        for inspector in holding:
            self._drop(inspector)

    def forget(self, inspector: Inspector) -> None:
        with self._lock:
            self._pods = [i for i in self._pods if i is not inspector]
        self._drop(inspector)

    def close(self) -> None:
        with self._lock:
            pods, self._pods = self._pods, []
        for inspector in pods:
            self._drop(inspector)

    def _drop(self, inspector: Inspector) -> None:
        try:
            delete(self.cluster, inspector.ref)  # the pod has no grace period; `tutorial clean` finds any left by its labels
        except ClusterError:
            pass


def read_many(
    cluster: Cluster, pod: str, reads: list[tuple[str, str]], timeout: float = 120
) -> dict[tuple[str, str], ExecResult]:
    """Run every (claim, command) in the inspector `pod`, in as few execs as the argument size allows.

    Each command speaks of the claim as /data (as in a pod that mounts only
    it); here the claim is at /data/<claim>.
    """
    out: dict[tuple[str, str], ExecResult] = {}
    for batch in _batches(reads):
        out.update(_read_batch(cluster, pod, batch, timeout))
    return out


def _batches(reads: list[tuple[str, str]]) -> list[list[tuple[str, str]]]:
    batches: list[list[tuple[str, str]]] = [[]]
    size = 0
    for read in reads:
        n = len(read[1]) + len(read[0]) + 200
        if batches[-1] and size + n > MAX_SCRIPT:
            batches.append([])
            size = 0
        batches[-1].append(read)
        size += n
    return [b for b in batches if b]


def _read_batch(cluster: Cluster, pod: str, reads: list[tuple[str, str]], timeout: float) -> dict[tuple[str, str], ExecResult]:
    mark = f"@@tutorial-runner-{uuid.uuid4().hex[:10]}"
    result = exec_in_pod(cluster, pod, batch_script(reads, mark), timeout=timeout)
    try:
        return parse_batch(result.stdout, reads, mark)
    except ValueError as exc:
        raise ExecLost(f"exec in pod/{pod}: {exc} (exit {result.exit_code})") from None


def batch_script(reads: list[tuple[str, str]], mark: str) -> str:
    """One `sh` script that runs every read, its stdout, stderr and exit code fenced by `mark` lines."""
    parts = []
    tmp = f"/tmp/{mark.lstrip('@')}"
    for i, (claim, command) in enumerate(reads):
        local = re.sub(r"/data(?![\w-])", f"/data/{claim}", command)
        # builtins only around the command (printf, test): a read costs the command's own processes, not four more
        parts.append(
            f"printf '%s\\n' '{mark} {i} out'; ( {local} ) 2>{tmp}-{i}; rc=$?; "
            f"printf '\\n%s\\n' '{mark} {i} err'; [ -s {tmp}-{i} ] && cat {tmp}-{i}; printf '\\n%s\\n' \"{mark} {i} rc $rc\""
        )
    parts.append(f"rm -f {tmp}-*")
    return "\n".join(parts)


def parse_batch(text: str, reads: list[tuple[str, str]], mark: str) -> dict[tuple[str, str], ExecResult]:
    """Each read's ExecResult out of the script's output; ValueError when one is missing (the stream was cut)."""
    out: dict[tuple[str, str], ExecResult] = {}
    m_ = re.escape(mark)
    for i, (claim, command) in enumerate(reads):
        m = re.search(rf"(?s){m_} {i} out\n(.*?)\n{m_} {i} err\n(.*?)\n{m_} {i} rc (\d+)\n", text)
        if not m:
            raise ValueError(f"the reads of claim {claim} came back incomplete")
        out[(claim, command)] = ExecResult(command, m.group(1), m.group(2), int(m.group(3)))
    return out


def unmountable(claim: str, pvc: dict[str, Any] | None) -> ClusterError | None:
    """Why an inspector cannot mount this claim now (None when it can): missing, not Bound, being deleted."""
    if pvc is None:
        return Gone(f"no PersistentVolumeClaim {claim}")
    if (pvc.get("metadata") or {}).get("deletionTimestamp"):
        return Gone(f"claim {claim} is being deleted")
    phase = (pvc.get("status") or {}).get("phase")
    if phase != "Bound":
        return Gone(f"claim {claim} is {phase}, not Bound")
    return None
