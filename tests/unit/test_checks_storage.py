"""Storage checks on recorded tool output: passing cases and the learner's typical mistakes."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from checks.storage import pvc_bound, pvc_data_survives, ramdisk_is_tmpfs, scratch_on_disk
from runner.kube import errors as E
from runner.kube.errors import Timeout
from runner.kube.exec import ExecResult

GOOD_DF = """Filesystem     1024-blocks     Used Available Capacity Mounted on
overlay          263174212 12345678 237382452       5% /
/dev/vda         263174212 12345678 237382452       5% /mnt/myscratch
shm                  65536        0     65536       0% /dev/shm
--- mounts
overlay / overlay rw 0 0
/dev/vda /mnt/myscratch ext4 rw 0 0
tmpfs /mytmp tmpfs rw,size=262144k 0 0
shm /dev/shm tmpfs rw,size=65536k 0 0
"""
RAM_DF = GOOD_DF.replace(
    "/dev/vda         263174212 12345678 237382452       5% /mnt/myscratch",
    "tmpfs               262144        0    262144       0% /mytmp",
)
# the ramdisk volume without `medium: Memory`: /mytmp is an ordinary emptyDir on the node's disk
NO_MEDIUM = GOOD_DF.replace(
    "/dev/vda         263174212 12345678 237382452       5% /mnt/myscratch",
    "/dev/vda         263174212 12345678 237382452       5% /mytmp",
).replace("tmpfs /mytmp tmpfs rw,size=262144k 0 0", "/dev/vda /mytmp ext4 rw 0 0")
# no volume mounted at the path: df reports the root filesystem
NOT_MOUNTED = GOOD_DF.replace(
    "/dev/vda         263174212 12345678 237382452       5% /mnt/myscratch",
    "overlay          263174212 12345678 237382452       5% /",
)


@dataclass
class FakeProbe:
    """Our probe interface fed with recorded output (not a mock of the Kubernetes API)."""

    stdout: str = ""
    objects: dict | None = None
    claim_listing: str = ""
    namespace: str = "default"
    error: Exception | None = None  # what the cluster says to a wait (an unreachable server, a missing right)
    job_ran: bool = True  # the Job a check names existed (now, in the record, or per the cluster's events)

    def running_pod(self, name, timeout=120):
        return name

    def exec(self, pod, command, container=None, timeout=120):
        return ExecResult(command, self.stdout, "", 0)

    def get(self, kind, name):
        return (self.objects or {}).get((kind, name))

    def wait(self, kind, name, condition, timeout=120):
        obj = self.get(kind, name)
        if self.error is not None:
            raise self.error
        if obj is None or (obj.get("status") or {}).get("phase") != "Bound":
            raise Timeout(f"persistentvolumeclaim/{name} not bound after {timeout:.0f}s (last state: Pending)")
        return obj

    def read_claim(self, claim, command, timeout=120):
        return ExecResult(command, self.claim_listing, "", 0)

    def existed(self, kind, name):
        return self.job_ran


def test_scratch_on_disk_passes_and_names_the_device():
    r = scratch_on_disk(probe=FakeProbe(GOOD_DF), args={"pod": "s1-bob", "path": "/mnt/myscratch"})
    assert r.status == "passed" and "/dev/vda" in r.summary and "ext4" in r.summary
    assert any("/mnt/myscratch" in l for l in r.evidence[0].lines)


def test_scratch_not_mounted_fails_with_hint():
    r = scratch_on_disk(probe=FakeProbe(NOT_MOUNTED), args={"pod": "s1-bob", "path": "/mnt/myscratch"})
    assert r.status == "failed" and "mountPath" in r.hint


def test_ramdisk_passes_when_tmpfs_and_larger_than_shm():
    r = ramdisk_is_tmpfs(probe=FakeProbe(RAM_DF.replace("--- mounts", "--- mounts")), args={"pod": "s1-bob", "path": "/mytmp"})
    assert r.status == "passed", r.summary
    assert "256 MiB" in r.summary and "64 MiB" in r.summary


def test_ramdisk_without_medium_memory_fails_with_the_hint_a_learner_needs():
    r = ramdisk_is_tmpfs(probe=FakeProbe(NO_MEDIUM), args={"pod": "s1-bob", "path": "/mytmp"})
    assert r.status == "failed"
    assert r.hint == "`/mytmp` is on /dev/vda, not tmpfs: did you set `medium: Memory` on the ramdisk volume?"


def _pvc(phase="Bound", sc="rook-cephfs", modes=("ReadWriteMany",)):
    return {
        ("PersistentVolumeClaim", "vol-bob"): {
            "spec": {"storageClassName": sc, "accessModes": list(modes), "volumeName": "pv-1"},
            "status": {"phase": phase, "capacity": {"storage": "1Gi"}},
        }
    }


def test_pvc_bound_variants():
    ok = pvc_bound(probe=FakeProbe(objects=_pvc()), args={"claim": "vol-bob", "class": "rook-cephfs", "mode": "ReadWriteMany"})
    assert ok.status == "passed"
    wrong_mode = pvc_bound(
        probe=FakeProbe(objects=_pvc(modes=("ReadWriteOnce",))), args={"claim": "vol-bob", "mode": "ReadWriteMany"}
    )
    assert wrong_mode.status == "failed" and "ReadWriteMany" in wrong_mode.hint
    pending = pvc_bound(probe=FakeProbe(objects=_pvc(phase="Pending")), args={"claim": "vol-bob", "timeout": "1"})
    assert pending.status == "failed" and "Pending" in pending.summary
    missing = pvc_bound(probe=FakeProbe(objects={}), args={"claim": "vol-bob", "timeout": "1"})
    assert missing.status == "failed" and "no PersistentVolumeClaim" in missing.summary


@pytest.mark.parametrize(
    "error",
    [
        E.Unreachable("watching persistentvolumeclaim/vol-bob: cluster unreachable (Connection refused)"),
        E.Forbidden('watching persistentvolumeclaim/vol-bob: forbidden (403): cannot watch resource "persistentvolumeclaims"'),
        E.ClusterError("reading persistentvolumeclaim/vol-bob: API error 500: etcdserver: request timed out"),
    ],
)
def test_pvc_bound_never_makes_the_clusters_trouble_the_participants(error):
    """Unreachable stays unreachable, forbidden stays forbidden, an API error is the check's: none is "not Bound"."""
    with pytest.raises(type(error)) as raised:
        pvc_bound(probe=FakeProbe(objects=_pvc(), error=error), args={"claim": "vol-bob"})
    assert raised.value is error


