"""Waits that cannot succeed fail at once, with the reason; the deadline is only the upper bound.

Pod and Job objects here have the shape the API server returns (status
conditions, container states) for the situations measured on the local
cluster: a pod that cannot be scheduled, an image that cannot be pulled, a
crash loop, an init container that cannot clone, a failed Job.
"""

from __future__ import annotations

from runner.kube.wait import Stuck, job_complete_watching_pods, pod_condition


def pod(name="p", phase="Pending", scheduled=None, containers=(), inits=()):
    conditions = []
    if scheduled is not None:
        conditions.append({"type": "PodScheduled", "status": "False", "reason": "Unschedulable", "message": scheduled})
    return {
        "metadata": {"name": name},
        "status": {
            "phase": phase,
            "conditions": conditions,
            "containerStatuses": list(containers),
            "initContainerStatuses": list(inits),
        },
    }


def waiting(name, reason, message=""):
    return {"name": name, "restartCount": 0, "state": {"waiting": {"reason": reason, "message": message}}}


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def test_unschedulable_unchanged_for_30s_fails_a_changed_message_starts_again():
    clock = Clock()
    check = pod_condition("ready", Stuck(30, clock))
    msg = "0/1 nodes are available: 1 Insufficient cpu."
    assert check(pod(scheduled=msg)).failure is None
    clock.now += 29
    assert check(pod(scheduled=msg)).failure is None
    clock.now += 2
    out = check(pod(scheduled=msg))
    assert out.failure == f"pod/p is Unschedulable, unchanged for 30s: {msg}" and not out.done
    other = pod_condition("ready", Stuck(30, clock))
    other(pod(scheduled=msg))
    clock.now += 20
    assert other(pod(scheduled="0/1 nodes are available: 1 Insufficient memory.")).failure is None  # it changed
    clock.now += 20
    assert other(pod(scheduled="0/1 nodes are available: 1 Insufficient memory.")).failure is None


def test_image_and_crash_loop_fail_at_once():
    for reason in ("ImagePullBackOff", "ErrImagePull", "InvalidImageName", "CrashLoopBackOff"):
        out = pod_condition("ready")(pod(containers=[waiting("main", reason, "back-off")]))
        assert out.failure == f"container main of pod/p is {reason}: back-off"


def test_an_init_container_that_failed_twice():
    init = {
        "name": "clone",
        "restartCount": 2,
        "state": {"waiting": {"reason": "PodInitializing"}},
        "lastState": {"terminated": {"exitCode": 128, "reason": "Error"}},
    }
    out = pod_condition("ready")(pod(inits=[init]))
    assert out.failure == "init container clone of pod/p has failed 2 times (exit 128, Error)"
    once = dict(init, restartCount=1)
    assert pod_condition("ready")(pod(inits=[once])).failure is None


def job(failed=0, conditions=()):
    return {
        "metadata": {"name": "j"},
        "spec": {"completions": 1},
        "status": {"failed": failed, "active": 1, "conditions": list(conditions)},
    }


def test_a_job_fails_fast_on_its_pods():
    pulls = [pod("j-abc", containers=[waiting("main", "ImagePullBackOff", "nvcr.io unreachable")])]
    out = job_complete_watching_pods(lambda: pulls)(job())
    assert out.failure == "container main of pod/j-abc is ImagePullBackOff: nvcr.io unreachable"
    init_failed = {"name": "clone", "restartCount": 0, "state": {"terminated": {"exitCode": 128}}}
    one = [pod("j-1", phase="Failed", inits=[init_failed])]
    assert job_complete_watching_pods(lambda: one)(job(failed=1)).failure is None  # the Job retries: once is bad luck
    two = one + [pod("j-2", phase="Failed", inits=[init_failed])]
    assert job_complete_watching_pods(lambda: two)(job(failed=2)).failure == (
        "init container clone of pod/j-2 failed (exit 128), in 2 pods of the Job"
    )
    failed = job(conditions=[{"type": "Failed", "status": "True", "reason": "BackoffLimitExceeded", "message": "6 retries"}])
    assert job_complete_watching_pods(lambda: [])(failed).failure == "job failed: BackoffLimitExceeded 6 retries"


def test_a_running_job_with_healthy_pods_is_simply_not_done():
    running = [pod("j-abc", phase="Running", containers=[{"name": "main", "state": {"running": {}}}])]
    out = job_complete_watching_pods(lambda: running)(job())
    assert not out.done and out.failure is None


def test_a_failed_pod_has_finished_but_is_not_ready():
    failed = {"metadata": {"name": "dns-test"}, "status": {"phase": "Failed"}}
    assert pod_condition("finished")(failed).done
    assert pod_condition("terminated")(failed).done
    ready = pod_condition("ready")(failed)
    assert not ready.done and ready.failure is not None and ready.failure.startswith("pod failed")


def test_a_pod_that_ran_once_and_restarts_has_run():
    looping = {
        "metadata": {"name": "echo"},
        "status": {
            "phase": "Running",
            "containerStatuses": [
                {
                    "name": "echo",
                    "state": {"waiting": {"reason": "CrashLoopBackOff"}},
                    "lastState": {"terminated": {"exitCode": 0, "reason": "Completed"}},
                    "restartCount": 3,
                }
            ],
        },
    }
    assert pod_condition("ran")(looping).done
    assert not pod_condition("ready")(looping).done
    pulling = {
        "metadata": {"name": "echo"},
        "status": {
            "phase": "Pending",
            "containerStatuses": [{"name": "echo", "state": {"waiting": {"reason": "ContainerCreating"}}}],
        },
    }
    assert not pod_condition("ran")(pulling).done
