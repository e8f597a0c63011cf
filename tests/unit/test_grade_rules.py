"""The grader's rules on recorded objects: sticky passes, final-state checks, graded too late, not gradable.

The cluster state is a `ClusterCache` filled with objects shaped as the API
returns them (no API server, no mock of one: the cache is what the grader
reads in any case).
"""

from __future__ import annotations

import json
import subprocess
from types import SimpleNamespace

import pytest

from checks.context import CheckContext, evaluate
from checks.registry import CheckResult, Registry, load_all
from runner.core.redact import Redactor
from runner.core.results import NOT_GRADABLE
from runner.grade import progressfile
from runner.grade.cache import ClusterCache
from runner.grade.engine import GONE_SUMMARY, Grader
from runner.grade.gprobe import CachedProbe
from runner.grade.inspector import batch_script, parse_batch, unmountable
from runner.grade.progressfile import Record
from runner.grade.roster import Participant
from runner.kube.errors import ClusterError, ExecLost, Forbidden, Gone, Unreachable
from runner.kube.exec import exit_code_of, handshake_error
from runner.lesson.catalog import load

T0 = "2026-12-01T09:39:55+00:00"


class MemoryCache(ClusterCache):
    """A cache filled by hand with recorded objects: what the grader reads, without an API server."""

    def __init__(self, objects: dict[str, list[dict]]) -> None:
        super().__init__(cluster=None, kinds=("Pod", "Job", "PersistentVolumeClaim"))  # type: ignore[arg-type]
        for kind in self.kinds:
            self._store[kind] = {o["metadata"]["name"]: o for o in objects.get(kind, [])}
            self._gen[kind] = 1


class Probe(CachedProbe):
    events_list: list[dict] = []

    def events(self):
        return list(self.events_list)


def pvc(name: str, phase: str = "Bound", deleting: bool = False) -> dict:
    meta = {"name": name, "creationTimestamp": "2026-12-01T09:00:00Z", "uid": f"u-{name}"}
    if deleting:
        meta["deletionTimestamp"] = "2026-12-01T09:50:00Z"
    return {
        "metadata": meta,
        "spec": {"storageClassName": "rook-cephfs", "accessModes": ["ReadWriteMany"], "volumeName": f"pv-{name}"},
        "status": {"phase": phase, "capacity": {"storage": "1Gi"}},
    }


def pod(name: str, phase: str = "Running", deleting: bool = False, labels: dict | None = None) -> dict:
    meta = {"name": name, "creationTimestamp": "2026-12-01T09:00:00Z", "labels": labels or {}}
    if deleting:
        meta["deletionTimestamp"] = "2026-12-01T09:50:00Z"
    return {"metadata": meta, "spec": {"containers": [{"name": "main"}]}, "status": {"phase": phase}}


def grader(objects: dict[str, list[dict]], events: list[dict] | None = None, lesson: str = "storage") -> Grader:
    cluster = SimpleNamespace(namespace="ws", requests=[0])  # no API server: reads come from the cache
    probe = Probe(cluster, cache=MemoryCache(objects))  # type: ignore[arg-type]
    probe.events_list = events or []
    return Grader(load(lesson), probe, load_all(), {"storage-class": "rook-cephfs"}, Redactor(["s3cr3t-token"]))


def by_check(g) -> dict:
    return {c.name: c for c in g.checks}


def test_nothing_at_all_is_not_started():
    p = grader({}).grade_participant(Participant("eve"))
    assert p.standing == "not-started" and p.score == 0
    assert all(c.status == "failed" and "not started?" in c.summary for c in p.checks)


def test_objects_gone_per_events_is_graded_too_late_not_zero():
    events = [
        {"involvedObject": {"kind": "Pod", "name": "s1-ann"}},
        {"involvedObject": {"kind": "Pod", "name": "s3-ann-0-abcde"}},
    ]
    g = grader({}, events)
    g.plan("ann")
    p = g.grade_participant(Participant("ann"))
    assert p.standing == "gone"
    assert {c.status for c in p.checks} == {NOT_GRADABLE}
    assert all(c.summary == GONE_SUMMARY for c in p.checks)
    assert "Pod/s1-ann" in p.checks[0].evidence[0].lines


