"""`kubectl tutorial ...` on the real local cluster: the installed `kubectl-tutorial` found by the cluster's own
kubectl on PATH, running a built-in lesson from a directory with no lessons of its own."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e


def _kubectl_env(tmp_path: Path) -> dict[str, str]:
    from runner.cluster import paths
    from runner.plan.profile import load_profile

    kubectl = load_profile("local").kubectl
    assert kubectl and Path(kubectl).is_file(), f"the local cluster's kubectl is not at {kubectl}"
    plugin = Path(sys.executable).parent / "kubectl-tutorial"
    if not plugin.is_file():
        pytest.skip(f"kubectl-tutorial is not installed beside {sys.executable} (pip install -e .)")
    path = os.pathsep.join([str(Path(kubectl).parent), str(plugin.parent), os.environ.get("PATH", "")])
    return {**os.environ, "PATH": path, "KUBECONFIG": str(paths.admin_kubeconfig()), "HOME": str(tmp_path)}


def test_kubectl_runs_tutorial_as_a_plugin(kube_api, namespace, tmp_path):
    env = _kubectl_env(tmp_path)
    listed = subprocess.run(["kubectl", "plugin", "list"], env=env, capture_output=True, text=True, timeout=60)
    assert "kubectl-tutorial" in listed.stdout, listed.stdout + listed.stderr
    user = f"kp-{uuid.uuid4().hex[:5]}"
    res = subprocess.run(
        ["kubectl", "tutorial", "run", "basics", "--user", user, "--profile", "local", "-n", namespace],
        env=env,
        cwd=tmp_path,  # no ./lessons here: the built-in lesson
        capture_output=True,
        text=True,
        timeout=420,
        stdin=subprocess.DEVNULL,
    )
    assert res.returncode == 0, res.stdout + res.stderr
    assert f"basics for {user} in namespace {namespace}" in res.stdout and "PASSED" in res.stdout
    version = subprocess.run(["kubectl", "tutorial", "--version"], env=env, capture_output=True, text=True, timeout=60)
    assert version.stdout.startswith("kubectl tutorial ") and "Kubernetes v1.34" in version.stdout
