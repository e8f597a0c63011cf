"""`tutorial run` end to end on the real local cluster (no mocks): lessons, interrupts, reruns, users, rights."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from runner.cli.main import crashed

pytestmark = pytest.mark.e2e
REPO = Path(__file__).resolve().parents[2]


def kubeconfig() -> str:
    from runner.cluster import paths

    return str(paths.admin_kubeconfig())


def tutorial(*args, env=None, timeout=420, **kw) -> subprocess.CompletedProcess:
    full_env = {**os.environ, "KUBECONFIG": kubeconfig(), **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "runner.cli", *args],
        cwd=REPO,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
        **kw,
    )


def leftovers(kube_api, namespace: str, user: str) -> list[str]:
    """Every object of the user's in the namespace, by label or by name."""
    from kubernetes import client

    core, batch = client.CoreV1Api(kube_api), client.BatchV1Api(kube_api)
    sel = f"tutorial-runner.io/user={user}"
    found = []
    for kind, items in (
        ("pod", core.list_namespaced_pod(namespace).items),
        ("job", batch.list_namespaced_job(namespace).items),
        ("pvc", core.list_namespaced_persistent_volume_claim(namespace).items),
        ("configmap", core.list_namespaced_config_map(namespace).items),
        ("secret", core.list_namespaced_secret(namespace).items),
    ):
        for item in items:
            labels = item.metadata.labels or {}
            if (
                labels.get("tutorial-runner.io/user") == user
                or item.metadata.name.endswith(f"-{user}")
                or f"-{user}-" in item.metadata.name
            ):
                found.append(f"{kind}/{item.metadata.name}")
    del sel
    return found


def test_storage_lesson_passes_and_leaves_nothing(kube_api, namespace):
    res = tutorial("run", "storage", "--user", "e2e-st", "--profile", "local", "-n", namespace, "--format", "json")
    report = json.loads(res.stdout)
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-2000:]
    assert report["status"] == "passed"
    assert {c["name"]: c["status"] for c in report["checks"]} == {
        "scratch-on-disk": "passed",
        "ramdisk-is-tmpfs": "passed",
        "pvc-bound": "passed",
        "pvc-data-survives": "passed",
        "no-running-pods": "passed",
    }
    assert report["score"] == report["max_score"] > 0
    assert all(c["outcome"] in ("deleted", "gone") for c in report["cleanup"])
    assert leftovers(kube_api, namespace, "e2e-st") == []


def test_wild_storage_tutorial_runs_where_it_can(kube_api, namespace, storage_wild):
    res = tutorial(
        "run",
        str(storage_wild),
        "--user",
        "e2e-wild",
        "--profile",
        "local",
        "-n",
        namespace,
        "--section",
        "ephemeral",
        "--section",
        "persistent",
        "--format",
        "json",
    )
    report = json.loads(res.stdout)
    assert res.returncode == 0, res.stdout[-3000:]
    steps = {s["line"]: s for s in report["steps"]}
    assert steps[20]["status"] == "passed" and steps[57]["status"] == "passed"
    assert "/mytmp" in " ".join(steps[57]["evidence"][0]["lines"])
    assert steps[88]["status"] == "passed" and steps[107]["status"] == "passed"
    assert steps[123]["status"] == "skipped" and "nvcr.io" in steps[123]["message"]
    assert leftovers(kube_api, namespace, "e2e-wild") == []


EXPECT = textwrap.dedent("""\
    ---
    id: expect
    title: Expected failures
    ---
    # Expected failures

    <!-- step: expect=fail -->
    ```bash
    kubectl get pod does-not-exist-<username>
    ```

    ```bash
    kubectl create configmap cfg-<username> --from-literal=a=b
    kubectl get configmap cfg-<username>
    ```
    """)


def test_expected_failure_step(kube_api, namespace, tmp_path):
    lesson = tmp_path / "expect.md"
    lesson.write_text(EXPECT)
    res = tutorial("run", str(lesson), "--user", "e2e-ex", "-n", namespace, "--format", "json")
    report = json.loads(res.stdout)
    assert res.returncode == 0, res.stdout[-2000:]
    assert report["steps"][0]["message"].startswith("failed as expected")
    # the configmap the tutorial's own command made was labelled and cleaned up
    assert any(c["object"] == "configmap/cfg-e2e-ex" and c["outcome"] == "deleted" for c in report["cleanup"])
    assert leftovers(kube_api, namespace, "e2e-ex") == []
    # and a command that the lesson says must fail, but succeeds, fails the step
    lesson.write_text(EXPECT.replace("does-not-exist-<username>", "--all-namespaces"))
    res = tutorial("run", str(lesson), "--user", "e2e-ex", "-n", namespace, "--format", "json")
    assert res.returncode == 1 and "expects this command to fail" in json.loads(res.stdout)["steps"][0]["message"]


