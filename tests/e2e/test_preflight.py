"""`tutorial preflight` on a namespace set up like a production one: a quota, limit-range defaults, Pod Security, a Role.

The local cluster's own admission answers (the dry runs are real); the
participant is a ServiceAccount bound to the documented Role
(docs/ci/runner-role.yaml), impersonated with --as. Nothing is created.
"""

from __future__ import annotations

import json

import pytest
import yaml
from boards import REPO, kubectl, tutorial

pytestmark = pytest.mark.e2e
K = 2  # participants the quota is sized for: the storage lesson holds one claim per participant at its peak


@pytest.fixture
def own_namespace(kube_api):
    """A namespace of its own: its quota, limit range and Pod Security label must not reach the other tests' one."""
    import uuid

    name = f"pf-{uuid.uuid4().hex[:6]}"
    kubectl("create", "namespace", name)
    yield name
    kubectl("delete", "namespace", name, "--wait=false", check=False)


def _setup(namespace: str, role_rules: list | None = None, sa: str = "student") -> str:
    role = yaml.safe_load((REPO / "docs" / "ci" / "runner-role.yaml").read_text())
    role["metadata"] = {"name": f"{sa}-role", "namespace": namespace}
    if role_rules is not None:
        role["rules"] = role_rules
    docs = [
        {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": sa, "namespace": namespace}},
        role,
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "RoleBinding",
            "metadata": {"name": f"{sa}-binding", "namespace": namespace},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": f"{sa}-role"},
            "subjects": [{"kind": "ServiceAccount", "name": sa, "namespace": namespace}],
        },
    ]
    kubectl("apply", "-f", "-", input=yaml.safe_dump_all(docs))
    return f"system:serviceaccount:{namespace}:{sa}"


def _objects(namespace: str) -> str:
    return kubectl("-n", namespace, "get", "pods,pvc,jobs,configmaps", "-o", "name").stdout


def _preflight(namespace: str, n: int, *extra: str) -> tuple[int, dict]:
    res = tutorial(
        "preflight", "storage", "-n", namespace, "--profile", "local", "--participants", str(n), "--format", "json", *extra
    )
    assert res.returncode in (0, 1), res.stdout + res.stderr
    return res.returncode, json.loads(res.stdout)


def _failing(data: dict, area: str) -> list[dict]:
    return [i for i in data["items"] if i["area"] == area and i["status"] == "fail"]


def test_preflight_on_a_production_like_namespace(own_namespace):
    namespace = own_namespace
    quota = {
        "apiVersion": "v1",
        "kind": "ResourceQuota",
        "metadata": {"name": "workshop"},
        "spec": {"hard": {"persistentvolumeclaims": str(K), "requests.storage": f"{K}Gi", "pods": "40"}},
    }
    limits = {
        "apiVersion": "v1",
        "kind": "LimitRange",
        "metadata": {"name": "defaults"},
        "spec": {
            "limits": [
                {
                    "type": "Container",
                    "defaultRequest": {"cpu": "50m", "memory": "64Mi"},
                    "default": {"cpu": "200m", "memory": "128Mi"},
                }
            ]
        },
    }
    kubectl("-n", namespace, "apply", "-f", "-", input=yaml.safe_dump_all([quota, limits]))
    student = _setup(namespace)
    before = _objects(namespace)

    # room for K: K + 2 participants do not fit, and the quota's line says why
    code, data = _preflight(namespace, K + 2, "--as", student)
    assert code == 1 and data["at_most"] == K and "quota workshop" in data["limit"], data
    claims = next(i for i in data["items"] if i["what"] == "persistentvolumeclaims")
    assert claims["status"] == "fail" and f"at most {K} participants at once" in claims["evidence"] and claims["line"] == 125
    assert _failing(data, "rights") == [] and _failing(data, "admission") == []  # the documented Role is enough
    grading = [i for i in data["items"] if i["area"] == "grading"]  # the instructor's own rights, asked apart
    assert {"create pods/exec", "list events", "create pods"} <= {i["what"] for i in grading}
    assert all(i["status"] == "ok" for i in grading), grading
    code, data = _preflight(namespace, K, "--as", student)
    assert code == 0 and data["holds"], data
    assert _objects(namespace) == before  # dry runs only: nothing was made

    # Pod Security `restricted`: every manifest whose pods admission would reject, at its line, in the server's words
    kubectl("label", "namespace", namespace, "pod-security.kubernetes.io/enforce=restricted", "--overwrite")
    code, data = _preflight(namespace, 1, "--as", student)
    rejected = {i["line"]: i["evidence"] for i in _failing(data, "admission") if i["line"]}
    assert code == 1 and set(rejected) == {39, 140}, rejected  # the pod s1 and the Job s3's pods
    level = next(i for i in data["items"] if i["what"] == "Pod Security")
    assert level["status"] == "fail" and "enforces restricted; the lesson's pods need baseline" in level["evidence"]
    assert all('PodSecurity "restricted:latest"' in e for e in rejected.values()), rejected
    kubectl("label", "namespace", namespace, "pod-security.kubernetes.io/enforce=baseline", "--overwrite")
    code, data = _preflight(namespace, 1, "--as", student)
    assert code == 0 and _failing(data, "admission") == [], data
    assert _objects(namespace) == before


