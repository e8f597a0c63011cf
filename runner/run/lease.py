"""One run per (namespace, lesson, user) at a time: a coordination.k8s.io Lease, renewed while the run runs.

Two runs for the same participant (two terminals, or a CI retry while the
last job still runs) would destroy each other: the second run's sweep deletes
the first one's objects as "leftovers". So a run first takes the Lease of its
key, and only the holder sweeps: what it finds belongs to runs whose lease was
released or expired, never to a live run.

- A live holder renews the Lease every `renew` seconds. A second run stops at
  once with one line naming the holder (run id, host, pid, start time), or with
  `wait` queues behind it.
- A holder killed with SIGKILL stops renewing: its Lease expires `duration`
  seconds after its last renewal. The next run says that it waits for that
  expiry, then takes the Lease over.
- Whether a holder lives is decided by what can be seen, never guessed from the
  clock alone: a holder on this host is alive iff its process (pid and start
  time) is; elsewhere a live holder is one that renews within `renew` seconds
  while we watch. A lease that is renewed while we wait for its expiry is alive
  after all, and refuses the run.
- A holder whose lease another run took over (it could not renew in time: a
  suspended laptop, a stalled process) has lost it, and a newer run may sweep
  its objects: it says so through `on_lost`, and its run stops. A renewal that
  fails (the API server slow or unreachable) is retried: nobody can take the
  lease over without the API server either.
- Before a tutorial's own command runs, the holder writes into its lease which
  objects that command may create (`intend`): such objects carry no labels
  until the command is done and the runner labels them. A run killed in
  between leaves them unlabelled, so the run that takes the expired lease over
  gets that list (`inherited`) and sweeps those names too, if they were
  created after the killed run wrote it.

The decision about one state of a Lease (`judge`) is a pure function of the
object and the time, so it is unit-tested on recorded objects.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import socket
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from runner.core.errors import TutorialError
from runner.kube.client import Cluster
from runner.kube.errors import ClusterError, Conflict, NamespaceMissing, NotFound, Timeout
from runner.kube.labels import LESSON_LABEL, ROLE_LABEL, RUN_LABEL, USER_LABEL
from runner.kube.leases import create_lease, delete_lease, list_leases, read_lease, replace_lease
from runner.kube.objects import ObjectRef
from runner.kube.wait import Outcome, wait_for
from runner.run.signals import Cancel
from runner.syntax.k8s import API_VERSIONS, epoch

DURATION = 15  # seconds a lease outlives its last renewal: how long a rerun after SIGKILL waits at most
RENEW = 2.0  # seconds between renewals
GRACE = 1.5  # a renewal may be this late (a loaded API server) and still count as on time

ANN_HOST, ANN_PID, ANN_PID_START, ANN_STARTED, ANN_CREATING = (
    "tutorial-runner.io/host",
    "tutorial-runner.io/pid",
    "tutorial-runner.io/pid-start",
    "tutorial-runner.io/started",
    "tutorial-runner.io/creating",  # {"since": time, "objects": ["Kind/name", ...]}: the command running now may make these
)
LEASE_ROLE = "run-lease"

Notice = Callable[[str], None]


@dataclass(frozen=True)
class Holder:
    """Who holds a lease: the run, the machine and process, and since when."""

    run_id: str
    host: str
    pid: int | None
    started: str

    def __str__(self) -> str:
        pid = f" (pid {self.pid})" if self.pid else ""
        return f"run {self.run_id or '?'} on {self.host or '?'}{pid}, started {self.started or '?'}"


@dataclass(frozen=True)
class Verdict:
    """What one state of a lease means for a run that wants it."""

    state: str  # absent | released | expired | held
    holder: Holder | None = None
    age: float = 0.0  # seconds since the holder last renewed
    expires_in: float = 0.0  # seconds until the lease expires (held)

    @property
    def free(self) -> bool:
        return self.state in ("absent", "released", "expired")


@dataclass(frozen=True)
class Intent:
    """What the holder's current command may create, written before it ran: unlabelled until it is done."""

    run_id: str
    since: float  # wall-clock time the intent was written (objects created before it are not the command's)
    objects: tuple[tuple[str, str], ...]  # (kind, name)