# Where a run is interrupted: while it takes its lease (before the sweep), while a pod starts, in the
# middle of a Job's run, and inside a tutorial's own command (kubectl create of the claim)
INTERRUPT_POINTS = [
    ("Lease", "lease", 1),
    ("Pod", "s1-{user}", 1),
    ("PersistentVolumeClaim", "vol-{user}", 1),
    ("Job", "s3-{user}", 2),
]


@pytest.mark.parametrize("at", range(len(INTERRUPT_POINTS)), ids=[f"{k.lower()}-{n}" for k, _, n in INTERRUPT_POINTS])
def test_interrupt_leaves_nothing(kube_api, namespace, point, at):
    """Ctrl-C at a point the run is known to be at: exit 130, status interrupted, nothing left (the lease neither)."""
    from runner.run.lease import lease_name

    user = f"e2e-int{at + 1}"
    kind, name, nth = INTERRUPT_POINTS[at]
    reached = point(kind, lease_name("storage", user) if kind == "Lease" else name.format(user=user), nth)
    env = {**os.environ, "KUBECONFIG": kubeconfig()}
    proc = subprocess.Popen(
        [sys.executable, "-m", "runner.cli", "run", "storage", "--user", user, "--profile", "local", "-n", namespace]
        + ["--format", "json"],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        stdin=subprocess.DEVNULL,
    )
    try:
        reached.wait()
    finally:
        proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 130, out[-2000:] + err[-2000:]
    assert json.loads(out)["status"] == "interrupted"
    assert leftovers(kube_api, namespace, user) == []
    from kubernetes import client

    leases = client.CoordinationV1Api(kube_api).list_namespaced_lease(namespace, label_selector=f"tutorial-runner.io/user={user}")
    assert leases.items == [], "an interrupted run releases its lease"


def test_two_users_at_once_do_not_interfere(kube_api, namespace):
    results = {}

    def go(user):
        results[user] = tutorial("run", "storage", "--user", user, "--profile", "local", "-n", namespace, "--format", "json")

    threads = [threading.Thread(target=go, args=(u,)) for u in ("e2e-ann", "e2e-ben")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for user, res in results.items():
        assert res.returncode == 0, f"{user}: {_not_passed(res.stdout)}\n{res.stderr[-2000:]}"
        assert leftovers(kube_api, namespace, user) == []


def _not_passed(report_json: str) -> str:
    """The steps of a JSON run report that did not pass, so that a failure names its step."""
    try:
        steps = json.loads(report_json)["steps"]
    except (ValueError, KeyError):
        return report_json[-2000:]
    return json.dumps([s for s in steps if s["status"] not in ("passed", "skipped")], indent=1)[:4000]


def test_forbidden_namespace_is_a_clear_error_exit_3(kube_api, namespace, tmp_path):
    import yaml
    from kubernetes import client

    core = client.CoreV1Api(kube_api)
    core.create_namespaced_service_account(namespace, client.V1ServiceAccount(metadata=client.V1ObjectMeta(name="nobody")))
    token = core.create_namespaced_service_account_token(
        "nobody",
        namespace,
        client.AuthenticationV1TokenRequest(spec=client.V1TokenRequestSpec(audiences=[], expiration_seconds=600)),
    ).status.token
    admin = yaml.safe_load(Path(kubeconfig()).read_text())
    cluster = admin["clusters"][0]
    cfg = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [cluster],
        "users": [{"name": "nobody", "user": {"token": token}}],
        "contexts": [{"name": "nobody", "context": {"cluster": cluster["name"], "user": "nobody", "namespace": namespace}}],
        "current-context": "nobody",
    }
    path = tmp_path / "nobody.kubeconfig"
    path.write_text(yaml.safe_dump(cfg))
    res = tutorial("run", "storage", "--user", "e2e-no", "--kubeconfig", str(path), env={"KUBECONFIG": str(path)})
    assert res.returncode == 3, res.stdout + res.stderr
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and "forbidden" in lines[0] and not crashed(res.stderr)
    assert token not in res.stdout + res.stderr


