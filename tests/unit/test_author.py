"""`tutorial new`: a published tutorial as an annotated lesson.

Properties, not counts (the parser keeps learning more of published
tutorials, and every plan it improves changes the numbers): the text a reader
sees is unchanged, the result parses and lints clean apart from what it lists
for a person, every suggested check sits where the objects it checks exist,
and the checks are the registered ones. Our own storage lesson, stripped of
its annotations, must come back with the checks we wrote by hand, at the same
places.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from mdit_py_plugins.front_matter import front_matter_plugin

from checks.registry import load_all
from runner.author import draft
from runner.author.timeline import Timeline
from runner.cli.main import main
from runner.core.errors import LessonError, UsageError
from runner.effects import Effects
from runner.lesson.model import StepType
from runner.lesson.parser import parse_lesson
from runner.lint import lint_lesson
from runner.plan.build import step_requirements

REPO = Path(__file__).resolve().parents[2]
OURS = re.compile(r"^\s*<!--\s*(?:step|check|run)\s*:.*-->\s*$")


def published(lesson_text: str) -> str:
    """One of our lessons as it would be published: no front matter, none of our comments."""
    text = re.sub(r"\A---\n.*?\n---\n\n?", "", lesson_text, flags=re.S)
    return "".join(l for l in text.splitlines(keepends=True) if not OURS.match(l))


def visible(markdown: str) -> str:
    """What a reader sees: the CommonMark rendering without HTML comments (front matter renders as nothing)."""
    html = MarkdownIt("commonmark").use(front_matter_plugin).render(markdown)
    html = re.sub(r"<!--.*?-->", "", html, flags=re.S)
    return re.sub(r">\s+<", ">\n<", html.strip())  # blank lines between blocks are not seen


# what check arguments name: (argument, kind)
NAMED = {"pod": "Pod", "claim": "PersistentVolumeClaim", "job": "Job", "secret": "Secret", "configmap": "ConfigMap"}


def assert_checks_where_state_exists(lesson) -> None:
    """Every check is registered, and the lesson's objects it names exist at its place."""
    registry = load_all()
    effects = Effects(lesson)
    timeline = Timeline(lesson, effects)
    made = set(effects.created())
    for step in lesson.checks:
        assert registry.get(step.check or ""), f"{step.location}: {step.check} is not a registered check"
        alive = {(l.kind, l.name) for l in timeline.lives if l.alive_at(step.index)}
        for arg, value in step.check_args:
            if arg in NAMED and (NAMED[arg], value) in made:
                assert (NAMED[arg], value) in alive, f"{step.location}: {step.check} {arg}={value} does not exist there"


# ---- on every published tutorial we have ------------------------------------------------------


def test_every_wild_tutorial_turns_into_a_lesson_that_keeps_its_text(wild_file):
    path = wild_file
    source = path.read_text(encoding="utf-8")
    result = draft(source, str(path), "wild")
    # the text a reader sees is the same
    assert visible(result.text) == visible(source)
    # every line of the tutorial is still there, in order; every added line is front matter, a comment or blank
    added = _added_lines(source, result.text)
    fm_end = _front_matter_end(result.text)
    for number, line in added:
        assert number <= fm_end or OURS.match(line) or not line.strip(), f"line {number} added is visible: {line!r}"
    # it parses as a lesson of ours, with its id
    lesson = parse_lesson(result.text, str(path))
    assert lesson.meta.annotated and lesson.meta.id == "wild"
    # every check is registered and sits where the objects it names exist
    assert_checks_where_state_exists(lesson)
    # lints clean apart from what it lists for a person
    listed = {t.line for t in result.todos}
    for f in lint_lesson(lesson):
        if f.severity in ("error", "warning"):
            assert f.line in listed, f"{f.path}:{f.line}: {f.rule}: {f.message} is not listed for a person"
    # and the annotations bring no lint error of their own
    before = {(f.rule, f.message) for f in lint_lesson(parse_lesson(source, str(path))) if f.severity == "error"}
    after = {(f.rule, f.message) for f in lint_lesson(lesson) if f.severity == "error"}
    assert after <= before


