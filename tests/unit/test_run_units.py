"""Runner pieces without a cluster: API error mapping, the run's working directory, labels, image names."""

from __future__ import annotations

import json

import pytest
import urllib3
import yaml
from kubernetes.client.exceptions import ApiException

from runner.kube import errors as E
from runner.lesson.parser import parse_file
from runner.lesson.render import render
from runner.plan.build import build_plan
from runner.plan.facts import ClusterFacts
from runner.plan.profile import load_profile
from runner.run.workspace import Workspace


def api_error(status: int, message: str, reason: str = "") -> ApiException:
    exc = ApiException(status=status, reason=reason or "x")
    exc.body = json.dumps(
        {"kind": "Status", "apiVersion": "v1", "status": "Failure", "message": message, "reason": reason, "code": status}
    )
    return exc


@pytest.mark.parametrize(
    "status, message, cls, exit_code, words",
    [
        (
            403,
            'pods is forbidden: User "system:serviceaccount:ci:x" cannot create resource "pods"',
            E.Forbidden,
            3,
            "forbidden (403)",
        ),
        (
            403,
            'pods "p" is forbidden: exceeded quota: compute, requested: limits.memory=8Gi',
            E.QuotaExceeded,
            1,
            "quota exceeded",
        ),
        (
            403,
            'pods "p" is forbidden: error looking up service account ws/pod-reader: serviceaccount "pod-reader" not found',
            E.Invalid,
            1,
            "refused by admission (403)",
        ),
        (
            403,
            'pods "p" is forbidden: violates PodSecurity "restricted:latest": allowPrivilegeEscalation != false',
            E.Forbidden,
            3,
            "violates PodSecurity",
        ),
        (404, 'pods "s1-bob" not found', E.NotFound, 1, "not found"),
        (409, 'pods "s1-bob" already exists', E.Conflict, 1, "already exists"),
        (422, 'Pod "S1" is invalid: metadata.name: Invalid value', E.Invalid, 1, "rejected"),
        (401, "Unauthorized", E.Unauthorized, 3, "expired"),
        (429, "too many requests", E.TooManyRequests, 1, "too many"),
    ],
)
def test_api_errors_become_one_sentence(status, message, cls, exit_code, words):
    err = E.translate(api_error(status, message), "creating pod/s1-bob")
    assert isinstance(err, cls) and err.exit_code == exit_code
    assert str(err).startswith("creating pod/s1-bob: ") and words in str(err) and "\n" not in str(err)


def test_unreachable_server():
    exc = urllib3.exceptions.MaxRetryError(
        None,
        "/api",
        urllib3.exceptions.NewConnectionError(object(), "Failed to establish a new connection: [Errno 111] Connection refused"),
    )
    err = E.translate(exc, "reading pods")
    assert isinstance(err, E.Unreachable) and err.exit_code == 3
    assert "Connection refused" in str(err) and "object at" not in str(err)


def test_long_messages_are_cut():
    err = E.translate(api_error(422, "x" * 2000))
    assert len(str(err)) < 400


def _runner(tmp_path, path, user="bob", profile="local"):
    prof = load_profile(profile)
    lesson = render(parse_file(path), {"username": user, "storage-class": "rook-cephfs"}).lesson
    plan = build_plan(lesson, ClusterFacts(image_for=prof.image_for))
    labels = {"tutorial-runner.io/lesson": lesson.meta.id, "tutorial-runner.io/user": user, "tutorial-runner.io/run": "r1234567"}
    return plan, Workspace(tmp_path, labels, user, prof)


def test_working_directory_holds_every_named_file_with_labels_and_local_images(tmp_path, data_wild):
    plan, workspace = _runner(tmp_path, data_wild)
    workspace.write_files(plan)
    names = sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith("."))
    assert names == ["hello.txt", "pvc.yaml", "s1.yaml", "s3.yaml", "s4.yaml", "world.txt"]
    assert "bob" in (tmp_path / "hello.txt").read_text()
    pod = yaml.safe_load((tmp_path / "s1.yaml").read_text())
    labels = pod["metadata"]["labels"]
    assert labels["tutorial-runner.io/user"] == "bob" and labels["tutorial-runner.io/lesson"] == "001-86ab03304d8711f1"
    assert labels["tutorial-runner.io/run"] == "r1234567"
    assert pod["spec"]["containers"][0]["image"] == "docker.io/library/rockylinux:8"
    job = yaml.safe_load((tmp_path / "s3.yaml").read_text())
    assert job["spec"]["template"]["metadata"]["labels"]["tutorial-runner.io/run"] == "r1234567"


