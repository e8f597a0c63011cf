"""No secret of a lesson reaches any output: show, lint, list, grade renderers, the board, the progress file, evidence.

The corpus (secret_shapes.py) has every shape issue 14 found leaking and
more; each value carries a marker, so a leak is found however it is spelt.
Run reports (text, JSON, JUnit, Markdown) need a cluster:
tests/e2e/test_secret_leaks.py.
"""

from __future__ import annotations

import base64
import json
import re
from types import SimpleNamespace

import pytest
import secret_shapes as S
import yaml
from check_support import FakeProbe as _RecordedProbe
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from checks.registry import Registry
from checks.spec import Param
from runner.cli.main import main
from runner.core.redact import MASK, Redactor, looks_secret, redact
from runner.core.results import Evidence, failed, passed
from runner.grade import progressfile
from runner.grade.engine import Grader
from runner.grade.roster import Participant
from runner.grade.session import grade_redactor
from runner.lesson.parser import parse_lesson
from runner.report.grades import RENDERERS


class FakeProbe(_RecordedProbe):
    """Recorded objects, and the grader's round of batched reads with nothing to batch (everything is in memory)."""

    cluster = None  # what a check gets as `cluster`: never used here
    collecting = False
    cache = SimpleNamespace(kinds=("Pod", "Job", "PersistentVolumeClaim", "ConfigMap", "Secret"))  # what it lists

    def round(self) -> None:
        pass

    def fetch(self, concurrency: int = 8) -> int:
        return 0

    def events(self) -> list[dict]:
        return []

    def existed(self, kind: str, name: str) -> bool:
        return self.get(kind, name) is not None


SET = [f"--set={k}={v}" for k, v in S.SETS.items()]


def test_the_corpus_has_at_least_25_shapes_and_each_secret_is_in_the_lesson():
    assert len(S.SHAPES) >= 25 and len({s.id for s in S.SHAPES}) == len(S.SHAPES)
    text = S.lesson() + " ".join(S.SETS.values())
    for shape in S.SHAPES:
        for value in shape.secrets:
            assert any(form in text for form in (value, value.replace(" ", "\\ "), base64.b64encode(value.encode()).decode())), (
                shape.id
            )
    assert S.leaks(text), "the leak finder finds what is there"


@pytest.fixture()
def lesson_file(tmp_path):
    path = tmp_path / "leaks.md"
    path.write_text(S.lesson())
    return path


@pytest.mark.parametrize(
    "args",
    [
        ["show", "{path}"],
        ["show", "{path}", "--format", "json"],
        ["show", "{path}", "--user", "bob", *SET],
        ["show", "{path}", "--user", "bob", *SET, "--format", "json"],
        ["lint", "{path}"],
        ["lint", "{path}", "--format", "json"],
        ["list", "--format", "json"],
        ["list"],
    ],
    ids=lambda a: " ".join(a),
)
def test_no_secret_in_show_lint_or_list(lesson_file, monkeypatch, args):
    monkeypatch.setenv("TUTORIAL_LESSONS", str(lesson_file.parent))
    res = CliRunner().invoke(main, [a.format(path=lesson_file) for a in args])
    assert res.exit_code in (0, 1), res.output
    assert MASK in res.output or args[0] != "show"
    assert S.leaks(res.output) == []


@pytest.mark.parametrize("shape", S.SHAPES, ids=lambda s: s.id)
def test_each_shape_alone_is_masked_in_show(tmp_path, shape):
    path = tmp_path / "one.md"
    path.write_text(S.lesson((shape,)))
    for fmt in ("json", "text"):
        res = CliRunner().invoke(main, ["show", str(path), "--user", "bob", *SET, "--format", fmt])
        assert res.exit_code == 0, res.output
        assert S.leaks(res.output, (shape,)) == [], fmt


