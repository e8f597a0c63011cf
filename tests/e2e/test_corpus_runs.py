"""The corpus of published tutorials on the local cluster, as a docs CI runs them, judged line by line.

`tutorial run FILE --keep-going --profile local` with the `--set` values a
maintainer would give, for every tutorial of `../shared/corpus` that is not
already one of `../shared/wild` byte for byte (those are asserted in
`test_wild_runs.py`). The runs share nothing (a namespace and a user each),
so they go three at a time; each file's verdict is then a test of its own:

- the failed lines are exactly the defects a careful reader finds in the
  tutorial (DEFECTS: written by reading the text, with the reason);
- every skip names a real cause: a host, an image, a program, a value, the
  cluster's kinds or nodes, or the step it depends on (with that step's line);
- nothing is left behind.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
from test_run import leftovers, tutorial
from test_wild_runs import PRECISE

pytestmark = pytest.mark.e2e

# The defects of each tutorial as published, by line, found by reading it (two readers, each on half the corpus,
# before any run; the notes say where a run showed one a reader had missed, and how that was checked by reading).
DEFECTS: dict[str, dict[int, str]] = {
    "wild2/02_eidf-getting-started.md": {},
    # 68, 194 (`kubectl cp` to /mnt/ceph_rbd, mounted at /mnt/ceph) and 250 (`delete pod pytorch-job`, made by
    # generateName) are defects too, but their pods need the author's GPU queue: the run cannot reach them (skips)
    "wild2/03_eidf-pytorch-task.md": {},
    "wild2/06_coralnet-nautilus.md": {
        139: "`kubectl exec -it pod_name bash`: kubectl refuses exec POD COMMAND without `--`",
        207: "the same",
    },
    "wild2/07_pearc24-scheduling.md": {},
    "wild3/01_sdsc2022-networking.md": {285: "`kubectl delete -f http2.yam`: the file is http2.yaml"},
    "wild3/02_eidf-persistent-volumes.md": {128: "`delete job test-ceph-pvc-job`: the Job is made with generateName"},
    "wild3/03_jetstream2-k8smanage.md": {
        19: "the Pod has `label:` null and `app:` under metadata: strict validation refuses both fields",
        47: "the ReplicaSet has two `spec:` keys and `-containerPort: 80`",
        65: "`kubectl scale … deployment nginx-deployment` before any step makes that Deployment",
        75: "the Deployment has two `spec:` keys and `-containerPort: 80`",
        # 34 (`apply -f simple-pod.yaml`, the Pod of 19) is skipped naming 19's defect; 131 (an HPA body under
        # `kind: Deployment`, YAML that does not parse) is shown without any command applying it
    },
    "wild3/04_nairr-requesting-gpus.md": {},
    "wild3/05_wm-python-conda.md": {},
    "wild3/06_k8s-scheduling-gpus.md": {},
    # found by the run, then checked by reading: init containers run one after another, and init-myservice loops until
    # the Services exist (made at 243), so `kubectl logs myapp-pod -c init-mydb` answers "waiting to start"
    "wild3/07_k8s-init-containers.md": {236: "`kubectl logs myapp-pod -c init-mydb` before the first init container ends"},
    "wild3/08_kubeflow-tfjob.md": {},
    "wild3/09_kubeflow-mpijob.md": {},
    "wild3/10_itwinai-kubeflow-cern.md": {69: "`kubectl create -f job-manifest.yaml`: the page never shows that file"},
}

# The values a maintainer gives for the placeholders a reader fills in (not the user name);
# `{user}` and `{namespace}` stand for the run's own.
SETS: dict[str, dict[str, str]] = {
    "wild2/02_eidf-getting-started.md": {"project-namespace": "{namespace}"},
    "wild2/03_eidf-pytorch-task.md": {
        "project-namespace": "{namespace}",
        "project namespace": "{namespace}",
        "pvc-spec-yaml": "pytorch-pvc.yaml",
        "pv-name": "pytorch-pvc",
        "identifier": "b92qg",
        "pytorch-job-yaml": "pytorch-job.yaml",
        "pytorch-pod-name": "pytorch-job-b92qg-lh64s",
    },
    "wild2/07_pearc24-scheduling.md": {"nodename": "tutorial-node"},
    "wild3/02_eidf-persistent-volumes.md": {"project-namespace": "{namespace}", "project namespace": "{namespace}"},
    "wild3/04_nairr-requesting-gpus.md": {"name": "{user}"},
    "wild3/06_k8s-scheduling-gpus.md": {"node-with-k80": "tutorial-node", "node-with-p100": "tutorial-node"},
    "wild3/08_kubeflow-tfjob.md": {
        "your-user-namespace": "{namespace}",
        "USER_NAMESPACE": "{namespace}",
        "KUBEFLOW_NAMESPACE": "{namespace}",
        "JOB_NAME": "tfjob-simple",
        "POD_NAME": "tfjob-simple-worker-0",
        "PODNAME": "tfjob-simple-worker-0",
    },
}

PARALLEL = 3


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _files(corpus: Path, wild: Path) -> list[Path]:
    """Corpus tutorials (those each folder's expected.json lists) that are not byte for byte one of the wild ones."""
    seen = {_digest(p) for p in wild.glob("*.md")}
    listed = [e.parent / n for e in sorted(corpus.glob("*/expected.json")) for n in sorted(json.loads(e.read_text()))]
    return [p for p in listed if _digest(p) not in seen]


def _key(path: Path) -> str:
    return f"{path.parent.name}/{path.name}"


@dataclass(frozen=True)
class Verdict:
    """One tutorial's run: its exit status, its report (None when there was none), the user and namespace it used."""

    returncode: int
    report: dict | None
    stderr: str
    user: str
    namespace: str


def _namespace(kube_api) -> str:
    from kubernetes import client

    from runner.cluster import kube

    name = f"corpus-{uuid.uuid4().hex[:6]}"
    client.CoreV1Api(kube_api).create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(name=name)))
    kube.wait_default_sa(kube_api, 60, namespace=name)
    return name


