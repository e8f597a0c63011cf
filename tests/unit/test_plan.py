"""Planning is pure: what runs, what is skipped and why, what is waited for."""

from __future__ import annotations

from runner.lesson.parser import parse_file, parse_lesson
from runner.lesson.render import render
from runner.plan.build import build_plan
from runner.plan.facts import ClusterFacts
from runner.plan.operation import Operation
from runner.plan.profile import profile_from_dict


def plan_of(path_or_md, facts, values=None):
    lesson = parse_file(path_or_md) if not str(path_or_md).startswith(("#", "`", "-", "<")) else parse_lesson(path_or_md, "t.md")
    return build_plan(render(lesson, values or {"username": "bob"}).lesson, facts)


LOCAL = profile_from_dict(
    "local",
    {
        "images": {"rockylinux:8": "docker.io/library/rockylinux:8"},
        "network": False,
        "storage": {"classes": {"rook-cephfs": {}}},
        "gpu": {"available": True, "simulated": True},
    },
)
LOCAL_FACTS = ClusterFacts(storage_classes=frozenset({"rook-cephfs"}), gpu=True, network=False, image_for=LOCAL.image_for)


def by_line(plan):
    return {a.step.line: a for a in plan.actions}


def test_wild_storage_tutorial_on_a_cluster_without_network_or_that_image(storage_wild):
    plan = by_line(plan_of(storage_wild, LOCAL_FACTS))
    assert plan[20].do is Operation.APPLY and [(w.kind, w.condition) for w in plan[20].waits] == [("Pod", "ready")]
    assert plan[57].do is Operation.EXEC
    assert plan[88].do is Operation.APPLY and plan[88].waits[0].condition == "bound"
    assert plan[123].do is Operation.SKIP and "nvcr.io/hpc/lammps" in plan[123].reason and plan[123].requirement_skip
    assert (
        plan[188].do is Operation.SKIP and "depends on job/lammps-nvidia-gpu1-bob, which the step at line 123" in plan[188].reason
    )
    # the pod it enters comes only from pod-awscli.yaml, which the text never shows (line 210 fails as a defect)
    assert plan[220].do is Operation.SKIP and plan[220].reason.startswith(
        "depends on pod/pod-bob, which no step names: the step at line 210"
    )
    assert plan[227].do is Operation.SKIP and "needs raw.githubusercontent.com, which is not reachable" in plan[227].reason


def test_gpu_and_storage_class_requirements(storage_wild):
    facts = ClusterFacts(storage_classes=frozenset({"standard"}), gpu=False, network=True)
    plan = by_line(plan_of(storage_wild, facts))
    assert "StorageClass rook-cephfs" in plan[88].reason
    assert "GPU" in plan[123].reason


def test_storage_lesson_commands_apply_the_files_and_wait():
    plan = by_line(plan_of("lessons/storage.md", LOCAL_FACTS, {"username": "bob", "storage-class": "rook-cephfs"}))
    assert plan[38].do is Operation.WRITE  # `kubectl create -f s1.yaml` applies it
    assert [(w.kind, w.name, w.condition, w.timeout) for w in plan[75].waits] == [("Pod", "s1-bob", "ready", 120.0)]
    assert [(w.kind, w.condition) for w in plan[100].waits] == [("Pod", "deleted")]
    assert [(w.kind, w.condition) for w in plan[125].waits] == [("PersistentVolumeClaim", "bound")]
    assert plan[90].do is Operation.COMMAND and plan[90].command.startswith(
        "kubectl exec s1-bob -- ls"
    )  # interactive, run `instead`
    assert {a.do for a in plan.values()} <= {Operation.WRITE, Operation.COMMAND, Operation.CHECK}


def test_lesson_level_requirement_skips_everything_but_files():
    md = "---\nid: g\ntitle: G\nrequires: [gpu]\n---\n```bash\nkubectl get nodes\n```\n"
    plan = plan_of(md, ClusterFacts(gpu=False))
    assert plan.actions[0].do is Operation.SKIP and "GPU" in plan.actions[0].reason


def test_files_of_the_run(data_wild):
    plan = plan_of(data_wild, LOCAL_FACTS)
    assert {"hello.txt", "world.txt", "s1.yaml", "pvc.yaml", "s3.yaml"} <= set(plan.files)


def test_image_names_resolve_through_the_profile_map():
    assert LOCAL.image_for("rockylinux:8") == "docker.io/library/rockylinux:8"
    assert LOCAL.image_for("docker.io/library/rockylinux:8") == "docker.io/library/rockylinux:8"
    assert LOCAL.image_for("nvcr.io/hpc/lammps:x") is None


def test_a_step_the_lesson_expects_to_fail_runs_whatever_it_misses():
    md = "```bash\nkubectl get pod does-not-exist-<username>\n```\n"
    facts = ClusterFacts(objects_known=True)
    assert plan_of(md, facts).actions[0].do is Operation.SKIP  # nothing makes it, the cluster has none: a prerequisite
    expected = plan_of("<!-- step: expect=fail -->\n" + md, facts).actions[0]
    assert expected.do is Operation.COMMAND  # the lesson says it fails: it runs, and passes when it does


def test_a_deployment_that_asks_more_than_the_cluster_holds_is_waited_for_only_until_made():
    """ "Create several resource-intensive pods" (5 × 500m on 2 CPUs): the rollout never completes here, and the
    tutorial does not mean it to; 3 × 500m does, and is waited for."""
    from runner.plan.facts import NodeShape

    md = """\
```yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: hog
spec:
  replicas: REPLICAS
  selector:
    matchLabels: {app: hog}
  template:
    metadata:
      labels: {app: hog}
    spec:
      containers:
      - name: c
        image: nginx
        resources:
          requests: {cpu: 500m, memory: 256Mi}
```
"""
    facts = ClusterFacts(network=False, nodes=(NodeShape("n1", 2, 8e9),))
    waits = {n: plan_of(md.replace("REPLICAS", str(n)), facts).actions[0].waits for n in (3, 5)}
    assert [w.condition for w in waits[3]] == ["ready"]
    assert [w.condition for w in waits[5]] == ["exists"]
