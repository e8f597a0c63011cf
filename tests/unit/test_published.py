"""Published tutorials as they are: the rules that turn any hands-on tutorial into a plan, without edits.

The rules are tested on small documents of every shape first, then on the real
tutorials of ../shared/wild (exact plans), so that a rule never holds for one
file only.
"""

from __future__ import annotations

import dataclasses
import json
import textwrap
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

from runner.cli import main
from runner.lesson.model import StepType
from runner.lesson.parser import parse_file, parse_lesson
from runner.lesson.render import render, unused_sets, values_for
from runner.plan.build import build_plan
from runner.plan.facts import ClusterFacts, NodeShape
from runner.plan.operation import Operation
from runner.plan.profile import load_profile
from runner.syntax.k8s import BUILTIN_KINDS, unknown_kind

POD = """apiVersion: v1
kind: Pod
metadata:
  name: p-<username>
spec:
  containers:
  - name: c
    image: busybox
"""


def parse(md: str, path: str = "t.md"):
    return parse_lesson(textwrap.dedent(md), path)


def types(lesson):
    return [(s.line, s.type.value) for s in lesson.steps]


def local_facts(**over) -> ClusterFacts:
    prof = load_profile("local")
    base = {
        "storage_classes": frozenset(prof.storage_classes),
        "gpu": True,
        "gpu_simulated": True,
        "network": prof.network,
        "image_for": prof.image_for,
        "nodes": (NodeShape("node", 2, 24 * 2**30, {"nvidia.com/gpu.product": "NVIDIA-A10"}),),
    }
    base.update(over)
    return ClusterFacts(**base)


def plan_of(lesson, user="ci", facts=None, **values):
    rendered = render(lesson, {"username": user, **values}).lesson
    return {a.step.line: a for a in build_plan(rendered, facts or local_facts()).actions}


# ---- 1. front matter that is not ours ----------------------------------------------------------


@pytest.mark.parametrize(
    "front, title",
    [
        ("title: Managing Secrets\ncontent_type: task\nweight: 20\nreviewers:\n- a\n", "Managing Secrets"),  # Hugo
        ("layout: post\ntitle: PVCs\ntags: [k8s]\npermalink: /pvc/\n", "PVCs"),  # Jekyll
        ("sidebar_position: 3\ntitle: Jobs\nslug: /jobs\n", "Jobs"),  # Docusaurus
        ("hide:\n  - toc\nsearch:\n  boost: 2\n", "Heading"),  # MkDocs, no title: the first heading
    ],
)
def test_site_front_matter_gives_its_title_and_nothing_else(front, title):
    lesson = parse(f"---\n{front}---\n# Heading\n\n```yaml\n{POD}```\n")
    assert lesson.meta.title == title and not lesson.meta.annotated
    assert [s.type for s in lesson.steps] == [StepType.MANIFEST]


def test_our_front_matter_keeps_its_errors_and_allows_site_keys():
    ok = parse("---\nid: x\nweight: 3\ntags: [a]\nrubric: {c: 1}\n---\n# T\n")
    assert ok.meta.annotated and ok.meta.id == "x"
    from runner.core.errors import LessonError

    with pytest.raises(LessonError, match="unknown front matter key 'rubrik'") as err:
        parse("---\nid: x\nrubrik: {}\n---\n")
    assert err.value.line == 3


# ---- 2. errors are data, not a refusal ------------------------------------------------------------


def test_a_bad_name_or_kind_is_an_invalid_step_and_the_rest_of_the_plan_stays():
    md = f"```yaml\n{POD.replace('p-<username>', 'My_Pod')}```\n\n```yaml\n{POD.replace('Pod', 'Pood', 1)}```\n\n```bash\nkubectl get pods\n```\n"
    lesson = parse(md)
    assert (
        lesson.steps[1].type is StepType.INVALID
        and lesson.steps[1].error == "unknown kind 'Pood' in apiVersion v1: did you mean Pod?"
    )
    assert lesson.steps[1].error_line == 14  # the `kind:` line
    rendered = render(lesson, {"username": "bob"}).lesson
    bad = rendered.steps[0]
    assert bad.type is StepType.INVALID and bad.error_line == 5 and "My_Pod" in (bad.error or "")
    plan = plan_of(lesson, "bob")
    assert plan[1].do is Operation.FAIL and "My_Pod" in (plan[1].reason or "")  # a run fails at the step, not before
    assert plan[12].do is Operation.FAIL and plan[24].do is Operation.COMMAND


