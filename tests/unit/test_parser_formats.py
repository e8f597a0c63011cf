"""Block formats real tutorials use, and our annotations."""

from __future__ import annotations

import textwrap

import pytest

from runner.core.errors import LessonError
from runner.lesson.model import StepType
from runner.lesson.parser import parse_lesson

POD = """apiVersion: v1
kind: Pod
metadata:
  name: p-<username>
spec:
  containers:
  - name: c
    image: busybox
"""


def parse(md: str):
    return parse_lesson(textwrap.dedent(md), "t.md")


def types(lesson):
    return [(s.line, s.type.value) for s in lesson.steps]


def test_myst_braced_languages_and_space_after_backticks():
    lesson = parse("```{yaml}\n" + POD + "```\n\n``` \nkubectl get pods\n```\n\n```{bash}\nkubectl get pvc\n```\n")
    assert types(lesson) == [(1, "manifest"), (13, "command"), (17, "command")]


def test_fence_indented_in_numbered_list_keeps_its_line():
    md = (
        "1. Create it:\n\n   ```yaml\n"
        + "".join("   " + l + "\n" for l in POD.splitlines())
        + "   ```\n2. Then run\n\n   ```bash\n   kubectl get pod p-<username>\n   ```\n"
    )
    lesson = parse(md)
    assert types(lesson) == [(3, "manifest"), (16, "command")]
    assert lesson.steps[0].objects[0].name_line == 7


def test_admonition_body_is_parsed_as_markdown():
    md = "!!! note\n\n    Run this:\n\n    ```bash\n    kubectl get nodes\n    ```\n"
    lesson = parse(md)
    assert types(lesson) == [(6, "command")]
    assert lesson.steps[0].command == "kubectl get nodes"


def test_indented_text_that_is_not_an_admonition_is_not_run():
    lesson = parse("Some text.\n\n    this is just indented prose\n")
    assert types(lesson) == [(3, "other")]


def test_fragment_and_ci_workflow_and_dockerfile_and_output():
    md = """
    ```yaml
    volumes:
    - name: x
      emptyDir: {}
    ```

    ```yaml
    on:
      push:
    jobs:
      test:
        runs-on: ubuntu-latest
    ```

    ```
    FROM python:3.11
    RUN pip install numpy
    ```

    ```
    NAME      READY   STATUS    RESTARTS   AGE
    s1-bob    1/1     Running   0          10s
    ```
    """
    lesson = parse(md)
    assert [s.type for s in lesson.steps] == [StepType.FRAGMENT, StepType.OTHER, StepType.OTHER, StepType.OTHER]
    assert "CI workflow" in lesson.steps[1].reason
    assert lesson.steps[2].reason == "Dockerfile"


def test_invalid_yaml_points_at_the_error_line_not_the_fence():
    md = "intro\n\n```yaml\napiVersion: v1\nkind: Pod\nmetadata:\n  name: x\n   bad: indent\n```\n"
    lesson = parse(md)
    step = lesson.steps[0]
    assert step.type is StepType.INVALID and step.line == 3
    assert step.error_line == 8 and "YAML does not parse" in step.error


def test_console_prompts_continuations_heredoc_and_comments():
    md = """
    ```console
    $ kubectl get pods   # everything
    NAME   READY
    x      1/1
    $ kubectl create -f - <<EOF
    > apiVersion: v1
    > EOF
    ```

    ```bash
    # a comment line
    kubectl create configmap c \\
      --from-file=a.txt
    echo done | tee out.txt
    ```
    """
    lesson = parse(md)
    cmds = [(s.line, s.command) for s in lesson.steps]
    assert cmds[0] == (3, "kubectl get pods")
    assert cmds[1][0] == 6 and cmds[1][1].startswith("kubectl create -f - <<EOF")
    assert cmds[2] == (13, "kubectl create configmap c \\\n  --from-file=a.txt")
    assert cmds[3] == (15, "echo done | tee out.txt")


def test_interactive_steps():
    md = "```bash\nkubectl exec -it p -- /bin/bash\nkubectl port-forward pod/p 8888:8888\nscreen -S work\nkubectl exec p -- ls\n```\n"
    lesson = parse(md)
    assert [s.type.value for s in lesson.steps] == ["interactive", "interactive", "interactive", "command"]
    assert "blocks" in lesson.steps[1].reason


def test_identical_blocks_are_marked_as_repeats():
    md = "```yaml\n" + POD + "```\n\nagain:\n\n```yaml\n" + POD + "```\n"
    lesson = parse(md)
    assert lesson.steps[1].duplicate_of == 0 and lesson.steps[0].duplicate_of is None


