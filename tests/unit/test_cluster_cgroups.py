"""`cluster down` reads the pods' cgroups while the kubelet still removes them: a folder that vanishes is skipped."""

from __future__ import annotations

import os

from runner.cluster.cluster import _pod_cgroup_pids


def _tree(root):
    for ctrl, pod, pids in (("pids", "pod-a", "11\n12\n"), ("freezer", "pod-b", "13\n"), ("freezer", "pod-gone", "99\n")):
        folder = root / ctrl / "kubepods" / "besteffort" / pod / "c1"
        folder.mkdir(parents=True)
        (folder / "cgroup.procs").write_text(pids)


def test_the_processes_of_every_pod_cgroup(tmp_path):
    _tree(tmp_path)
    assert _pod_cgroup_pids(tmp_path) == {11, 12, 13, 99}


def test_a_cgroup_that_vanishes_while_we_look_is_skipped(tmp_path, monkeypatch):
    _tree(tmp_path)
    real = os.scandir

    def scandir(path="."):
        if "pod-gone" in str(path):  # what the kernel answers for a cgroup removed a moment ago
            raise FileNotFoundError(2, "No such file or directory", str(path))
        return real(path)

    monkeypatch.setattr(os, "scandir", scandir)
    assert _pod_cgroup_pids(tmp_path) == {11, 12, 13}
