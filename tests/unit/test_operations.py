"""The runner's operations without a cluster: the table the plan chooses from, commands, files, sessions in a pod, verdicts.

What needs the API server (creating objects, labelling what a command made,
waits, evidence of a failure) is run on the real cluster by tests/e2e.
"""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import textwrap
import threading
import time
from pathlib import Path

import pytest

from runner.core.errors import TutorialError
from runner.core.redact import MASK, Redactor
from runner.core.results import PASSED, SKIPPED
from runner.effects import Effects
from runner.kube.exec import ExecResult
from runner.kube.labels import run_labels
from runner.lesson.model import Lesson, LessonMeta, Step, StepType
from runner.lesson.parser import parse_lesson
from runner.lesson.render import render
from runner.plan.build import Action, build_plan
from runner.plan.facts import ClusterFacts
from runner.plan.operation import Operation
from runner.run.blocked import Blocked
from runner.run.operations import OperationContext, StepFailed, operations_for
from runner.run.operations.base import Done, judge_exit, refuse_unresolved
from runner.run.operations.exec import ExecInPod
from runner.run.operations.file import WriteFile
from runner.run.operations.shell import run_shell
from runner.run.operations.write import WriteManifest
from runner.run.request import RunRequest
from runner.run.session import ShellSession
from runner.run.signals import Cancel, Interrupted
from runner.run.workspace import Workspace


def step(type_: StepType = StepType.COMMAND, line: int = 7, **fields) -> Step:
    return Step(0, type_, "t.md", line, "s", **fields)