def intent_of(lease: dict[str, Any] | None) -> Intent | None:
    """The intent a (dead) holder left in its lease, if any."""
    if lease is None:
        return None
    ann = (lease.get("metadata") or {}).get("annotations") or {}
    try:
        data = json.loads(ann.get(ANN_CREATING) or "null")
    except ValueError:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("objects"), list):
        return None
    since = _time(data.get("since"))
    objects = tuple((kind, name) for kind, _, name in (str(o).partition("/") for o in data["objects"]) if kind and name)
    if since is None or not objects:
        return None
    return Intent(holder_of(lease).run_id, since, objects)


class LeaseHeld(TutorialError):
    """Another live run holds the lease of this lesson and user."""

    exit_code = 1


class LeaseLost(TutorialError):
    """The run could not renew its lease in time, or another run took it over."""

    exit_code = 1


def lease_name(lesson: str, user: str) -> str:
    """A readable, valid and collision-free object name for the key (lesson, user)."""
    digest = hashlib.sha256(f"{lesson}\0{user}".encode()).hexdigest()[:8]
    words = re.sub(r"[^a-z0-9]+", "-", f"{lesson}-{user}".lower()).strip("-")[:200]
    return f"tutorial-run-{words}-{digest}" if words else f"tutorial-run-{digest}"


def _time(value: Any) -> float | None:
    return epoch(value)


