"""Gradebooks (Canvas, Gradescope), feedback pages, roster columns and the web board's pages, on made-up grades.

The web board is served by its real Starlette application (through
Starlette's TestClient) over a board state; its live behaviour in a real
browser is tested in tests/e2e/test_web_board.py.
"""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET

import pytest
from board_support import AT, StillBoard, report

from runner.core.errors import UsageError
from runner.core.redact import Redactor
from runner.core.results import Evidence
from runner.grade.live import BoardState
from runner.grade.result import CheckGrade, GradeReport, ParticipantGrade
from runner.grade.roster import load_roster
from runner.report.feedback import feedback_pages, write_feedback
from runner.report.grades import RENDERERS, gradescope_results


def test_roster_columns_get_one_name_whatever_the_header(tmp_path):
    p = tmp_path / "r.csv"
    p.write_text("Full Name,Username,E-mail,Section,SIS User ID,Notes\nAnn A,ann,ann@example.org,S1,1001,late\n")
    (ann,) = load_roster(str(p))
    assert dict(ann.extra) == {
        "name": "Ann A",
        "email": "ann@example.org",
        "section": "S1",
        "student_id": "1001",
        "notes": "late",
    }


def test_canvas_gradebook():
    rows = list(csv.reader(io.StringIO(RENDERERS["canvas"](report()))))
    assert rows[0] == [
        "Student",
        "ID",
        "SIS User ID",
        "SIS Login ID",
        "Section",
        "storage: pvc-bound",
        "storage: no-running-pods",
        "storage (total)",
    ]
    assert rows[1] == ["    Points Possible", "", "", "", "", "2", "1", "3"]
    assert rows[2] == ["Ann A", "77", "1001", "ann@example.org", "S1", "2", "0", "2"]
    # not gradable: an empty cell (Canvas keeps the grade as it was), and no total that would count it as zero
    assert rows[3] == ["Bob <b>", "", "1002", "bob@example.org", "S2", "", "1", ""]


def test_gradescope_results_json():
    r = report()
    ann = gradescope_results(r, r.participants[0])
    assert ann["score"] == 2 and [t["name"] for t in ann["tests"]] == ["pvc-bound", "no-running-pods"]
    t0, t1 = ann["tests"]
    assert (t0["score"], t0["max_score"], t0["status"]) == (2, 2, "passed") and "first passed at" in t0["output"]
    assert (t1["score"], t1["max_score"], t1["status"]) == (0, 1, "failed") and "hint: kubectl delete pod s1-ann" in t1["output"]
    assert ann["extra_data"]["email"] == "ann@example.org" and ann["extra_data"]["student_id"] == "1001"
    bob = gradescope_results(r, r.participants[1])
    ng = bob["tests"][0]
    assert "score" not in ng and "max_score" not in ng and ng["output"].startswith("not gradable")
    assert bob["extra_data"]["not_gradable"] == ["pvc-bound"]
    with pytest.raises(UsageError, match=r"one results\.json per participant"):
        RENDERERS["gradescope"](r)
    single = GradeReport("storage", "Storage", "ws", AT, (r.participants[0],), checks=r.checks)
    assert json.loads(RENDERERS["gradescope"](single))["tests"][0]["name"] == "pvc-bound"


def test_feedback_pages(tmp_path):
    r = report()
    html, md = feedback_pages(r, r.participants[1])
    assert "Bob &lt;b&gt;" in html and "Bob <b>" not in html  # a roster value is text, never markup
    assert "Not gradable" in html and "the cluster failed, not you" in html
    assert "## What passed" in md and "## Not gradable" in md and "student id: 1002" in md
    html, md = feedback_pages(r, r.participants[0])
    assert "Hint: kubectl delete pod s1-ann" in html and "> Hint: kubectl delete pod s1-ann" in md
    assert "kubectl get pvc vol-ann" in md and "phase: Bound" in md and "first passed at 2026-12-01T09:39:55" in md
    written = write_feedback(r, str(tmp_path / "fb"))
    assert sorted(p.name for p in written) == ["ann.html", "ann.md", "bob.html", "bob.md"]


def test_not_gradable_is_kept_apart_in_every_format():
    r = report()
    data = json.loads(RENDERERS["json"](r))
    assert data["summary"]["not_gradable"] == 1 and data["participants"][1]["checks"][0]["status"] == "not-gradable"
    rows = list(csv.reader(io.StringIO(RENDERERS["csv"](r))))
    assert rows[2][rows[0].index("pvc-bound")] == "" and rows[2][-1] == "pvc-bound"
    junit = ET.fromstring(RENDERERS["junit"](r))
    bob = junit.findall("testsuite")[1]
    assert bob.get("failures") == "0" and bob.get("errors") == "1" and bob.find("testcase/error").get("type") == "not-gradable"
    assert {p.get("name"): p.get("value") for p in bob.find("properties")}["section"] == "S2"
    table = RENDERERS["table"](r)
    assert "not gradable: 1 check(s) of 1 participant(s) (bob)" in table and "?" in table
    md = RENDERERS["markdown"](r)
    assert "not gradable" in md and "| ann | Ann A | ann@example.org | S1 | 1001 | 77 |" in md
    html = RENDERERS["html"](r)
    assert 'class="not-gradable"' in html and "Bob &lt;b&gt;" in html