def test_every_suggestion_the_table_asks_for_is_there(wild_file):
    """For what the tutorial sets up (per the model), the matching check is suggested."""
    path = wild_file
    source = path.read_text(encoding="utf-8")
    result = draft(source, str(path), "wild")
    checks = {
        (s.check, dict(s.args).get("pod") or dict(s.args).get("claim"), dict(s.args).get("path")) for s in result.suggestions
    }
    lesson = parse_lesson(source, str(path))
    timeline = Timeline(lesson, Effects(lesson))
    for life in timeline.lives:
        body = life.manifest.obj.body if life.manifest else None
        if not body:
            continue
        if life.kind == "PersistentVolumeClaim" and life.uses:
            assert ("pvc-bound", life.name, None) in checks, f"{path.name}: no pvc-bound for {life.name}"
        if life.kind == "Pod":
            spec = body.get("spec") or {}
            for vol in spec.get("volumes") or []:
                if "emptyDir" not in vol:
                    continue
                mounts = [
                    m["mountPath"]
                    for c in spec.get("containers") or []
                    for m in c.get("volumeMounts") or []
                    if m.get("name") == vol["name"]
                ]
                memory = (vol.get("emptyDir") or {}).get("medium") == "Memory"
                want = "ramdisk-is-tmpfs" if memory else "scratch-on-disk"
                for m in mounts[:1]:
                    assert (want, life.name, m) in checks, f"{path.name}: no {want} for {life.name} at {m}"


# ---- our own lesson, stripped, comes back -----------------------------------------------------


def test_our_storage_lesson_stripped_gets_our_checks_back_at_the_same_places():
    ours_text = (REPO / "lessons" / "storage.md").read_text()
    ours = parse_lesson(ours_text, "storage.md")
    result = draft(published(ours_text), "storage.md", "storage")
    assert visible(result.text) == visible(published(ours_text))
    wanted = {"scratch-on-disk", "ramdisk-is-tmpfs", "pvc-bound", "pvc-data-survives"}

    def placed(lesson):
        """check -> (its arguments, the command or manifest just before it)."""
        out = {}
        for step in lesson.checks:
            before = next(s for s in reversed(lesson.steps[: step.index]) if s.type is not StepType.CHECK)
            out[step.check] = (dict(step.check_args), (before.type, before.command or before.text.splitlines()[0]))
        return out

    got, hand = placed(result.lesson), placed(ours)
    assert wanted <= set(got)
    for name in wanted:
        assert got[name][1] == hand[name][1], f"{name} is after {got[name][1]}, ours after {hand[name][1]}"
        for key, value in got[name][0].items():
            assert hand[name][0].get(key, value) == value, f"{name}: {key}={value}, ours {hand[name][0].get(key)}"
    assert got["pvc-data-survives"][0] == {"claim": "vol-<username>", "job": "s3-<username>", "completions": "4", "runs": "2"}
    # the Job is waited for before it is deleted and made again, as in ours
    waits = [(s.line, s.wait) for s in result.lesson.steps if s.command == "kubectl create -f s3.yaml"]
    assert [w for _, w in waits] == ["complete", "complete"]
    # the shell it opens gets an unattended equivalent
    shell = next(s for s in result.lesson.steps if s.type is StepType.INTERACTIVE)
    assert shell.instead and shell.instead.startswith("kubectl exec s1-<username> -- bash -c")


# ---- the rules on small tutorials -------------------------------------------------------------

POD = """# T

Save this as `p.yaml`:

```yaml
apiVersion: v1
kind: Pod
metadata:
  name: p-<username>
spec:
  containers:
  - name: main
    image: busybox
    command: ["sleep", "3600"]
    volumeMounts:
    - name: ram
      mountPath: /fast
  volumes:
  - name: ram
    emptyDir:{medium}
```

```bash
kubectl create -f p.yaml
```

Log into it:

```bash
kubectl exec -it p-<username> -- sh
```

```bash
df -h /fast
```

Once you are done exploring, please delete the pod.

**Please make sure you did not leave any running pods.**
"""


def test_suggestions_follow_the_manifest_not_the_intent():
    ram = draft(POD.format(medium="\n      medium: Memory"), "t.md", "t")
    disk = draft(POD.format(medium=" {}"), "t.md", "t")
    assert [(s.check, dict(s.args)["path"]) for s in ram.suggestions if s.args] == [("ramdisk-is-tmpfs", "/fast")]
    # the RAM disk without `medium: Memory` is disk scratch, and tutorial new says what the text sets up
    assert [(s.check, dict(s.args)["path"]) for s in disk.suggestions if s.args] == [("scratch-on-disk", "/fast")]