def test_show_prints_the_whole_plan_and_the_problems_on_stderr(tmp_path):
    path = tmp_path / "t.md"
    path.write_text(f"```yaml\n{POD.replace('p-<username>', 'My_Pod')}```\n\n```bash\nkubectl get pods\n```\n")
    res = CliRunner().invoke(main, ["show", str(path), "--user", "bob"])
    assert res.exit_code == 1  # documented: the plan has steps that cannot run as written
    assert "kubectl get pods" in res.stdout and "INVALID" in res.stdout
    assert (
        res.stderr.strip()
        == f"{path}:5: error: Pod name 'My_Pod' is not a valid Kubernetes name (a DNS subdomain: lower-case letters, digits, '-', at most 253)"
    )


def test_a_name_that_asks_to_be_changed_is_a_value_to_give_not_a_defect():
    md = f"```yaml\n{POD.replace('p-<username>', 'ChangeNameHere')}```\n\n```yaml\n{POD.replace('p-<username>', 'PodName  <------ change here')}```\n"
    plan = plan_of(parse(md), "bob")
    assert (
        plan[1].do is Operation.SKIP
        and "where the text says `ChangeNameHere` (it asks the reader to change it)" in plan[1].reason
    )
    assert plan[12].do is Operation.SKIP and "`PodName  <------ change here`" in plan[12].reason


def test_the_kind_table_is_the_schemas_of_kubernetes_1_34():
    import kubernetes_validate

    folder = Path(kubernetes_validate.__file__).parent / "kubernetes-json-schema" / "v1.34.0-local-strict"
    defs = json.loads((folder / "_definitions.json").read_text())["$defs"]
    for schema in defs.values():
        for gvk in schema.get("x-kubernetes-group-version-kind") or []:
            props = schema.get("properties") or {}
            if "metadata" in props and "apiVersion" in props and not gvk["kind"].endswith("List"):
                if gvk["kind"] in ("Status", "DeleteOptions", "WatchEvent", "Eviction", "Scale") or gvk["kind"].endswith(
                    "Review"
                ):
                    continue
                if gvk["kind"] in ("TokenRequest",):
                    continue
                assert gvk["kind"] in BUILTIN_KINDS[gvk["group"]], gvk
    assert unknown_kind("argoproj.io/v1alpha1", "Workflow") is None  # custom resources are not judged


# ---- 3. a block's content first -------------------------------------------------------------------


@pytest.mark.parametrize("fence", ["python", "bash", "sh", "console", "text", "yml", "{yaml}", "", "json"])
def test_a_kubernetes_object_is_a_manifest_in_any_fence(fence):
    lesson = parse(f"```{fence}\n{POD}```\n")
    assert types(lesson) == [(1, "manifest")] and lesson.steps[0].objects[0].name == "p-<username>"


def test_indented_code_blocks_too():
    lesson = parse("Here:\n\n" + "".join("    " + line + "\n" for line in POD.splitlines()))
    assert types(lesson) == [(3, "manifest")]


def test_notebook_commands_in_python_fences_are_commands():
    lesson = parse("```python\n# List the nodes\nkubectl get nodes\n\n```\n\n```python\nimport os\nprint(os.getcwd())\n```\n")
    assert types(lesson) == [(3, "command"), (7, "other")]


@pytest.mark.parametrize(
    "line",
    ["apiVersion: v1", "kind: Pod", "  - name: mypod", "- oidc-login", "metadata:", "      args:", "--token-cache-storage=disk"],
)
def test_a_yaml_line_or_a_lone_option_is_never_run(line):
    for fence in ("bash", "sh", "console", ""):
        lesson = parse(f"```{fence}\n{line}\n```\n")
        assert all(s.type is not StepType.COMMAND for s in lesson.steps), (fence, line, types(lesson))


