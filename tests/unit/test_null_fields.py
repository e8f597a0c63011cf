"""A manifest that Kubernetes accepts never crashes us: null and missing fields, at any depth.

The API server reads a null field as an absent one (`labels:` with nothing
after it, `env:` left empty), so tutorials that do so run on a cluster. Every
stage that reads a manifest's body must read it the same way. Each example
starts from a valid object of a kind tutorials use, sets a subset of its
fields (at any depth) to null, removes them or leaves them empty, embeds it in
a small tutorial (a YAML block, a `kubectl apply -f - <<EOF` here-document
and a named file applied by a command) and drives what a user can run on it:
`show` (parse, render, plan with the local profile's facts), `lint`, `new`, and
a run's preparation of the manifests (labels, images), through their Python
entry points; a few CLI calls check the exit status is never 70. An example
takes about a second (`new` and `lint` are most of it), so the suite draws 60;
`NULL_FIELDS_EXAMPLES=2000` draws more.
"""

from __future__ import annotations

import copy
import os
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from runner.author import draft
from runner.cli.main import main
from runner.effects import Effects
from runner.lesson.model import StepType
from runner.lesson.parser import parse_lesson
from runner.lesson.render import render
from runner.lesson.secrets import redacted, redactor_for
from runner.lint import lint_lesson
from runner.plan.build import build_plan
from runner.plan.facts import ClusterFacts, NodeShape
from runner.plan.profile import load_profile
from runner.report import plan as views
from runner.run.workspace import Workspace
from runner.syntax.k8s import pod_template
from runner.syntax.yaml import read_yaml

LABELS = {"tutorial-runner.io/lesson": "nulls", "tutorial-runner.io/user": "bob", "tutorial-runner.io/run": "52e71234"}

CONTAINER: dict[str, Any] = {
    "name": "main",
    "image": "busybox",
    "imagePullPolicy": "IfNotPresent",
    "command": ["sh", "-c"],
    "args": ["echo hello > /data/out.txt && sleep 5"],
    "workingDir": "/data",
    "env": [
        {"name": "GREETING", "value": "hello"},
        {"name": "FROM_CM", "valueFrom": {"configMapKeyRef": {"name": "cm-<username>", "key": "greeting"}}},
        {"name": "FROM_SECRET", "valueFrom": {"secretKeyRef": {"name": "s-<username>", "key": "token", "optional": True}}},
    ],
    "envFrom": [{"configMapRef": {"name": "cm-<username>"}}, {"secretRef": {"name": "s-<username>"}}],
    "ports": [{"name": "http", "containerPort": 8080, "protocol": "TCP"}],
    "resources": {
        "requests": {"cpu": "100m", "memory": "64Mi"},
        "limits": {"cpu": "1", "memory": "128Mi", "nvidia.com/gpu": 1},
    },
    "volumeMounts": [
        {"name": "data", "mountPath": "/data"},
        {"name": "config", "mountPath": "/etc/config", "readOnly": True},
        {"name": "scratch", "mountPath": "/scratch", "subPath": "x"},
    ],
    "securityContext": {"runAsUser": 1000, "allowPrivilegeEscalation": False},
    "readinessProbe": {"exec": {"command": ["cat", "/data/out.txt"]}, "periodSeconds": 2},
}

