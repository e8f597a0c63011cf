"""The minimal namespaced Role of docs/ci/runner-role.yaml is enough, and a missing rule is one clear line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from runner.cli.main import crashed

pytestmark = pytest.mark.e2e
REPO = Path(__file__).resolve().parents[2]
ROLE = REPO / "docs" / "ci" / "runner-role.yaml"


def _service_account_kubeconfig(kube_api, namespace: str, role: dict, name: str, tmp_path: Path) -> Path:
    from kubernetes import client

    from runner.cluster import paths

    core, rbac = client.CoreV1Api(kube_api), client.RbacAuthorizationV1Api(kube_api)
    core.create_namespaced_service_account(namespace, client.V1ServiceAccount(metadata=client.V1ObjectMeta(name=name)))
    role = {**role, "metadata": {"name": name}}
    rbac.create_namespaced_role(namespace, role)
    rbac.create_namespaced_role_binding(
        namespace,
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "RoleBinding",
            "metadata": {"name": name},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": name},
            "subjects": [{"kind": "ServiceAccount", "name": name, "namespace": namespace}],
        },
    )
    token = core.create_namespaced_service_account_token(
        name,
        namespace,
        client.AuthenticationV1TokenRequest(spec=client.V1TokenRequestSpec(audiences=[], expiration_seconds=3600)),
    ).status.token
    admin = yaml.safe_load(Path(paths.admin_kubeconfig()).read_text())
    cluster = admin["clusters"][0]
    cfg = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [cluster],
        "users": [{"name": name, "user": {"token": token}}],
        "contexts": [{"name": name, "context": {"cluster": cluster["name"], "user": name, "namespace": namespace}}],
        "current-context": name,
    }
    path = tmp_path / f"{name}.kubeconfig"
    path.write_text(yaml.safe_dump(cfg))
    return path


def _run(path: Path, lesson: str, user: str) -> subprocess.CompletedProcess:
    from runner.cluster import paths

    env = {**os.environ, "KUBECONFIG": str(path), "PATH": f"{paths.k8s_bin_dir()}:{os.environ['PATH']}"}
    return subprocess.run(
        [sys.executable, "-m", "runner.cli", "run", lesson, "--user", user, "--profile", "local", "--format", "json"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        stdin=subprocess.DEVNULL,
    )


def test_the_documented_role_is_enough(kube_api, namespace, tmp_path):
    role = yaml.safe_load(ROLE.read_text())
    path = _service_account_kubeconfig(kube_api, namespace, role, "lessons-ci", tmp_path)
    res = _run(path, "storage", "rbac-ok")
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-1000:]
    report = json.loads(res.stdout)
    assert report["status"] == "passed" and report["namespace"] == namespace
    from kubernetes import client

    leases = client.CoordinationV1Api(kube_api).list_namespaced_lease(namespace, label_selector="tutorial-runner.io/user=rbac-ok")
    assert leases.items == [], "the run releases its lease"


def test_a_missing_rule_is_one_clear_line(kube_api, namespace, tmp_path):
    role = yaml.safe_load(ROLE.read_text())
    # drop pods/exec: the lesson's `kubectl exec` and the checks need it
    role["rules"] = [r for r in role["rules"] if "pods/exec" not in r["resources"]]
    path = _service_account_kubeconfig(kube_api, namespace, role, "no-exec", tmp_path)
    res = _run(path, "storage", "rbac-no")
    assert res.returncode in (1, 3), res.stdout[-2000:] + res.stderr[-2000:]
    assert not crashed(res.stdout + res.stderr)
    report = json.loads(res.stdout)
    failed = [s for s in report["steps"] if s["status"] in ("failed", "error")]
    assert failed and "forbidden" in failed[0]["message"].lower()
    assert failed[0]["message"].startswith(str(REPO / "lessons" / "storage.md") + ":")


def test_a_role_without_leases_stops_before_anything_is_made(kube_api, namespace, tmp_path):
    """The run's lease is the first thing a run writes: without the right, it stops at once, exit 3, one line."""
    role = yaml.safe_load(ROLE.read_text())
    role["rules"] = [r for r in role["rules"] if "leases" not in r["resources"]]
    path = _service_account_kubeconfig(kube_api, namespace, role, "no-lease", tmp_path)
    res = _run(path, "storage", "rbac-nolease")
    assert res.returncode == 3, res.stdout[-2000:] + res.stderr[-2000:]
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and "forbidden" in lines[0] and "leases" in lines[0], res.stderr
    assert not crashed(res.stdout + res.stderr)
    from kubernetes import client

    mine = client.CoreV1Api(kube_api).list_namespaced_pod(namespace, label_selector="tutorial-runner.io/user=rbac-nolease")
    assert mine.items == []
