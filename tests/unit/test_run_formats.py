"""Run reports: one renderer table gives every format, to the terminal, to a report file and to `--all`."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest
from click.testing import CliRunner

from runner.core.results import Evidence
from runner.report.run import RENDERERS, file_format, render
from runner.run.result import CheckOutcome, RunReport, StepResult


def _report(user: str = "bob", status: str = "failed") -> RunReport:
    steps = (
        StepResult(0, 40, "storage.md", "scratch-pod", "manifest", "passed", 1.5),
        StepResult(
            1,
            73,
            "storage.md",
            "wait-L73",
            "command",
            status,
            2.0,
            "pod s1-bob not ready",
            "kubectl get pod",
            (Evidence("kubectl describe pod s1-bob", ("Events: FailedScheduling",)),),
        ),
    )
    checks = (CheckOutcome("scratch-on-disk", "c-L93", 93, "failed", 0.0, 2.0, "not on disk", hint="mount it"),)
    return RunReport("storage", "Storage", "storage.md", user, "ws", "r1", status, 3.5, steps, checks)


def test_the_table_has_every_format_and_each_renders():
    assert set(RENDERERS) == {"text", "json", "junit", "markdown", "github"}
    one = _report()
    assert "storage for bob" in render("text", [one]) and "hint: mount it" in render("text", [one])
    assert json.loads(render("json", [one]))["user"] == "bob"
    assert [r["user"] for r in json.loads(render("json", [one, _report("ann")], many=True))] == ["bob", "ann"]
    assert isinstance(json.loads(render("json", [one], many=True)), list)  # `--all` is a list, even of one
    suite = ET.fromstring(render("junit", [one])).find("testsuite")
    assert suite is not None and suite.get("failures") == "1" and suite.get("tests") == "2"
    assert "`storage.md:73`: pod s1-bob not ready" in render("markdown", [one])


@pytest.mark.parametrize(
    "path, fmt", [("r.xml", "junit"), ("r.md", "markdown"), ("r.json", "json"), ("report", "json"), ("R.XML", "junit")]
)
def test_a_report_file_takes_its_format_from_its_name(path, fmt):
    assert file_format(path) == fmt


def test_run_format_choices_come_from_the_table():
    from runner.cli.main import main

    res = CliRunner().invoke(main, ["run", "--help"])
    assert res.exit_code == 0 and "[text|json|junit|markdown|github]" in res.output


def test_github_annotations_point_at_the_failing_lines_and_escape_the_message():
    one = _report()
    out = render("github", [one]).splitlines()
    assert out[0] == "::error file=storage.md,line=73,title=storage%3A wait-L73::pod s1-bob not ready"
    assert out[1].startswith("::warning file=storage.md,line=93,title=storage%3A scratch-on-disk::not on disk (hint: mount it)")
    assert out[2] == "::notice title=storage::storage for bob: failed in 4s"
    bad = RunReport(
        "x",
        "",
        "x.md",
        "u",
        "ns",
        "r",
        "failed",
        1.0,
        (StepResult(0, 5, "x.md", "s", "command", "failed", 0.1, "a\nb 100%"),),
        (),
    )
    assert render("github", [bad]).splitlines()[0].endswith("::a%0Ab 100%25")