def test_final_state_check_never_counts_on_a_partial_slate():
    # a claim and no pods: "nothing running" is true, but the participant never reached the end of the lesson
    g = grader({"PersistentVolumeClaim": [pvc("vol-ben")]})
    c = by_check(g.grade_participant(Participant("ben")))
    assert c["pvc-bound"].status == "passed"
    assert c["no-running-pods"].status == "failed" and "job/s3-ben has existed" in c["no-running-pods"].summary


def test_final_state_check_counts_once_the_lesson_was_followed_to_its_end():
    record = Record(seen={"ann": {"Job/s3-ann": T0, "PersistentVolumeClaim/vol-ann": T0}})
    c = by_check(grader({}).grade_participant(Participant("ann"), record, T0))
    assert c["no-running-pods"].status == "passed" and c["no-running-pods"].first_passed_at == T0
    # the Job ran, but the clean-up the lesson asks for before the check (delete the claim) is not done
    c = by_check(grader({"PersistentVolumeClaim": [pvc("vol-ann")]}).grade_participant(Participant("ann"), record, T0))
    assert c["no-running-pods"].status == "failed" and "persistentvolumeclaim/vol-ann is deleted" in c["no-running-pods"].summary


def test_a_terminating_pod_is_still_running():
    record = Record(seen={"ann": {"Job/s3-ann": T0}})
    g = grader({"Pod": [pod("s1-ann", deleting=True)]})
    c = by_check(g.grade_participant(Participant("ann"), record, T0))
    assert c["no-running-pods"].status == "failed" and "terminating" in c["no-running-pods"].summary


def test_passes_are_sticky_and_the_instant_is_a_second_mark():
    record = Record(
        passes={
            "ann": {
                "pvc-bound": {
                    "at": T0,
                    "summary": "claim vol-ann is Bound",
                    "evidence": [{"source": "kubectl get pvc", "lines": ["phase: Bound"]}],
                }
            }
        },
        seen={"ann": {"PersistentVolumeClaim/vol-ann": T0}},
    )
    c = by_check(grader({}).grade_participant(Participant("ann"), record))["pvc-bound"]
    assert (c.status, c.points, c.first_passed_at) == ("passed", 2, T0)
    assert c.now_status == "failed" and "no PersistentVolumeClaim vol-ann" in c.now_summary
    assert c.evidence[0].lines == ("phase: Bound",)


def test_record_keeps_first_passes_and_objects_and_saves_redacted(tmp_path):
    g = grader({"PersistentVolumeClaim": [pvc("vol-ann")]})
    report = g.grade_round([Participant("ann")], Record(), at=T0)
    record = Record()
    assert record.add_passes(report, T0, g.redact) and not record.add_passes(report, "later", g.redact)
    assert record.first_pass("ann", "pvc-bound")["at"] == T0
    assert record.saw("ann", ["Job/s3-ann"], T0) and not record.saw("ann", ["Job/s3-ann"], "later")
    record.passes["ann"]["pvc-bound"]["summary"] += " token s3cr3t-token"
    path = tmp_path / "p.json"
    progressfile.save(str(path), "storage", "ws", record, g.redact)
    assert "s3cr3t-token" not in path.read_text()
    again = progressfile.load(str(path))
    assert again.seen == {"ann": {"Job/s3-ann": T0}} and again.first_pass("ann", "pvc-bound")["at"] == T0


def test_a_check_error_is_not_gradable_not_failed():
    reg = Registry()

    @reg.register("pvc-bound")
    def broken(**_):
        raise ClusterError("API error 500: etcd timeout")

    g = grader({"PersistentVolumeClaim": [pvc("vol-ann")]})
    g.registry = reg
    c = by_check(g.grade_participant(Participant("ann")))
    assert c["pvc-bound"].status == NOT_GRADABLE and c["pvc-bound"].points == 0
    assert c["scratch-on-disk"].status == "not-gradable"  # unknown to this registry: an error of the tool, not the participant