def test_a_pod_manifest_in_a_bash_fence_is_one_manifest_not_commands():
    lesson = parse(f"```bash\n{POD}```\n")
    assert types(lesson) == [(1, "manifest")]


def test_only_prompted_lines_of_a_console_transcript_run():
    lesson = parse(
        "```console\n$ kubectl get pods\nNAME   READY   STATUS\np-bob  1/1     Running\n$ kubectl get pvc\nNo resources found\n```\n"
    )
    assert [(s.line, s.command) for s in lesson.steps] == [(2, "kubectl get pods"), (5, "kubectl get pvc")]


@pytest.mark.parametrize(
    "before, block",
    [
        ("The output is similar to:", POD),  # prose says so
        ("You should see:", "secret/mysecret created"),
        ("Run it:", POD.replace("metadata:\n", 'metadata:\n  uid: 1b2c\n  resourceVersion: "7225"\n')),  # server fields
    ],
)
def test_output_is_never_a_manifest_nor_a_command(before, block):
    lesson = parse(f"{before}\n\n```yaml\n{block}\n```\n")
    assert [s.type for s in lesson.steps] == [StepType.OTHER] and "output" in (lesson.steps[0].reason or "")


def test_yaml_after_kubectl_get_o_yaml_of_that_object_is_its_output():
    md = (
        "```bash\nkubectl get pod p-<username> -o yaml\n```\n\n```yaml\n"
        + POD
        + "```\n\n```bash\nkubectl get configmap c -o yaml\n```\n\nThen:\n\n```yaml\n"
        + POD
        + "```\n"
    )
    lesson = parse(md)
    assert types(lesson) == [(2, "command"), (5, "other"), (17, "command"), (22, "manifest")]


def test_a_manifest_applied_by_the_next_block_is_that_file():
    md = f"Create the manifest:\n\n```yaml\n{POD}```\n\nCreate it:\n\n```shell\nkubectl apply -f ./pod.yaml\n```\n"
    lesson = parse(md)
    assert lesson.steps[0].file == "pod.yaml" and not lesson.steps[0].apply
    plan = plan_of(lesson, "bob")
    assert plan[3].do is Operation.WRITE and plan[17].do is Operation.COMMAND and [w.name for w in plan[17].waits] == ["p-bob"]


def test_the_same_object_shown_again_is_an_alternative_not_applied():
    secret = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\nstringData:\n  a: b\n"
    md = f"```yaml\n{secret}```\n\nOr like this:\n\n```yaml\n{secret.replace('a: b', 'c: d')}```\n\n```bash\nkubectl delete secret s\n```\n\n```yaml\n{secret}```\n"
    plan = plan_of(parse(md))
    assert (
        plan[1].do is Operation.APPLY and plan[12].do is Operation.SKIP and "again, as made at line 5" in (plan[12].reason or "")
    )
    assert plan[22].do is Operation.COMMAND and plan[25].do is Operation.APPLY  # deleted in between: made anew


# ---- 4. placeholders of unannotated tutorials -----------------------------------------------------


def test_every_placeholder_in_the_text_can_be_set_and_unfilled_ones_block_only_their_steps():
    md = "Replace <project-namespace> with your project's namespace.\n\n```bash\nkubectl get pods -n <project-namespace>\nkubectl get nodes\nkubectl describe namespace <YOUR NAMESPACE>\n```\n"
    lesson = parse(md)
    assert [p.name for p in lesson.meta.placeholders] == ["username", "project-namespace", "YOUR NAMESPACE"]
    assert lesson.placeholder("project-namespace").description == "Replace <project-namespace> with your project's namespace."
    plan = plan_of(lesson)
    assert (
        plan[4].do is Operation.SKIP and plan[4].reason == "needs a value for <project-namespace>: give --set project-namespace=…"
    )
    assert plan[5].do is Operation.COMMAND
    assert plan[6].reason == 'needs a value for <YOUR NAMESPACE>: give --set "YOUR NAMESPACE=…"'
    filled = plan_of(lesson, **{"project-namespace": "ws", "YOUR NAMESPACE": "ws"})
    assert filled[4].command == "kubectl get pods -n ws" and filled[6].command == "kubectl describe namespace ws"


