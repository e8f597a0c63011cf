"""Faults on the real local cluster: two runs for one user, a queued run, and a `tutorial` killed with SIGKILL anywhere.

One run per lesson and user at a time (runner/run/lease.py): a second run stops
at once naming the holder, or with --wait queues behind it; the lease of a
killed run expires within seconds, and the rerun says that it waits for it,
sweeps what the killed run left, and passes.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from runner.cli.main import crashed
from runner.run.lease import lease_name

pytestmark = pytest.mark.e2e
REPO = Path(__file__).resolve().parents[2]


def kubeconfig() -> str:
    from runner.cluster import paths

    return str(paths.admin_kubeconfig())


def start(*args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "runner.cli", *args],
        cwd=REPO,
        env={**os.environ, "KUBECONFIG": kubeconfig()},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        stdin=subprocess.DEVNULL,
    )


def run(*args: str, timeout: float = 420) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "runner.cli", *args],
        cwd=REPO,
        env={**os.environ, "KUBECONFIG": kubeconfig()},
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )


def explain(res: subprocess.CompletedProcess) -> str:
    """What went wrong in a run: its failed steps and checks (the JSON report is long), and its stderr."""
    try:
        report = json.loads(res.stdout)
    except ValueError:
        return res.stdout[-2000:] + res.stderr[-2000:]
    bad = [
        f"step {s['line']} {s['id']}: {s['status']}: {s['message']}"
        for s in report["steps"]
        if s["status"] in ("failed", "error")
    ]
    bad += [f"check {c['name']}: {c['status']}: {c['summary']}" for c in report["checks"] if c["status"] in ("failed", "error")]
    bad += [f"cleanup {c['object']}: {c['outcome']} {c.get('error', '')}" for c in report["cleanup"] if c["outcome"] == "failed"]
    return "\n".join([f"status {report['status']}, swept {report['swept']}", *bad, res.stderr[-2000:]])


def mine(kube_api, namespace: str, user: str) -> list[str]:
    """Every object labelled for `user` in the namespace, leases included."""
    from kubernetes import client

    core, batch, coord = client.CoreV1Api(kube_api), client.BatchV1Api(kube_api), client.CoordinationV1Api(kube_api)
    sel = f"tutorial-runner.io/user={user}"
    found = []
    for kind, fn in (
        ("pod", core.list_namespaced_pod),
        ("job", batch.list_namespaced_job),
        ("pvc", core.list_namespaced_persistent_volume_claim),
        ("configmap", core.list_namespaced_config_map),
        ("secret", core.list_namespaced_secret),
        ("lease", coord.list_namespaced_lease),
    ):
        found += [f"{kind}/{o.metadata.name}" for o in fn(namespace, label_selector=sel).items]
    return found


def test_two_runs_for_one_user_4s_apart_one_passes_the_other_is_refused(kube_api, namespace):
    user = "e2e-twice"
    first = start("run", "storage", "--user", user, "--profile", "local", "-n", namespace, "--format", "json")
    time.sleep(4)  # the second run starts 4 s later: the timing is the test's input, not a wait for a condition
    t0 = time.monotonic()
    second = run("run", "storage", "--user", user, "--profile", "local", "-n", namespace)
    refused_in = time.monotonic() - t0
    still_running = first.poll() is None
    out, err = first.communicate(timeout=420)
    report = json.loads(out)
    assert first.returncode == 0 and report["status"] == "passed", explain(subprocess.CompletedProcess([], 0, out, err))
    assert second.returncode == 1, second.stdout + second.stderr
    assert still_running, f"the second run was refused only after the first ended ({refused_in:.1f}s)"
    lines = second.stderr.strip().splitlines()
    assert len(lines) == 1 and not crashed(second.stderr), second.stderr
    # the holder by run id, host and start time
    assert f"run {report['run']} on {socket.gethostname()}" in lines[0] and "started 20" in lines[0], lines[0]
    assert "--wait" in lines[0] and second.stdout == ""
    assert mine(kube_api, namespace, user) == []


def test_clean_leaves_alone_what_a_live_run_holds_and_takes_it_once_released(kube_api, namespace, point):
    user = "e2e-cleanlive"
    reached = point("PersistentVolumeClaim", f"vol-{user}")
    first = start("run", "storage", "--user", user, "--profile", "local", "-n", namespace, "--format", "json")
    reached.wait()
    cleaned = run("clean", "storage", "--user", user, "-n", namespace, "-y")
    out, err = first.communicate(timeout=420)
    report = json.loads(out)
    assert first.returncode == 0 and report["status"] == "passed", explain(subprocess.CompletedProcess([], 0, out, err))
    assert cleaned.returncode == 0, cleaned.stdout + cleaned.stderr
    assert f"for user {user}, being run now by run {report['run']} on {socket.gethostname()}" in cleaned.stdout, cleaned.stdout
    assert "deleted" not in cleaned.stdout, cleaned.stdout
    assert mine(kube_api, namespace, user) == []
    # a run killed with SIGKILL: once its lease has expired, its objects and its lease are leftovers
    orphan = point("Pod", f"s1-{user}")
    second = start("run", "storage", "--user", user, "--profile", "local", "-n", namespace, "--format", "json")
    orphan.wait()
    second.send_signal(signal.SIGKILL)  # its lease is left to expire: not live for long
    second.communicate(timeout=60)
    time.sleep(20)  # past the lease's duration (15 s): the timing is the test's input
    after = run("clean", "storage", "--user", user, "-n", namespace, "-y")
    assert after.returncode == 0 and "left alone" not in after.stdout, after.stdout + after.stderr
    assert f"pod/s1-{user}" in after.stdout and f"lease/{lease_name('storage', user)}" in after.stdout, after.stdout
    assert mine(kube_api, namespace, user) == []


MAKES_AND_HANGS = textwrap.dedent("""\
    ---
    id: hangs
    title: A command that makes an object, then hangs
    ---
    # Hangs

    ```bash
    kubectl create configmap named-<username> --from-literal=a=b && sleep 600
    ```
    """)


def test_clean_takes_what_a_killed_run_was_making_before_it_labelled_it(kube_api, namespace, tmp_path, point):
    """A run labels what a command made once the command ends: killed before, the object is known only by its lease."""
    from kubernetes import client

    lesson = tmp_path / "hangs.md"
    lesson.write_text(MAKES_AND_HANGS)
    user = "e2e-named"
    made = point("ConfigMap", f"named-{user}")
    proc = start("run", str(lesson), "--user", user, "--profile", "local", "-n", namespace, "--format", "json")
    made.wait()  # the command now sleeps: the object stays unlabelled
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=60)
    core = client.CoreV1Api(kube_api)
    labels = core.read_namespaced_config_map(f"named-{user}", namespace).metadata.labels or {}
    assert "tutorial-runner.io/run" not in labels and mine(kube_api, namespace, user) == [f"lease/{lease_name('hangs', user)}"]
    cleaned = run("clean", "--user", user, "-n", namespace, "-y")  # no lesson named: found by our labels, and the lease
    assert cleaned.returncode == 0, cleaned.stdout + cleaned.stderr
    assert f"configmap/named-{user}  (user {user}, being made by run " in cleaned.stdout, cleaned.stdout
    assert f"lease/{lease_name('hangs', user)}" in cleaned.stdout and "left alone" not in cleaned.stdout, cleaned.stdout
    names = [c.metadata.name for c in core.list_namespaced_config_map(namespace).items]
    assert f"named-{user}" not in names and mine(kube_api, namespace, user) == []


JOB = textwrap.dedent("""\
    ---
    id: queued
    title: A short Job
    ---
    # A short Job

    <!-- step: wait=complete timeout=120s -->
    ```bash
    kubectl create job q-<username> --image=busybox -- sh -c 'sleep 4; echo done'
    ```
    """)


def test_wait_queues_behind_the_run_that_holds_the_lease(kube_api, namespace, tmp_path, point):
    lesson = tmp_path / "queued.md"
    lesson.write_text(JOB)
    user = "e2e-queue"
    held = point("Lease", lease_name("queued", user))
    first = start("run", str(lesson), "--user", user, "--profile", "local", "-n", namespace, "--format", "json")
    held.wait()
    second = run("run", str(lesson), "--user", user, "--profile", "local", "-n", namespace, "--format", "json", "--wait")
    out, err = first.communicate(timeout=300)
    a, b = json.loads(out), json.loads(second.stdout)
    assert first.returncode == 0 and a["status"] == "passed", out[-2000:] + err[-2000:]
    assert second.returncode == 0 and b["status"] == "passed", second.stdout[-2000:] + second.stderr[-2000:]
    assert f"waiting for run {a['run']} on {socket.gethostname()}" in second.stderr and "to finish" in second.stderr
    assert b["swept"] == [], "the first run cleaned up after itself: nothing for the queued one to sweep"
    assert mine(kube_api, namespace, user) == []


# Where a run is killed: the nth creation of an object (the lease is the first thing a run makes)
KILL_POINTS = {
    "storage": [
        ("Lease", "{lease}", 1),
        ("Pod", "s1-{user}", 1),
        ("PersistentVolumeClaim", "vol-{user}", 1),
        ("Job", "s3-{user}", 1),
        ("Job", "s3-{user}", 2),
    ],
    "data": [
        ("ConfigMap", "cfg-one-{user}", 1),
        ("Pod", "cfg-one-{user}", 1),
        ("ConfigMap", "cfg-dir-{user}", 1),
        ("Job", "pi-{user}", 1),
        ("Job", "pi-fine-{user}", 1),
    ],
}
KILLS = [(lesson, i) for lesson, points in KILL_POINTS.items() for i in range(len(points))]


@pytest.mark.parametrize("lesson, at", KILLS, ids=[f"{lesson}-{i + 1}" for lesson, i in KILLS])
def test_a_rerun_after_sigkill_waits_for_the_lease_sweeps_and_passes(kube_api, namespace, point, lesson, at):
    user = f"e2e-k{lesson[:2]}{at + 1}"
    kind, name, nth = KILL_POINTS[lesson][at]
    name = name.format(user=user, lease=lease_name(lesson, user))
    reached = point(kind, name, nth)
    proc = start("run", lesson, "--user", user, "--profile", "local", "-n", namespace, "--format", "json")
    try:
        reached.wait()
    except AssertionError as exc:
        proc.send_signal(signal.SIGKILL)
        out, err = proc.communicate(timeout=60)
        raise AssertionError(f"{exc}; the run said: {explain(subprocess.CompletedProcess([], 0, out, err))}") from None
    proc.send_signal(signal.SIGKILL)  # no cleanup, no release: what a crash or `kill -9` leaves
    proc.communicate(timeout=60)
    left = mine(kube_api, namespace, user)
    assert f"lease/{lease_name(lesson, user)}" in left, left
    t0 = time.monotonic()
    res = run("run", lesson, "--user", user, "--profile", "local", "-n", namespace, "--format", "json")
    seconds = time.monotonic() - t0
    report = json.loads(res.stdout)
    assert res.returncode == 0 and report["status"] == "passed", explain(res)
    assert "to expire (that run has stopped" in res.stderr, res.stderr
    if kind != "Lease":
        swept = {r["object"] for r in report["swept"]}
        short = {"PersistentVolumeClaim": "persistentvolumeclaim"}.get(kind, kind.lower())
        assert f"{short}/{name}" in swept, f"the killed run's {kind.lower()}/{name} was not swept: {swept}"
    assert mine(kube_api, namespace, user) == []
    print(f"{lesson} killed at {kind.lower()}/{name} #{nth}: rerun passed in {seconds:.1f}s")