def test_claim_reads_are_batched_and_unbound_claims_are_not_yet():
    g = grader({"PersistentVolumeClaim": [pvc("vol-ann"), pvc("vol-ben", "Pending"), pvc("vol-cat", deleting=True)]})
    asked = []

    def fetch(*_):  # what the inspector would answer: no files yet
        from runner.kube.exec import ExecResult

        wanted = g.probe.wanted()
        asked.append(wanted)
        answers = {}
        for claim, command in wanted:
            answers[(claim, command)] = unmountable(claim, g.probe.get("PersistentVolumeClaim", claim)) or ExecResult(
                command, "", "", 0
            )
        with g.probe._lock:
            g.probe._claim_reads.update(answers)
        return len(wanted)

    g.probe.fetch = fetch
    ran = Record(seen={u: {f"Job/s3-{u}": T0} for u in ("ann", "ben", "cat", "dan")})  # their Jobs ran during the session
    report = g.grade_round([Participant(u) for u in ("ann", "ben", "cat", "dan")], ran)
    assert len(asked) == 1 and [c for c, _ in asked[0]] == ["vol-ann", "vol-cat"]  # one batch for all; ben's claim is not Bound
    c = {p.user: by_check(p)["pvc-data-survives"] for p in report.participants}
    assert c["ann"].status == "failed" and "0 file(s)" in c["ann"].summary
    assert c["cat"].status == "failed" and "being deleted" in c["cat"].summary
    assert "no PersistentVolumeClaim vol-dan" in c["dan"].summary  # no claim: nothing to read


def test_a_claim_whose_job_never_ran_is_not_mounted():
    g = grader({"PersistentVolumeClaim": [pvc("vol-ann")]})
    g.probe.fetch = lambda *_: pytest.fail("no claim should be read")
    c = by_check(g.grade_round([Participant("ann")]).participants[0])
    assert c["pvc-data-survives"].status == "failed" and "has not run" in c["pvc-data-survives"].summary


# ---- exec: the exit status, and handshakes that got an HTTP answer


def test_exit_status_from_the_stream():
    assert exit_code_of('{"metadata":{},"status":"Success"}') == 0
    failure = {
        "status": "Failure",
        "reason": "NonZeroExitCode",
        "details": {"causes": [{"reason": "ExitCode", "message": "137"}]},
    }
    assert exit_code_of(json.dumps(failure)) == 137
    with pytest.raises(ExecLost):
        exit_code_of("")  # no status: never exit 0
    with pytest.raises(Gone):
        exit_code_of('{"status":"Failure","message":"container not found (\\"main\\")"}')


def test_handshake_answers_are_not_an_unreachable_cluster():
    from kubernetes.client.exceptions import ApiException

    def hs(code: int, body: str) -> ClusterError:
        reason = f"Handshake status {code} Internal Server Error -+-+- {{'content-type': 'text/plain'}} -+-+- {body}"
        return handshake_error(ApiException(status=0, reason=reason), "exec in pod/s1-ann")

    assert isinstance(hs(500, 'container not found ("main")'), Gone)  # the kubelet, the pod just deleted
    assert isinstance(hs(404, 'b\'{"kind":"Status","message":"pods \\\\"s1-ann\\\\" not found"}\''), Gone)
    assert "not found" in str(hs(404, 'b\'{"kind":"Status","message":"pods \\\\"s1-ann\\\\" not found"}\''))
    assert isinstance(hs(409, "container not running"), Gone)
    assert isinstance(hs(403, "forbidden"), Forbidden)
    refused = handshake_error(ApiException(status=0, reason="[Errno 111] Connection refused"), "exec")
    assert isinstance(refused, Unreachable) and refused.exit_code == 3


def test_gone_is_not_yet_for_the_check():
    reg = Registry()

    @reg.register("x")
    def x(**_):
        raise Gone("exec in pod/s1-ann: 500 container not found")

    lesson = load("basics")
    step = lesson.checks[0].__class__(**{**lesson.checks[0].__dict__, "check": "x", "check_args": ()})
    probe = SimpleNamespace(cluster=None, namespace="ws")
    ev = evaluate(step, CheckContext(probe, "ann", lesson, "grade"), reg, Redactor())  # type: ignore[arg-type]
    assert isinstance(ev.result, CheckResult) and ev.result.status == "failed" and "container not found" in ev.result.summary