def _micro(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def holder_of(lease: dict[str, Any]) -> Holder:
    meta = lease.get("metadata") or {}
    ann = meta.get("annotations") or {}
    spec = lease.get("spec") or {}
    pid = ann.get(ANN_PID, "")
    identity = str(spec.get("holderIdentity") or "")
    return Holder(
        run_id=(meta.get("labels") or {}).get(RUN_LABEL) or identity.split("@", 1)[0],
        host=ann.get(ANN_HOST) or (identity.split("@", 1)[1] if "@" in identity else ""),
        pid=int(pid) if pid.isdigit() else None,
        started=ann.get(ANN_STARTED, ""),
    )


def judge(lease: dict[str, Any] | None, now: float) -> Verdict:
    """The state of a lease at wall-clock time `now`: free to take, or held (by whom, renewed how long ago)."""
    if lease is None:
        return Verdict("absent")
    spec = lease.get("spec") or {}
    if not spec.get("holderIdentity"):
        return Verdict("released")
    holder = holder_of(lease)
    renewed = _time(spec.get("renewTime")) or _time(spec.get("acquireTime"))
    duration = float(spec.get("leaseDurationSeconds") or DURATION)
    if renewed is None:
        return Verdict("expired", holder)  # a lease that never says when it was renewed protects nothing
    age = max(0.0, now - renewed)
    if age >= duration:
        return Verdict("expired", holder, age)
    return Verdict("held", holder, age, duration - age)


def _process_start(pid: int) -> str | None:
    """The start time of a process on this machine (/proc), None when there is no such process."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rsplit(")", 1)[1].split()[19]


def local_process_alive(lease: dict[str, Any], host: str) -> bool | None:
    """For a holder on this host: whether its process still runs (True/False); None when we cannot tell."""
    ann = (lease.get("metadata") or {}).get("annotations") or {}
    if ann.get(ANN_HOST) != host or not Path("/proc/self/stat").exists():
        return None
    pid = ann.get(ANN_PID, "")
    if not pid.isdigit():
        return None
    start = _process_start(int(pid))
    return start is not None and start == ann.get(ANN_PID_START)


def _live(lease: dict[str, Any] | None, now: float) -> Verdict | None:
    """The verdict on a lease whose holder lives, else None: held, and not a process of this host that is gone.

    (A run killed a moment ago on this machine leaves a lease that looks held
    until it expires; its own host can tell at once that it is dead.)
    """
    verdict = judge(lease, now)
    if verdict.state != "held" or lease is None or local_process_alive(lease, socket.gethostname()) is False:
        return None
    return verdict


def live_holders(cluster: Cluster, keys: Iterable[tuple[str, str]], now: float | None = None) -> dict[tuple[str, str], Holder]:
    """The runs that hold the lease of each (lesson, user) key now: their objects are theirs, not leftovers."""
    held: dict[tuple[str, str], Holder] = {}
    for lesson, user in sorted(set(keys)):
        verdict = _live(read_lease(cluster, lease_name(lesson, user)), time.time() if now is None else now)
        if verdict is not None and verdict.holder is not None:
            held[(lesson, user)] = verdict.holder
    return held


def dead_leases(
    cluster: Cluster, lesson: str | None, users: Iterable[str] | None, now: float | None = None
) -> list[dict[str, Any]]:
    """Leases of runs (of `lesson`, or any; for `users`, or any) that were released or expired: leftovers too."""
    wanted = set(users) if users is not None else None
    selector = f"{LESSON_LABEL}={lesson}" if lesson else LESSON_LABEL
    at = time.time() if now is None else now
    return [
        lease
        for lease in list_leases(cluster, f"{selector},{USER_LABEL}")
        if (wanted is None or ((lease.get("metadata") or {}).get("labels") or {}).get(USER_LABEL) in wanted)
        and _live(lease, at) is None
    ]


class RunLease:
    """The lease of one run: acquire (refuse, wait, take over), keep renewed on a thread, release."""

    def __init__(
        self,
        cluster: Cluster,
        lesson: str,
        user: str,
        run_id: str,
        *,
        duration: int = DURATION,
        renew: float = RENEW,
        notice: Notice = lambda message: None,
        cancel: Cancel | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.cluster = cluster
        self.lesson, self.user, self.run_id = lesson, user, run_id
        self.duration, self.renew = duration, renew
        self.notice = notice
        self.cancel = cancel or Cancel()
        self.clock = clock
        self.host = socket.gethostname()
        self.identity = f"{run_id}@{self.host}"
        self.ref = ObjectRef("Lease", lease_name(lesson, user), cluster.namespace, API_VERSIONS["Lease"])
        self.started = datetime.fromtimestamp(clock(), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        self._lease: dict[str, Any] | None = None  # as we last wrote it
        self._creating: str | None = None  # the intent annotation, kept in every write
        self.inherited: Intent | None = None  # what the run whose expired lease we took over was creating
        self._lock = threading.Lock()
        self._write = threading.Lock()  # one write of the lease at a time (renewer thread, intents)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.lost: str | None = None

    @property
    def key(self) -> str:
        return f"lesson {self.lesson} for user {self.user} in namespace {self.cluster.namespace}"

    # ----------------------------------------------------------------- acquire
    def acquire(self, wait: bool = False, wait_timeout: float = 1800.0) -> None:
        """Take the lease; raise LeaseHeld when a live run holds it (with `wait`: after `wait_timeout`)."""
        give_up = time.monotonic() + wait_timeout
        said: tuple[str, bool] | None = None
        seen: dict[str, str] = {}  # holder -> the resourceVersion of its lease we saw last
        renewing: set[str] = set()  # holders seen renewing while we looked: alive, whatever else seemed to say
        while True:
            self.cancel.raise_if_set()
            lease = read_lease(self.cluster, self.ref.name)
            verdict = judge(lease, self.clock())
            if verdict.free:
                if self._take(lease):
                    return
                continue  # another run took or changed it at the same moment: look again
            assert lease is not None and verdict.holder is not None
            identity = str((lease.get("spec") or {}).get("holderIdentity") or "")
            version = str((lease.get("metadata") or {}).get("resourceVersion") or "")
            if seen.get(identity, version) != version:
                renewing.add(identity)
            seen[identity] = version
            alive: bool | None
            alive, why = (True, "") if identity in renewing else self._alive(lease, verdict, decide=not wait)
            if alive is None:
                continue  # it changed while we looked: judge the new state
            if alive and not wait:
                raise LeaseHeld(
                    f"{self.key} is being run by {verdict.holder} (lease {self.ref.name}); "
                    "wait for it to finish, or add --wait to queue behind it"
                )
            if time.monotonic() >= give_up:
                raise LeaseHeld(f"{self.key}: still held by {verdict.holder} after waiting {wait_timeout:.0f}s")
            if said != (verdict.holder.run_id, alive):
                said = (verdict.holder.run_id, alive)
                self.notice(
                    f"waiting for {verdict.holder} to finish: it holds {self.key}"
                    if alive
                    else f"waiting up to {verdict.expires_in:.0f}s for the lease of {verdict.holder} to expire "
                    f"(that run has stopped: {why})"
                )
            self._watch_change(lease, min(verdict.expires_in + 0.5, max(0.5, give_up - time.monotonic())))

    def _alive(self, lease: dict[str, Any], verdict: Verdict, decide: bool) -> tuple[bool | None, str]:
        """Does the holder live? (True | False | None: the lease changed meanwhile, look again), and why not."""
        local = local_process_alive(lease, self.host)
        if local is not None:
            return local, "" if local else "its process is gone"
        if verdict.age > self.renew + GRACE:
            return False, f"not renewed for {verdict.age:.0f}s"
        if not decide:
            return True, ""  # queued anyway: the wait sees any change
        # another host: a live holder renews within one period, a stopped one does not
        waited = self.renew + GRACE - verdict.age + 0.2
        changed = self._watch_change(lease, waited)
        if changed is None:
            return False, f"not renewed for {verdict.age + waited:.0f}s"
        if changed is _GONE:
            return None, ""
        same = (changed.get("spec") or {}).get("holderIdentity") == (lease.get("spec") or {}).get("holderIdentity")
        return (True, "") if same else (None, "")

    def _watch_change(self, lease: dict[str, Any], seconds: float) -> dict[str, Any] | None:
        """The lease once it changes (or _GONE), or None when it did not change within `seconds`."""
        version = (lease.get("metadata") or {}).get("resourceVersion")

        def changed(obj: dict[str, Any] | None) -> Outcome:
            if obj is None:
                return Outcome(True, state="released")
            return Outcome((obj.get("metadata") or {}).get("resourceVersion") != version, state="held")

        try:
            obj, _ = wait_for(self.cluster, self.ref, changed, max(0.5, seconds), checkpoint=self.cancel.raise_if_set)
        except Timeout:
            return None
        return obj if obj is not None else _GONE

    def _body(self, lease: dict[str, Any] | None) -> dict[str, Any]:
        now = _micro(self.clock())
        transitions = int(((lease or {}).get("spec") or {}).get("leaseTransitions") or 0)
        meta: dict[str, Any] = {
            "name": self.ref.name,
            "namespace": self.cluster.namespace,
            "labels": {
                LESSON_LABEL: self.lesson[:63],
                USER_LABEL: self.user,
                RUN_LABEL: self.run_id,
                ROLE_LABEL: LEASE_ROLE,
            },
            "annotations": {
                ANN_HOST: self.host,
                ANN_PID: str(os.getpid()),
                ANN_PID_START: _process_start(os.getpid()) or "",
                ANN_STARTED: self.started,
                **({ANN_CREATING: self._creating} if self._creating else {}),
            },
        }
        if lease is not None:
            meta["resourceVersion"] = (lease.get("metadata") or {}).get("resourceVersion")
        return {
            "apiVersion": API_VERSIONS["Lease"],
            "kind": "Lease",
            "metadata": meta,
            "spec": {
                "holderIdentity": self.identity,
                "leaseDurationSeconds": self.duration,
                "acquireTime": now,
                "renewTime": now,
                "leaseTransitions": transitions + (1 if lease is not None else 0),
            },
        }

    def _take(self, lease: dict[str, Any] | None) -> bool:
        """Create the lease, or take over a released or expired one; False when someone else was faster."""
        try:
            taken = (
                create_lease(self.cluster, self._body(None)) if lease is None else replace_lease(self.cluster, self._body(lease))
            )
        except Conflict:
            return False
        except NotFound as exc:
            if lease is None:  # nothing to have been deleted: the namespace itself is missing
                raise NamespaceMissing(
                    f"namespace {self.cluster.namespace} does not exist: create it "
                    f"(kubectl create namespace {self.cluster.namespace}) or choose another with -n"
                ) from exc
            return False  # deleted (released) between our read and our update
        with self._lock:
            self._lease = taken
        if lease is not None and judge(lease, self.clock()).state == "expired":
            self.inherited = intent_of(lease)  # a run that died: what it may have left without labels
        return True

    def intend(self, objects: list[tuple[str, str]]) -> None:
        """Write, before a command runs, which objects it may create (None left behind unlabelled if we die)."""
        self._creating = json.dumps({"since": _micro(self.clock()), "objects": [f"{k}/{n}" for k, n in objects]})
        for _ in range(3):
            if self._renew_once():
                return
        # three conflicts in a row with our own renewals: the next renewal writes it

    # ----------------------------------------------------------------- hold
    def keep_renewed(self, on_lost: Callable[[str], None]) -> None:
        """Renew the lease every `renew` seconds on a thread; `on_lost(reason)` once when it is lost."""
        thread = threading.Thread(target=self._renew_loop, args=(on_lost,), daemon=True, name=f"lease-{self.run_id}")
        thread.start()  # then kept: a Ctrl-C between the two leaves `release` nothing it cannot join (it stops via _stop)
        self._thread = thread

    def _renew_loop(self, on_lost: Callable[[str], None]) -> None:
        while not self._stop.wait(self.renew):
            try:
                self._renew_once()
            except LeaseLost as exc:
                self.lost = exc.message
            except ClusterError:
                # unreachable or slow for a while: try again. Nobody can take the lease over without the API
                # server either, and once we reach it again, a takeover is seen (LeaseLost) and the run stops.
                continue
            except Exception as exc:  # a bug here must not leave the run unprotected: the run stops, saying why
                self.lost = f"renewing the run's lease failed: {type(exc).__name__}: {exc}"
            if self.lost:
                on_lost(self.lost)
                return

    def _renew_once(self) -> bool:
        """One write of the lease as ours (renewTime now, the intent); False on a conflict (read again)."""
        with self._write:
            return self._write_once()

    def _write_once(self) -> bool:
        with self._lock:
            mine = self._lease
        current = read_lease(self.cluster, self.ref.name)
        if current is None:  # deleted by hand: nobody else holds it, so it is ours again (unless someone is faster)
            try:
                made = create_lease(self.cluster, self._body(None))
            except Conflict:
                return False  # the next round sees who made it
            with self._lock:
                self._lease = made
            return True
        if (current.get("spec") or {}).get("holderIdentity") != self.identity:
            raise LeaseLost(f"the run's lease {self.ref.name} was taken over by {holder_of(current)}")
        body = self._body(current)
        body["spec"]["acquireTime"] = ((mine or current).get("spec") or {}).get("acquireTime") or body["spec"]["acquireTime"]
        body["spec"]["leaseTransitions"] = (current.get("spec") or {}).get("leaseTransitions") or 0
        try:
            renewed = replace_lease(self.cluster, body)
        except Conflict:
            return False  # changed between our read and write: the next round reads again
        with self._lock:
            self._lease = renewed
        return True

    # ----------------------------------------------------------------- release
    def release(self) -> None:
        """Stop renewing and delete the lease if it is ours, as the API server has it now (never another run's).

        Read, not remembered: a run interrupted while its create was under way has a lease it never heard of.
        """
        self._stop.set()
        if self._thread is not None and self._thread.ident is not None:  # (started)
            self._thread.join(timeout=30)
        if self.lost:
            return
        try:
            current = read_lease(self.cluster, self.ref.name)
            if current is None or (current.get("spec") or {}).get("holderIdentity") != self.identity:
                return
            meta = current.get("metadata") or {}
            delete_lease(self.cluster, self.ref.name, meta.get("uid"), meta.get("resourceVersion"))
        except ClusterError:
            pass  # cannot reach the cluster now: the lease expires by itself within `duration` seconds
        with self._lock:
            self._lease = None


_GONE: dict[str, Any] = {}  # the lease was deleted while we watched it
