"""The run lease without a cluster: what a recorded Lease means at a given time, its name, its holder, a local holder's liveness."""

from __future__ import annotations

import copy
import os
import re
from datetime import datetime

import pytest

from runner.run.lease import DURATION, Holder, judge, lease_name, local_process_alive
from runner.run.signals import Cancel, Interrupted

# a Lease as the API server returned it (read_lease) during a real run on the local cluster
RECORDED = {
    "apiVersion": "coordination.k8s.io/v1",
    "kind": "Lease",
    "metadata": {
        "annotations": {
            "tutorial-runner.io/host": "vm",
            "tutorial-runner.io/pid": "27567",
            "tutorial-runner.io/pid-start": "330127",
            "tutorial-runner.io/started": "2026-12-01T11:33:20Z",
        },
        "creationTimestamp": "2026-12-01T11:33:20+00:00",
        "labels": {
            "tutorial-runner.io/lesson": "storage",
            "tutorial-runner.io/role": "run-lease",
            "tutorial-runner.io/run": "ffb5b429",
            "tutorial-runner.io/user": "rec",
        },
        "name": "tutorial-run-storage-rec-45cf1654",
        "namespace": "h14b-manual",
        "resourceVersion": "14944",
        "uid": "025a8a7b-b6ca-4f5d-8b2c-220bc4b7cddb",
    },
    "spec": {
        "acquireTime": "2026-12-01T11:33:20.497890+00:00",
        "holderIdentity": "ffb5b429@vm",
        "leaseDurationSeconds": 15,
        "leaseTransitions": 0,
        "renewTime": "2026-12-01T11:33:24.540202+00:00",
    },
}
RENEWED = datetime.fromisoformat("2026-12-01T11:33:24.540202+00:00").timestamp()


def test_a_freshly_renewed_lease_is_held_by_its_run():
    v = judge(RECORDED, RENEWED + 1.0)
    assert v.state == "held" and not v.free
    assert v.holder == Holder("ffb5b429", "vm", 27567, "2026-12-01T11:33:20Z")
    assert v.age == pytest.approx(1.0) and v.expires_in == pytest.approx(DURATION - 1.0)
    assert str(v.holder) == "run ffb5b429 on vm (pid 27567), started 2026-12-01T11:33:20Z"


def test_a_lease_not_renewed_for_its_duration_has_expired():
    assert judge(RECORDED, RENEWED + 14.9).state == "held"
    v = judge(RECORDED, RENEWED + 15.0)
    assert v.state == "expired" and v.free and v.holder is not None and v.holder.run_id == "ffb5b429"


def test_absent_released_and_timeless_leases_are_free():
    assert judge(None, RENEWED).state == "absent"
    released = copy.deepcopy(RECORDED)
    released["spec"]["holderIdentity"] = ""
    assert judge(released, RENEWED).state == "released"
    timeless = copy.deepcopy(RECORDED)
    del timeless["spec"]["renewTime"], timeless["spec"]["acquireTime"]
    assert judge(timeless, RENEWED).state == "expired"  # a lease that never says when it was renewed protects nothing


def test_the_lease_duration_is_the_objects_own():
    long = copy.deepcopy(RECORDED)
    long["spec"]["leaseDurationSeconds"] = 60
    assert judge(long, RENEWED + 30).state == "held"


def test_a_clock_behind_the_holders_never_makes_a_negative_age():
    assert judge(RECORDED, RENEWED - 5).age == 0.0


def test_lease_names_are_valid_readable_and_distinct():
    name = lease_name("storage", "Bob_1")
    assert re.fullmatch(r"[a-z0-9]([-a-z0-9.]*[a-z0-9])?", name) and name.startswith("tutorial-run-storage-bob-1-")
    # the same words after sanitizing, another key: another lease
    assert lease_name("storage", "bob-1") != name
    assert lease_name("a-b", "c") != lease_name("a", "b-c")
    assert len(lease_name("x" * 63, "y" * 250)) <= 253


def _mine(host: str, pid: int, start: str | None) -> dict:
    lease = copy.deepcopy(RECORDED)
    ann = lease["metadata"]["annotations"]
    ann.update({"tutorial-runner.io/host": host, "tutorial-runner.io/pid": str(pid)})
    ann["tutorial-runner.io/pid-start"] = start or ""
    return lease


@pytest.mark.skipif(not os.path.exists("/proc/self/stat"), reason="needs /proc")
def test_a_holder_on_this_host_lives_exactly_as_long_as_its_process():
    from runner.run.lease import _process_start

    me, start = os.getpid(), _process_start(os.getpid())
    assert local_process_alive(_mine("here", me, start), "here") is True
    # the same pid, reused by another process (another start time): that holder is gone
    assert local_process_alive(_mine("here", me, "1"), "here") is False
    assert local_process_alive(_mine("here", 2**22 + 7, start), "here") is False  # no such process
    assert local_process_alive(_mine("elsewhere", me, start), "here") is None  # another host: cannot tell


def test_a_runs_own_cancel_stops_it_alone_and_the_shared_one_stops_all():
    shared = Cancel()
    one, other = Cancel(parent=shared), Cancel(parent=shared)
    one.set("lost its lease")
    assert one.is_set() and not other.is_set() and not shared.is_set()
    with pytest.raises(Interrupted, match="lost its lease"):
        one.raise_if_set()
    shared.set("SIGINT")
    assert other.is_set() and other.reason == "SIGINT"
    assert one.reason == "lost its lease"  # its own reason first


def test_what_a_killed_holder_was_creating_is_read_from_its_lease():
    from runner.run.lease import ANN_CREATING, intent_of

    lease = copy.deepcopy(RECORDED)
    lease["metadata"]["annotations"][ANN_CREATING] = (
        '{"since": "2026-12-01T11:33:22.000000Z", "objects": ["ConfigMap/cfg-one-rec", "Job/pi-rec", "nonsense"]}'
    )
    intent = intent_of(lease)
    assert intent is not None and intent.run_id == "ffb5b429"
    assert intent.objects == (("ConfigMap", "cfg-one-rec"), ("Job", "pi-rec"))
    assert intent.since == datetime.fromisoformat("2026-12-01T11:33:22+00:00").timestamp()
    for broken in ("", "not json", '{"objects": ["Pod/x"]}', '{"since": "2026-12-01T11:33:22Z", "objects": []}'):
        lease["metadata"]["annotations"][ANN_CREATING] = broken
        assert intent_of(lease) is None, broken
    assert intent_of(RECORDED) is None and intent_of(None) is None