def test_a_set_the_lesson_does_not_use_is_a_warning(tmp_path):
    path = tmp_path / "t.md"
    path.write_text("```bash\nkubectl get pods -n <project-namespace>\n```\n")
    lesson = parse_file(path)
    assert unused_sets(lesson, {"project-namespace": "a", "bucket": "b"}) == ["bucket"]
    assert values_for(lesson, "bob", {"bucket": "b"})["bucket"] == "b"
    res = CliRunner().invoke(main, ["show", str(path), "--user", "bob", "--set", "project-namespace=ws", "--set", "bucket=b"])
    assert res.exit_code == 0 and "kubectl get pods -n ws" in res.stdout
    assert res.stderr.strip() == f"tutorial: warning: --set bucket: {path} has no placeholder `<bucket>`"


def test_a_typo_of_a_placeholder_fails_its_step_naming_the_defect():
    plan = plan_of(parse("```bash\nkubectl logs c3-<usernam>\n```\n"))
    assert (
        plan[2].do is Operation.FAIL and plan[2].reason == "placeholder `<usernam>` is not declared: did you mean `<username>`?"
    )


def test_the_bare_word_username_when_the_prose_says_to_replace_it():
    md = (
        "Please do replace “username” with your own id.\n\n```yaml\n"
        + POD.replace("p-<username>", "pod-username")
        + "```\n\n```bash\nkubectl logs pod-username\n```\n"
    )
    rendered = render(parse(md), {"username": "bob"}).lesson
    assert rendered.steps[0].objects[0].name == "pod-bob" and rendered.steps[1].command == "kubectl logs pod-bob"
    untold = render(parse(md.split("\n", 1)[1]), {"username": "bob"}).lesson
    assert untold.steps[0].objects[0].name == "pod-username"  # nobody said so: left as written
    secret = "replace username with your id\n\n```bash\nkubectl create secret generic s --from-literal=username=me\n```\n"
    assert "username=me" in (render(parse(secret), {"username": "bob"}).lesson.steps[0].command or "")


# ---- 5. heredoc manifests -------------------------------------------------------------------------


@pytest.mark.parametrize("head", ["kubectl apply -f - <<EOF", "cat <<'EOF' | kubectl create -f -", "kubectl create -f - << EOF"])
def test_heredoc_objects_are_checked_and_planned(head):
    md = f"```bash\n{head}\n{POD}EOF\n```\n"
    plan = plan_of(parse(md), "bob")
    assert [(w.kind, w.name, w.condition) for w in plan[2].waits] == [("Pod", "p-bob", "ready")]
    bad = render(parse(md.replace("p-<username>", "P_<username>")), {"username": "bob"}).lesson.steps[0]
    assert bad.type is StepType.INVALID and bad.error_line == 6 and "P_bob" in (bad.error or "")


# ---- 7. environment skips name what is missing ----------------------------------------------------