def _run(kube_api, path: Path) -> Verdict:
    user, namespace = f"c{uuid.uuid4().hex[:5]}", _namespace(kube_api)
    args = ["run", str(path), "--user", user, "-n", namespace, "--profile", "local", "--keep-going", "--format", "json"]
    for name, value in SETS.get(_key(path), {}).items():
        args += ["--set", f"{name}={value.replace('{user}', user).replace('{namespace}', namespace)}"]
    res = tutorial(*args, timeout=900)
    try:
        report = json.loads(res.stdout)
    except ValueError:
        report = None
    return Verdict(res.returncode, report, res.stderr, user, namespace)


@pytest.fixture(scope="module")
def verdicts(kube_api, corpus, wild):
    """Every corpus tutorial run once, PARALLEL at a time; their namespaces go afterwards."""
    from kubernetes import client

    files = _files(corpus, wild)
    with ThreadPoolExecutor(PARALLEL) as pool:
        done = dict(zip((_key(p) for p in files), pool.map(lambda p: _run(kube_api, p), files), strict=True))
    yield done
    core = client.CoreV1Api(kube_api)
    for v in done.values():
        core.delete_namespace(v.namespace, propagation_policy="Background")


def test_the_judgement_covers_the_corpus(corpus, wild):
    """Every tutorial the runs take has a judgement written for it, and no judgement names a file that is not run."""
    assert sorted(DEFECTS) == sorted(_key(p) for p in _files(corpus, wild))


def _ids() -> list[str]:
    return sorted(DEFECTS)


@pytest.mark.parametrize("key", _ids())
def test_a_corpus_tutorial_fails_exactly_at_its_defects(kube_api, verdicts, key):
    v = verdicts[key]
    assert v.report is not None, f"{key}: no report (exit {v.returncode}): {v.stderr[-2000:]}"
    assert v.returncode in (0, 1), v.stderr
    steps = v.report["steps"]
    failed = {s["line"]: s["message"] for s in steps if s["status"] in ("failed", "error")}
    assert set(failed) == set(DEFECTS[key]), failed
    assert v.returncode == (1 if failed else 0)
    vague = [(s["line"], s["message"]) for s in steps if s["status"] == "skipped" and not s["message"].startswith(PRECISE)]
    assert vague == []
    # a dependency names its producer's line
    unnamed = [
        (s["line"], s["message"])
        for s in steps
        if s["status"] == "skipped" and s["message"].startswith("depends on ") and not re.search(r"lines? \d+", s["message"])
    ]
    assert unnamed == []
    assert all(c["outcome"] in ("deleted", "gone") for c in v.report["cleanup"]), v.report["cleanup"]
    assert leftovers(kube_api, v.namespace, v.user) == []