def test_file_names_from_heading_prose_and_link():
    md = (
        "###### a.yaml:\n\n```yaml\n" + POD + "```\n\n"
        "Create the file `b.yaml`:\n\n```yaml\n" + POD.replace("p-", "q-") + "```\n\n"
        "Download [c.yaml](https://example.org/c.yaml) or copy it:\n\n```yaml\n" + POD.replace("p-", "r-") + "```\n"
    )
    lesson = parse(md)
    assert [s.file for s in lesson.steps] == ["a.yaml", "b.yaml", "c.yaml"]


def test_generate_name_objects():
    lesson = parse("```yaml\napiVersion: batch/v1\nkind: Job\nmetadata:\n  generateName: load-<username>-\nspec: {}\n```\n")
    obj = lesson.steps[0].objects[0]
    assert obj.name is None and obj.generate_name == "load-<username>-"
    assert lesson.steps[0].to_dict()["generateName"] == "load-<username>-"


def test_multi_document_manifest():
    lesson = parse("```yaml\n" + POD + "---\n" + POD.replace("p-", "q-") + "```\n")
    step = lesson.steps[0]
    assert [o.name for o in step.objects] == ["p-<username>", "q-<username>"]
    assert [o.line for o in step.objects] == [2, 11]


def test_front_matter_and_annotations():
    md = (
        """---
id: demo
title: Demo
placeholders:
  ns: {default: team-a, description: the namespace}
requires: [gpu]
rubric:
  pvc-bound: 2
---
# Demo

<!-- step: id=make-pod wait=ready timeout=2m -->
```yaml
"""
        + POD
        + """```

```bash {pod=p-<username> container=c expect=fail}
cat /etc/shadow
```

<!-- check: pvc-bound claim=vol-<username> -->
"""
    )
    lesson = parse_lesson(md, "demo.md")
    assert lesson.meta.id == "demo" and lesson.meta.requires == ("gpu",)
    assert [p.name for p in lesson.meta.placeholders] == ["username", "ns"]
    assert lesson.meta.rubric[0].points == 2.0
    pod, cmd, check = lesson.steps
    assert (pod.id, pod.wait, pod.timeout) == ("make-pod", "ready", 120.0)
    assert (cmd.type, cmd.pod, cmd.container, cmd.expect_failure) == (StepType.IN_POD, "p-<username>", "c", True)
    assert (check.type, check.id, check.check, check.check_args) == (
        StepType.CHECK,
        "pvc-bound",
        "pvc-bound",
        (("claim", "vol-<username>"),),
    )


@pytest.mark.parametrize(
    "md, line, text",
    [
        ("---\nid: x\nrubrik: {}\n---\n", 3, "unknown front matter key 'rubrik'"),
        ("---\nid: [x\n---\n", 2, "front matter is not valid YAML"),
        ("---\nid: Bad Id\n---\n", 2, "front matter 'id'"),
        ("# t\n\n<!-- step: wiat=ready -->\n```bash\nls\n```\n", 3, "unknown annotation key 'wiat'"),
        ("# t\n\n<!-- step: wait=forever -->\n```bash\nls\n```\n", 3, "unknown wait condition"),
        ("# t\n\n```bash {colour=red}\nls\n```\n", 3, "unknown annotation key 'colour'"),
        ("# t\n\n<!-- step: timeout=soon -->\n```bash\nls\n```\n", 3, "cannot read duration"),
    ],
)
def test_bad_annotations_are_errors_at_their_line(md, line, text):
    with pytest.raises(LessonError) as err:
        parse_lesson(md, "bad.md")
    assert err.value.line == line and text in err.value.message
    assert str(err.value).startswith(f"bad.md:{line}: ")


def test_ordinary_html_comments_are_ignored():
    lesson = parse("<!-- TODO: polish this -->\n\n```bash\nls\n```\n")
    assert types(lesson) == [(4, "command")]


def test_commands_after_an_interactive_exec_in_the_same_block_go_to_that_pod():
    lesson = parse(
        "```bash\nkubectl exec -it work-<username> -- /bin/bash\ncd /scratch\npython3 -i run.py\nkubectl debug -it node/x --image=busybox\n```\n"
    )
    exec_, cd, py, debug = lesson.steps
    assert exec_.type is StepType.INTERACTIVE
    assert (cd.type, cd.pod) == (StepType.IN_POD, "work-<username>")
    assert py.type is StepType.INTERACTIVE and "starts `python3`, which reads what is typed next" in py.reason
    assert debug.type is StepType.INTERACTIVE


def test_a_second_exec_moves_the_reader_into_its_pod_even_when_they_never_left_the_first():
    """Block one enters pod a (and never types `exit`); block two enters pod b: its lines are typed in b."""
    lesson = parse(
        "```\n$ kubectl exec -it a -- sh\n/ # touch /tmp/x\n```\n\n```\n$ kubectl exec -it b -- sh\n/ # ls /tmp\n```\n"
    )
    assert [(s.type, s.pod) for s in lesson.steps if s.type is StepType.IN_POD] == [
        (StepType.IN_POD, "a"),
        (StepType.IN_POD, "b"),
    ]