POD_SPEC: dict[str, Any] = {
    "restartPolicy": "Never",
    "nodeSelector": {"nvidia.com/gpu.product": "NVIDIA-A10"},
    "affinity": {
        "nodeAffinity": {
            "requiredDuringSchedulingIgnoredDuringExecution": {
                "nodeSelectorTerms": [
                    {"matchExpressions": [{"key": "nvidia.com/gpu.product", "operator": "In", "values": ["NVIDIA-A10"]}]}
                ]
            }
        }
    },
    "tolerations": [{"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}],
    "securityContext": {"fsGroup": 1000},
    "imagePullSecrets": [{"name": "regcred-<username>"}],
    "serviceAccountName": "default",
    "initContainers": [
        {
            "name": "init",
            "image": "alpine",
            "command": ["sh", "-c", "echo ready > /data/ready"],
            "env": [{"name": "A", "value": "1"}],
            "volumeMounts": [{"name": "data", "mountPath": "/data"}],
        }
    ],
    "containers": [CONTAINER, {"name": "side", "image": "alpine:latest", "command": ["sleep", "5"]}],
    "volumes": [
        {"name": "data", "persistentVolumeClaim": {"claimName": "pvc-<username>"}},
        {"name": "config", "configMap": {"name": "cm-<username>", "items": [{"key": "greeting", "path": "g.txt"}]}},
        {"name": "secret", "secret": {"secretName": "s-<username>", "defaultMode": 256}},
        {"name": "scratch", "emptyDir": {"medium": "Memory", "sizeLimit": "1Gi"}},
    ],
}


def _meta(name: str) -> dict[str, Any]:
    return {
        "name": name,
        "namespace": "default",
        "labels": {"app": name, "tier": "lesson"},
        "annotations": {"note": "made for the tutorial"},
    }


def _template(labels: dict[str, str], spec: dict[str, Any]) -> dict[str, Any]:
    return {"metadata": {"labels": labels, "annotations": {"a": "b"}}, "spec": spec}


def _job_spec() -> dict[str, Any]:
    spec = copy.deepcopy(POD_SPEC)
    return {"backoffLimit": 2, "completions": 1, "parallelism": 1, "ttlSecondsAfterFinished": 60, "template": _template({}, spec)}


def _workload(kind: str, name: str) -> dict[str, Any]:
    spec = copy.deepcopy(POD_SPEC)
    spec["restartPolicy"] = "Always"
    selector = {"matchLabels": {"app": name}, "matchExpressions": [{"key": "tier", "operator": "In", "values": ["lesson"]}]}
    body: dict[str, Any] = {"selector": selector, "template": _template({"app": name, "tier": "lesson"}, spec)}
    if kind != "DaemonSet":
        body["replicas"] = 1
    if kind == "StatefulSet":
        body["serviceName"] = "svc-<username>"
        body["volumeClaimTemplates"] = [
            {
                "metadata": {"name": "vct", "labels": {"a": "b"}},
                "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}},
            }
        ]
    if kind == "Deployment":
        body["strategy"] = {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1}}
    return {"apiVersion": "apps/v1", "kind": kind, "metadata": _meta(name), "spec": body}


BASES: dict[str, dict[str, Any]] = {
    "Pod": {"apiVersion": "v1", "kind": "Pod", "metadata": _meta("pod-<username>"), "spec": copy.deepcopy(POD_SPEC)},
    "Job": {"apiVersion": "batch/v1", "kind": "Job", "metadata": _meta("job-<username>"), "spec": _job_spec()},
    "CronJob": {
        "apiVersion": "batch/v1",
        "kind": "CronJob",
        "metadata": _meta("cron-<username>"),
        "spec": {
            "schedule": "*/1 * * * *",
            "concurrencyPolicy": "Forbid",
            "successfulJobsHistoryLimit": 1,
            "jobTemplate": {"metadata": {"labels": {"a": "b"}}, "spec": _job_spec()},
        },
    },
    "Deployment": _workload("Deployment", "deploy-<username>"),
    "StatefulSet": _workload("StatefulSet", "sts-<username>"),
    "DaemonSet": _workload("DaemonSet", "ds-<username>"),
    "Service": {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": _meta("svc-<username>"),
        "spec": {
            "type": "ClusterIP",
            "selector": {"app": "deploy-<username>"},
            "ports": [{"name": "http", "port": 80, "targetPort": 8080, "protocol": "TCP"}],
        },
    },
    "PersistentVolumeClaim": {
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": _meta("pvc-<username>"),
        "spec": {
            "accessModes": ["ReadWriteMany"],
            "storageClassName": "rook-cephfs",
            "resources": {"requests": {"storage": "1Gi"}},
            "selector": {"matchLabels": {"disk": "fast"}},
            "volumeMode": "Filesystem",
        },
    },
    "PersistentVolume": {
        "apiVersion": "v1",
        "kind": "PersistentVolume",
        "metadata": {"name": "pv-<username>", "labels": {"disk": "fast"}, "annotations": {"a": "b"}},
        "spec": {
            "capacity": {"storage": "1Gi"},
            "accessModes": ["ReadWriteOnce"],
            "persistentVolumeReclaimPolicy": "Delete",
            "storageClassName": "local-path",
            "hostPath": {"path": "/tmp/pv-<username>", "type": "DirectoryOrCreate"},
            "claimRef": {"name": "pvc-<username>", "namespace": "default"},
        },
    },
    "ConfigMap": {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": _meta("cm-<username>"),
        "data": {"greeting": "hello", "settings.ini": "[a]\nb = 1\n"},
        "binaryData": {"blob": "aGVsbG8="},
    },
    "Secret": {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": _meta("s-<username>"),
        "type": "Opaque",
        "data": {"token": "c2VjcmV0LXRva2VuLTEyMzQ1Njc4OQ=="},
        "stringData": {"password": "correct-horse-battery-staple"},
    },
    "Ingress": {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": _meta("ing-<username>"),
        "spec": {
            "ingressClassName": "nginx",
            "tls": [{"hosts": ["bob.example.org"], "secretName": "tls-<username>"}],
            "rules": [
                {
                    "host": "bob.example.org",
                    "http": {
                        "paths": [
                            {
                                "path": "/",
                                "pathType": "Prefix",
                                "backend": {"service": {"name": "svc-<username>", "port": {"number": 80}}},
                            }
                        ]
                    },
                }
            ],
        },
    },
    "StorageClass": {
        "apiVersion": "storage.k8s.io/v1",
        "kind": "StorageClass",
        "metadata": {"name": "sc-<username>", "labels": {"a": "b"}, "annotations": {"a": "b"}},
        "provisioner": "rancher.io/local-path",
        "parameters": {"path": "/tmp"},
        "reclaimPolicy": "Delete",
        "volumeBindingMode": "WaitForFirstConsumer",
        "allowVolumeExpansion": True,
        "mountOptions": ["noatime"],
    },
}
KEPT = {("apiVersion",), ("kind",)}  # without them a document is not a Kubernetes object at all


def paths(data: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every field and list item of `data`, at any depth."""
    children = data.items() if isinstance(data, Mapping) else enumerate(data) if isinstance(data, list) else ()
    for key, value in children:
        path = (*prefix, key)
        yield path
        yield from paths(value, path)


def hollowed(body: dict[str, Any], edits: list[tuple[tuple[Any, ...], str]]) -> dict[str, Any]:
    """A copy of `body` with each edit's field set to null, removed or emptied (a field an earlier edit removed is skipped)."""
    out = copy.deepcopy(body)
    for path, how in edits:
        parent: Any = out
        for key in path[:-1]:
            try:
                parent = parent[key]
            except (KeyError, IndexError, TypeError):
                break
        else:
            key = path[-1]
            if (isinstance(parent, dict) and key in parent) or (isinstance(parent, list) and key < len(parent)):
                if how == "remove" and isinstance(parent, dict):
                    del parent[key]
                elif how == "empty":
                    parent[key] = [] if isinstance(parent[key], list) else {} if isinstance(parent[key], dict) else ""
                else:
                    parent[key] = None
    return out


@st.composite
def manifests(draw: st.DrawFn) -> dict[str, Any]:
    kind = draw(st.sampled_from(sorted(BASES)))
    base = BASES[kind]
    fields = [p for p in paths(base) if p not in KEPT]
    chosen = draw(st.lists(st.sampled_from(fields), min_size=1, max_size=8, unique=True))
    edits = [(p, draw(st.sampled_from(["null", "null", "remove", "empty"]))) for p in chosen]
    return hollowed(base, edits)


class _Blank(yaml.SafeDumper):
    """Writes null as nothing (`labels:`), as tutorials do; the default dumper writes `null`."""


_Blank.add_representer(type(None), lambda d, _: d.represent_scalar("tag:yaml.org,2002:null", ""))


def as_yaml(body: dict[str, Any], blank: bool) -> str:
    return yaml.dump(body, Dumper=_Blank if blank else yaml.SafeDumper, sort_keys=False, default_flow_style=False)


def tutorial(block: str, heredoc: str, named: str) -> str:
    return (
        "# Null fields\n\nCreate the first object:\n\n"
        f"```yaml\n{block}```\n\n"
        "Then the second one, from a here-document:\n\n"
        f"```bash\nkubectl apply -f - <<EOF\n{heredoc}EOF\n```\n\n"
        f"Save this as `s3.yaml`:\n\n```yaml {{file=s3.yaml}}\n{named}```\n\n"
        "```bash\nkubectl apply -f s3.yaml\nkubectl get pods\n```\n"
    )


def local_facts() -> ClusterFacts:
    prof = load_profile("local")
    return ClusterFacts(
        storage_classes=frozenset(prof.storage_classes),
        gpu=True,
        gpu_simulated=True,
        network=prof.network,
        image_for=prof.image_for,
        nodes=(NodeShape("node", 2, 24 * 2**30, {"nvidia.com/gpu.product": "NVIDIA-A10"}),),
    )


PROFILE = load_profile("local")
FACTS = local_facts()


def assert_labelled(out: Mapping[str, Any]) -> None:
    """The run's labels are on the object and on its pod template when it has one (the generator never makes a field of the
    wrong type, so there is always room for them)."""
    assert LABELS.items() <= out["metadata"]["labels"].items()
    template = pod_template(out)
    if template is not None:
        assert LABELS.items() <= template["metadata"]["labels"].items()


def exercise(source: str) -> None:
    """Everything `show`, `lint`, `new` and a run's preparation do with a tutorial, which must not raise."""
    lesson = parse_lesson(source, "nulls.md")
    # show: render, mask secrets, print, plan with the local cluster's facts
    rendered = render(lesson, {"username": "bob"})
    shown = redacted(rendered, redactor_for(rendered.lesson, rendered.values))
    views.plan_text(shown)
    views.plan_json(shown)
    plan = build_plan(rendered.lesson, FACTS)
    # lint, with a crashing rule raising instead of becoming a finding
    findings = lint_lesson(lesson)
    assert not [f for f in findings if "rule failed on this file" in f.message]
    # new
    draft(source, "nulls.md", "nulls")
    # a run's preparation: labels and images on every manifest, here-documents, files
    with tempfile.TemporaryDirectory() as tmp:
        workspace = Workspace(Path(tmp), LABELS, "bob", PROFILE)
        for step in rendered.lesson.steps:
            if step.type is StepType.MANIFEST:
                for obj in step.objects:
                    assert_labelled(workspace.prepared(obj.body))
                list(yaml.safe_load_all(workspace.prepared_yaml_of(step.objects)))
        for manifests_ in Effects(rendered.lesson).heredocs.values():
            for out in yaml.safe_load_all(workspace.prepared_yaml_of([m.obj for m in manifests_])):
                assert_labelled(out)
        workspace.write_files(plan)


@pytest.fixture(autouse=True, scope="module")
def _rule_crashes_raise() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TUTORIAL_LINT_DEBUG", "1")
        yield


@settings(
    max_examples=int(os.environ.get("NULL_FIELDS_EXAMPLES", "60")), deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(block=manifests(), heredoc=manifests(), named=manifests(), blank=st.booleans())
def test_null_and_missing_fields_never_crash(block, heredoc, named, blank):
    exercise(tutorial(as_yaml(block, blank), as_yaml(heredoc, blank), as_yaml(named, blank)))


def _value(data: Any, path: tuple[Any, ...]) -> Any:
    for key in path:
        data = data[key]
    return data


def _all_null(kind: str, which: str) -> list[tuple[tuple[Any, ...], str]]:
    """Edits that set to null every scalar but apiVersion, kind and the name (`every value`), every mapping or list
    holding only scalars (`every innermost field`: labels, annotations, requests, command ...), or every list item."""
    base = BASES[kind]
    kept = KEPT | {("metadata", "name")}

    def innermost(value: Any) -> bool:
        inside = value.values() if isinstance(value, dict) else value if isinstance(value, list) else None
        return inside is not None and not any(isinstance(v, (dict, list)) for v in inside)

    if which == "every value":
        return [(p, "null") for p in paths(base) if p not in kept and not isinstance(_value(base, p), (dict, list))]
    if which == "every innermost field":
        return [(p, "null") for p in paths(base) if innermost(_value(base, p)) and not isinstance(p[-1], int)]
    return [(p, "null") for p in paths(base) if isinstance(p[-1], int)]


@pytest.mark.parametrize(
    "kind, which",
    [(k, w) for w in ("every value", "every innermost field", "every list item") for k in sorted(BASES) if _all_null(k, w)],
)
def test_every_field_null_at_once(kind, which):
    """The extremes: nothing but empty mappings and lists left; `labels:`, `annotations:`, `requests:`, `command:` ... all
    left empty; or `containers: [null]`, `env: [null]` ... everywhere."""
    doc = as_yaml(hollowed(BASES[kind], _all_null(kind, which)), blank=True)
    exercise(tutorial(doc, doc, doc))


EXAMPLE = """\
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
    command: ["sh", "-c", "echo ok"]
    env:
    resources:
    volumeMounts:
  volumes:
"""


@pytest.mark.parametrize("command", [["show", "--user", "bob"], ["show", "--format", "json"], ["lint"], ["new", "-o", "-"]])
def test_the_cli_never_exits_70_on_null_fields(tmp_path, command):
    path = tmp_path / "nulls.md"
    path.write_text(tutorial(EXAMPLE, EXAMPLE.replace("nulls-", "here-"), EXAMPLE.replace("nulls-", "named-")))
    args = [command[0], str(path), *command[1:]]
    result = CliRunner().invoke(main, args)
    assert result.exit_code in (0, 1), (result.exit_code, result.output, result.exception)
    assert "Traceback" not in result.output


# ---- the model, on small cases ---------------------------------------------------------------------


def _object(text: str):
    result = read_yaml(text, 1)
    assert not result.error and len(result.objects) == 1
    return result.objects[0]


def test_a_body_is_read_without_its_null_fields_and_keeps_its_lines():
    obj = _object(EXAMPLE)
    assert obj.body["metadata"] == {"name": "nulls-<username>"}
    assert obj.body["spec"] == {
        "restartPolicy": "Never",
        "containers": [{"name": "main", "image": "busybox", "command": ["sh", "-c", "echo ok"]}],
    }
    assert obj.positions.line(("metadata", "labels")) == 5
    assert obj.containers()[0].env == [] and obj.containers()[0].limits == {} and obj.containers()[0].mount_paths == []


def test_null_list_items_stay_for_the_api_server_to_judge_and_readers_skip_them():
    obj = _object(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  initContainers: [null]\n  containers:\n  - null\n  - name: c\n    env: [null, {name: A}]\n"
    )
    assert obj.body["spec"]["containers"][0] is None
    (c,) = obj.containers(init=None)
    assert (c.name, c.path, c.init, c.env) == ("c", ("spec", "containers", 1), False, [{"name": "A"}])


def test_labels_are_added_where_the_manifest_leaves_them_empty_and_left_alone_where_it_holds_something_else():
    workspace = Workspace(Path("/nonexistent"), LABELS, "bob", PROFILE)
    job = _object(
        "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: j\n  labels:\nspec:\n  template:\n    metadata:\n"
        "    spec:\n      containers:\n      - name: c\n        image: busybox\n"
    )
    out = workspace.prepared(job.body)
    assert out["metadata"]["labels"] == LABELS and out["spec"]["template"]["metadata"] == {"labels": LABELS}
    assert out["spec"]["template"]["spec"]["containers"][0]["image"] == "docker.io/library/busybox:latest"
    no_template = workspace.prepared(_object("apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: j\nspec:\n  template:\n").body)
    assert no_template["spec"] == {}  # no pod template is made up: the API server refuses the Job as written
    wrong = workspace.prepared(_object("apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  labels: [a]\n").body)
    assert wrong["metadata"]["labels"] == ["a"]  # not a mapping: the API server's to refuse, with its own message


def test_an_empty_secret_value_in_a_here_document_is_no_secret():
    """`password:` left empty held None, remembered as the secret "None" and masked in every output."""
    source = (
        "# t\n\n```bash\nkubectl apply -f - <<EOF\napiVersion: v1\nkind: Secret\nmetadata:\n  name: s-<username>\n"
        "stringData:\n  password:\n  token: s3cr3t-v4lue\nEOF\n```\n"
    )
    redact = redactor_for(parse_lesson(source, "t.md"))
    assert redact.text("None of the pods is ready") == "None of the pods is ready"
    assert "s3cr3t-v4lue" not in redact.text("the token is s3cr3t-v4lue")