def test_keep_reports_only_what_still_exists(kube_api, namespace, tmp_path):
    """`--keep` counts what is really there at the end, not what the lesson itself already deleted."""
    res = tutorial("run", "storage", "--user", "e2e-keep", "--profile", "local", "-n", namespace, "--keep")
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-2000:]
    assert "kept 0 object(s) for inspection" in res.stdout, res.stdout[-1500:]  # the lesson deletes its pod, Job and claim
    lesson = tmp_path / "expect.md"
    lesson.write_text(EXPECT)  # leaves its ConfigMap
    res = tutorial("run", str(lesson), "--user", "e2e-keep", "-n", namespace, "--keep", "--format", "json")
    report = json.loads(res.stdout)
    assert res.returncode == 0, res.stdout[-2000:]
    assert [c["object"] for c in report["cleanup"] if c["outcome"] == "kept"] == ["configmap/cfg-e2e-keep"]
    assert leftovers(kube_api, namespace, "e2e-keep") == ["configmap/cfg-e2e-keep"]
    res = tutorial("clean", str(lesson), "--user", "e2e-keep", "-n", namespace, "-y")
    assert res.returncode == 0, res.stdout + res.stderr
    assert leftovers(kube_api, namespace, "e2e-keep") == []


HASH = textwrap.dedent("""\
    ---
    id: hashes
    title: A Job's pod by its hash
    ---
    # A Job's pod

    ```yaml
    apiVersion: batch/v1
    kind: Job
    metadata:
      name: hello-<username>
    spec:
      template:
        spec:
          restartPolicy: Never
          containers:
          - name: main
            image: busybox
            command: ["sh", "-c", "echo hello from the job"]
    ```

    Once the pod terminated, read its log:

    ```bash
    kubectl logs hello-<username>-<hash>
    ```
    """)


def test_job_pod_named_by_hash_is_resolved(kube_api, namespace, tmp_path):
    lesson = tmp_path / "hashes.md"
    lesson.write_text(HASH)
    res = tutorial("run", str(lesson), "--user", "e2e-hash", "--profile", "local", "-n", namespace, "--format", "json")
    report = json.loads(res.stdout)
    assert res.returncode == 0, res.stdout[-3000:]
    logs = report["steps"][1]
    assert "hello from the job" in " ".join(logs["evidence"][0]["lines"])
    assert logs["evidence"][0]["source"].startswith("$ kubectl logs hello-e2e-hash-")
    assert leftovers(kube_api, namespace, "e2e-hash") == []


def test_run_all_writes_junit_and_a_markdown_summary(kube_api, namespace, tmp_path):
    import xml.etree.ElementTree as ET

    folder = tmp_path / "lessons"
    folder.mkdir()
    (folder / "hashes.md").write_text(HASH)
    (folder / "expect.md").write_text(EXPECT)
    junit, summary = tmp_path / "all.xml", tmp_path / "summary.md"
    res = tutorial(
        "run",
        "--all",
        "--parallel",
        "2",
        "--profile",
        "local",
        "-n",
        namespace,
        "--user",
        "e2e-all",
        "--report",
        str(junit),
        "--summary",
        str(summary),
        env={"TUTORIAL_LESSONS": str(folder)},
    )
    assert res.returncode == 0, res.stdout + res.stderr
    suites = ET.parse(junit).getroot()
    assert sorted(s.get("name") for s in suites) == ["expect[e2e-all-expect]", "hashes[e2e-all-hashes]"]
    assert all(s.get("failures") == "0" for s in suites)
    assert "| hashes | e2e-all-hashes | ✅ passed |" in summary.read_text()


@pytest.mark.parametrize(
    "command",
    [
        ("run", "storage", "--user", "e2e-nons", "--profile", "local"),
        ("grade", "storage", "--users", "e2e-nons"),
        ("clean", "--user", "e2e-nons"),
    ],
    ids=["run", "grade", "clean"],
)
def test_a_namespace_that_does_not_exist_is_one_line_and_exit_3(kube_api, command):
    # listing pods in a missing namespace answers an empty list, and creating the run's
    # lease there answers 404 each time: once, that made `run` loop for ever
    res = tutorial(*command, "-n", "e2e-no-such-namespace", timeout=60)
    assert res.returncode == 3, res.stdout + res.stderr
    assert res.stderr.strip().splitlines() == [
        "tutorial: namespace e2e-no-such-namespace does not exist: create it "
        "(kubectl create namespace e2e-no-such-namespace) or choose another with -n"
    ]


def test_a_user_and_run_id_that_look_like_numbers_are_labels_kubectl_reads(kube_api, namespace):
    # `12e4` is a number to kubectl's YAML reader: written plain into a label, kubectl refused the
    # lesson's own manifest ("cannot unmarshal number into ... labels of type string"); run ids such
    # as `52e71234` did the same at random, about one run in 70
    res = tutorial("run", "storage", "--user", "12e4", "--profile", "local", "-n", namespace, "--format", "json")
    assert res.returncode == 0, f"{_not_passed(res.stdout)}\n{res.stderr[-2000:]}"
    assert leftovers(kube_api, namespace, "12e4") == []


