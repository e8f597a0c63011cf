"""A tutorial whose manifests leave fields empty (null) runs on the real cluster, as Kubernetes accepts it.

`labels:` with nothing after it crashed the run (`'NoneType' object has no
attribute 'update'`, exit 70) while the run labelled the manifest. Here every
way a run creates an object meets null fields: a YAML block the runner
applies, a here-document (`kubectl apply -f - <<EOF`) and a named file the
tutorial's own command applies. Each must be created with the run's labels,
pass, and be cleaned up.
"""

from __future__ import annotations

import json
import textwrap

import pytest
from test_run import leftovers, tutorial

pytestmark = pytest.mark.e2e

NULLS = textwrap.dedent("""\
    ---
    id: nulls
    title: Fields left empty
    ---
    # Fields left empty

    ```yaml
    apiVersion: v1
    kind: Pod
    metadata:
      name: nulls-<username>
      labels:
      annotations:
    spec:
      restartPolicy: Never
      containers:
      - name: main
        image: busybox
        command: ["sh", "-c", "echo hello from nulls; sleep 3600"]
        env:
        ports:
        volumeMounts:
        resources:
          requests:
            cpu: 10m
            memory: 16Mi
          limits:
            cpu: 100m
            memory: 64Mi
          claims:
      volumes:
    ```

    <!-- check: pod-running pod=nulls-<username> -->

    <!-- check: pod-logs-contain pod=nulls-<username> text="hello from nulls" -->

    A Job from a here-document, its pod template without metadata:

    ```bash
    kubectl apply -f - <<EOF
    apiVersion: batch/v1
    kind: Job
    metadata:
      name: nulls-job-<username>
      labels:
    spec:
      backoffLimit:
      template:
        metadata:
        spec:
          restartPolicy: Never
          containers:
          - name: main
            image: busybox
            command: ["sh", "-c", "echo job done"]
            env:
            args:
    EOF
    kubectl wait --for=condition=complete job/nulls-job-<username> --timeout=180s
    kubectl logs job/nulls-job-<username>
    ```

    Save this as `cm.yaml`:

    ```yaml {file=cm.yaml}
    apiVersion: v1
    kind: ConfigMap
    metadata:
      name: nulls-cm-<username>
      labels:
      annotations:
    data:
      greeting: hello
    binaryData:
    ```

    ```bash
    kubectl apply -f cm.yaml
    kubectl get configmap nulls-cm-<username> -o jsonpath='{.data.greeting}'
    ```
    """)


def test_null_fields_run_pass_and_leave_nothing(kube_api, namespace, tmp_path):
    lesson = tmp_path / "nulls.md"
    lesson.write_text(NULLS)
    user = "e2e-nulls"
    res = tutorial("run", str(lesson), "--user", user, "--profile", "local", "-n", namespace, "--format", "json")
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-2000:]
    report = json.loads(res.stdout)
    assert report["status"] == "passed"
    assert {s["status"] for s in report["steps"]} == {"passed"}, [(s["line"], s["status"], s["message"]) for s in report["steps"]]
    assert {c["name"]: c["status"] for c in report["checks"]} == {"pod-running": "passed", "pod-logs-contain": "passed"}
    job_step = next(s for s in report["steps"] if (s.get("command") or "").startswith("kubectl logs job/nulls-job"))
    assert "job done" in " ".join(line for e in job_step["evidence"] for line in e["lines"])
    # what the tutorial's own commands made carried the run's labels: the cleanup found and deleted it
    cleaned = {c["object"]: c["outcome"] for c in report["cleanup"]}
    for obj in (f"pod/nulls-{user}", f"job/nulls-job-{user}", f"configmap/nulls-cm-{user}"):
        assert cleaned.get(obj) in ("deleted", "gone"), cleaned
    assert leftovers(kube_api, namespace, user) == []