def test_environment_skips_name_the_host_the_image_the_program_the_node():
    job = POD.replace("kind: Pod", "kind: Pod").replace("image: busybox", "image: nvcr.io/hpc/lammps:x")
    md = (
        "```bash\nwget https://github.com/a/b/releases/x.zip\nunzip x.zip\nsudo mv x /usr/local/bin/\n"
        "mkdir -p ~/.kube\nbrew install kubelogin\nkubectl oidc-login --version\nfrobnicate --now\n```\n\n"
        f"```yaml\n{job}```\n\n```yaml\n{POD.replace('p-<username>', 'q-<username>')}  nodeSelector:\n    topology.kubernetes.io/region: us-west\n```\n"
    )
    facts = local_facts(missing_programs=frozenset({"frobnicate", "kubectl-oidc_login"}))
    plan = plan_of(parse(md), facts=facts)
    reasons = {line: a.reason for line, a in plan.items()}
    assert reasons[2] == "needs github.com, which is not reachable from here (profile network)"
    assert reasons[3].startswith("depends on x.zip, which the step at line 2 would have written (needs github.com")
    assert reasons[4].startswith("changes this machine (sudo mv)")
    assert reasons[5].startswith("changes this machine (mkdir writes ~/.kube)")
    assert reasons[6].startswith("changes this machine (brew install)")
    assert reasons[7] == "needs `kubectl-oidc_login`, which is not installed here"
    assert reasons[8] == "needs `frobnicate`, which is not installed here"
    assert reasons[11] == "needs image nvcr.io/hpc/lammps:x, which this cluster cannot pull (registry nvcr.io is not reachable)"
    assert (
        reasons[22] == "needs a node with label topology.kubernetes.io/region in ['us-west'], which no node of this cluster has"
    )
    assert all(plan[n].requirement_skip for n in (2, 3, 4, 7, 11, 22))  # --strict turns them into failures


def test_a_pod_bigger_than_any_node_is_skipped_with_the_numbers():
    big = POD.replace(
        "    image: busybox\n", '    image: busybox\n    resources:\n      requests:\n        cpu: "4"\n        memory: 16Gi\n'
    )
    plan = plan_of(parse(f"```yaml\n{big}```\n"))
    assert (
        plan[1].reason
        == "requests 4 CPU and 16 GiB, more than any node can ever give (the largest, node, has 2 CPU and 24 GiB allocatable)"
    )
    assert plan_of(parse(f"```yaml\n{big}```\n"), facts=local_facts(nodes=None))[1].do is Operation.APPLY  # nodes unknown: try


def test_network_all_and_a_list_of_hosts():
    md = "```bash\ngit clone https://github.com/a/b\ncurl -LO https://pypi.org/x\n```\n"
    assert {a.do for a in plan_of(parse(md), facts=local_facts(network=True)).values()} == {"command"}
    only = plan_of(parse(md), facts=local_facts(network=True, reachable=frozenset({"pypi.org"})))
    assert only[2].do is Operation.SKIP and "github.com" in (only[2].reason or "") and only[3].do is Operation.COMMAND


# ---- 8. the published tutorials of ../shared/wild, exactly -----------------------------------------


def manifests(path: Path, user: str = "ci"):
    rendered = render(parse_file(path), {"username": user}).lesson
    return [(s.line, o.kind, o.name) for s in rendered.steps if s.type is StepType.MANIFEST for o in s.objects]


def counts(path: Path):
    return dict(Counter(s.type.value for s in parse_file(path).steps))


def test_nrp_beginner_track(wild):
    path = wild / "nrp-beginner-track.md"
    assert manifests(path) == [
        (290, "Pod", "test-pod-ci"),
        (384, "Job", "simple-job-ci"),
        (456, "Deployment", "test-http-ci"),
        (520, "Service", "test-svc-ci"),
        (558, "Ingress", "test-ingress-ci"),
        (609, "PersistentVolumeClaim", "cephfs-pvc-ci"),
        (644, "Pod", "cephfs-pod-ci"),
        (689, "Pod", "region-test-ci"),
        (738, "Pod", "gpu-pod-ci"),
        (809, "Job", "low-priority-job-ci"),
        (886, "Pod", "s3-pod-ci"),
        (966, "Pod", "ollama-ci"),
        (1056, "Pod", "vectordb-example-ci"),
    ]  # every one in a ```python or ```bash fence; `ollama-username` rendered
    assert counts(path) == {"command": 56, "other": 16, "manifest": 13, "interactive": 6, "in-pod": 9}
    lesson = parse_file(path)
    steps = {s.line: s for s in lesson.steps}
    assert all(steps[n].type is StepType.OTHER for n in range(185, 193))  # the `args:` YAML in a bash fence
    assert steps[851].type is StepType.COMMAND and "<<EOF" in (steps[851].command or "")  # a heredoc Secret in ```python
    assert steps[1034].type is StepType.IN_POD and steps[1034].pod == "ollama-username"  # after `kubectl exec -it`
    assert steps[1040].type is StepType.IN_POD and steps[1041].type is StepType.INTERACTIVE  # python3 -i, in the pod
    assert [p.name for p in lesson.meta.placeholders if p.found] == [
        "YOUR NAMESPACE",
        "pod-name",
        "service-account-name",
        "admin OR edit",
        "namespace",
    ]
    plan = plan_of(lesson)
    assert (
        plan[313].reason == "writes test-pod.yaml, which the runner wrote from the block at line 290 (the content the text shows)"
    )
    assert plan[322].do is Operation.COMMAND and plan[290].do is Operation.WRITE


