"""Basics checks (the shared fake probe is in check_support.py)."""

from __future__ import annotations

from check_support import FakeProbe, job, pod, terminated  # noqa: F401

from checks.basics import pod_exec_output, pod_logs_contain, pod_running, resolve_job
from runner.kube.exec import ExecResult

HELLO_LOG = "hello from hello-bob\n"  # recorded: `kubectl logs hello-eng6a` on the local cluster


def test_pod_running_passes_with_resources_and_names_the_node():
    p = FakeProbe(
        objects={("Pod", "hello-bob"): pod("hello-bob", statuses=[{"name": "main", "state": {"running": {}}, "restartCount": 0}])}
    )
    r = pod_running(probe=p, args={"pod": "hello-bob"})
    assert r.status == "passed" and "tutorial-node" in r.summary


def test_pod_running_without_limits_fails_with_a_hint_about_resources():
    bare = pod("hello-bob", containers=[{"name": "main", "resources": {}}])
    r = pod_running(probe=FakeProbe(objects={("Pod", "hello-bob"): bare}), args={"pod": "hello-bob"})
    assert r.status == "failed" and "resources" in r.hint


def test_pod_running_pending_points_at_describe():
    pending = pod("hello-bob", phase="Pending", statuses=[{"name": "main", "state": {"waiting": {"reason": "ImagePullBackOff"}}}])
    r = pod_running(probe=FakeProbe(objects={("Pod", "hello-bob"): pending}), args={"pod": "hello-bob", "timeout": "1"})
    assert r.status == "failed" and "describe" in r.hint
    assert any("ImagePullBackOff" in l for l in r.evidence[0].lines)
    missing = pod_running(probe=FakeProbe(), args={"pod": "hello-bob", "timeout": "1"})
    assert missing.status == "failed" and "no pod" in missing.summary


def test_pod_logs_contain_passes_and_fails():
    p = FakeProbe(pod_logs={("hello-bob", None): HELLO_LOG})
    assert pod_logs_contain(probe=p, args={"pod": "hello-bob", "text": "hello from hello-bob"}).status == "passed"
    r = pod_logs_contain(probe=p, args={"pod": "hello-bob", "text": "goodbye"})
    assert r.status == "failed" and "command" in r.hint
    gone = pod_logs_contain(probe=FakeProbe(), args={"pod": "hello-bob", "text": "hello"})
    assert gone.status == "failed" and "exist" in gone.hint


def test_pod_exec_output_checks_what_the_command_printed():
    p = FakeProbe(
        objects={("Pod", "hello-bob"): pod("hello-bob")}, on_exec=lambda pod, cmd, c: ExecResult(cmd, "hello-bob\n", "", 0)
    )
    assert pod_exec_output(probe=p, args={"pod": "hello-bob", "command": "hostname", "expect": "hello-bob"}).status == "passed"
    wrong = pod_exec_output(probe=p, args={"pod": "hello-bob", "command": "hostname", "expect": "other"})
    assert wrong.status == "failed"
    dead = pod_exec_output(probe=FakeProbe(), args={"pod": "hello-bob", "command": "hostname", "expect": "x"})
    assert dead.status == "failed" and "running pod" in dead.hint


def test_resolve_job_finds_the_newest_generated_job_in_grade_mode():
    p = FakeProbe(
        objects={
            ("Job", "wf-load-bob-aaaaa"): job("wf-load-bob-aaaaa", generate_name="wf-load-bob-", created="2026-11-29T10:00:00Z"),
            ("Job", "wf-load-bob-bbbbb"): job("wf-load-bob-bbbbb", generate_name="wf-load-bob-", created="2026-11-29T10:05:00Z"),
            ("Job", "wf-load-alice-ccccc"): job("wf-load-alice-ccccc", generate_name="wf-load-alice-"),
        }
    )
    name, ev, shown = resolve_job(p, {"generate-name": "wf-load-bob-"}, mode="grade")
    assert name == "wf-load-bob-bbbbb" and shown == "wf-load-bob-*"
    assert "wf-load-alice-ccccc" not in ev.lines


def _deployment(available: int, image: str = "nginx:1.27", replicas: int = 3) -> dict:
    """As `kubectl get deployment -o yaml` shows one (recorded on the local cluster, trimmed)."""
    return {
        "kind": "Deployment",
        "metadata": {"name": "web-bob"},
        "spec": {"replicas": replicas, "template": {"spec": {"containers": [{"name": "nginx", "image": image}]}}},
        "status": {
            "replicas": replicas,
            "availableReplicas": available,
            "updatedReplicas": available,
            "readyReplicas": available,
        },
    }


def test_deployment_ready_counts_available_replicas_and_the_image():
    from checks.basics import deployment_ready

    ok = deployment_ready(probe=FakeProbe(objects={("Deployment", "web-bob"): _deployment(3)}), args={"deployment": "web-bob"})
    assert ok.status == "passed" and "3 of 3" in ok.summary
    short = deployment_ready(probe=FakeProbe(objects={("Deployment", "web-bob"): _deployment(1)}), args={"deployment": "web-bob"})
    assert short.status == "failed" and "1 of 3" in short.summary and "rollout status" in short.hint
    old = FakeProbe(objects={("Deployment", "web-bob"): _deployment(3, "nginx:1.26")})
    stale = deployment_ready(probe=old, args={"deployment": "web-bob", "image": "nginx:1.27"})
    assert stale.status == "failed" and "not nginx:1.27" in stale.summary
    assert deployment_ready(probe=FakeProbe(), args={"deployment": "web-bob"}).status == "failed"
    assert deployment_ready(probe=FakeProbe(), args={"deployment": "web-bob", "replicas": "three"}).status == "error"