def test_interactive_shell_in_pod_commands_prose_delete_and_the_closing_check():
    result = draft(POD.format(medium=" {}"), "t.md", "t")
    lesson = result.lesson
    shell = next(s for s in lesson.steps if s.type is StepType.INTERACTIVE)
    assert shell.instead == "kubectl exec p-<username> -- sh -c 'echo shell ready in $HOSTNAME'"
    assert [s.type for s in lesson.steps if s.command == "df -h /fast"] == [StepType.IN_POD]
    # "please delete the pod" without a command: the lesson runs it, invisibly, after that paragraph
    (deleted,) = [s for s in lesson.steps if s.command == "kubectl delete pod p-<username>"]
    assert "<!-- run: kubectl delete pod p-<username> -->" in result.text
    # the check is where the pod still exists: after the in-pod command, before the deletion
    (check,) = [s for s in lesson.checks if s.check == "scratch-on-disk"]
    assert lesson.steps[check.index - 1].command == "df -h /fast" and check.index < deleted.index
    # the closing instruction becomes the last check, after everything is deleted
    assert lesson.steps[-1].check == "no-running-pods"
    assert dict(result.front_matter["rubric"]) == {"scratch-on-disk": 2, "no-running-pods": 1}


JOBS = """# Jobs

## A volume

```yaml
apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: data-<username>
spec:
  storageClassName: fast-rwx
  accessModes: [ReadWriteMany]
  resources: {requests: {storage: 1Gi}}
```

## Config

```bash
kubectl create secret generic creds-<username> --from-literal=user=<gituser> --from-literal=token="$TOKEN"
```

Replace `<gituser>` with your GitHub user name.

###### job.yaml:

```yaml
apiVersion: batch/v1
kind: Job
metadata:
  name: w-<username>
spec:
  completionMode: Indexed
  completions: 3
  template:
    spec:
      restartPolicy: Never
      initContainers:
      - name: fetch
        image: alpine/git
        args: [clone, --depth, "1", "https://example.org/code.git", /code/src]
        volumeMounts: [{name: code, mountPath: /code}]
      containers:
      - name: work
        image: busybox
        command: ["sh", "-c", "python /code/src/run.py > /out/r-$JOB_COMPLETION_INDEX.txt"]
        env:
        - name: TOKEN
          valueFrom: {secretKeyRef: {name: creds-<username>, key: token}}
        resources: {limits: {nvidia.com/gpu: 1}}
        volumeMounts: [{name: out, mountPath: /out}, {name: code, mountPath: /code}]
      volumes:
      - name: out
        persistentVolumeClaim: {claimName: data-<username>}
      - name: code
        emptyDir: {}
```

```bash
kubectl create -f job.yaml
kubectl logs w-<username>-0-<hash>
```

```bash
kubectl delete job w-<username>
```

```bash
kubectl create -f job.yaml
```

```bash
kubectl apply -f extra.yaml
kubectl logs extra-<username>
```
"""


def test_jobs_claims_secrets_init_containers_gpus_and_files_nobody_shows():
    result = draft(JOBS, "jobs.md", "jobs")
    by_check = {s.check: dict(s.args) for s in result.suggestions}
    assert by_check["pvc-bound"] == {"claim": "data-<username>", "class": "fast-rwx", "mode": "ReadWriteMany"}
    assert by_check["secret-has-keys"] == {"secret": "creds-<username>", "keys": "token"}
    assert by_check["pvc-data-survives"] == {"claim": "data-<username>", "job": "w-<username>", "completions": "3", "runs": "2"}
    assert by_check["init-clone"] == {"job": "w-<username>", "path": "/code/src"}
    assert "generated-job-complete" not in by_check  # the data and clone checks already need the Job complete
    meta = result.front_matter
    assert meta["requires"] == ["storage-class:fast-rwx", "gpu"]
    assert meta["placeholders"]["gituser"] == {"required": True, "description": "Replace `<gituser>` with your GitHub user name."}
    lesson = result.lesson
    creates = [s for s in lesson.steps if s.command == "kubectl create -f job.yaml"]
    assert [s.wait for s in creates] == ["complete", "complete"]
    # a file nobody shows: skipped with the reason, with what needs it, and listed for a person
    skipped = {s.command: s.skip for s in lesson.steps if s.skip}
    assert skipped["kubectl apply -f extra.yaml"] == "applies extra.yaml, which the tutorial does not show"
    assert "extra.yaml" in skipped["kubectl logs extra-<username>"]
    todo = [t.what for t in result.todos]
    assert any("skipped: applies extra.yaml" in t for t in todo)
    assert any("<gituser> has no default" in t for t in todo)
    # pvc-data-survives sits after the second run, where the data of both runs exists
    (check,) = [s for s in lesson.checks if s.check == "pvc-data-survives"]
    assert next(s for s in reversed(lesson.steps[: check.index]) if s.type is not StepType.CHECK) is creates[1]