def test_output_in_a_console_block_without_prompts_and_under_a_bold_output_caption_is_not_run():
    md = (
        "```bash\nkube-score score pod.yml\n```\n```console\nv1/Pod my-pod                  \U0001f4a5\n"
        "    [CRITICAL] Container Security Context\n```\n\n"
        "```Console\nNote, this feature needs to be supported by the CNI.\n```\n\n"
        "```console\nkubectl get pods\n```\n\n"  # a command a reader types: still one, prompt or not
        "**Output:**\n```bash\ndeployment.apps/sample-deployment scaled \u2705\n```\n"
    )
    found = [(s.line, s.type.value) for s in parse(md).steps]
    assert found == [(2, "command"), (4, "other"), (9, "other"), (14, "command"), (18, "other")], found


def test_prose_that_speaks_of_a_container_far_above_the_commands_moves_no_one_into_it():
    """ "Executes a specified command inside the container." in a list of probe kinds, paragraphs before the next
    block: a description; "Log into the pod:" just before it: a move."""
    far = "* Executes a specified command inside the container.\n\nOne.\n\nTwo.\n\nThree.\n\n```bash\nclear\n```\n"
    near = "Now log into the pod `web-1`:\n\n```bash\nls /data\n```\n"
    lesson = parse("```bash\nkubectl run web-1 --image=nginx\n```\n\n" + far + "\n" + near)
    assert [(s.type.value, s.pod) for s in lesson.steps[1:]] == [("command", None), ("in-pod", "web-1")]


def test_a_yaml_fence_around_an_echo_that_writes_the_yaml_is_that_command():
    md = '```yaml\necho "\napiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n"  > ~/ckad/pod.yml\n```\n'
    (step,) = parse(md).steps
    assert step.type.value == "command" and step.command.startswith('echo "')


def test_json_a_command_printed_in_a_shell_block_is_no_bash_group():
    md = (
        "```shell\nkubectl get secret s -o jsonpath='{.data.*}' | base64 -d | jq\n\n"
        '{\n  "auths": {\n    "reg:5000": {"username": "tiger"}\n  }\n}\n'
        "kubectl get pods\n{\n  echo grouped\n}\n```\n"
    )
    found = [(s.line, s.type.value, (s.command or "").split("\n")[0]) for s in parse(md).steps]
    assert found == [
        (2, "command", "kubectl get secret s -o jsonpath='{.data.*}' | base64 -d | jq"),
        (9, "command", "kubectl get pods"),
        (10, "command", "{"),
    ], found


def test_a_heading_that_has_the_reader_save_a_file_names_the_block_and_a_template_is_only_written():
    md = (
        "### 7. **Create a deployment template. Save it as prod-template.yaml**\n```bash\n" + POD + "```\n"
        "### 8. Deploy\n```bash\nsed 's/a/b/' prod-template.yaml > prod.yaml\nkubectl apply -f prod.yaml\n```\n"
        "### 9. Update the `nginx.yaml` file\n```yaml\nspec:\n  replicas: 5\n```\n"
    )
    lesson = parse(md)
    manifest = lesson.steps[0]
    assert (manifest.type.value, manifest.file, manifest.apply) == ("manifest", "prod-template.yaml", False)
    assert lesson.steps[-1].type.value == "fragment"  # "Update …": a piece, not the file


def test_a_manifest_line_written_on_the_fence_is_an_invalid_block_at_its_line():
    """```apiVersion: v1 — Markdown takes the first line for a language: the reader's copy lacks it."""
    body = POD.split("\n", 1)[1]
    lesson = parse("Intro.\n\n```apiVersion: v1\n" + body + "```\n\n```yaml\n" + POD + "```\n")
    bad = lesson.steps[0]
    assert (bad.line, bad.type) == (3, StepType.INVALID)
    assert "apiVersion: v1" in (bad.error or "")
    assert types(lesson)[1] == (13, "manifest")
    # a language with attributes is still a language
    assert types(parse("```yaml title=pod.yaml\n" + POD + "```\n")) == [(1, "manifest")]


def test_a_note_and_a_table_with_narrow_columns_in_a_shell_block_are_not_commands():
    md = (
        "```bash\n*** On Login Node - replace the pod name ***\nkubectl get pods\n```\n\n"
        "```shell\nkubectl get events\nLASTSEEN FIRSTSEEN COUNT NAME          KIND  SUBOBJECT  TYPE\n"
        "0s       0s        1     dapi-test-pod Pod              Warning\n```\n"
    )
    assert types(parse(md)) == [(2, "other"), (3, "command"), (7, "command"), (8, "other"), (9, "other")]