def test_pvc_data_survives_counts_files_per_index():
    claims = _pvc() | {("PersistentVolumeClaim", "v"): _pvc()[("PersistentVolumeClaim", "vol-bob")]}
    both = "\n".join(f"run-{t}-{i}.txt" for t in (1700000000, 1700000100) for i in range(4))
    r = pvc_data_survives(
        probe=FakeProbe(claim_listing=both, objects=claims), args={"claim": "vol-bob", "completions": "4", "runs": "2"}
    )
    assert r.status == "passed" and "8 files" in r.summary
    # the PVC replaced by an emptyDir: only the second run's files (or none) are there
    one = "\n".join(f"run-1700000100-{i}.txt" for i in range(4))
    r = pvc_data_survives(
        probe=FakeProbe(claim_listing=one, objects=claims), args={"claim": "vol-bob", "completions": "4", "runs": "2"}
    )
    assert r.status == "failed" and "emptyDir" in r.hint
    # the wild tutorial's naming (log.<date>.<index>) is understood too
    wild = "\n".join(f"log.{t}.{i}" for t in (1, 2) for i in range(10))
    assert (
        pvc_data_survives(
            probe=FakeProbe(claim_listing=wild, objects=claims), args={"claim": "v", "completions": "10", "runs": "2"}
        ).status
        == "passed"
    )


def test_pvc_data_survives_without_the_claim():
    r = pvc_data_survives(probe=FakeProbe(objects={}), args={"claim": "vol-bob", "completions": "4"})
    assert r.status == "failed" and "no PersistentVolumeClaim vol-bob" in r.summary


def test_pvc_data_survives_does_not_read_a_claim_its_job_never_wrote():
    class NoReads(FakeProbe):
        def read_claim(self, claim, command, timeout=120):
            raise AssertionError("the claim must not be mounted and read")

    bound = {("PersistentVolumeClaim", "vol-bob"): {"status": {"phase": "Bound"}}}
    r = pvc_data_survives(
        probe=NoReads(objects=bound, job_ran=False), args={"claim": "vol-bob", "job": "s3-bob", "completions": "4"}
    )
    assert r.status == "failed" and "job s3-bob has not run" in r.summary and "--watch --progress" in r.hint
