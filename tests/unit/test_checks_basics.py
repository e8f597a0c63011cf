"""Basics checks, and the small fake of OUR probe interface the lesson-check tests share.

The fake answers `get/list/wait/running_pod/exec/logs/pods_of_job/read_claim`
from recorded objects and recorded tool output (taken from runs on the local
cluster and from real systems); it is not a mock of the Kubernetes API.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from checks.basics import job_state, pod_exec_output, pod_logs_contain, pod_running, resolve_job
from runner.kube.errors import NotFound, Timeout
from runner.kube.exec import ExecResult
from runner.kube.wait import WaitFailed


@dataclass
class FakeProbe:
    objects: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    job_pods: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    pod_logs: dict[tuple[str, str | None], str] = field(default_factory=dict)
    on_exec: Callable[[str, str, str | None], ExecResult] | None = None
    claim_output: str = ""
    simulated_gpu: bool = False
    namespace: str = "default"
    execs: list[str] = field(default_factory=list)

    def get(self, kind, name):
        return self.objects.get((kind, name))

    def list(self, kind, label_selector=None):
        return [o for (k, _n), o in self.objects.items() if k == kind]

    def wait(self, kind, name, condition, timeout=120):
        obj = self.get(kind, name)
        if obj is None:
            raise Timeout(f"{kind.lower()}/{name} not created after {timeout}s")
        if kind == "Job":
            state, line = job_state(obj)
            if state == "failed":
                raise WaitFailed(f"job/{name} {line}")
            if state != "complete":
                raise Timeout(f"job/{name} not complete ({line})")
        if kind == "Pod" and (obj.get("status") or {}).get("phase") not in ("Running", "Succeeded"):
            raise Timeout(f"pod/{name} not ready (phase {(obj.get('status') or {}).get('phase')})")
        return obj

    def running_pod(self, name, timeout=120):
        pod = self.get("Pod", name)
        if pod is not None and (pod.get("status") or {}).get("phase") == "Running":
            return name
        running = [p for p in self.job_pods.get(name, []) if (p.get("status") or {}).get("phase") == "Running"]
        if running:
            return running[-1]["metadata"]["name"]
        raise NotFound(f"no running pod {name}")

    def pods_of_job(self, job):
        return list(self.job_pods.get(job, []))

    def exec(self, pod, command, container=None, timeout=120):
        self.execs.append(command)
        if self.on_exec is None:
            return ExecResult(command, "", "no exec recorded", 1)
        return self.on_exec(pod, command, container)

    def logs(self, pod, container=None, tail=None):
        for key in ((pod, container), (pod, None)):
            if key in self.pod_logs:
                return self.pod_logs[key]
        raise NotFound(f"pod/{pod} has no log (container {container})")

    def read_claim(self, claim, command, timeout=120):
        return ExecResult(command, self.claim_output, "", 0)


def pod(
    name: str,
    phase: str = "Running",
    containers=None,
    init_statuses=(),
    statuses=(),
    labels=None,
    annotations=None,
    node: str = "tutorial-node",
    start: str = "2026-11-29T10:15:26Z",
    volumes=(),
) -> dict[str, Any]:
    return {
        "metadata": {"name": name, "labels": labels or {}, "annotations": annotations or {}, "creationTimestamp": start},
        "spec": {
            "nodeName": node,
            "containers": containers or [{"name": "main", "resources": {"requests": {"cpu": "10m"}, "limits": {"cpu": "100m"}}}],
            "volumes": list(volumes),
        },
        "status": {
            "phase": phase,
            "startTime": start,
            "initContainerStatuses": list(init_statuses),
            "containerStatuses": list(statuses),
            "podIP": "10.244.0.17",
        },
    }


def job(
    name: str,
    state: str = "complete",
    completions: int = 1,
    containers=None,
    init_containers=None,
    generate_name=None,
    spec_extra=None,
    created: str = "2026-11-29T10:16:00Z",
) -> dict[str, Any]:
    conds = {
        "complete": [{"type": "Complete", "status": "True"}],
        "failed": [
            {
                "type": "Failed",
                "status": "True",
                "reason": "BackoffLimitExceeded",
                "message": "Job has reached the specified backoff limit",
            }
        ],
        "running": [],
    }[state]
    meta = {"name": name, "creationTimestamp": created}
    if generate_name:
        meta["generateName"] = generate_name
    return {
        "metadata": meta,
        "spec": {
            "completions": completions,
            **(spec_extra or {}),
            "template": {"spec": {"containers": containers or [{"name": "main"}], "initContainers": init_containers or []}},
        },
        "status": {
            "conditions": conds,
            "succeeded": completions if state == "complete" else 0,
            "failed": 1 if state == "failed" else 0,
        },
    }


def terminated(name: str, code: int = 0) -> dict[str, Any]:
    return {
        "name": name,
        "restartCount": 0,
        "state": {"terminated": {"exitCode": code, "reason": "Completed" if code == 0 else "Error"}},
    }


# ------------------------------------------------------------------------- the basics lesson's checks

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
