"""One model of what a step does: the planner, the runner, lint and clean read the same effects."""

from __future__ import annotations

from runner.effects import Effects
from runner.lesson.parser import parse_file, parse_lesson
from runner.lesson.render import render
from runner.lint.facts import LessonFacts
from runner.plan.build import build_plan
from runner.plan.facts import ClusterFacts
from runner.plan.operation import Operation

HEREDOC = """# Heredocs

```bash
kubectl apply -f - <<EOF
apiVersion: v1
kind: Pod
metadata:
  name: hd-<username>
spec:
  containers:
  - name: main
    image: busybox
EOF
```

```bash
cat <<'YAML' | kubectl create -f -
apiVersion: v1
kind: ConfigMap
metadata:
  name: cm-<username>
data:
  a: "1"
YAML
```

```bash
kubectl logs hd-<username>
kubectl delete pod hd-<username>
```
"""

GPU = """# GPU

```yaml
apiVersion: v1
kind: Pod
metadata:
  name: g-<username>
spec:
  containers:
  - name: main
    image: nvidia/cuda
    resources:
      limits:
        nvidia.com/gpu: 1
```

```bash
kubectl logs g-<username>
kubectl create configmap g-<username> --from-literal=a=b
```
"""


def _rendered(src: str, user: str = "bob"):
    return render(parse_lesson(src, "t.md"), {"username": user}).lesson


def test_heredoc_objects_are_created_with_their_lines():
    effects = Effects(_rendered(HEREDOC))
    created = {(e.kind, e.name, e.line, e.action) for e in effects.events if e.creates}
    assert created == {("Pod", "hd-bob", 4, "apply"), ("ConfigMap", "cm-bob", 17, "create")}
    pod = next(m for m in effects.manifests if m.obj.kind == "Pod")
    assert pod.heredoc and pod.obj.name_line == 8 and pod.pos.value_line(("spec", "containers", 0, "image")) == 12
    assert effects.created() == {("Pod", "hd-bob"): 0, ("ConfigMap", "cm-bob"): 1}


def test_refs_and_deletes_in_order():
    effects = Effects(_rendered(HEREDOC))
    last = [(e.step.index, e.action, e.kind, e.name) for e in effects.events if e.step.index >= 2]
    assert last == [(2, "ref", None, "hd-bob"), (3, "delete", "Pod", "hd-bob")]


def test_the_planner_waits_for_what_a_heredoc_creates_and_deletes():
    plan = build_plan(_rendered(HEREDOC), ClusterFacts())
    waits = {a.step.index: [(w.kind, w.name, w.condition) for w in a.waits] for a in plan.actions}
    assert waits[0] == [("Pod", "hd-bob", "ready")]  # the Pod of the here-document
    assert waits[1] == []  # a ConfigMap has nothing to wait for
    assert waits[3] == [("Pod", "hd-bob", "deleted")]


def test_a_command_on_an_object_whose_creation_was_skipped_is_skipped():
    plan = build_plan(_rendered(GPU), ClusterFacts(gpu=False))
    by_line = {a.step.line: a for a in plan.actions}
    assert by_line[3].do is Operation.SKIP and "GPU" in (by_line[3].reason or "")
    assert by_line[18].do is Operation.SKIP and by_line[18].reason.startswith(
        "depends on pod/g-bob, which the step at line 3 would have made (needs a GPU"
    )
    assert by_line[19].do is Operation.COMMAND  # creating a new object of that name depends on nothing


def test_lint_and_plan_agree_on_what_is_created(storage_wild):
    lesson = parse_file(storage_wild)
    as_written = LessonFacts(lesson).effects.created()
    rendered = Effects(render(lesson, {"username": "bob"}).lesson).created()
    assert {(k, n.replace("<username>", "bob")): i for (k, n), i in as_written.items()} == rendered
    assert set(rendered) == {("Pod", "s1-bob"), ("PersistentVolumeClaim", "vol-bob"), ("Job", "lammps-nvidia-gpu1-bob")}