def test_what_is_not_a_secret_stays_readable(tmp_path):
    src = (
        "# t\n\n```bash\n"
        "git clone https://$GH_USERNAME:$GH_TOKEN@github.com/x.git\n"
        "kubectl create secret generic s-<username> --from-literal=token=<token>\n"
        "kubectl get secret s-<username> -o yaml\n"
        "export TOKEN_PATH=/var/run/token\n"
        "git clone https://github.com/org/repo.git\n"
        "```\n\n```yaml\napiVersion: v1\nkind: Pod\nmetadata:\n  name: p-<username>\nspec:\n  containers:\n"
        "  - name: main\n    image: busybox\n    env:\n    - name: TOKEN\n      valueFrom:\n"
        "        secretKeyRef: {name: s-<username>, key: token}\n  volumes:\n  - name: v\n    secret:\n      secretName: s-<username>\n```\n"
    )
    path = tmp_path / "t.md"
    path.write_text(src)
    out = CliRunner().invoke(main, ["show", str(path), "--format", "json"]).output
    for kept in (
        "$GH_TOKEN@github.com",
        "--from-literal=token=<token>",
        "TOKEN_PATH=/var/run/token",
        "secretName: s-<username>",
        "key: token",
    ):
        assert kept in out, kept
    assert MASK not in out


def test_names_that_look_secret():
    for name in (
        "GITHUB_TOKEN",
        "GIT_TOKEN",
        "DB_PASSWORD",
        "apiKey",
        "api-key",
        "AWS_SECRET_ACCESS_KEY",
        "client-key-data",
        "token",
    ):
        assert looks_secret(name), name
    for name in (
        "secretName",
        "TOKEN_PATH",
        "key",
        "username",
        "image",
        "password_file",
        "tokenExpirationSeconds",
        "secretKeyRef",
    ):
        assert not looks_secret(name), name


def test_redactor_masks_what_it_learnt_anywhere_also_in_base64_and_line_by_line():
    r = Redactor()
    r.learn("kubectl create secret generic s --from-literal=token=qz99learnt")
    encoded = base64.b64encode(b"qz99learnt").decode()
    assert r.lines(["echo qz99learnt", f"  token: {encoded}", "qz99learnts is another word"]) == (
        f"echo {MASK}",
        f"  token: {MASK}",
        "qz99learnts is another word",
    )
    assert redact("echo qz99learnt") == "echo qz99learnt"  # pattern-only: nothing learnt


# ----------------------------------------------------------------------------- grade outputs


def _leaky_registry() -> Registry:
    """A careless check that prints all it sees: its arguments, the participant's objects and the pod's logs."""
    reg = Registry()

    @reg.register("leaky", params=(Param("token", "text", "a token"), Param("url", "text", "a repository")))
    def leaky(*, probe, args, **_):
        dumped = [
            line for kind in ("Secret", "Pod", "ConfigMap") for o in probe.list(kind) for line in yaml.safe_dump(o).splitlines()
        ]
        logs = probe.logs("p21-ann").splitlines()
        ev = (Evidence(f"kubectl get all -o yaml (args {args})", tuple(dumped)), Evidence("logs of pod/p21-ann", tuple(logs)))
        if args.get("token"):
            return passed(f"token {args['token']} works", *ev)
        return failed(f"cannot clone {args.get('url')}", f"try {args.get('url')} with {args}", *ev)

    return reg


def _participant_objects(lesson) -> dict:
    """The objects of the lesson as a participant created them (what `kubectl get -o yaml` returns: data in base64)."""
    objects = {}
    from runner.effects import Effects

    for obj in (m.obj for m in Effects(lesson).manifests if not m.heredoc):
        body = json.loads(json.dumps(obj.body).replace("<username>", "ann"))
        if body.get("kind") == "Secret" and body.get("stringData"):
            body["data"] = {k: base64.b64encode(str(v).encode()).decode() for k, v in body.pop("stringData").items()}
        objects[(body["kind"], body["metadata"]["name"])] = body
    return objects