class LocalPods:
    """A probe whose pods are folders of this machine: a command "in pod/web-0" runs with sh in that folder."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def running_pod(self, name: str, timeout: float = 120) -> str:
        (self.root / f"{name}-0").mkdir(exist_ok=True)
        return f"{name}-0"

    def exec(self, pod: str, command: str, container: str | None = None, timeout: float = 120) -> ExecResult:
        done = subprocess.run(["sh", "-c", command], cwd=self.root / pod, capture_output=True, text=True, timeout=timeout)
        return ExecResult(command, done.stdout, done.stderr, done.returncode)


def context(tmp_path: Path, probe=None, redact: Redactor | None = None) -> OperationContext:
    """The pieces these operations use; the cluster, cleaner and lease only the e2e tests have."""
    workspace = Workspace(tmp_path, run_labels("t", "bob", "r1234567"), "bob")
    return OperationContext(
        cluster=None,  # type: ignore[arg-type]
        workspace=workspace,
        probe=probe,  # type: ignore[arg-type]
        redact=redact or Redactor(),
        cancel=Cancel(),
        cleaner=None,  # type: ignore[arg-type]
        lease=None,  # type: ignore[arg-type]
        request=RunRequest("t", "bob"),
        progress=lambda event, data: None,
    )


def lesson_of(md: str):
    return render(parse_lesson(textwrap.dedent(md), "t.md"), {"username": "bob"}).lesson


# ---- the table -------------------------------------------------------------------------------


def test_every_operation_the_plan_can_choose_has_one_and_its_verdicts_have_none(tmp_path):
    lesson = lesson_of("# T\n\n```bash\necho hi\n```\n")
    table = operations_for(context(tmp_path), lesson, Effects(lesson), ShellSession(tmp_path, tmp_path / "state", "bob"))
    assert set(table) == {o for o in Operation if o.acts}
    assert {o for o in Operation if not o.acts} == {Operation.SKIP, Operation.FAIL}
    assert all(callable(getattr(op, "perform", None)) for op in table.values())


def test_the_plans_words_stay_the_same_in_json():
    assert [o.value for o in Operation] == ["apply", "write", "command", "exec", "file", "check", "skip", "fail"]
    assert json.dumps({"do": Operation.EXEC}) == '{"do": "exec"}' and Operation("write") is Operation.WRITE


# ---- a command's exit status -----------------------------------------------------------------


def test_a_command_passes_on_exit_0_and_fails_naming_its_last_line():
    redact = Redactor()
    done = judge_exit(step(), redact, "ls", 0, "a\nb\n", "")
    assert done.message == "exit 0" and done.evidence[0].source == "$ ls (exit 0)" and done.evidence[0].lines == ("a", "b")
    with pytest.raises(StepFailed, match=r"^command failed \(exit 2\): no such file$") as failed:
        judge_exit(step(), redact, "ls x", 2, "", "warning\nno such file\n")
    assert failed.value.evidence[0].lines == ("stderr: warning", "stderr: no such file")


def test_xargs_with_nothing_selected_has_nothing_to_act_on(tmp_path):
    """`kubectl get pods | grep Error | awk '{print $1}' | xargs kubectl delete pod` where no pod failed: xargs runs
    its command once with no arguments; the line cannot be judged here, it is no defect."""
    work = tmp_path / "work"
    work.mkdir()
    session = ShellSession(work, tmp_path / "state", "bob")

    def judged(command: str) -> Done:
        code, out, err = run_shell(session.script(command), work, dict(os.environ), 30, Cancel())
        return judge_exit(step(), Redactor(), command, code, out, err)

    done = judged("printf 'web Running\\n' | grep Error | awk '{print $1}' | xargs ls")
    assert done.status == SKIPPED and done.message.startswith("nothing to act on: the commands before `xargs` selected")
    assert judged("printf 'web Error\\n' | grep Error | awk '{print $1}' | xargs echo delete").evidence[0].lines == (
        "delete web",
    )
    assert judged("true | xargs -r ls").status == PASSED
    with pytest.raises(StepFailed):
        judged("echo nope | xargs ls")  # xargs had input: its command's failure is the step's


def test_a_command_in_a_pod_says_which_pod():
    done = judge_exit(step(), Redactor(), "ls", 0, "", "", pod="web-0")
    assert done.message == "exit 0 in pod/web-0" and done.evidence[0].source == "$ ls (in pod/web-0, exit 0)"
    with pytest.raises(StepFailed, match=r"^command failed in pod/web-0 \(exit 1\): boom$"):
        judge_exit(step(), Redactor(), "false", 1, "boom\n", "", pod="web-0")


def test_a_step_that_expects_failure_passes_on_failure_only():
    expects = step(expect_failure=True)
    assert judge_exit(expects, Redactor(), "false", 3, "", "").message == "failed as expected (exit 3)"
    with pytest.raises(StepFailed, match="expects this command to fail, but it succeeded"):
        judge_exit(expects, Redactor(), "true", 0, "", "")


def test_a_commands_output_is_redacted_in_evidence_and_messages():
    redact = Redactor(["hunter2-token-value"])
    with pytest.raises(StepFailed) as failed:
        judge_exit(step(), redact, "login hunter2-token-value", 1, "", "bad token hunter2-token-value\n")
    text = str(failed.value) + json.dumps([e.to_dict() for e in failed.value.evidence])
    assert "hunter2-token-value" not in text and MASK in str(failed.value)


def test_an_undeclared_placeholder_refuses_to_run_and_a_runtime_one_waits_for_the_cluster():
    with pytest.raises(TutorialError, match="placeholder <your-name> is not declared"):
        refuse_unresolved("echo <your-name>")
    refuse_unresolved("kubectl logs job1-bob-<hash>")  # the pod's name: known when the command runs


# ---- the shell -------------------------------------------------------------------------------


def test_the_shell_fails_a_pipeline_and_stops_a_block_at_its_first_failing_line(tmp_path):
    assert run_shell("false | cat", tmp_path, os.environ, 10, Cancel())[0] != 0
    code, out, _ = run_shell("echo one\nfalse\necho two", tmp_path, os.environ, 10, Cancel())
    assert code == 1 and out == "one\n"
    assert run_shell("pwd", tmp_path, os.environ, 10, Cancel())[1].strip() == str(tmp_path)


def test_output_that_is_no_utf8_is_kept_escaped_not_a_crash(tmp_path):
    code, out, _ = run_shell("printf '\\262ok\\n'", tmp_path, os.environ, 10, Cancel())
    assert code == 0 and out == "\\xb2ok\n"


def test_a_command_that_outlives_its_timeout_is_stopped_with_what_it_started(tmp_path):
    t0 = time.monotonic()
    with pytest.raises(StepFailed, match=r"^command still running after 1s$"):
        run_shell("sleep 60 & echo $! > child; wait", tmp_path, os.environ, 1, Cancel())
    assert time.monotonic() - t0 < 10
    child = int((tmp_path / "child").read_text())
    with pytest.raises(ProcessLookupError):  # gone (and reaped: its parent bash was killed with it)
        for _ in range(50):
            os.kill(child, 0)
            time.sleep(0.1)


def test_a_cancelled_run_stops_its_command(tmp_path):
    cancel = Cancel()
    threading.Timer(0.3, cancel.set, ("lost its lease: taken",)).start()
    t0 = time.monotonic()
    with pytest.raises(Interrupted, match="lost its lease"):
        run_shell("sleep 60", tmp_path, os.environ, 300, cancel)
    assert time.monotonic() - t0 < 10


def test_a_command_whose_api_server_is_gone_for_good_is_stopped_by_the_liveness_probe(tmp_path):
    """`alive` (the API server, through the outage rules) is asked while the command runs; what it raises stops the
    command and everything it started, and a quick command never asks."""
    from runner.kube.errors import Unreachable

    asked = []

    def gone() -> None:
        asked.append(time.monotonic())
        if len(asked) >= 2:
            raise Unreachable("cluster unreachable for more than 8 s")

    t0 = time.monotonic()
    with pytest.raises(Unreachable):
        run_shell("sleep 60", tmp_path, os.environ, 300, Cancel(), alive=gone, alive_every=0.2)
    assert len(asked) == 2 and time.monotonic() - t0 < 10
    assert run_shell("true", tmp_path, os.environ, 10, Cancel(), alive=gone, alive_every=5)[0] == 0 and len(asked) == 2


# ---- files -----------------------------------------------------------------------------------


def test_a_file_the_text_does_not_show_gets_a_line_and_an_update_appends(tmp_path):
    write = WriteFile(context(tmp_path))
    create = step(StepType.FILE, file="notes/hello.txt", action="create")
    assert write.perform(Action(create, Operation.FILE)).message == "wrote notes/hello.txt"
    assert (tmp_path / "notes/hello.txt").read_text() == "Hello from bob.\n"
    done = write.perform(Action(step(StepType.FILE, file="notes/hello.txt", action="update"), Operation.FILE))
    assert done.message == "updated notes/hello.txt" and done.evidence[0].source == "append to notes/hello.txt"
    lines = (tmp_path / "notes/hello.txt").read_text().splitlines()
    assert lines[0] == "Hello from bob." and lines[1].startswith("updated by tutorial-runner run r1234567 at ")


def test_a_file_the_text_shows_is_kept_as_written(tmp_path):
    (tmp_path / "app.conf").write_text("port=80\n")  # written before the first step, as the text shows it
    shown = step(StepType.FILE, file="app.conf", action="create", text="port=80\n", content_line=9)
    assert WriteFile(context(tmp_path)).perform(Action(shown, Operation.FILE)).message == "wrote app.conf"
    assert (tmp_path / "app.conf").read_text() == "port=80\n"


def test_a_file_name_cannot_leave_the_working_directory(tmp_path):
    with pytest.raises(TutorialError, match="leaves the run's working directory"):
        WriteFile(context(tmp_path)).perform(Action(step(StepType.FILE, file="../x", action="create"), Operation.FILE))


def test_a_manifest_a_command_applies_is_written_and_its_objects_checked(tmp_path):
    """The block's objects go to the API server as a dry run (here: none, so nothing to ask); the e2e test sees a refusal."""
    written = step(StepType.MANIFEST, file="s1.yaml")
    lesson = Lesson("t.md", LessonMeta("t", "t"), (written,))
    done = WriteManifest(context(tmp_path), Effects(lesson)).perform(Action(written, Operation.WRITE))
    assert done.message == "written as s1.yaml"