def test_batched_reads_come_back_apart_through_a_real_shell():
    reads = [("a", "echo hi; echo oops >&2; exit 3"), ("b", "printf 'no newline'"), ("c", "true"), ("d", "printf 'x\\n\\n'")]
    script = batch_script(reads, "@@mark")
    out = subprocess.run(["sh", "-c", script], capture_output=True, text=True, check=True, timeout=30).stdout
    got = parse_batch(out, reads, "@@mark")
    assert [(r.stdout, r.stderr, r.exit_code) for r in got.values()] == [
        ("hi\n", "oops\n", 3),
        ("no newline", "", 0),
        ("", "", 0),
        ("x\n\n", "", 0),
    ]
    with pytest.raises(ValueError):
        parse_batch(out[: len(out) // 2], reads, "@@mark")  # a cut stream is never read as an answer


# ---- the live board's worker: an unreachable API server is said, and retried, never a reason to stop


class FlakyCluster:
    """The parts of a session the board's worker uses, with an API server that can be made unreachable."""

    def __init__(self) -> None:
        self.down = False
        self.graded: list[list[str]] = []

    def grade_round(self, people, record=None, progress=None, at=None, partial=None):
        from runner.grade.result import CheckGrade, GradeReport, ParticipantGrade

        if self.down:
            raise Unreachable("listing Pod objects in ws: cluster unreachable (Connection refused)")
        self.graded.append([p.user for p in people])
        grades = tuple(ParticipantGrade(p.user, {}, (CheckGrade("c", "passed", 1, 1, "ok", (), None, at),)) for p in people)
        return GradeReport("l", "L", "ws", at or T0, grades, checks=("c",))


def _flaky_board(flaky: FlakyCluster, outage):
    from runner.grade.engine import Plan
    from runner.grade.live import LiveBoard

    grader = SimpleNamespace(
        live=False,
        redact=Redactor(),
        plan=lambda user: Plan(None, (("Pod", f"s1-{user}", False),), {}),  # type: ignore[arg-type]
        grade_round=flaky.grade_round,
        objects_now=lambda user: set(),
    )
    health: list = [None]
    cache = SimpleNamespace(
        on_relist=None,
        health=lambda: health[0],
        refresh=lambda: None if not flaky.down else (_ for _ in ()).throw(Unreachable("refused")),
        watch=lambda cb: None,
        close=lambda: None,
    )
    session = SimpleNamespace(
        people=[Participant("ann"), Participant("bob")],
        grader=grader,
        cache=cache,
        record=Record(),
        probe=SimpleNamespace(release_claim=lambda c: None),
        request=SimpleNamespace(progress_file=None),
        save=lambda: None,
        remember=lambda report, at, save=False, defer=False: False,
        cluster=SimpleNamespace(outage=outage),
    )
    return LiveBoard(session, backoff=(0.05, 0.2))  # type: ignore[arg-type]


def test_board_says_the_cluster_is_unreachable_and_retries(tmp_path):
    from runner.kube.outage import Outage

    flaky = FlakyCluster()
    board = _flaky_board(flaky, Outage(120))
    first = board.start()
    assert first.version == 1 and flaky.graded == [["ann", "bob"]]
    flaky.down = True
    board.on_change("Pod", "MODIFIED", {"metadata": {"name": "s1-ann"}})
    state = board.wait(first.version, 5)
    assert state.status and state.status.startswith("cluster unreachable since") and "retrying in" in state.status
    assert board._thread is not None and board._thread.is_alive()  # the board goes on
    flaky.down = False
    for _ in range(50):
        state = board.wait(state.version, 1)
        if state.status is None:
            break
    assert state.status is None and flaky.graded[-1] == ["ann"]  # ann's change, graded once the server answers
    assert board.failed is None
    board.stop()


def test_board_ends_once_the_outage_outlasted_its_timeout():
    from runner.kube.outage import Outage

    flaky, outage = FlakyCluster(), Outage(120)
    board = _flaky_board(flaky, outage)
    first = board.start()
    outage._say("cluster unreachable since 09:40:01 (refused); waiting up to 120 s (--outage-timeout)")
    assert board.state().status == "cluster unreachable since 09:40:01 (refused); waiting up to 120 s (--outage-timeout)"
    flaky.down, outage.expired = True, True  # the client's requests waited 120 s and gave up
    board.on_change("Pod", "MODIFIED", {"metadata": {"name": "s1-ann"}})
    assert board._thread is not None
    board._thread.join(timeout=5)
    assert not board._thread.is_alive() and board.failed is not None and board.failed.exit_code == 3
    assert "longer than --outage-timeout" in (board.state().status or "") and board.state().version > first.version
    board.stop()
