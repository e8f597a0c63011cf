"""Renderers of grades: terminal table, JSON, CSV, JUnit, Markdown, HTML, Canvas and Gradescope gradebooks.

Data lives in runner/grade/result.py and has been redacted before it gets
here. Every format carries the roster's columns (name, email, section,
student id) and keeps "not gradable" (the cluster failed, not the
participant) apart from "failed": it is neither a pass nor a zero.
"""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
from typing import Any

from runner.core.results import NOT_GRADABLE, PASSED
from runner.grade.result import INFO_KEYS, GradeReport, ParticipantGrade
from runner.report.templating import MARK, environment, hhmm

LEGEND = "✓ passed (time of the first pass; * not so now) · ✗ not yet · ? not gradable (the cluster failed, not the participant) · ! error"


def info_keys(r: GradeReport) -> list[str]:
    """The roster columns any participant has: the usual ones first, in INFO_KEYS order, then the others sorted."""
    present = {k for p in r.participants for k, v in p.extra.items() if v}
    return [k for k in INFO_KEYS if k in present] + sorted(present - set(INFO_KEYS))


def render_json(r: GradeReport) -> str:
    return json.dumps(r.to_dict(), indent=2, allow_nan=False)


def render_csv(r: GradeReport) -> str:
    """Our gradebook: username, roster columns, points per check (empty: not gradable), total, max, what was not gradable."""
    extra = sorted({k for p in r.participants for k in p.extra})
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["username", *extra, *r.checks, "total", "max_total", "not_gradable"])
    for p in r.participants:
        by = {c.name: c for c in p.checks}
        w.writerow(
            [
                p.user,
                *(p.extra.get(k, "") for k in extra),
                *("" if n in by and by[n].status == NOT_GRADABLE else f"{by[n].points if n in by else 0:g}" for n in r.checks),
                f"{p.score:g}",
                f"{p.max_score:g}",
                " ".join(p.not_gradable),
            ]
        )
    return buf.getvalue()


def cell(c: Any, graded_at: str, live: bool) -> str:
    """One check of one participant on the terminal: the mark, the time of the first pass, * when not so now."""
    mark = MARK.get(c.status, "?")
    if c.status != PASSED:
        return mark
    when = hhmm(c.first_passed_at) if (live or (c.first_passed_at and c.first_passed_at != graded_at)) else ""
    return f"{mark} {when[:5]}{'*' if c.now_status else ''}".strip()


def summary_lines(r: GradeReport) -> list[str]:
    """Where the class is stuck, what was not gradable, who was graded too late."""
    lines = []
    stuck = r.stuck()
    if stuck:
        lines.append("where the class is stuck: " + ", ".join(f"{c} ({k} of {n} not yet)" for c, k, n in stuck))
    else:
        lines.append("where the class is stuck: nowhere, every check passed" if r.participants else "no participants")
    ng = r.not_gradable_count()
    if ng:
        who = sorted({p.user for p in r.participants if p.not_gradable})
        lines.append(
            f"not gradable: {ng} check(s) of {len(who)} participant(s) ({', '.join(who[:10])}): the cluster failed, not them"
        )
    gone = r.gone()
    if gone:
        lines.append(f"objects existed and are gone (grade during the session with --watch --progress): {', '.join(gone)}")
    return lines