# ---- a pod's session -------------------------------------------------------------------------


def test_cd_and_export_in_a_pod_hold_for_its_later_commands_and_a_failed_cd_does_not(tmp_path):
    (tmp_path / "web-0" / "data").mkdir(parents=True)
    run = ExecInPod(context(tmp_path, probe=LocalPods(tmp_path)))

    def in_web(command: str):
        return run.perform(Action(step(StepType.IN_POD, pod="web", command=command), Operation.EXEC, command=command))

    assert in_web("cd data").message == "exit 0 in pod/web-0"
    in_web("export GREETING=hello")
    with pytest.raises(StepFailed, match=r"command failed in pod/web-0 \(exit \d+\)"):
        in_web("cd missing")
    done = in_web('echo "$GREETING from $(pwd)"')
    assert done.evidence[0].lines == (f"hello from {tmp_path / 'web-0' / 'data'}",)
    assert done.evidence[0].source == '$ echo "$GREETING from $(pwd)" (in pod/web-0, exit 0)'  # as typed, not the session


# ---- what a failed step blocks (--keep-going) ------------------------------------------------

BLOCKING = """\
# T

```yaml
apiVersion: v1
kind: Pod
metadata:
  name: p1
spec:
  containers:
  - name: c
    image: busybox
```

```bash
kubectl logs p1
```

```bash
kubectl apply -f hidden.yaml
```

```bash
kubectl delete pod p1
kubectl run p1 --image=busybox
```

```bash
kubectl logs p1
```
"""


def test_a_step_needing_what_a_failed_step_was_to_make_is_blocked_until_it_is_made_anew():
    lesson = lesson_of(BLOCKING)
    plan = build_plan(lesson, ClusterFacts())
    manifest, logs, _apply_hidden, delete, run, logs_again = plan.actions
    blocked = Blocked(lesson.steps, plan.actions)
    assert [blocked.why(a) for a in plan.actions] == [None] * 6  # nothing failed
    blocked.failed(manifest.step, "waiting for pod/p1 to be ready: ImagePullBackOff")
    assert (
        blocked.why(logs)
        == "depends on pod/p1, which the step at line 3 failed to make (waiting for pod/p1 to be ready: ImagePullBackOff)"
    )
    assert blocked.why(delete) is not None and blocked.why(delete).startswith("depends on pod/p1, which the step at line 3")
    assert blocked.why(run) is None and blocked.why(logs_again) is None  # `kubectl run p1` made it anew


