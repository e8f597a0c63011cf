"""Grading without a cluster: rosters, discovery patterns, report renderers."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET

import pytest

from runner.core.errors import TutorialError, UsageError
from runner.core.results import Evidence
from runner.grade.result import CheckGrade, GradeReport, ParticipantGrade
from runner.grade.roster import discover, from_users, load_roster, name_patterns
from runner.lesson.parser import parse_file
from runner.report.grades import RENDERERS


def test_plain_roster_with_comments_and_duplicates(tmp_path):
    p = tmp_path / "r.txt"
    p.write_text("# workshop\nann\n\nbob  # late\nann\n")
    assert [x.user for x in load_roster(str(p))] == ["ann", "bob"]


def test_csv_roster_keeps_other_columns(tmp_path):
    p = tmp_path / "r.csv"
    p.write_text("Name,Username,Email\nAnn A,ann,ann@example.org\nBob B,bob,bob@example.org\n")
    people = load_roster(str(p))
    assert [x.user for x in people] == ["ann", "bob"] and people[0].extra == {"name": "Ann A", "email": "ann@example.org"}


@pytest.mark.parametrize(
    "content, message",
    [
        ("name,email\nAnn,a@x\n", "needs a 'username' column"),
        ("ann\nBad_User\n", "r.txt:2"),
        ("# nobody\n", "names nobody"),
    ],
)
def test_bad_rosters(tmp_path, content, message):
    p = tmp_path / "r.txt"
    p.write_text(content)
    with pytest.raises(TutorialError, match=message):
        load_roster(str(p))


def test_users_option():
    assert [p.user for p in from_users("ann, bob,")] == ["ann", "bob"]
    with pytest.raises(UsageError):
        from_users(",")


def test_discover_from_lesson_name_patterns():
    lesson = parse_file("lessons/storage.md")
    kinds = {k for k, _ in name_patterns(lesson)}
    assert {"Pod", "PersistentVolumeClaim", "Job"} <= kinds
    objects = {
        "Pod": [{"metadata": {"name": "s1-ann"}}, {"metadata": {"name": "unrelated"}}],
        "PersistentVolumeClaim": [{"metadata": {"name": "vol-bob"}}],
        "ConfigMap": [
            {"metadata": {"name": "x", "labels": {"tutorial-runner.io/lesson": "storage", "tutorial-runner.io/user": "cy"}}}
        ],
    }
    assert [p.user for p in discover(lesson, objects)] == ["ann", "bob", "cy"]


def report() -> GradeReport:
    ev = (Evidence("kubectl get pvc vol-ann", ("phase: Bound",)),)
    ann = ParticipantGrade(
        "ann",
        {"email": "ann@example.org"},
        (
            CheckGrade("pvc-bound", "passed", 2, 2, "Bound", ev, None),
            CheckGrade("no-running-pods", "failed", 0, 1, "1 pod still running: s1-ann", (), "kubectl delete pod s1-ann"),
        ),
    )
    bob = ParticipantGrade(
        "bob",
        {},
        (
            CheckGrade("pvc-bound", "failed", 0, 2, "no claim <script>", (), "create it"),
            CheckGrade("no-running-pods", "passed", 1, 1, "none", (), None),
        ),
    )
    return GradeReport(
        "storage", "Storage", "ws", "2026-11-29T10:00:00+00:00", (ann, bob), checks=("pvc-bound", "no-running-pods")
    )


def test_json_shape():
    data = json.loads(RENDERERS["json"](report()))
    assert set(data) >= {"lesson", "namespace", "graded_at", "participants"}
    p = data["participants"][0]
    assert (p["user"], p["score"], p["max_score"]) == ("ann", 2, 3)
    assert set(p["checks"][0]) >= {"name", "status", "points", "max_points", "evidence", "hint"}


def test_csv_for_a_gradebook():
    rows = list(csv.reader(io.StringIO(RENDERERS["csv"](report()))))
    assert rows[0] == ["username", "email", "pvc-bound", "no-running-pods", "total", "max_total", "not_gradable"]
    assert rows[1] == ["ann", "ann@example.org", "2", "0", "2", "3", ""] and rows[2] == ["bob", "", "0", "1", "1", "3", ""]


def test_table_markdown_junit_html():
    table = RENDERERS["table"](report())
    assert "ann" in table and "2/3" in table and "1/2" in table and "where the class is stuck" in table
    md = RENDERERS["markdown"](report())
    assert md.count("\n|") >= 4 and "| **passed** | | 1/2 | 1/2 |" in md and "| ann | ann@example.org |" in md
    suites = ET.fromstring(RENDERERS["junit"](report()))
    assert [s.get("failures") for s in suites] == ["1", "1"]
    html = RENDERERS["html"](report())
    assert (
        "<script>" not in html and "&lt;script&gt;" in html and 'id="u-ann"' in html and "Hint: kubectl delete pod s1-ann" in html
    )


def test_discover_finds_who_only_made_a_configmap_or_a_secret_with_kubectl_create():
    """`data` and `secrets` begin with `kubectl create configmap cfg-one-<username>` / `secret generic git-creds-<username>`:
    a participant who got no further is in the class too (name patterns come from every way of creating, not manifests alone)."""
    data, secrets = parse_file("lessons/data.md"), parse_file("lessons/secrets.md")
    assert [p.user for p in discover(data, {"ConfigMap": [{"metadata": {"name": "cfg-one-dee"}}]})] == ["dee"]
    assert [p.user for p in discover(secrets, {"Secret": [{"metadata": {"name": "git-creds-eve"}}]})] == ["eve"]