def test_a_lesson_wide_requirement_only_part_of_it_needs_is_pointed_out():
    result = draft(JOBS + "\n" + POD.format(medium=" {}").replace("# T\n", "## Pods\n"), "mix.md", "mix")
    assert result.front_matter["requires"] == ["storage-class:fast-rwx", "gpu"]
    said = [t for t in result.todos if "is for the whole lesson" in t.what]
    assert len(said) == 2 and all("p-<username> do not need it" in t.what for t in said)
    assert all(result.text.splitlines()[t.line - 1].startswith("requires:") for t in said)


CONFIG = """# Config

```bash
kubectl create configmap cfg-<username> --from-file=a.txt --from-file=b.txt
```

```yaml
apiVersion: v1
kind: Pod
metadata:
  name: c-<username>
spec:
  containers:
  - name: main
    image: busybox
    command: ["sleep", "3600"]
    volumeMounts:
    - {name: one, mountPath: /etc/a.txt, subPath: a.txt}
    - {name: all, mountPath: /etc/cfg}
  volumes:
  - {name: one, configMap: {name: cfg-<username>}}
  - {name: all, configMap: {name: cfg-<username>}}
```

```bash
kubectl exec c-<username> -- ls /etc/cfg
```

```bash
kubectl create configmap cfg-<username> --from-file=a.txt --from-file=b.txt --dry-run=client -o yaml | kubectl replace -f -
```

```bash
kubectl delete pod c-<username>
```
"""


def test_configmap_file_dir_and_live_update():
    result = draft(CONFIG, "cfg.md", "cfg")
    got = [(s.check, dict(s.args)) for s in result.suggestions]
    assert ("configmap-file", {"pod": "c-<username>", "path": "/etc/a.txt", "configmap": "cfg-<username>"}) in got
    assert ("configmap-dir", {"pod": "c-<username>", "path": "/etc/cfg", "configmap": "cfg-<username>"}) in got
    assert ("configmap-live-update", {"pod": "c-<username>", "path": "/etc/cfg", "configmap": "cfg-<username>"}) in got
    lesson = result.lesson
    replace = next(s for s in lesson.steps if s.command and "kubectl replace" in s.command)
    checks = {s.check: s.index for s in lesson.checks}
    # the content checks come before the ConfigMap changes, the live update right after it
    assert checks["configmap-dir"] < replace.index < checks["configmap-live-update"]


def test_a_job_the_text_says_fails_gets_no_completion_check_nor_wait():
    text = JOBS.split("## Config")[0] + (
        "\nLet's now create a bad job, one that will always fail:\n\n```yaml\napiVersion: batch/v1\nkind: Job\n"
        "metadata:\n  name: bad-<username>\nspec:\n  template:\n    spec:\n      restartPolicy: Never\n"
        "      containers:\n      - {name: x, image: busybox, command: [false]}\n```\n\n```bash\nkubectl logs bad-<username>-<hash>\n"
        "kubectl delete job bad-<username>\n```\n"
    )
    result = draft(text, "bad.md", "bad")
    assert "generated-job-complete" not in {s.check for s in result.suggestions}
    assert not [s for s in result.lesson.steps if s.wait == "complete"]


def test_line_endings_of_the_file_are_kept():
    crlf = POD.format(medium=" {}").replace("\n", "\r\n")
    result = draft(crlf, "t.md", "t")
    assert "\r\n" in result.text and "\n" not in result.text.replace("\r\n", "")
    assert visible(result.text.replace("\r\n", "\n")) == visible(crlf.replace("\r\n", "\n"))


def test_lines_are_the_lines_markdown_counts_and_keep_their_own_endings():
    """\f, \x85, \u2028 end a line for str.splitlines, not for CommonMark: they stay inside their line."""
    page = "# T\r\n\r\nForm\x0cfeed, next\x85line, line\u2028separator.\r\n\r\n```bash\r\nkubectl get pods\r\n```"
    result = draft(page, "t.md", "t")
    assert "Form\x0cfeed, next\x85line, line\u2028separator.\r\n" in result.text
    assert result.text.endswith("```\r\n") and "\n" not in result.text.replace("\r\n", "")