def test_k8s_secret_config_file(wild):
    path = wild / "k8s-secret-config-file.md"
    lesson = parse_file(path)
    assert lesson.meta.title == "Managing Secrets using Configuration File" and not lesson.meta.annotated
    assert manifests(path) == [(50, "Secret", "mysecret"), (99, "Secret", "mysecret"), (143, "Secret", "mysecret")]
    assert counts(path) == {"command": 5, "other": 4, "manifest": 3, "fragment": 1}
    steps = {s.line: s for s in lesson.steps}
    assert steps[50].file == "secret.yaml" and not steps[50].apply  # `kubectl apply -f ./secret.yaml` right below
    assert {n: steps[n].type for n in (43, 72, 123, 157)} == dict.fromkeys((43, 72, 123, 157), StepType.OTHER)  # output
    plan = plan_of(lesson)
    assert (
        plan[99].do is Operation.SKIP
        and plan[143].do is Operation.SKIP
        and plan[118].do is Operation.COMMAND
        and plan[178].do is Operation.COMMAND
    )


def test_jetstream2_volumes(wild):
    path = wild / "jetstream2-volumes.md"
    assert manifests(path) == [
        (16, "StorageClass", "localdisk"),
        (25, "PersistentVolume", "alpine-pv"),
        (41, "PersistentVolumeClaim", "alpine-pv-claim"),
        (56, "Pod", "alpine"),
    ]  # indented code blocks
    assert counts(path) == {"manifest": 4, "command": 1}
    plan = plan_of(parse_file(path))
    assert plan[41].do is Operation.APPLY  # its StorageClass is the lesson's own, made at line 16
    assert plan[56].reason == "needs image alpine:3.2, which this cluster cannot pull (the local mirror does not have it)"


def test_pearc24_basic(wild):
    path = wild / "pearc24-basic.md"
    assert manifests(path) == [
        (34, "Pod", "pod-ci"),
        (170, "Job", "job1-ci"),
        (232, "Job", "badjob1-ci"),
        (313, "Job", "job2-ci"),
    ]
    assert counts(path) == {"manifest": 4, "command": 25, "interactive": 2, "in-pod": 1}
    lesson = parse_file(path)
    assert lesson.meta.bare_username  # “replace “username” with your own id”
    plan = plan_of(lesson)
    assert plan[58].reason == 'needs a value for <contents you want to deploy>: give --set "contents you want to deploy=…"'
    # pod1.yaml is not the simple.yaml the text shows: a defect of the line, said before anything runs
    assert (
        plan[66].do is Operation.FAIL
        and plan[66].reason == "applies pod1.yaml, which the tutorial never shows: the manifest at line 34 is simple.yaml"
    )
    assert plan[357].do is Operation.COMMAND  # `job2-<username>-<index>-<hash>`: resolved at run time


def test_show_prints_a_full_plan_of_every_published_tutorial(wild):
    for path in sorted(wild.glob("*.md")):
        res = CliRunner().invoke(main, ["show", str(path), "--user", "ci", "--format", "json"])
        assert res.exit_code in (0, 1), (path, res.output)
        data = json.loads(res.stdout)
        assert len(data["steps"]) == len(parse_file(path).steps) > 0


# ---- what a script's own comments and odd lines say -----------------------------------------------