def test_what_depends_on_a_blocked_step_is_blocked_too_but_a_defect_is_always_reported():
    lesson = lesson_of(
        BLOCKING.replace("kubectl logs p1", "kubectl logs p1 > p1.log", 1)
        + "\n```bash\ncat p1.log\nkubectl logs p1-<usernam>\n```\n"
    )
    plan = build_plan(lesson, ClusterFacts())
    manifest, logs, *_, cat, typo = plan.actions
    blocked = Blocked(lesson.steps, plan.actions)
    blocked.failed(manifest.step, "ImagePullBackOff")
    why = blocked.why(logs)
    assert why is not None
    blocked.skipped(logs.step, why)
    assert blocked.why(cat) == f"depends on p1.log, which the step at line {logs.step.line} did not make ({why})"
    assert typo.do is Operation.FAIL and blocked.why(typo) is None  # a placeholder typo is its line's defect in every case


def test_an_exit_status_that_answers_a_question_is_not_a_failure():
    from runner.effects.commands import answers_no

    assert answers_no("kubectl auth can-i get configmaps --as=system:serviceaccount:default:web") == "not allowed"
    assert answers_no("diff a.yaml b.yaml") == "they differ" and answers_no("[ -f x ]") == "false"
    assert answers_no("kubectl get pods | grep web") is None  # grep finding nothing is a finding
    assert answers_no("kubectl auth can-i list pods && echo ok") is None  # the last command decides
    assert answers_no("kubectl apply -f x.yaml") is None


def test_a_file_a_here_document_writes_names_the_images_this_cluster_uses(tmp_path):
    """`cat > deploy.yaml <<'EOF' … image: nginx:1.25-alpine … EOF`: written with the image the cluster's registry
    stands in for it, as a manifest block's file is; the rest of the text stays as written."""
    from runner.plan.profile import profile_from_dict
    from runner.run.operations.command import HostCommand

    lesson = lesson_of("""\
        ```bash
        cat > deploy.yaml << 'EOF'
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: web
        spec:
          selector: {matchLabels: {app: web}}
          template:
            metadata: {labels: {app: web}}
            spec:
              containers:
              - name: web
                image: nginx:1.25-alpine  # small
              - name: side
                image: "example.org/other:1"
        EOF
        ```
        """)
    ctx = context(tmp_path)
    profile = profile_from_dict("p", {"images": {"nginx:*": "docker.io/library/nginx:latest"}})
    ctx = dataclasses.replace(ctx, workspace=Workspace(tmp_path, run_labels("t", "bob", "r1234567"), "bob", profile))
    host = HostCommand(ctx, Effects(lesson), ShellSession(tmp_path, tmp_path / "state", "bob"))
    step = lesson.steps[0]
    text = host._written_images(step, step.command or "")
    assert "image: docker.io/library/nginx:latest  # small" in text and 'image: "example.org/other:1"' in text
    assert text.replace("docker.io/library/nginx:latest", "nginx:1.25-alpine") == step.command


def test_xargs_reading_its_own_file_is_left_as_it_is(tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    (work / "names").write_text("a\n")
    session = ShellSession(work, tmp_path / "state", "bob")
    code, out, err = run_shell(session.script("xargs -a names echo got"), work, dict(os.environ), 30, Cancel())
    assert (code, out, err) == (0, "got a\n", "")


def test_only_kubectls_own_namespace_flag_is_made_the_runs():
    from runner.run.operations.command import in_namespace

    def own(text: str) -> str:
        return in_namespace(text, "ws-bob")

    assert own("kubectl apply -ndefault -f p.yaml") == "kubectl apply -nws-bob -f p.yaml"
    assert own("kubectl get po --namespace=default -o wide") == "kubectl get po --namespace=ws-bob -o wide"
    assert own("kubectl exec -n default web -- grep -n default f") == "kubectl exec -n ws-bob web -- grep -n default f"
    assert own("kubectl get po -n defaults") == "kubectl get po -n defaults"


def test_a_set_value_never_replaces_the_path_the_shell_lives_by(tmp_path):
    """`--set PATH=/snapshots/x` fills a `<PATH>` placeholder; bash must still be found (a run exited 2 on it)."""
    session = ShellSession(tmp_path, tmp_path / "state", "bob", values={"PATH": "/snapshots/x", "NODE": "n1"})
    env = session.environment({"PATH": "/usr/bin:/bin"})
    assert env["PATH"] == "/usr/bin:/bin" and env["NODE"] == "n1" and env["USER"] == "bob"