def test_preflight_names_the_rights_a_role_lacks(own_namespace):
    namespace = own_namespace
    role = yaml.safe_load((REPO / "docs" / "ci" / "runner-role.yaml").read_text())
    rules = [
        r
        for r in role["rules"]
        if r["resources"] != ["pods/exec"] and "leases" not in r["resources"]  # the two a hand-made Role forgets
    ]
    limited = _setup(namespace, rules, sa="limited")
    code, data = _preflight(namespace, 1, "--as", limited)
    lacking = {i["what"] for i in _failing(data, "rights")}
    assert code == 1
    assert "create pods/exec" in lacking and "create leases.coordination.k8s.io" in lacking, lacking
    assert not any(w.startswith(("create pods ", "create persistentvolumeclaims")) for w in lacking)
    res = tutorial("preflight", "storage", "-n", namespace, "--profile", "local", "--participants", "1", "--as", limited)
    assert "✗ create pods/exec (line 90): not allowed" in res.stdout, res.stdout


def test_rehearse_fills_the_quota_and_says_who_did_not_fit(own_namespace, tmp_path):
    namespace = own_namespace
    quota = {
        "apiVersion": "v1",
        "kind": "ResourceQuota",
        "metadata": {"name": "workshop"},
        "spec": {"hard": {"persistentvolumeclaims": str(K)}},
    }
    limits = {
        "apiVersion": "v1",
        "kind": "LimitRange",
        "metadata": {"name": "defaults"},
        "spec": {"limits": [{"type": "Container", "defaultRequest": {"cpu": "50m", "memory": "64Mi"}}]},
    }
    kubectl("-n", namespace, "apply", "-f", "-", input=yaml.safe_dump_all([quota, limits]))
    kubectl("label", "namespace", namespace, "pod-security.kubernetes.io/enforce=baseline", "--overwrite")
    out = tmp_path / "rehearsal.json"
    res = tutorial(
        "rehearse", "storage", "-n", namespace, "--profile", "local", "--participants", str(K + 2), "-o", str(out), timeout=1200
    )
    assert res.returncode == 1, res.stdout + res.stderr  # not everyone passed
    data = json.loads(out.read_text())
    assert data["passed"] == K and data["causes"] == {"quota exceeded": data["causes"]["quota exceeded"]}, data
    assert len(data["causes"]["quota exceeded"]) == 2
    assert data["predicted_at_most"] == K and data["peaks"]["claims"] == K
    failed = [p for p in data["participants_detail"] if p["status"] != "passed"]
    assert all(p["first_failure"]["line"] == 125 and "exceeded quota" in p["first_failure"]["message"] for p in failed)
    assert "failed for quota exceeded: 2" in res.stdout and "the prediction held" in res.stdout
    assert data["checks"]["pvc-bound"]["n"] == K
    left = kubectl("-n", namespace, "get", "pods,pvc,jobs,leases", "-l", "tutorial-runner.io/lesson=storage", "-o", "name")
    assert left.stdout.strip() == "", left.stdout  # every participant cleaned up