def test_a_file_named_by_a_comment_over_settings_is_written_and_its_folder_is_there():
    md = (
        "```bash\n# settings/app.properties\ncolor.good=purple\nmax_items=3\n\n"
        "kubectl create configmap app --from-file=settings\n```\n"
    )
    lesson = parse(md)
    assert types(lesson) == [(3, "file"), (6, "command")]
    assert lesson.steps[0].file == "settings/app.properties" and lesson.steps[0].text == "color.good=purple\nmax_items=3\n"
    plan = plan_of(lesson)
    assert plan[3].do is Operation.FILE and plan[6].do is Operation.COMMAND


def test_a_comment_over_commands_is_only_a_comment():
    lesson = parse("```bash\n# run.sh\nexport A=1\nkubectl get pods\n```\n")
    assert types(lesson) == [(3, "command"), (4, "command")]


@pytest.mark.parametrize(
    "line, why",
    [
        ('eviction-hard="memory.available<480M"', "a setting"),
        ("...", "an elision, a mark or a value"),
        ("✅  ingress was successfully enabled", "an elision, a mark or a value"),
    ],
)
def test_a_setting_or_a_mark_in_a_script_is_not_a_command(line, why):
    lesson = parse(f"```sh\n{line}\nkubectl get pods\n```\n")
    assert types(lesson) == [(2, "other"), (3, "command")] and why in (lesson.steps[0].reason or "")


@pytest.mark.parametrize("line", [". ./env.sh", ": > log.txt", "[ -f x ] && echo yes", "A=1", "$EDITOR f.yaml"])
def test_builtins_assignments_and_expansions_stay_commands(line):
    assert types(parse(f"```sh\n{line}\n```\n")) == [(2, "command")]


def test_output_a_comment_announces_is_not_run_and_what_follows_a_blank_line_runs():
    md = (
        "```sh\npsql -h db -c 'select 1'\n# You should get output similar to this one:\n"
        "psql: error: could not connect\n   TCP/IP connections on port 5432?\n\nkubectl get pods\n```\n"
    )
    assert types(parse(md)) == [(2, "command"), (4, "other"), (5, "other"), (7, "command")]
    md = "```sh\nkubectl get x\n# The output should be similar to this one\n\n count\n-------\n     2\n```\n"
    assert types(parse(md)) == [(2, "command"), (5, "other"), (6, "other"), (7, "other")]


@pytest.mark.parametrize(
    "command, asks",
    [
        ("openssl req -x509 -nodes -newkey rsa:2048 -keyout k.key -out c.crt", True),
        ("openssl req -new -key k.key -out c.csr", True),
        ("openssl req -x509 -nodes -newkey rsa:2048 -keyout k.key -out c.crt -subj /CN=x", False),
        ("openssl req -new -key k.key -out c.csr -config csr.conf", False),
        ("openssl genrsa -out k.key 2048", False),
    ],
)
def test_openssl_req_without_a_subject_prompts(command, asks):
    steps = parse(f"```sh\n{command}\n```\n").steps
    assert (steps[0].type is StepType.INTERACTIVE) is asks


def test_a_transcript_of_cat_shows_the_file_it_prints():
    md = (
        "```\n$ cat support/pod.yaml\n" + POD + "$ \n```\n\n```\n$ kubectl create -f support/pod.yaml\n```\n\n"
        "```\n$ cat notes.txt\nhello\n```\n"
    )
    lesson = parse(md)
    assert [(s.line, s.type.value, s.file) for s in lesson.steps] == [
        (1, "manifest", "support/pod.yaml"),
        (15, "command", None),
        (18, "file", "notes.txt"),
    ]
    assert lesson.steps[0].objects[0].name == "p-<username>" and lesson.steps[2].text == "hello\n"


def test_a_command_complete_as_typed_ends_at_its_line_whatever_it_printed():
    md = "```\n$ kubectl get pods\nNAME   READY   STATUS\nweb-0  1/1     Running\n$ \n```\n"
    assert [(s.line, s.command) for s in parse(md).steps if s.command] == [(2, "kubectl get pods")]


