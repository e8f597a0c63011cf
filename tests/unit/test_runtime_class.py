"""A pod of a RuntimeClass needs its handler on some node (gVisor's `runsc`): a fact of the cluster, checked before."""

from __future__ import annotations

import dataclasses
import textwrap

from runner.cluster import configs
from runner.lesson.parser import parse_lesson
from runner.lesson.render import render
from runner.plan.build import build_plan
from runner.plan.facts import ClusterFacts
from runner.plan.operation import Operation
from runner.plan.profile import builtin_profiles_dir, load_profile, profile_from_dict

FACTS = ClusterFacts(network=False, namespace="ws", objects_known=True, runtime_handlers=frozenset({"runc"}))

TUTORIAL = """\
    # gVisor

    ```bash
    cat <<EOF | kubectl apply -f -
    apiVersion: node.k8s.io/v1
    kind: RuntimeClass
    metadata:
      name: gvisor
    handler: runsc
    EOF
    ```

    ```bash
    cat <<EOF | kubectl apply -f -
    apiVersion: v1
    kind: Pod
    metadata:
      name: sandboxed
    spec:
      runtimeClassName: gvisor
      containers:
      - name: c
        image: busybox
        command: [sleep, "3600"]
    EOF
    ```

    ```bash
    kubectl exec sandboxed -- dmesg
    ```
"""


def plan(md: str, facts: ClusterFacts) -> dict[int, tuple[Operation, str]]:
    lesson = render(parse_lesson(textwrap.dedent(md), "t.md"), {}).lesson
    return {a.step.line: (a.do, a.reason or "") for a in build_plan(lesson, facts).actions}


def test_a_pod_whose_runtime_handler_no_node_offers_is_skipped_naming_it_and_so_is_what_uses_it():
    p = plan(TUTORIAL, FACTS)
    assert p[4][0] is Operation.COMMAND  # the RuntimeClass itself is only an object: it is made
    assert p[14][0] is Operation.SKIP
    assert "runtime handler runsc (RuntimeClass gvisor)" in p[14][1] and "offer: runc" in p[14][1]
    assert p[29][0] is Operation.SKIP and "line 14" in p[29][1]


def test_a_node_that_offers_the_handler_runs_the_pod():
    p = plan(TUTORIAL, dataclasses.replace(FACTS, runtime_handlers=frozenset({"runc", "runsc"})))
    assert p[14][0] is Operation.COMMAND


def test_unknown_handlers_assume_the_pod_can_run():
    assert plan(TUTORIAL, dataclasses.replace(FACTS, runtime_handlers=None))[14][0] is Operation.COMMAND


def test_a_runtime_class_of_the_cluster_is_looked_up_for_its_handler():
    only_pod = TUTORIAL[TUTORIAL.index("    ```bash\n    cat <<EOF | kubectl apply -f -\n    apiVersion: v1") :]
    on = dataclasses.replace(FACTS, runtime_classes={"gvisor": "runsc"})
    assert "runtime handler runsc" in plan(only_pod, on)[2][1]
    missing = plan(only_pod, dataclasses.replace(FACTS, runtime_classes={}))
    assert missing[2][0] is Operation.SKIP and "needs RuntimeClass gvisor" in missing[2][1]


def test_the_local_profile_lists_the_handlers_containerd_is_configured_with():
    local = load_profile(str(builtin_profiles_dir() / "local.yaml"))
    assert local.runtime_handlers == configs.RUNTIME_HANDLERS
    assert profile_from_dict("x", {}).runtime_handlers is None
    assert profile_from_dict("x", {"runtime_handlers": "runc"}).runtime_handlers == ("runc",)
