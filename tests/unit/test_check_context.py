"""One way to call a check: one context, one error mapping, one scoring rule for run, grade and list."""

from __future__ import annotations

import pytest

from checks.context import CheckContext, evaluate
from checks.registry import Registry
from checks.spec import pod
from runner.core.redact import Redactor
from runner.core.results import ERROR, FAILED, PASSED, Evidence, passed
from runner.kube import errors as E
from runner.lesson.parser import parse_lesson
from runner.report.plan import lesson_summary

LESSON = """---
id: scoring
title: Scoring
rubric:
  first: 3
---

# A

<!-- check: first pod=p-<username> -->

<!-- check: second pod=p-<username> -->
"""


class _Probe:
    namespace = "ws"
    cluster = None
    simulated_gpu = False


def _ctx(lesson):
    return CheckContext(_Probe(), "bob", lesson, "grade")  # type: ignore[arg-type]


def _registry(fn) -> Registry:
    reg = Registry()
    reg.register("first", params=(pod(),))(fn)
    reg.register("second", params=(pod(),))(fn)
    return reg


def test_rubric_points_default_to_one_everywhere():
    lesson = parse_lesson(LESSON, "scoring.md")
    first, second = lesson.checks
    assert (lesson.points(first), lesson.points(second), lesson.max_points) == (3.0, 1.0, 4.0)
    summary = lesson_summary(lesson)  # what `tutorial list` shows
    assert [c["points"] for c in summary["checks"]] == [3.0, 1.0] and summary["points"] == 4.0
    ok = _registry(lambda **_: passed("fine"))
    scores = [evaluate(s, _ctx(lesson), ok, Redactor()) for s in lesson.checks]  # what run and grade score
    assert [(e.points, e.max_points) for e in scores] == [(3.0, 3.0), (1.0, 1.0)]


@pytest.mark.parametrize(
    "exc, status",
    [
        (E.NotFound("pod p-bob not found"), FAILED),  # the participant's object is not there (yet)
        (E.Conflict("replaced"), FAILED),
        (E.Timeout("not ready"), FAILED),
        (E.Invalid("rejected"), ERROR),  # the tool could not look: the check's error
        (E.ClusterError("API error 500"), ERROR),
        (ValueError("bug"), ERROR),
    ],
)
def test_errors_keep_one_meaning_in_run_and_grade(exc, status):
    lesson = parse_lesson(LESSON, "scoring.md")

    def boom(**_):
        raise exc

    ev = evaluate(lesson.checks[0], _ctx(lesson), _registry(boom), Redactor())
    assert ev.result.status == status and ev.points == 0.0 and ev.max_points == 3.0
    assert str(exc) in ev.result.summary


@pytest.mark.parametrize("exc", [E.Unreachable("cluster unreachable"), E.Forbidden("forbidden (403)")])
def test_an_unreachable_or_forbidden_cluster_stops_the_caller(exc):
    lesson = parse_lesson(LESSON, "scoring.md")

    def boom(**_):
        raise exc

    with pytest.raises(type(exc)):
        evaluate(lesson.checks[0], _ctx(lesson), _registry(boom), Redactor())


def _raw_unreachable() -> Exception:
    import urllib3

    return urllib3.exceptions.MaxRetryError(None, "/api/v1/namespaces/ws/pods", reason=ConnectionRefusedError("refused"))


def _raw_forbidden() -> Exception:
    from kubernetes.client.exceptions import ApiException

    exc = ApiException(status=403, reason="Forbidden")
    exc.body = '{"kind": "Status", "message": "pods is forbidden: cannot list resource pods", "code": 403}'
    return exc


@pytest.mark.parametrize("make, cls", [(_raw_unreachable, E.Unreachable), (_raw_forbidden, E.Forbidden)])
def test_a_client_error_a_check_did_not_translate_keeps_its_meaning(make, cls):
    """A check that calls the client around the probe: unreachable and forbidden still stop the caller."""
    lesson = parse_lesson(LESSON, "scoring.md")

    def boom(**_):
        raise make()

    with pytest.raises(cls):
        evaluate(lesson.checks[0], _ctx(lesson), _registry(boom), Redactor())


def test_unknown_checks_and_secrets_in_results():
    lesson = parse_lesson(LESSON, "scoring.md")
    redact = Redactor(["tok-supersecret"])
    leaky = _registry(
        lambda **_: passed(
            "cloned with tok-supersecret", Evidence("git clone https://u:tok-supersecret@h/r", ("tok-supersecret",))
        )
    )
    ev = evaluate(lesson.checks[0], _ctx(lesson), leaky, redact)
    assert ev.result.status == PASSED
    text = ev.result.summary + ev.result.evidence[0].source + "".join(ev.result.evidence[0].lines)
    assert "tok-supersecret" not in text and "***" in text
    unknown = evaluate(lesson.checks[0], _ctx(lesson), Registry(), redact)
    assert unknown.result.status == ERROR and "unknown check 'first'" in unknown.result.summary


def test_the_context_gives_every_check_the_same_keywords():
    lesson = parse_lesson(LESSON, "scoring.md")
    seen = {}

    def spy(*, probe, cluster, namespace, user, args, lesson, mode, profile, workdir, labels):
        seen.update(namespace=namespace, user=user, args=args, mode=mode)
        return passed("ok")

    evaluate(lesson.checks[0], _ctx(lesson), _registry(spy), Redactor())
    assert seen == {"namespace": "ws", "user": "bob", "args": {"pod": "p-<username>"}, "mode": "grade"}