OTHERS = """\
# Two labs, one namespace

Start clean:

```bash
kubectl create namespace {shared}
kubectl create configmap settings -n {shared} --from-literal=a=b
kubectl create configmap mine-<username> --from-literal=a=b
kubectl get configmap mine-<username>
kubectl delete namespace {shared}
kubectl delete configmap theirs
```
"""


def test_what_another_run_made_is_never_touched_and_what_needs_it_is_skipped(kube_api, namespace, tmp_path):
    """A namespace another run made (its run label) is not made again, nor written in, nor deleted."""
    from kubernetes import client

    core = client.CoreV1Api(kube_api)
    shared = f"shared-{namespace}"
    labels = {"tutorial-runner.io/run": "0ther0ne", "tutorial-runner.io/lesson": "lab-1", "tutorial-runner.io/user": "ann"}
    core.create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(name=shared, labels=labels)))
    theirs = client.V1ConfigMap(metadata=client.V1ObjectMeta(name="theirs", labels=labels), data={"a": "b"})
    core.create_namespaced_config_map(namespace, theirs)
    try:
        lesson = tmp_path / "others.md"
        lesson.write_text(OTHERS.format(shared=shared))
        res = tutorial("run", str(lesson), "--user", "e2e-oth", "-n", namespace, "--keep-going", "--format", "json")
        assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-2000:]
        steps = {s["line"]: s for s in json.loads(res.stdout)["steps"]}
        made = steps[6]["message"]
        assert steps[6]["status"] == "skipped" and made.startswith(f"makes namespace/{shared}, which another run on this")
        assert "(run 0ther0ne of lab-1 for ann)" in made
        assert steps[7]["status"] == "skipped" and "line 6" in steps[7]["message"]  # what needs it follows
        assert steps[8]["status"] == "passed" and steps[9]["status"] == "passed"
        assert steps[10]["status"] == "skipped"  # never deleted: not this run's
        assert steps[11]["status"] == "skipped" and steps[11]["message"].startswith("deletes configmap/theirs, which another")
        assert core.read_namespaced_config_map("theirs", namespace).metadata.labels == labels
        ns = core.read_namespace(shared)
        assert ns.status.phase == "Active" and ns.metadata.labels["tutorial-runner.io/run"] == "0ther0ne"
        assert core.list_namespaced_config_map(shared, field_selector="metadata.name=settings").items == []
        assert leftovers(kube_api, namespace, "e2e-oth") == []
    finally:
        core.delete_namespace(shared)


ESCAPED = """\
# A here-document with an escaped dollar

```bash
kubectl apply -f - <<EOF
apiVersion: batch/v1
kind: Job
metadata:
  name: item-<username>
spec:
  template:
    spec:
      restartPolicy: Never
      containers:
      - name: work
        image: busybox
        command: ["sh", "-c", "test \\"\\$ITEM\\" = seven"]
        env:
        - name: ITEM
          value: seven
EOF
kubectl wait --for=condition=complete job/item-<username> --timeout=60s
```
"""


def test_an_escaped_dollar_in_a_here_document_reaches_the_container(kube_api, namespace, tmp_path):
    """`\\$ITEM` in an unquoted here-document is `$ITEM` for the container's shell, not expanded by the reader's."""
    lesson = tmp_path / "escaped.md"
    lesson.write_text(ESCAPED)
    res = tutorial("run", str(lesson), "--user", "e2e-esc", "-n", namespace, "--format", "json")
    steps = {s["line"]: s for s in json.loads(res.stdout)["steps"]}
    assert res.returncode == 0, res.stdout[-3000:]
    assert steps[4]["status"] == "passed" and steps[21]["status"] == "passed"
    assert leftovers(kube_api, namespace, "e2e-esc") == []


TWO_CONTAINERS = """\
# A pod with two containers

```yaml
apiVersion: v1
kind: Pod
metadata:
  name: two-<username>
spec:
  containers:
  - name: first
    image: busybox
    command: ["sleep", "3600"]
  - name: second
    image: busybox
    command: ["sleep", "3600"]
```

```
$ kubectl exec -it two-<username> -- sh
/ # touch /tmp/in-first
```

```
$ kubectl exec -it two-<username> -c second -- sh
/ # test ! -e /tmp/in-first
```
"""


