"""Every lesson passes on the real local cluster, and each sabotaged variant fails exactly the right check.

A sabotage (tests/e2e/sabotage/*.yaml) is one realistic mistake: text
replacements applied to a copy of a lesson, the check(s) that must fail (the
first named is the one the mistake is about; a failed check does not stop the
run, so a later check that depends on the same object may fail with it), and
words the first one's message (summary or hint) must contain, so a learner is
told what is wrong. "Exactly the right checks": those fail, no other check
fails, and no step fails before the first of them (a later step may fail as
a consequence, e.g. `kubectl logs -c pi` of a pod whose init container failed).

How long a lesson takes is measured by bench/ scripts, not asserted here: on
a shared cluster under load a timed assertion fails for reasons that are not
the lesson's (every wait of a run has its own deadline, so a hang still fails).

The cluster comes from the e2e fixtures (tests/e2e/conftest.py: `kube_api`,
`namespace`); without root or Linux they skip with the exact reason. The
sabotage files are also validated without a cluster (they must still apply to
the lessons as they are now).
"""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
LESSONS = ROOT / "lessons"
SABOTAGE = Path(__file__).with_name("sabotage")
OUR_LESSONS = ["basics", "data", "secrets", "gpu", "workflow", "storage"]


def _sabotages() -> list[Path]:
    return sorted(SABOTAGE.glob("*.yaml"))


def _load(path: Path) -> dict:
    data = yaml.safe_load(path.read_text())
    assert set(data) <= {"lesson", "mistake", "replace", "fails", "message"}, f"{path.name}: unknown keys"
    return data


def _fails(spec: dict) -> list[str]:
    return [spec["fails"]] if isinstance(spec["fails"], str) else list(spec["fails"])


def _apply(spec: dict, name: str) -> str:
    text = (LESSONS / f"{spec['lesson']}.md").read_text()
    for r in spec["replace"]:
        count = text.count(r["old"])
        assert count == 1, f"{name}: {r['old']!r} occurs {count} times in lessons/{spec['lesson']}.md (must be once)"
        text = text.replace(r["old"], r["new"])
    return text


@pytest.mark.parametrize("path", _sabotages(), ids=lambda p: p.stem)
def test_sabotage_still_applies_to_its_lesson(path):
    """No cluster needed: the mistake can be made in today's lesson, and the check it must fail is in it."""
    from runner.lesson.catalog import load

    spec = _load(path)
    _apply(spec, path.name)
    lesson = load(str(LESSONS / f"{spec['lesson']}.md"))
    for name in _fails(spec):
        assert name in [s.check for s in lesson.checks], f"{path.name}: lesson {spec['lesson']} has no check {name}"
    assert spec.get("message"), f"{path.name}: say which words the failure message must contain"


def _run(lesson: str, namespace: str, user: str, workdir: Path):
    from runner.kube.client import ClusterTarget
    from runner.run.flow import run_lesson
    from runner.run.request import RunRequest

    return run_lesson(
        RunRequest(str(lesson), user, ClusterTarget(namespace=namespace, profile="local"), workdir=str(workdir / "run"))
    )


def _user(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:5]}"


def _explain(report) -> str:
    lines = [f"{report.lesson} for {report.user}: {report.status} in {report.seconds:.0f}s"]
    lines += [f"  step {s.line} {s.id}: {s.status} {s.message}" for s in report.steps if s.status not in ("passed", "skipped")]
    lines += [f"  check {c.name}: {c.status}: {c.summary} | hint: {c.hint}" for c in report.checks]
    return "\n".join(lines)


@pytest.mark.e2e
@pytest.mark.parametrize("lesson", OUR_LESSONS)
def test_lesson_passes(kube_api, namespace, tmp_path, lesson):
    report = _run(lesson, namespace, _user("e2e"), tmp_path)
    assert report.status == "passed", _explain(report)
    assert report.checks and all(c.status == "passed" for c in report.checks), _explain(report)
    assert not [c for c in report.cleanup if c.outcome == "failed"], report.cleanup


@pytest.mark.e2e
@pytest.mark.parametrize("path", _sabotages(), ids=lambda p: p.stem)
def test_sabotage_fails_exactly_the_right_check(kube_api, namespace, tmp_path, path):
    spec = _load(path)
    variant = tmp_path / f"{spec['lesson']}.md"  # same file name: same lesson id and labels
    variant.write_text(_apply(spec, path.name))
    report = _run(str(variant), namespace, _user("sab"), tmp_path)
    failed_checks = [c for c in report.checks if c.status in ("failed", "error")]
    first_line = min((c.line for c in failed_checks), default=10**9)
    failed_steps = [s for s in report.steps if s.type != "check" and s.status in ("failed", "error") and s.line < first_line]
    assert report.status == "failed", _explain(report)
    assert [c.name for c in failed_checks] == _fails(spec), _explain(report)
    assert all(c.status == "failed" for c in failed_checks), _explain(report)  # real failures, not crashes of checks
    assert all(c.status in ("passed", "skipped") for c in report.checks if c not in failed_checks), _explain(report)
    assert not failed_steps, _explain(report)
    message = f"{failed_checks[0].summary} {failed_checks[0].hint or ''}"
    for words in spec["message"]:
        assert words in message, f"{path.name}: {words!r} not in the failure message: {message}"
    assert not [c for c in report.cleanup if c.outcome == "failed"], report.cleanup
