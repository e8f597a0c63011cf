"""A control-plane outage in the middle of a class: the API server is killed and comes back; runs and boards go on.

A real second kube-apiserver (tests/e2e/outage.py) is what the command under
test talks to; it is killed with SIGKILL 7 s in and started again 15 s later.
The run passes and leaves nothing behind, and its report says how long it
waited; the board shows the outage and recovers without a restart; an outage
longer than --outage-timeout ends a run with exit 3 after one more cleanup.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest
from boards import REPO, WebBoard, free_port, kube_env, kubectl, manifests, start_tutorial, wait_until
from outage import SpareApiserver

from runner.cli.main import crashed

pytestmark = pytest.mark.e2e


def _leftovers(namespace: str, user: str) -> list[str]:
    kinds = "pods,jobs,pvc,configmaps,secrets,leases.coordination.k8s.io"
    out = kubectl("-n", namespace, "get", kinds, "-l", f"tutorial-runner.io/user={user}", "-o", "name").stdout
    return out.split()


def _start_run(spare: SpareApiserver, namespace: str, user: str, report, *extra: str) -> subprocess.Popen:
    args = ["run", "storage", "--user", user, "-n", namespace, "--profile", "local", "--kubeconfig", str(spare.kubeconfig)]
    env = {k: v for k, v in kube_env().items() if k != "KUBECONFIG"}
    return start_tutorial(*args, "--report", str(report), *extra, env=env)


def test_a_run_rides_out_an_api_server_restart(kube_api, namespace, tmp_path):
    user = "outage1"
    report = tmp_path / "report.json"
    with SpareApiserver(free_port(), tmp_path) as spare:
        run = _start_run(spare, namespace, user, report)
        time.sleep(7)  # the fault's schedule: 7 s into the run
        assert run.poll() is None, run.communicate(timeout=60)
        spare.kill()
        time.sleep(15)  # away for 15 s
        back_in = spare.start()
        out, err = run.communicate(timeout=600)
    assert run.returncode == 0, out + err
    assert not crashed(err), err
    data = json.loads(report.read_text())
    assert data["status"] == "passed" and data["score"] == data["max_score"]
    assert data["outages"]["count"] >= 1 and data["outages"]["seconds"] >= 15, data["outages"]
    assert data["outages"]["seconds"] <= 15 + back_in + 15  # waited for the server, not much longer
    assert "cluster unreachable since" in err and "cluster reachable again after" in err, err
    assert _leftovers(namespace, user) == []


def test_an_outage_longer_than_the_timeout_ends_the_run_with_exit_3_after_one_more_cleanup(kube_api, namespace, tmp_path):
    user = "outage2"
    report = tmp_path / "report.json"
    with SpareApiserver(free_port(), tmp_path) as spare:
        run = _start_run(spare, namespace, user, report, "--outage-timeout", "8")
        time.sleep(7)
        spare.kill()
        t0 = time.monotonic()
        out, err = run.communicate(timeout=300)
        gave_up_after = time.monotonic() - t0
    assert run.returncode == 3, out + err
    assert not crashed(err) and "Traceback" not in err, err
    assert "cluster unreachable since" in err and "waiting up to 8 s" in err, err
    assert gave_up_after < 8 + 60, gave_up_after  # the timeout, then one quick cleanup attempt: not another wait
    # what it made is swept by the next run (or `tutorial clean`) once the server is back
    res = subprocess.run(
        [sys.executable, "-m", "runner.cli", "clean", "storage", "--user", user, "-n", namespace, "--profile", "local", "-y"],
        cwd=REPO,
        env=kube_env(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert res.returncode == 0, res.stdout + res.stderr
    assert _leftovers(namespace, user) == []


LONG_COMMAND = """\
# A tutorial's own command that waits long

```yaml
apiVersion: v1
kind: Pod
metadata:
  name: stay-<username>
spec:
  containers:
  - name: c
    image: busybox
    command: ["sleep", "3600"]
```

```bash
kubectl wait --for=delete pod/stay-<username> --timeout=250s
```
"""


def test_an_outage_during_a_tutorials_own_long_command_ends_the_run_with_exit_3(kube_api, namespace, tmp_path):
    """The API server goes away while the tutorial's kubectl waits (its own retries would go on to its --timeout): the
    run gives up after --outage-timeout as it does in its own waits, stops the command, and exits 3."""
    user = "outage3"
    lesson = tmp_path / "long.md"
    lesson.write_text(LONG_COMMAND)
    with SpareApiserver(free_port(), tmp_path) as spare:
        args = ["run", str(lesson), "--user", user, "-n", namespace, "--kubeconfig", str(spare.kubeconfig)]
        env = {k: v for k, v in kube_env().items() if k != "KUBECONFIG"}
        run = start_tutorial(*args, "--outage-timeout", "8", env=env)
        wait_until(
            lambda: (
                "Running"
                in kubectl("-n", namespace, "get", "pod", f"stay-{user}", "-o", "jsonpath={.status.phase}", check=False).stdout
            ),
            120,
            "the pod runs, so the run is at the tutorial's `kubectl wait`",
        )
        time.sleep(3)
        assert run.poll() is None, run.communicate(timeout=60)
        spare.kill()
        t0 = time.monotonic()
        out, err = run.communicate(timeout=200)
        gave_up_after = time.monotonic() - t0
    assert run.returncode == 3, out + err
    assert not crashed(err) and "Traceback" not in err, err
    assert gave_up_after < 8 + 60, gave_up_after  # not the command's own 250 s
    kubectl("-n", namespace, "delete", "pod", f"stay-{user}", "--wait=false", check=False)


def test_a_board_recovers_from_an_api_server_restart_without_a_restart(kube_api, namespace, tmp_path):
    port = free_port()
    with SpareApiserver(free_port(), tmp_path) as spare:
        env_args = ["--kubeconfig", str(spare.kubeconfig)]
        board = WebBoard(
            ["grade", "storage", "--users", "bo1", "-n", namespace, "--profile", "local", *env_args, "--outage-timeout", "90"],
            port,
        )
        try:
            wait_until(board.state, 120, "the web board answers")
            spare.kill()
            wait_until(
                lambda: "cluster unreachable since" in ((board.state() or {}).get("board", {}).get("status") or ""),
                60,
                "the board shows the outage",
            )
            time.sleep(10)
            spare.start()
            kubectl("-n", namespace, "create", "-f", "-", input=manifests("bo1")["pvc.yaml"])
            kubectl("-n", namespace, "wait", "--for=jsonpath={.status.phase}=Bound", "pvc/vol-bo1", "--timeout=300s")
            wait_until(lambda: board.scores().get("bo1", 0) >= 2, 90, "the board sees the claim after the outage")
            assert (board.state() or {})["board"]["status"] is None
            assert board.proc.poll() is None, "the board kept running"
        finally:
            code, out, err = board.stop()
            kubectl("-n", namespace, "delete", "pvc", "vol-bo1", "--ignore-not-found", "--wait=true", check=False)
    assert code == 0 and not crashed(err), err
    assert "cluster unreachable since" in out and "cluster reachable again" in out, out  # the board's log lines
