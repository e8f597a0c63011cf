"""`tutorial new` end to end on the real local cluster: the lesson it makes from the published storage tutorial
(../shared/wild/000) runs and its checks pass; a sabotaged variant fails exactly the matching check.

A sabotage of a published tutorial (tests/e2e/sabotage_wild/*.yaml) says where the mistake is made:
`turn: tutorial` makes it in the published text and turns that with `tutorial new` (the instructor's mistake);
`turn: lesson` makes it in the lesson turned from the published text (a participant's mistake, as a grade sees
it). Without the cluster these skip (or fail in CI) like the other e2e tests; without the wild folder they skip
with the reason naming TUTORIAL_WILD_DIR.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from test_lessons import _explain, _run, _user

from runner.author import draft
from runner.lesson.parser import parse_lesson

SABOTAGE = Path(__file__).with_name("sabotage_wild")
# the checks the storage tutorial's lesson must pass on the local cluster (the GPU Job's image is not there: skipped)
MUST_PASS = {"scratch-on-disk", "ramdisk-is-tmpfs", "pvc-bound", "no-running-pods"}


def _sabotages() -> list[Path]:
    return sorted(SABOTAGE.glob("*.yaml"))


def _load(path: Path) -> dict:
    data = yaml.safe_load(path.read_text())
    assert set(data) <= {"tutorial", "turn", "mistake", "replace", "fails", "message"}, f"{path.name}: unknown keys"
    assert data["turn"] in ("tutorial", "lesson"), f"{path.name}: turn is `tutorial` or `lesson`"
    return data


def _replace(text: str, spec: dict, name: str) -> str:
    for r in spec["replace"]:
        assert text.count(r["old"]) == 1, f"{name}: {r['old']!r} must occur once"
        text = text.replace(r["old"], r["new"])
    return text


def _turn(text: str, source: Path, folder: Path) -> Path:
    """The lesson `tutorial new` makes of `text`, written as lessons/storage.md (so its id is `storage`)."""
    out = folder / "lessons" / "storage.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(draft(text, str(source), "storage", str(out)).text)
    return out


def _variant(spec: dict, wild: Path, folder: Path, name: str) -> Path:
    source = wild / spec["tutorial"]
    text = source.read_text()
    if spec["turn"] == "tutorial":
        return _turn(_replace(text, spec, name), source, folder)
    lesson = _turn(text, source, folder)
    lesson.write_text(_replace(lesson.read_text(), spec, name))
    return lesson


@pytest.mark.parametrize("path", _sabotages(), ids=lambda p: p.stem)
def test_sabotage_of_a_published_tutorial_still_applies(path, wild, tmp_path):
    """No cluster: the mistake can be made, and the check it must fail is in the lesson that is run."""
    spec = _load(path)
    lesson = parse_lesson(_variant(spec, wild, tmp_path, path.name).read_text(), "storage.md")
    assert spec["fails"] in [s.check for s in lesson.checks]
    if spec["turn"] == "lesson":  # the same mistake in the published text: tutorial new describes what it sets up
        source = wild / spec["tutorial"]
        turned = parse_lesson(_turn(_replace(source.read_text(), spec, path.name), source, tmp_path).read_text())
        assert spec["fails"] not in [s.check for s in turned.checks]
        assert ("scratch-on-disk", "/mytmp") in [(s.check, dict(s.check_args).get("path")) for s in turned.checks]


@pytest.mark.e2e
def test_the_lesson_made_from_the_published_storage_tutorial_passes(kube_api, namespace, tmp_path, storage_wild):
    lesson = _turn(storage_wild.read_text(), storage_wild, tmp_path)
    report = _run(str(lesson), namespace, _user("new"), tmp_path)
    assert report.status == "passed", _explain(report)
    by_name = {c.name: c for c in report.checks}
    assert {n for n, c in by_name.items() if c.status == "passed"} >= MUST_PASS, _explain(report)
    for c in report.checks:  # the rest skip, saying why (what this cluster cannot do)
        assert c.status == "passed" or (c.status == "skipped" and c.summary), _explain(report)
    assert not [s for s in report.steps if s.status in ("failed", "error")], _explain(report)
    assert not [c for c in report.cleanup if c.outcome == "failed"], report.cleanup


@pytest.mark.e2e
@pytest.mark.parametrize("path", _sabotages(), ids=lambda p: p.stem)
def test_a_sabotaged_published_tutorial_fails_exactly_the_matching_check(kube_api, namespace, tmp_path, wild, path):
    spec = _load(path)
    lesson = _variant(spec, wild, tmp_path, path.name)
    report = _run(str(lesson), namespace, _user("sabw"), tmp_path)
    failed = [c for c in report.checks if c.status in ("failed", "error")]
    assert report.status == "failed", _explain(report)
    assert [c.name for c in failed] == [spec["fails"]], _explain(report)
    assert failed[0].status == "failed", _explain(report)  # a real failure, not a crash of the check
    assert MUST_PASS - {spec["fails"]} <= {c.name for c in report.checks if c.status == "passed"}, _explain(report)
    assert not [s for s in report.steps if s.type != "check" and s.status in ("failed", "error")], _explain(report)
    message = f"{failed[0].summary} {failed[0].hint or ''}"
    for words in spec["message"]:
        assert words in message, f"{path.name}: {words!r} not in the failure message: {message}"
    assert not [c for c in report.cleanup if c.outcome == "failed"], report.cleanup