def test_probe_pulls_each_image_binds_a_claim_and_leaves_nothing(own_namespace, tmp_path):
    namespace = own_namespace
    code, data = _preflight(namespace, 1, "--probe")
    assert code == 0 and data["probed"], data
    image = next(i for i in data["items"] if i["area"] == "images")
    claim = next(i for i in data["items"] if i["what"] == "a claim of rook-cephfs")
    assert image["status"] == "ok" and "pulled on a node in" in image["evidence"] and image["line"] == 39
    assert claim["status"] == "ok" and claim["evidence"].startswith("ReadWriteMany: bound in")
    # an image nobody serves here: the probe says so at the manifest's line
    lesson = tmp_path / "far.md"
    lesson.write_text(
        "---\nid: far\n---\n# Far\n\n```yaml\napiVersion: v1\nkind: Pod\nmetadata:\n  name: far-<username>\nspec:\n"
        "  containers:\n  - name: main\n    image: registry.invalid/nothing/here:1\n```\n"
    )
    res = tutorial("preflight", str(lesson), "-n", namespace, "--participants", "1", "--probe", "--format", "json")
    far = json.loads(res.stdout)
    pull = next(i for i in far["items"] if i["area"] == "images")
    assert res.returncode == 1 and pull["status"] == "fail" and pull["line"] == 7, far  # the manifest, line 7
    assert "ErrImagePull" in pull["evidence"] or "ImagePullBackOff" in pull["evidence"], pull
    left = kubectl("-n", namespace, "get", "pods,pvc", "-o", "name").stdout.strip()
    assert left == "", left


def test_gpus_are_held_against_the_nodes(own_namespace):
    from kubernetes import client

    from runner.cluster import kube

    nodes = client.CoreV1Api(kube.api()).list_node().items
    gpus = sum(int((n.status.allocatable or {}).get("nvidia.com/gpu", 0)) for n in nodes)
    if not gpus:
        pytest.fail("the local cluster's node offers no nvidia.com/gpu (its device plugin stand-in)", pytrace=False)
    # without the local profile, the gpu lesson's pods ask for the node's GPUs (the profile simulates them instead)
    res = tutorial("preflight", "gpu", "-n", own_namespace, "--participants", str(gpus), "--format", "json")
    data = json.loads(res.stdout)
    item = next(i for i in data["items"] if i["what"] == "nodes' nvidia.com/gpu")
    assert res.returncode == 1 and item["status"] == "fail", item  # each participant's sweep wants more than one GPU
    assert f"the nodes can give {gpus} in all" in item["evidence"] and "at most" in item["evidence"], item
    assert item["line"] == 130, item  # the Indexed Job's line: where one participant holds the most GPUs


def test_a_rehearsal_is_seen_on_a_board_and_ctrl_c_cleans_up_every_participant(own_namespace, tmp_path):
    import signal
    import time

    from boards import WebBoard, free_port, start_tutorial, wait_until

    namespace = own_namespace
    board = WebBoard(["grade", "storage", "--users", "rehearse-1,rehearse-2", "-n", namespace, "--profile", "local"], free_port())
    try:
        wait_until(board.state, 120, "the board answers")
        res = tutorial("rehearse", "storage", "-n", namespace, "--profile", "local", "--participants", "2", "--no-preflight")
        assert res.returncode == 0, res.stdout + res.stderr
        wait_until(lambda: board.scores() == {"rehearse-1": 11, "rehearse-2": 11}, 60, "the board shows the rehearsal")
    finally:
        board.stop()
    # Ctrl-C in the middle: every participant stops and cleans up, exit 130
    proc = start_tutorial("rehearse", "storage", "-n", namespace, "--profile", "local", "--participants", "2", "--no-preflight")
    labelled = ("-l", "tutorial-runner.io/lesson=storage", "-o", "name")
    wait_until(lambda: kubectl("-n", namespace, "get", "pods", *labelled).stdout.strip(), 120, "the rehearsal made pods")
    time.sleep(1)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=180)
    assert proc.returncode == 130, out + err
    assert "interrupted" in out and "Traceback" not in err, out + err
    left = kubectl("-n", namespace, "get", "pods,pvc,jobs,leases", *labelled).stdout.strip()
    assert left == "", left