def test_commands_in_a_pod_of_two_containers_run_in_the_default_one_or_the_one_named(kube_api, namespace, tmp_path):
    """As kubectl does: without `-c`, the first container (the API server itself would ask for a name)."""
    lesson = tmp_path / "two.md"
    lesson.write_text(TWO_CONTAINERS)
    res = tutorial("run", str(lesson), "--user", "e2e-two", "-n", namespace, "--format", "json")
    steps = {s["line"]: s for s in json.loads(res.stdout)["steps"]}
    assert res.returncode == 0, res.stdout[-3000:]
    assert steps[20]["status"] == "passed" and steps[25]["status"] == "passed"
    assert leftovers(kube_api, namespace, "e2e-two") == []


LOOKED_UP_POD = """\
# A pod found by a lookup

```yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: look-<username>
spec:
  replicas: 1
  selector:
    matchLabels:
      app: look-<username>
  template:
    metadata:
      labels:
        app: look-<username>
    spec:
      containers:
      - name: main
        image: busybox
        command: ["sleep", "3600"]
```

```
$ kubectl exec -it $(kubectl get pods -l app=look-<username> -o jsonpath='{.items[0].metadata.name}') -- sh
/ # touch /tmp/found
```

```
$ kubectl exec -it deploy/look-<username> -- sh
/ # test -e /tmp/found
```

```bash
kubectl exec -it deploy/look-<username> -- ls /tmp/found
```
"""


def test_commands_in_a_pod_named_by_a_lookup_or_by_its_deployment_run_there(kube_api, namespace, tmp_path):
    """`$(kubectl get pods -l app=x -o jsonpath=…)` and `deploy/x` name the Deployment's pod: the lines typed there run
    in it (the second finds the file the first made), not on the host, and not as a pod named by the lookup's text."""
    lesson = tmp_path / "lookup.md"
    lesson.write_text(LOOKED_UP_POD)
    res = tutorial("run", str(lesson), "--user", "e2e-look", "-n", namespace, "--format", "json")
    steps = {s["line"]: s for s in json.loads(res.stdout)["steps"]}
    assert res.returncode == 0, res.stdout[-3000:]
    assert steps[26]["status"] == "passed" and steps[31]["status"] == "passed", res.stdout[-3000:]
    assert steps[35]["status"] == "passed"  # `exec -it … -- ls`: it ends, so it runs (kubectl goes on without a terminal)
    assert leftovers(kube_api, namespace, "e2e-look") == []


LOGS_OF_A_LOOKUP = """\
# Logs of the pod a lookup finds

```bash
kubectl create job hello-<username> --image=busybox -- sh -c 'sleep 2; echo Hello CKAD; sleep 5'
kubectl logs $(kubectl get pods -l job-name=hello-<username> -o jsonpath='{.items[0].metadata.name}')
```
"""


def test_logs_of_a_pod_named_by_a_lookup_wait_for_the_pod_to_start(kube_api, namespace, tmp_path):
    """Asked at once, the lookup finds no pod yet (or one being created) and kubectl refuses; a reader asks a moment
    later, once the Job's pod runs."""
    lesson = tmp_path / "lookup-logs.md"
    lesson.write_text(LOGS_OF_A_LOOKUP)
    res = tutorial("run", str(lesson), "--user", "e2e-lol", "-n", namespace, "--format", "json")
    steps = {s["line"]: s for s in json.loads(res.stdout)["steps"]}
    assert res.returncode == 0 and steps[5]["status"] == "passed", res.stdout[-3000:]
    assert leftovers(kube_api, namespace, "e2e-lol") == []


IMAGE_IN_A_COMMAND = """\
# An image named in a command

```bash
kubectl create deployment web-<username> --image=nginx:1.18 --replicas=1
kubectl rollout status deployment/web-<username> --timeout=90s
```
"""


def test_an_image_a_command_names_is_the_one_this_cluster_uses_for_it(kube_api, namespace, tmp_path):
    """`--image=nginx:1.18` in `kubectl create deployment`: mapped as the images of a manifest are (a stand-in here)."""
    lesson = tmp_path / "image.md"
    lesson.write_text(IMAGE_IN_A_COMMAND)
    res = tutorial("run", str(lesson), "--user", "e2e-img", "-n", namespace, "--profile", "local", "--format", "json")
    report = json.loads(res.stdout)
    assert res.returncode == 0, res.stdout[-3000:]
    assert [s["status"] for s in report["steps"]] == ["passed", "passed"]
    assert any("nginx" in s for s in report["simulated"])  # the report says which stand-in ran