def test_site_front_matter_is_kept_and_ours_added_beside_it():
    page = "---\ntitle: Managing Secrets\ncontent_type: task\nweight: 20\n---\n\n# Secrets\n\n```bash\nkubectl get secrets\n```\n"
    result = draft(page, "page.md", "secrets")
    assert result.text.startswith("---\ntitle: Managing Secrets\ncontent_type: task\nweight: 20\n")
    assert result.lesson.meta.title == "Managing Secrets" and result.lesson.meta.id == "secrets"
    assert result.text.count("title:") == 1


def test_a_docusaurus_page_of_only_id_and_title_is_annotated_not_refused():
    page = "---\nid: jobs\ntitle: Jobs\n---\n\n## Jobs\n\n```bash\nkubectl get jobs\n```\n"
    result = draft(page, "jobs.md", "jobs")
    assert result.text.startswith("---\nid: jobs\ntitle: Jobs\n")
    assert "tutorial-runner:" in result.text
    assert parse_lesson(result.text, "jobs.md").meta.title == "Jobs"


def test_an_annotated_lesson_is_refused_and_ids_are_checked():
    with pytest.raises(UsageError, match="already a lesson"):
        draft((REPO / "lessons" / "storage.md").read_text(), "storage.md", "storage")
    with pytest.raises(UsageError, match="--id"):
        draft("# T\n", "t.md", "Bad Id")


def test_run_annotation_is_a_command_step_and_needs_a_command():
    lesson = parse_lesson("# T\n\nDelete the pod.\n<!-- run: kubectl delete pod p-<username> -->\n", "t.md")
    (step,) = lesson.steps
    assert (step.type, step.line, step.command) == (StepType.COMMAND, 4, "kubectl delete pod p-<username>")
    with pytest.raises(LessonError, match="needs a command"):
        parse_lesson("# T\n<!-- run: -->\n", "t.md")


def test_site_generator_keys_are_allowed_but_typos_of_ours_are_not():
    assert not parse_lesson("---\ntitle: T\nweight: 3\n---\n# T\n", "t.md").meta.annotated
    assert parse_lesson("---\ntitle: T\nweight: 3\nrubric: {a: 1}\n---\n# T\n", "t.md").meta.annotated
    with pytest.raises(LessonError, match="unknown front matter key 'rubrik'"):
        parse_lesson("---\nrubrik: {a: 1}\n---\n# T\n", "t.md")


def test_cli_writes_the_lesson_reports_and_refuses_to_overwrite(tmp_path):
    src = tmp_path / "pod.md"
    src.write_text(POD.format(medium=" {}"))
    out = tmp_path / "lessons" / "pods.md"
    res = CliRunner().invoke(main, ["new", str(src), "-o", str(out)])
    assert res.exit_code == 0, res.output
    assert out.is_file() and parse_lesson(out.read_text(), str(out)).meta.id == "pods"
    assert f"{out}:" in res.stderr and "check scratch-on-disk" in res.stderr
    again = CliRunner().invoke(main, ["new", str(src), "-o", str(out)])
    assert again.exit_code == 2 and "exists (use --force" in again.stderr
    data = json.loads(CliRunner().invoke(main, ["new", str(src), "-o", str(out), "--force", "--format", "json"]).stderr)
    assert data["id"] == "pods" and {c["check"] for c in data["checks"]} == {"scratch-on-disk", "no-running-pods"}
    assert CliRunner().invoke(main, ["lint", str(out)]).exit_code == 0
    to_stdout = CliRunner().invoke(main, ["new", str(src)])
    assert to_stdout.exit_code == 0 and to_stdout.stdout.startswith("---\n# written by `tutorial new`")


# ---- a manifest's fields in any shape -----------------------------------------------------------

