"""A tutorial that shows what a finalizer does leaves nothing behind, not even a namespace stuck terminating.

A blog tutorial on finalizers makes a ConfigMap with `finalizers: [kubernetes]` and then patches the finalizer
away by hand; when the run does not reach that patch, nothing serves the finalizer, and the ConfigMap (and with it
the namespace it is in) is held in "terminating" for ever (five bench namespaces were, for 15 hours). The run's
cleanup drops such plain, unserved finalizers from what it made, and keeps a controller's (domain-qualified) ones.
"""

from __future__ import annotations

import json
import textwrap

import pytest
from test_run import leftovers, tutorial

pytestmark = pytest.mark.e2e

FINALIZED = textwrap.dedent("""\
    ---
    id: finalizers
    title: A finalizer nobody serves
    ---
    # A finalizer nobody serves

    ```yaml
    apiVersion: v1
    kind: ConfigMap
    metadata:
      name: held-<username>
      finalizers:
      - kubernetes
    data:
      a: b
    ```

    ```bash
    kubectl get configmap held-<username> -o jsonpath='{.metadata.finalizers}'
    ```
    """)


def test_a_configmap_held_by_a_plain_finalizer_is_cleaned_up(kube_api, namespace, tmp_path):
    from kubernetes import client

    lesson = tmp_path / "finalizers.md"
    lesson.write_text(FINALIZED)
    user = "e2e-final"
    res = tutorial("run", str(lesson), "--user", user, "--profile", "local", "-n", namespace, "--format", "json")
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-2000:]
    report = json.loads(res.stdout)
    cleaned = {c["object"]: c["outcome"] for c in report["cleanup"]}
    assert cleaned.get(f"configmap/held-{user}") == "deleted", report["cleanup"]
    names = [c.metadata.name for c in client.CoreV1Api(kube_api).list_namespaced_config_map(namespace).items]
    assert f"held-{user}" not in names
    assert leftovers(kube_api, namespace, user) == []