def test_a_command_applies_the_example_block_below_that_its_file_name_describes():
    """`create -f <pvc-spec-yaml>` ("example pvc spec yaml below"), then the example PVC under the next heading."""
    md = (
        "Submit a PVC (example pvc spec yaml below).\n\n```bash\nkubectl create -f <pvc-spec-yaml>\n```\n\n"
        "### Example claim\n\n```yaml\nkind: PersistentVolumeClaim\napiVersion: v1\nmetadata:\n  name: data\n"
        "spec:\n  accessModes: [ReadWriteOnce]\n  resources: {requests: {storage: 1Gi}}\n```\n\n"
        "### Other\n\n```yaml\n" + POD + "```\n"
    )
    steps = parse(md).steps
    assert [(s.line, s.file, s.apply) for s in steps if s.type is StepType.MANIFEST] == [
        (9, "<pvc-spec-yaml>", False),
        (21, None, True),
    ]


def test_thematic_breaks_around_the_opening_are_not_front_matter_and_one_command_exec_enters_no_pod():
    md = (
        "---\n\n# CronJobs\n\n- In this lab, we will learn CronJobs.\n\n---\n\n"
        "```bash\nkubectl exec -t db-0 -- pg_dumpall -U postgres > dump.sql\n```\n\n"
        "```bash\ncat <<EOF | kubectl apply -f -\n" + POD + "EOF\n```\n"
    )
    lesson = parse(md)
    assert lesson.meta.title == "CronJobs"
    assert [(s.line, s.type.value) for s in lesson.steps] == [(10, "command"), (14, "command")]  # it ends; not in db-0
    with pytest.raises(LessonError, match="front matter is not valid YAML"):
        parse("---\nid: x\n- a\n---\n# T\n")  # keys first: front matter, and an error at its line


def test_commands_typed_in_a_pod_of_another_namespace_keep_it():
    from runner.lesson.parser import parse_lesson

    lesson = parse_lesson(
        "# T\n\n```bash\nkubectl exec -it web -n lab -- bash\n```\n\n```bash\necho $MODE\n```\n\n"
        "```bash\nkubectl exec -it api -- sh\n```\n\n```bash\nls /\n```\n",
        "t.md",
    )
    in_pod = [(s.pod, s.pod_namespace) for s in lesson.steps if s.type.value == "in-pod"]
    assert in_pod == [("web", "lab"), ("api", None)]


def test_a_dry_run_draft_is_a_manifest_and_the_command_right_after_it_applies_it():
    """`creationTimestamp: null`, `status: {}` are what `--dry-run=client -o yaml` writes (a draft to save, not a live
    object); shown, then `kubectl create -f F` in the next block: that draft is F, even when an earlier command's file
    name (`pod-command.yml`) would also describe a Pod."""
    from runner.lesson.model import StepType
    from runner.lesson.parser import parse_lesson

    draft = (
        "```yml\napiVersion: v1\nkind: Pod\nmetadata:\n  creationTimestamp: null\n  name: busybox\nspec:\n"
        "  containers:\n  - name: busybox\n    image: busybox\n  restartPolicy: Never\nstatus: {}\n```\n"
    )
    md = (
        "# Part 2\n\n```\nkubectl create -f pod-command.yml\n```\n\n"
        "# Part 3\n\nWrite a pod:\n\n" + draft + "\nThen:\n\n```\nkubectl create -f pod-no-restart.yml --save-config=true\n```\n"
    )
    manifests = [(s.file, s.apply) for s in parse_lesson(md, "t.md").steps if s.type is StepType.MANIFEST]
    assert manifests == [("pod-no-restart.yml", False)]
    live = draft.replace("creationTimestamp: null", "creationTimestamp: '2024-01-01T00:00:00Z'").replace(
        "status: {}", "status: {phase: Running}"
    )
    assert [s.type for s in parse_lesson("# T\n\n" + live, "t.md").steps] == [StepType.OTHER]


def test_commands_before_a_transcripts_first_prompt_are_typed_at_the_readers_own():
    """`kubectl exec -it web sh` shown without a prompt, then `/ # ls` in the pod: nothing ran before the first
    prompt, so the lines above it that bash reads as commands of known programs are typed, not output."""
    from runner.syntax.shell import split_commands

    block = "kubectl get po\nkubectl exec -it web -- sh\n/ # cd mydata\n/mydata # ls\nhello\n/mydata # exit\n"
    assert [(c.text, c.line, c.prompt is not None) for c in split_commands(block, 10)] == [
        ("kubectl get po", 10, False),
        ("kubectl exec -it web -- sh", 11, False),
        ("cd mydata", 12, True),
        ("ls", 13, True),
        ("exit", 15, True),
    ]
    # a table or prose above the first prompt stays output
    assert [c.text for c in split_commands("NAME   READY\nweb    1/1\n$ kubectl get pods\n", 1)] == ["kubectl get pods"]