def test_table_shows_first_passes_and_what_is_no_longer_so():
    table = RENDERERS["table"](report())
    assert "✓ 09:39*" in table  # passed at 09:39, not so now
    assert "* ann pvc-bound: passed at 09:39:55, now no claim vol-ann" in table
    assert table.index("where the class is stuck") < table.index("┃ user")  # the summary stays in view on a tall class


# ---- the web board's pages


@pytest.fixture
def client():
    from starlette.testclient import TestClient

    from runner.web.app import create_app

    r = report()
    state = BoardState(
        r, 7, "cluster unreachable since 09:40:01 (refused); retrying in 4 s", frozenset({"ann"}), {"ann": 7, "bob": 3}
    )
    redact = Redactor(["1002"])  # pretend bob's student id were a secret: it must not reach a page
    return TestClient(create_app(StillBoard(state), redact, ["testserver"]))


def test_web_board_pages(client):
    page = client.get("/")
    assert page.status_code == 200 and page.headers["content-security-policy"].startswith("default-src 'none'")
    text = page.text
    assert 'id="row-ann"' in text and 'id="row-bob"' in text and "Where the class is stuck" in text
    assert "09:39:55" in text and "cluster unreachable since 09:40:01" in text and '<script src="/static/board.js"' in text
    assert "1002" not in text
    detail = client.get("/p/ann").text
    assert (
        "Hint: kubectl delete pod s1-ann" in detail and "kubectl get pvc vol-ann" in detail and "now: no claim vol-ann" in detail
    )
    assert client.get("/p/nobody").status_code == 404
    assert client.post("/").status_code == 405 and client.put("/p/ann").status_code == 405  # read-only
    assert client.get("/", headers={"host": "evil.example"}).status_code == 400  # bound to loopback: loopback names only
    api = client.get("/api/board").json()
    assert api["board"]["version"] == 7 and api["participants"][0]["user"] == "ann"


def test_web_board_events_send_only_the_changed_rows(client):
    with client.stream("GET", "/events?since=5") as resp:
        assert resp.headers["content-type"].startswith("text/event-stream")
        lines = []
        for line in resp.iter_lines():
            lines.append(line)
            if line.startswith("data: ") and "version" in line:
                break
    payload = json.loads(lines[-1][6:])
    assert payload["version"] == 7 and list(payload["rows"]) == ["ann"]  # bob's row did not change since version 5
    assert (
        'data-check="pvc-bound" data-status="passed"' in payload["rows"]["ann"]
        and "Where the class is stuck" in payload["summary_html"]
    )


def test_every_format_prints_only_redacted_text():
    secret = "ghp_s3cr3tT0ken"
    r = report()
    ann = r.participants[0]
    leaky = ParticipantGrade(
        ann.user,
        {**ann.extra, "notes": f"token {secret}"},
        (
            CheckGrade(
                "pvc-bound",
                "failed",
                0,
                2,
                f"clone with {secret} failed",
                (Evidence("git", (f"url https://x:{secret}@h",)),),
                f"use {secret}",
            ),
        ),
    )
    clean = GradeReport("storage", "Storage", "ws", AT, (leaky,), checks=("pvc-bound",)).redacted(Redactor([secret]))
    for name, render in RENDERERS.items():
        assert secret not in render(clean), name
    html, md = feedback_pages(clean, clean.participants[0])
    assert secret not in html and secret not in md


def test_serve_address():
    from runner.cli.grade import parse_address

    assert parse_address("8080") == ("127.0.0.1", 8080)  # loopback unless a host is given
    assert parse_address("0.0.0.0:9000") == ("0.0.0.0", 9000)
    assert parse_address("[::1]:8081") == ("::1", 8081)
    for bad in ("nope", "70000", "host:", ":"):
        with pytest.raises(UsageError):
            parse_address(bad)


def test_a_terminal_draws_the_rows_it_can_show_and_the_totals_of_everyone():
    from runner.report.grades import render_table

    r = report()
    text = render_table(r, width=200, max_rows=1)
    assert "│ ann" in text and "│ bob" not in text and "… 1 more" in text
    assert "1/2" in text  # the totals count bob too
    assert "│ bob" in render_table(r, width=200)  # no limit: every row


def test_progress_saves_happen_beside_the_board_merged_and_errors_told():
    import threading
    import time

    from runner.grade.progressfile import BackgroundSaver

    gate, started, saved, errors = threading.Event(), threading.Event(), [], []

    def save():
        started.set()
        gate.wait(5)
        saved.append(time.monotonic())
        if len(saved) == 2:
            raise OSError(28, "No space left on device")

    saver = BackgroundSaver(save, on_error=errors.append)
    saver.request()
    assert started.wait(5)
    for _ in range(4):
        saver.request()  # while a save runs: one more save after it, not four
    gate.set()
    deadline = time.monotonic() + 5
    while len(saved) < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    saver.close()
    assert len(saved) == 2 and saver.saves == 1
    assert isinstance(saver.error, OSError) and errors and "No space" in str(errors[0])
    saver.request()  # closed: nothing more
    assert len(saved) == 2