def test_file_names_cannot_leave_the_working_directory(tmp_path, data_wild):
    from runner.core.errors import TutorialError

    _, workspace = _runner(tmp_path, data_wild)
    with pytest.raises(TutorialError, match="leaves the run's working directory"):
        workspace.path("../../etc/passwd")


def test_run_all_gives_every_lesson_the_same_request(tmp_path, monkeypatch):
    """`run --all` runs in-process with the user's request: --keep, --section, --workdir, --strict ... all hold."""
    from runner.kube.client import ClusterTarget
    from runner.lesson.catalog import lesson_files
    from runner.run import all as run_all_module
    from runner.run.request import RunRequest
    from runner.run.result import RunReport

    seen: list[RunRequest] = []

    def fake_run(req, progress=None, registry=None, cancel=None):
        seen.append(req)
        return RunReport(req.lesson, "", req.lesson, req.user, "ns", "r", "passed", 0.0, (), ())

    monkeypatch.setattr(run_all_module, "run_lesson", fake_run)
    request = RunRequest(
        "",
        "ci",
        ClusterTarget(namespace="ws", profile="local"),
        {"a": "b"},
        ("Part 1",),
        keep=True,
        keep_going=True,
        strict=True,
        workdir=str(tmp_path),
    )
    files = lesson_files()
    reports = run_all_module.run_all(request, files, parallel=2)
    assert len(reports) == len(seen) == len(files) >= 6
    for req in seen:
        assert (req.target, dict(req.sets), req.sections, req.keep, req.keep_going, req.strict) == (
            request.target,
            {"a": "b"},
            ("Part 1",),
            True,
            True,
            True,
        )
        assert req.user.startswith("ci-") and req.workdir and req.workdir.startswith(str(tmp_path))
    assert len({r.workdir for r in seen}) == len(seen)  # one folder per lesson


def test_run_all_keeps_forbidden_as_exit_3(monkeypatch):
    """A cluster that refuses one lesson is "forbidden" for the command too (exit 3), not "a lesson failed"."""
    from click.testing import CliRunner

    from runner.cli.main import main
    from runner.lesson.catalog import lesson_files
    from runner.run import all as run_all_module
    from runner.run.request import RunRequest
    from runner.run.result import RunReport

    def fake_run(req, progress=None, registry=None, cancel=None):
        if req.lesson.endswith("storage.md"):
            raise E.Forbidden('reading lease/x: forbidden (403): cannot get resource "leases"')
        return RunReport(req.lesson, "", req.lesson, req.user, "ns", "r", "passed", 0.0, (), ())

    monkeypatch.setattr(run_all_module, "run_lesson", fake_run)
    res = CliRunner().invoke(main, ["run", "--all", "--user", "ci", "-n", "ws"])
    assert res.exit_code == 3, res.output
    assert "storage: error" in res.output
    # the report of that lesson says why, and keeps the exit status it had
    storage = [p for p in lesson_files() if p.stem == "storage"]
    reports = run_all_module.run_all(RunRequest("", "ci"), storage)
    assert reports[0].extra["exit_code"] == 3 and "forbidden (403)" in reports[0].steps[0].message


def test_run_all_runs_the_first_place_that_has_lessons(tmp_path, monkeypatch):
    """A docs repository's CI runs its own lessons with `run --all`, not the built-in ones too."""
    from runner.lesson.catalog import Catalog, default_sources

    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "one.md").write_text("# One\n\n```bash\nkubectl get pods\n```\n")
    monkeypatch.chdir(tmp_path)  # no ./lessons here
    chosen = Catalog(default_sources([], env={"TUTORIAL_LESSONS": str(mine)})).first_with_lessons()
    assert [e.path.name for e in chosen.entries()] == ["one.md"]
    builtin = Catalog(default_sources([], env={})).first_with_lessons()
    assert {e.id for e in builtin.entries()} >= {"storage", "basics"}


def test_a_lease_released_before_its_renewer_started_does_not_crash():
    """Ctrl-C right as the renewer thread is made (e2e test_interrupt_leaves_nothing[lease] once met it: `cannot join
    thread before it is started`, exit 70)."""
    import threading
    from types import SimpleNamespace

    from runner.run.lease import RunLease

    lease = RunLease(SimpleNamespace(namespace="ws"), "storage", "bob", "r1")
    lease._thread = threading.Thread(target=lambda: None)  # made, not started
    lease.lost = "stopped"  # nothing to delete on the server
    lease.release()
    assert lease._stop.is_set()
