"""Published tutorials on the local cluster, as a docs CI runs them: `tutorial run WILD --user ci --profile local --keep-going`.

Every step ends in one of three ways: it passes; it fails because of a real
defect of the tutorial (the set of failed lines is asserted, so a regression
of the tool shows up); or it is skipped with a precise reason (the host, the
image, the program, the value, or the step it depends on). Nothing is left
behind.
"""

from __future__ import annotations

import json
import textwrap
import uuid

import pytest
from test_run import leftovers, tutorial

pytestmark = pytest.mark.e2e

# the defects of each tutorial as published, by line: what a docs CI must report
DEFECTS = {
    "000_b57e32573c2d5ae6.md": {210},  # `kubectl apply -f pod-awscli.yaml`: the tutorial never shows that file
    "001_86ab03304d8711f1.md": {171, 206},  # `c3-<usernam>-<hash>`: a typo of <username>
    "jetstream2-volumes.md": set(),
    "k8s-secret-config-file.md": set(),
    "nrp-beginner-track.md": {1159},  # `kubectl exec -it POD -n -- /bin/bash`: -n takes `--`, and kubectl refuses exec POD CMD
    # `pod1.yaml` is shown as simple.yaml (used at 66, 120, 132); `badjob1.yaml` as babjob1.yaml (259, 295)
    "pearc24-basic.md": {66, 120, 132, 259, 295},
}
PRECISE = (
    "needs ",
    "depends on ",
    "requests ",  # more CPU or memory than any node of this cluster has
    "changes this machine",
    "changes the kubeconfig",
    "interactive:",
    "not runnable:",
    "defines ",
    "writes ",
)


@pytest.mark.parametrize("name", sorted(DEFECTS))
def test_a_published_tutorial_runs_to_its_verdict(kube_api, namespace, wild, name):
    user = f"ci-{uuid.uuid4().hex[:5]}"
    res = tutorial(
        "run",
        str(wild / name),
        "--user",
        user,
        "-n",
        namespace,
        "--profile",
        "local",
        "--keep-going",
        "--format",
        "json",
        timeout=600,
    )
    assert res.returncode in (0, 1), res.stderr
    report = json.loads(res.stdout)
    failed = {s["line"] for s in report["steps"] if s["status"] in ("failed", "error")}
    assert failed == DEFECTS[name], [s for s in report["steps"] if s["status"] in ("failed", "error")]
    assert res.returncode == (1 if failed else 0)
    vague = [
        (s["line"], s["message"]) for s in report["steps"] if s["status"] == "skipped" and not s["message"].startswith(PRECISE)
    ]
    assert vague == []
    assert all(c["outcome"] in ("deleted", "gone") for c in report["cleanup"]), report["cleanup"]
    assert leftovers(kube_api, namespace, user) == []


def test_heredoc_manifests_are_labelled_tracked_and_cleaned(kube_api, namespace, tmp_path):
    """Both heredoc forms: the objects carry the run's labels (the pod template too) and are deleted at the end."""
    from kubernetes import client

    lesson = tmp_path / "heredoc.md"
    lesson.write_text(
        textwrap.dedent("""\
        # Heredocs

        ```bash
        kubectl apply -f - <<EOF
        apiVersion: batch/v1
        kind: Job
        metadata:
          name: hd-<username>
        spec:
          template:
            spec:
              restartPolicy: Never
              containers:
              - name: main
                image: busybox
                command: ["sh", "-c", "echo done"]
        EOF
        ```

        ```bash
        cat <<'YAML' | kubectl create -f -
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: hd-cm-<username>
        data:
          a: "1"
        YAML
        ```

        ```bash
        kubectl wait --for=condition=complete job/hd-<username> --timeout=120s
        kubectl get configmap hd-cm-<username>
        ```
        """)
    )
    user = f"hd-{uuid.uuid4().hex[:5]}"
    kept = tutorial("run", str(lesson), "--user", user, "-n", namespace, "--profile", "local", "--keep", "--format", "json")
    assert kept.returncode == 0, kept.stdout + kept.stderr
    report = json.loads(kept.stdout)
    batch, core = client.BatchV1Api(kube_api), client.CoreV1Api(kube_api)
    job = batch.read_namespaced_job(f"hd-{user}", namespace)
    labels = job.metadata.labels or {}
    assert labels["tutorial-runner.io/user"] == user and labels["tutorial-runner.io/run"] == report["run"]
    assert (job.spec.template.metadata.labels or {})["tutorial-runner.io/run"] == report["run"]  # as a manifest block's
    assert (core.read_namespaced_config_map(f"hd-cm-{user}", namespace).metadata.labels or {})["tutorial-runner.io/user"] == user
    assert {c["object"] for c in report["cleanup"]} >= {f"job/hd-{user}", f"configmap/hd-cm-{user}"}  # tracked
    clean = tutorial("clean", str(lesson), "--user", user, "-n", namespace, "-y")
    assert clean.returncode == 0, clean.stdout + clean.stderr
    again = tutorial("run", str(lesson), "--user", user, "-n", namespace, "--profile", "local", "--format", "json")
    assert again.returncode == 0, again.stdout + again.stderr
    assert {c["object"] for c in json.loads(again.stdout)["cleanup"]} >= {f"job/hd-{user}", f"configmap/hd-cm-{user}"}
    assert leftovers(kube_api, namespace, user) == []