def render_table(
    r: GradeReport,
    width: int | None = None,
    live: bool = False,
    status: str | None = None,
    clock: str | None = None,
    max_rows: int | None = None,
) -> str:
    """Participants × checks with totals; the class summary (where the class is stuck) first, so a tall class keeps it in view.

    `max_rows` (a terminal's height): only the first rows are drawn, then "… N more" and the totals of everyone. A
    terminal shows no more anyway, and drawing 1000 rows to crop them took the live board 2 s a redraw."""
    from rich.console import Console
    from rich.table import Table

    when = clock or r.graded_at
    title = f"{r.lesson}: {len(r.participants)} participants in {r.namespace} ({when})"
    table = Table(title=title)
    table.add_column("user")
    keys = [k for k in ("name", "section") if k in info_keys(r)]
    for k in keys:
        table.add_column(k)
    for name in r.checks:
        table.add_column(name, justify="center")
    table.add_column("score", justify="right")
    shown = r.participants if max_rows is None else r.participants[: max(1, max_rows)]
    for p in shown:
        by = {c.name: c for c in p.checks}
        table.add_row(
            p.user,
            *(p.info(k) for k in keys),
            *(cell(by[n], r.graded_at, live) if n in by else "" for n in r.checks),
            f"{p.score:g}/{p.max_score:g}",
        )
    if len(shown) < len(r.participants):
        table.add_row(f"… {len(r.participants) - len(shown)} more", *("" for _ in keys), *("" for _ in r.checks), "")
    counts = r.passed_counts()
    table.add_section()
    table.add_row("passed", *("" for _ in keys), *(f"{counts[c]}/{len(r.participants)}" for c in r.checks), "")
    user_width = max([len(p.user) for p in r.participants] + [6]) + sum(
        max([len(p.info(k)) for p in r.participants] + [len(k)]) + 3 for k in keys
    )
    auto = user_width + 16 + sum(max(len(c), 9) + 3 for c in r.checks)
    console = Console(record=True, file=io.StringIO(), width=width or max(80, auto), force_terminal=False, color_system=None)
    console.print(table)
    head = [f"!! {status}"] if status else []
    undone = [
        f"* {p.user} {c.name}: passed at {hhmm(c.first_passed_at)}, now {c.now_summary or c.now_status}"
        for p in r.participants
        for c in p.checks
        if c.status == PASSED and c.now_status
    ]
    notes = ([*undone[:3], f"* … and {len(undone) - 3} more"] if len(undone) > 3 else undone) if undone else []
    return "\n".join([*head, *summary_lines(r), "", console.export_text().rstrip(), *notes, LEGEND])


def render_markdown(r: GradeReport) -> str:
    return (
        environment()
        .get_template("grades.md.j2")
        .render(r=r, keys=info_keys(r), summary=summary_lines(r), counts=r.passed_counts())
    )


def render_junit(r: GradeReport) -> str:
    """One testsuite per participant (roster columns as properties); not gradable is a JUnit error, not a failure."""
    suites = ET.Element("testsuites", name=r.lesson)
    for p in r.participants:
        suite = ET.SubElement(
            suites,
            "testsuite",
            name=f"{r.lesson}[{p.user}]",
            tests=str(len(p.checks)),
            failures=str(sum(c.status == "failed" for c in p.checks)),
            errors=str(sum(c.status in ("error", NOT_GRADABLE) for c in p.checks)),
            skipped=str(sum(c.status == "skipped" for c in p.checks)),
        )
        if p.extra:
            props = ET.SubElement(suite, "properties")
            for k, v in p.extra.items():
                ET.SubElement(props, "property", name=k, value=v)
        for c in p.checks:
            case = ET.SubElement(suite, "testcase", classname=f"{r.lesson}.{p.user}", name=c.name)
            body = "\n".join(f"{e.source}\n" + "\n".join(e.lines) for e in c.evidence) + (f"\nhint: {c.hint}" if c.hint else "")
            if c.status == "failed":
                ET.SubElement(case, "failure", message=c.summary).text = body
            elif c.status == NOT_GRADABLE:
                ET.SubElement(case, "error", message=f"not gradable: {c.summary}", type="not-gradable").text = body
            elif c.status == "error":
                ET.SubElement(case, "error", message=c.summary).text = body
            elif c.status == "skipped":
                ET.SubElement(case, "skipped", message=c.summary)
    return ET.tostring(suites, encoding="unicode", xml_declaration=True)


def render_html(r: GradeReport) -> str:
    """One page: the class table, then a feedback section per participant an instructor can send."""
    return (
        environment()
        .get_template("grades.html.j2")
        .render(r=r, keys=info_keys(r), summary=summary_lines(r), counts=r.passed_counts())
    )


# ---- gradebooks an LMS imports