def test_lines_for_another_shell_and_cron_schedules_are_not_run():
    md = (
        "```bash\nkubectl get secret s -o jsonpath='{.data.a}' | base64 -d\n#PowerShell\n"
        "kubectl get secret s -o jsonpath='{.data.a}' |\nForEach-Object {\n    [System.Convert]::FromBase64String($_)\n}\n\n"
        "kubectl get pods\n```\n\n```\n*/15 * * * *\n30 9 * * 1-5\n```\n"
    )
    lesson = parse(md)
    assert types(lesson) == [(2, "command"), (4, "other"), (6, "other"), (9, "command"), (12, "other")]
    assert lesson.steps[1].reason == "typed in PowerShell (the comment at line 3), not in this shell"


def test_a_file_the_prose_asks_for_is_the_manifest_shown_next_as_its_solution():
    md = (
        "Afterwards, create a file called `web.yaml` for a webserver.\n\n"
        '??? example "solution"\n\n```yaml\n' + POD + "```\n\n```bash\nkubectl apply -f web.yaml\n```\n"
    )
    lesson = parse(md)
    assert [(s.line, s.type.value, s.file) for s in lesson.steps] == [
        (1, "other", None),
        (5, "manifest", "web.yaml"),
        (17, "command", None),
    ]
    assert lesson.steps[0].reason == "names web.yaml, whose content the block at line 5 shows"
    lone = parse("Create a file called `notes.txt` with any content.\n\n```bash\ncat notes.txt\n```\n")
    assert [(s.type.value, s.file) for s in lone.steps] == [("file", "notes.txt"), ("command", None)]


def test_commands_typed_in_a_container_a_shell_was_opened_in_run_there():
    md = (
        "```\n$ kubectl exec -it web -c sidecar -- /bin/sh\n/ # ls /data\n```\n\n"
        "```\n$ kubectl exec -it web -- /bin/sh\n/ # ls /usr/share\n```\n"
    )
    in_pod = [(s.line, s.pod, s.container) for s in parse(md).steps if s.type is StepType.IN_POD]
    assert in_pod == [(3, "web", "sidecar"), (8, "web", None)]


def test_a_transcript_of_cat_of_a_file_of_the_machine_is_output_and_nothing_outside_is_written(tmp_path):
    lesson = parse("```\n$ cat /etc/os-release\nNAME=Debian\n```\n\n```\n/ # cat /etc/resolv.conf\nnameserver 10.0.0.10\n```\n")
    assert all(s.type is not StepType.FILE and not s.file for s in lesson.steps)
    notes = parse("Create a file called `notes.txt` with any content.\n")
    outside = dataclasses.replace(notes, steps=(dataclasses.replace(notes.steps[0], file="/etc/motd"),))
    assert [(a.do, a.reason) for a in plan_of(outside).values()] == [
        (Operation.SKIP, "writes /etc/motd, outside the run's working directory")
    ]
    assert build_plan(render(outside, {"username": "ci"}).lesson, local_facts()).files == {}


def test_only_the_top_of_a_manifest_is_no_manifest_and_a_services_endpoints_are_made_with_it():
    top = "Top of `web.yaml`:\n\n```\napiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n...\n```\n"
    lesson = parse(top)
    assert types(lesson) == [(3, "fragment")] and "abbreviated" in (lesson.steps[0].reason or "")
    svc = "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  ports:\n  - port: 80\n"
    plan = plan_of(parse(f"```yaml\n{svc}```\n\n```bash\nkubectl get endpoints web\n```\n"))
    assert plan[12].do is Operation.COMMAND


def test_a_manifest_cut_in_the_middle_is_abbreviated_not_invalid():
    cut = (
        "```yaml\napiVersion: apps/v1\nkind: Deployment\n...\n      containers:\n      - name: app\n        image: busybox\n```\n"
    )
    lesson = parse(cut)
    assert types(lesson) == [(1, "fragment")] and "abbreviated" in (lesson.steps[0].reason or "")