# one of everything the rules read: a Job (init container that clones, a claim, a RAM disk, a ConfigMap file, a
# secret key, GPUs), the Pod of its template, the claim
EVERYTHING = yaml.safe_load("""
apiVersion: batch/v1
kind: Job
metadata: {name: job-<username>}
spec:
  completions: 2
  template:
    spec:
      initContainers:
      - name: clone
        image: alpine/git
        args: [clone, "https://example.org/code.git", /code]
        volumeMounts: [{name: code, mountPath: /code}]
      containers:
      - name: main
        image: busybox
        command: [sh, -c, "echo hi > /data/out"]
        env:
        - name: PW
          valueFrom: {secretKeyRef: {name: s-<username>, key: pw}}
        resources:
          limits: {memory: 1Gi, nvidia.com/gpu: 1}
          requests: {cpu: 100m, memory: 1Gi, nvidia.com/gpu: 1}
        volumeMounts:
        - {name: data, mountPath: /data, subPath: sub}
        - {name: shm, mountPath: /dev/shm}
        - {name: cfg, mountPath: /etc/cfg/app.conf, subPath: app.conf}
        - {name: code, mountPath: /code}
      volumes:
      - {name: data, persistentVolumeClaim: {claimName: pvc-<username>}}
      - {name: shm, emptyDir: {medium: Memory, sizeLimit: 1Gi}}
      - {name: cfg, configMap: {name: cm-<username>}}
      - {name: code, emptyDir: {}}
      nodeSelector: {gpu: "true"}
      affinity:
        nodeAffinity:
          requiredDuringSchedulingIgnoredDuringExecution:
            nodeSelectorTerms:
            - matchExpressions: [{key: zone, operator: In, values: [a, b]}]
      restartPolicy: Never
""")
CLAIM = yaml.safe_load("""
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: pvc-<username>}
spec: {accessModes: [ReadWriteOnce], storageClassName: fast, resources: {requests: {storage: 1Gi}}}
""")


def _pod_of(job):
    spec = job["spec"]["template"]["spec"] if isinstance(job["spec"]["template"]["spec"], dict) else {}
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "pod-<username>"}, "spec": spec}


def _paths(data, prefix=()):
    """Every field path of `data` below its top level (keys and list indexes)."""
    items = data.items() if isinstance(data, dict) else enumerate(data) if isinstance(data, list) else ()
    for key, value in items:
        if prefix or key == "spec":
            yield (*prefix, key)
        yield from _paths(value, (*prefix, key)) if prefix or key == "spec" else ()


def _replaced(data, path, value):
    data = yaml.safe_load(yaml.safe_dump(data))
    here = data
    for key in path[:-1]:
        here = here[key]
    here[path[-1]] = value
    return data


def _tutorial(objects) -> str:
    parts = ["# T\n"]
    for i, obj in enumerate(objects):
        parts.append(f"Save this as `f{i}.yaml`:\n\n```yaml\n{yaml.safe_dump(obj, sort_keys=False)}```\n")
        parts.append(f"```bash\nkubectl apply -f f{i}.yaml\n```\n")
    parts.append("```bash\nkubectl exec pod-<username> -- df -h\nkubectl logs job/job-<username>\n```\n")
    parts.append("```bash\nkubectl delete job job-<username>\nkubectl apply -f f1.yaml\n```\n")
    parts.append("Make sure you did not leave any running pods.\n")
    return "\n".join(parts)


_BASES = {"job": EVERYTHING, "pod": _pod_of(EVERYTHING), "claim": CLAIM}
_SHAPES = st.one_of(
    st.sampled_from(["text", "limits: 1\n", "", 0, 5, -1, 1.5, True, None, [], {}, [5], ["x"], [[1]], [{}], {"a": "b"}]),
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=5), lambda x: st.lists(x, max_size=2), max_leaves=3
    ),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_a_manifest_field_of_any_shape_is_read_as_absent_not_a_crash(data):
    """`resources: |` followed by text (a published tutorial), `volumes: 5`: tutorial new and the plan still work."""
    which = data.draw(st.sampled_from(sorted(_BASES)))
    path = data.draw(st.sampled_from(list(_paths(_BASES[which]))))
    bad = _replaced(_BASES[which], path, data.draw(_SHAPES))
    objects = {
        "job": [CLAIM, bad, _pod_of(EVERYTHING)],
        "pod": [CLAIM, EVERYTHING, bad],
        "claim": [bad, EVERYTHING, _pod_of(EVERYTHING)],
    }
    result = draft(_tutorial(objects[which]), "t.md", "t")  # it parses its own output, or raises
    assert result.lesson.meta.annotated
    created = set(Effects(result.lesson).created())
    for step in result.lesson.steps:
        step_requirements(step, created)


def _added_lines(old: str, new: str) -> list[tuple[int, str]]:
    """Lines of `new` that are not the lines of `old` (which must all be there, in order)."""
    old_lines, added, i = old.splitlines(), [], 0
    for number, line in enumerate(new.splitlines(), 1):
        if i < len(old_lines) and line == old_lines[i]:
            i += 1
        else:
            added.append((number, line))
    assert i == len(old_lines), "a line of the tutorial is missing or changed"
    return added


def _front_matter_end(text: str) -> int:
    lines = text.splitlines()
    if not lines or lines[0] != "---":
        return 0
    return next(n for n, l in enumerate(lines[1:], 2) if l == "---")