def render_canvas(r: GradeReport) -> str:
    """A Canvas gradebook CSV: Student, ID, SIS User ID, SIS Login ID, Section, one column per check, the lesson's total.

    The second row is Canvas' "Points Possible". A not-gradable check is an
    empty cell (Canvas leaves that grade as it was), and so is the total of
    a participant with one: a total would count it as zero.
    """
    buf = io.StringIO()
    w = csv.writer(buf)
    checks = [f"{r.lesson}: {c}" for c in r.checks]
    total = f"{r.lesson} (total)"
    w.writerow(["Student", "ID", "SIS User ID", "SIS Login ID", "Section", *checks, total])
    maxima = _max_points(r)
    w.writerow(["    Points Possible", "", "", "", "", *(f"{maxima[c]:g}" for c in r.checks), f"{sum(maxima.values()):g}"])
    for p in r.participants:
        by = {c.name: c for c in p.checks}
        cells = ["" if n not in by or by[n].status == NOT_GRADABLE else f"{by[n].points:g}" for n in r.checks]
        w.writerow(
            [
                p.info("name") or p.user,
                p.info("canvas_id"),
                p.info("student_id"),
                p.info("login") or p.info("email") or p.user,
                p.info("section"),
                *cells,
                "" if p.not_gradable else f"{p.score:g}",
            ]
        )
    return buf.getvalue()


def _max_points(r: GradeReport) -> dict[str, float]:
    out = dict.fromkeys(r.checks, 0.0)
    for p in r.participants:
        for c in p.checks:
            out[c.name] = max(out.get(c.name, 0.0), c.max_points)
    return out


def gradescope_results(r: GradeReport, p: ParticipantGrade) -> dict[str, Any]:
    """A Gradescope autograder `results.json` for one participant.

    Each check is a test with score, max_score, status and output (summary,
    evidence, hint). A not-gradable check has no score (Gradescope then
    counts nothing for it) and says so; the top-level `score` is the sum of
    the gradable checks, and `extra_data` lists the checks that were not.
    """
    tests = []
    for c in p.checks:
        output = [c.summary]
        if c.first_passed_at:
            output.append(f"first passed at {c.first_passed_at}")
        for e in c.evidence:
            output.append(f"{e.source}:\n" + "\n".join(f"  {line}" for line in e.lines))
        if c.hint and c.status != PASSED:
            output.append(f"hint: {c.hint}")
        test: dict[str, Any] = {"name": c.name, "output": "\n".join(output), "visibility": "visible"}
        if c.status == NOT_GRADABLE:
            test["output"] = "not gradable (the cluster failed, not you): " + test["output"]
            test["extra_data"] = {"status": NOT_GRADABLE}
        else:
            test.update(score=c.points, max_score=c.max_points, status="passed" if c.status == PASSED else "failed")
        tests.append(test)
    who = ", ".join(x for x in (p.info("name"), p.info("email"), p.info("section"), p.info("student_id")) if x)
    return {
        "score": p.score,
        "output": f"{r.title} ({r.lesson}) for {p.user}{f' ({who})' if who else ''}, graded {r.graded_at}: {p.score:g}/{p.max_score:g}",
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "extra_data": {
            "user": p.user,
            **dict(p.extra),
            "not_gradable": list(p.not_gradable),
            **({"standing": p.standing} if p.standing != "graded" else {}),
        },
        "tests": tests,
    }


def render_gradescope(r: GradeReport) -> str:
    """results.json of the one participant graded (Gradescope runs an autograder per submission)."""
    if len(r.participants) != 1:
        from runner.core.errors import UsageError

        raise UsageError(
            f"--format gradescope writes one results.json per participant: grade one (--users NAME), "
            f"or give -o DIR for {len(r.participants)} (DIR/<user>/results.json)"
        )
    return json.dumps(gradescope_results(r, r.participants[0]), indent=2)


RENDERERS = {
    "json": render_json,
    "csv": render_csv,
    "table": render_table,
    "text": render_table,
    "markdown": render_markdown,
    "junit": render_junit,
    "html": render_html,
    "canvas": render_canvas,
    "gradescope": render_gradescope,
}
