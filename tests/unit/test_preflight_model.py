"""What preflight reads from a lesson without a cluster: one participant's peak of each quota resource, and the rights."""

from __future__ import annotations

from runner.effects import Effects
from runner.lesson.catalog import Catalog
from runner.lesson.parser import parse_file
from runner.lesson.render import render
from runner.preflight.items import FAIL, OK, Item, Preflight
from runner.preflight.rights import needed
from runner.preflight.usage import ContainerDefaults, object_amounts, peaks
from runner.report.preflight import to_markdown, to_text

DEFAULTS = ContainerDefaults.from_limit_ranges(
    [
        {
            "spec": {
                "limits": [{"type": "Container", "defaultRequest": {"cpu": "50m"}, "default": {"cpu": "200m", "memory": "128Mi"}}]
            }
        }
    ]
)


def storage() -> Effects:
    path = Catalog.with_folders(()).resolve("storage")
    return Effects(render(parse_file(path), {"username": "bob", "storage-class": "rook-cephfs"}).lesson)


def test_the_storage_lessons_peak():
    p = peaks(storage(), DEFAULTS)
    assert (p["persistentvolumeclaims"].amount, p["persistentvolumeclaims"].line) == (1, 125)
    assert p["rook-cephfs.storageclass.storage.k8s.io/requests.storage"].amount == 2**30
    assert (p["pods"].amount, p["pods"].line) == (4, 173)  # the Job's 4 parallel workers, while the Job exists
    assert p["count/jobs.batch"].amount == 1  # run twice, deleted in between: never two at once


def test_objects_count_what_they_hold():
    pod = {"spec": {"containers": [{"name": "a"}, {"name": "b", "resources": {"requests": {"cpu": "1"}}}]}}
    amounts = object_amounts("Pod", pod, DEFAULTS)
    assert amounts["requests.cpu"] == 1.05 and amounts["limits.memory"] == 2 * 128 * 2**20  # defaults fill the gaps
    assert amounts["requests.memory"] == 2 * 128 * 2**20  # no request: the limit is the request, as admission does
    deploy = {"spec": {"replicas": 3, "template": {"spec": {"containers": [{"resources": {"requests": {"memory": "1Gi"}}}]}}}}
    assert object_amounts("Deployment", deploy, ContainerDefaults())["requests.memory"] == 3 * 2**30
    assert object_amounts("Deployment", deploy, ContainerDefaults())["count/deployments.apps"] == 1
    sts = {
        "spec": {
            "replicas": 2,
            "template": {"spec": {"containers": [{}]}},
            "volumeClaimTemplates": [{"spec": {"storageClassName": "fast", "resources": {"requests": {"storage": "5Gi"}}}}],
        }
    }
    amounts = object_amounts("StatefulSet", sts, ContainerDefaults())
    assert amounts["persistentvolumeclaims"] == 2 and amounts["fast.storageclass.storage.k8s.io/requests.storage"] == 10 * 2**30
    cron = {"spec": {"jobTemplate": {"spec": {"template": {"spec": {"containers": [{}]}}}}}}
    assert "pods" not in object_amounts("CronJob", cron, ContainerDefaults())  # nothing runs until it fires
    assert object_amounts("Pod", None, DEFAULTS)["requests.cpu"] == 0.05  # `kubectl run`: the defaults


def test_the_rights_the_storage_lesson_needs():
    rights = {(r.verb, r.kind): r for r in needed(storage())}
    assert rights[("create", "pods/exec")].line == 90 and rights[("get", "pods/log")]
    assert rights[("create", "PersistentVolumeClaim")].line == 125 and rights[("patch", "Job")]
    assert ("create", "Lease") in rights and ("list", "CronJob") in rights  # the runner's own: its lease, its sweep


def test_text_shows_what_fails_and_sums_up_what_holds():
    items = (
        Item("rights", OK, "create pods", "kubectl create -f s1.yaml", 75),
        Item("rights", FAIL, "create pods/exec", "not allowed; needed: kubectl exec", 90),
        Item("capacity", FAIL, "persistentvolumeclaims", "4 participants need 4 …: at most 2 participants at once", 125),
    )
    p = Preflight("storage", "lessons/storage.md", "ws", 4, "student", items, 2, "persistentvolumeclaims: quota workshop")
    text = to_text(p)
    assert "✓ 1 rights hold: create pods" in text and "✗ create pods/exec (line 90): not allowed" in text
    assert text.splitlines()[-1].startswith("storage: does not hold for 4 participants; the namespace holds at most 2")
    assert "| ✗ | capacity | persistentvolumeclaims | 125 |" in to_markdown(p) and not p.holds


def test_an_image_counts_as_pulled_once_the_container_got_past_it():
    from runner.preflight.probe import pulled

    def pod(state: dict) -> dict:
        return {"status": {"phase": "Pending", "containerStatuses": [{"name": "probe", "state": state}]}}

    assert not pulled(None).done and not pulled({"status": {"phase": "Pending"}}).done
    assert not pulled(pod({"waiting": {"reason": "ContainerCreating"}})).done
    assert pulled(pod({"terminated": {"exitCode": 0, "reason": "Completed"}})).done
    assert pulled(pod({"waiting": {"reason": "CreateContainerConfigError", "message": "runAsNonRoot"}})).done
    refused = pulled(pod({"waiting": {"reason": "ErrImagePull", "message": "pull access denied for nvcr.io/x"}}))
    assert not refused.done and refused.failure and refused.failure.startswith("ErrImagePull: pull access denied")