def test_no_secret_in_any_grade_renderer_the_progress_file_or_the_evidence(tmp_path):
    lesson = parse_lesson(S.lesson(), "leaks.md")
    values = {"api_password": "qz34leakDefault", **S.SETS}
    everything = "\n".join(S.all_secrets())  # the participant's program prints every secret of the lesson
    probe = FakeProbe(objects=_participant_objects(lesson), pod_logs={("p21-ann", None): everything}, namespace="ws")
    grader = Grader(lesson, probe, _leaky_registry(), values, grade_redactor(lesson, values, None))  # type: ignore[arg-type]
    report = grader.grade_all([Participant("ann", {"email": "ann@example.org"})])
    checks = report.participants[0].checks
    assert {c.status for c in checks} == {"passed", "failed"} and all(c.evidence for c in checks)
    assert S.leaks("\n".join(l for c in checks for e in c.evidence for l in e.lines)) == []
    assert MASK in checks[0].evidence[1].lines[0]  # the log lines were there, masked
    for name, render in RENDERERS.items():
        assert S.leaks(render(report)) == [], name
    record = progressfile.Record()
    assert record.add_passes(report, "2026-01-14T10:00:00", grader.redact)
    record.add_failures(report, "2026-01-14T10:00:00", grader.redact)
    progress = tmp_path / "progress.json"
    progressfile.save(str(progress), lesson.meta.id, "ws", record, grader.redact)
    assert S.leaks(progress.read_text()) == [] and "token" in progress.read_text()
    again = grader.grade_all([Participant("ann")], record=progressfile.load(str(progress)))  # a board's next round
    assert all(S.leaks(render(again)) == [] for render in RENDERERS.values())


def test_the_grade_test_can_fail_without_the_lesson_s_secrets():
    """With a Redactor that learnt nothing, the same careless check leaks: the grade test above tests the model."""
    lesson = parse_lesson(S.lesson(), "leaks.md")
    probe = FakeProbe(
        objects=_participant_objects(lesson), pod_logs={("p21-ann", None): "\n".join(S.all_secrets())}, namespace="ws"
    )
    grader = Grader(lesson, probe, _leaky_registry(), dict(S.SETS), Redactor())  # type: ignore[arg-type]
    assert S.leaks(RENDERERS["json"](grader.grade_all([Participant("ann")])))


@settings(max_examples=25, deadline=None)
@given(
    filler=st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_", min_size=6, max_size=24).filter(
        lambda s: any(c.isdigit() for c in s) and any(c.isalpha() for c in s)
    )
)
def test_other_values_in_the_same_shapes_are_masked_too(filler):
    """The corpus's values with their marker replaced by generated text: masking does not depend on the marker."""
    from runner.lesson.render import render
    from runner.lesson.secrets import redacted, redactor_for
    from runner.report.plan import plan_json, plan_text

    def vary(text: str) -> str:
        return re.sub(r"qz\d\dleak", lambda m: m.group(0) + filler, text)

    shapes = tuple(
        S.Shape(s.id, vary(s.markdown), tuple(vary(v) for v in s.secrets))
        for s in S.SHAPES
        if "data:\n  token: " not in s.markdown  # base64 data: its value is not text with a marker
    )
    lesson = parse_lesson(vary(S.lesson(shapes)), "random.md")
    rendered = render(lesson, {"username": "bob", **{k: vary(v) for k, v in S.SETS.items()}})
    assert S.leaks(json.dumps(rendered.values) + "".join(s.text for s in rendered.lesson.steps), shapes)  # they are there
    shown = redacted(rendered, redactor_for(rendered.lesson, rendered.values))
    out = json.dumps(plan_json(shown)) + plan_text(shown)
    assert S.leaks(out, shapes) == []


def test_no_secret_in_a_pytest_failure_s_markdown_lines(tmp_path):
    from runner.pytest_plugin import _describe_failure
    from runner.run.result import StepResult

    path = tmp_path / "leaks.md"
    path.write_text(S.lesson())
    lesson = parse_lesson(path.read_text(), str(path))
    shown = []
    for step in lesson.steps:
        result = StepResult(step.index, step.line, str(path), step.id, step.type.value, "failed", 0.1, "failed")
        shown.append(_describe_failure(path, lesson, step, result, None))
    assert sum(MASK in text for text in shown) >= 25 and S.leaks("\n".join(shown)) == []
