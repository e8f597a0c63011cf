"""Renderers of grades: terminal table, JSON, CSV, JUnit, Markdown, HTML (data lives in runner/grade/result.py)."""

from __future__ import annotations

import csv
import html
import io
import json
import xml.etree.ElementTree as ET

from runner.grade.result import GradeReport

MARK = {"passed": "✓", "failed": "✗", "skipped": "-", "error": "!"}


def render_json(r: GradeReport) -> str:
    return json.dumps(r.to_dict(), indent=2, allow_nan=False)


def render_csv(r: GradeReport) -> str:
    """Gradebook import: username, extra roster columns, points per check, total."""
    extra = sorted({k for p in r.participants for k in p.extra})
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["username", *extra, *r.checks, "total", "max_total"])
    for p in r.participants:
        pts = {c.name: c.points for c in p.checks}
        w.writerow(
            [
                p.user,
                *(p.extra.get(k, "") for k in extra),
                *(f"{pts.get(n, 0):g}" for n in r.checks),
                f"{p.score:g}",
                f"{p.max_score:g}",
            ]
        )
    return buf.getvalue()


def render_table(r: GradeReport, width: int | None = None) -> str:
    """Participants × checks with totals, then the class summary (where the class got stuck)."""
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"{r.lesson}: {len(r.participants)} participants in {r.namespace} ({r.graded_at})")
    table.add_column("user")
    for name in r.checks:
        table.add_column(name, justify="center")
    table.add_column("score", justify="right")
    for p in r.participants:
        by = {c.name: c for c in p.checks}
        table.add_row(p.user, *(MARK.get(by[n].status, "?") if n in by else "" for n in r.checks), f"{p.score:g}/{p.max_score:g}")
    counts = r.passed_counts()
    n = len(r.participants) or 1
    table.add_section()
    table.add_row("passed", *(f"{counts[c]}/{len(r.participants)}" for c in r.checks), "")
    user_width = max([len(p.user) for p in r.participants] + [6])
    auto = user_width + 16 + sum(max(len(c), 5) + 3 for c in r.checks)
    console = Console(record=True, file=io.StringIO(), width=width or max(80, auto), force_terminal=False, color_system=None)
    console.print(table)
    stuck = sorted(r.checks, key=lambda c: counts[c])[:3]
    lines = [
        console.export_text().rstrip(),
        "",
        "where the class got stuck: " + ", ".join(f"{c} ({100 * counts[c] / n:.0f}% passed)" for c in stuck),
    ]
    return "\n".join(lines)


def render_markdown(r: GradeReport) -> str:
    head = "| user | " + " | ".join(r.checks) + " | score |"
    sep = "|" + " --- |" * (len(r.checks) + 2)
    rows = []
    for p in r.participants:
        by = {c.name: c for c in p.checks}
        rows.append(
            f"| {p.user} | "
            + " | ".join({"passed": "✅", "failed": "❌"}.get(by[n].status, "⚠️") if n in by else "" for n in r.checks)
            + f" | {p.score:g}/{p.max_score:g} |"
        )
    counts = r.passed_counts()
    rows.append("| **passed** | " + " | ".join(f"{counts[c]}/{len(r.participants)}" for c in r.checks) + " | |")
    return f"### {r.lesson}: grades ({r.graded_at})\n\n" + "\n".join([head, sep, *rows]) + "\n"


def render_junit(r: GradeReport) -> str:
    suites = ET.Element("testsuites")
    for p in r.participants:
        suite = ET.SubElement(
            suites,
            "testsuite",
            name=f"{r.lesson}[{p.user}]",
            tests=str(len(p.checks)),
            failures=str(sum(c.status == "failed" for c in p.checks)),
            errors=str(sum(c.status == "error" for c in p.checks)),
            skipped=str(sum(c.status == "skipped" for c in p.checks)),
        )
        for c in p.checks:
            case = ET.SubElement(suite, "testcase", classname=f"{r.lesson}.{p.user}", name=c.name)
            body = "\n".join(f"{e.source}\n" + "\n".join(e.lines) for e in c.evidence) + (f"\nhint: {c.hint}" if c.hint else "")
            if c.status == "failed":
                ET.SubElement(case, "failure", message=c.summary).text = body
            elif c.status == "error":
                ET.SubElement(case, "error", message=c.summary).text = body
            elif c.status == "skipped":
                ET.SubElement(case, "skipped", message=c.summary)
    return ET.tostring(suites, encoding="unicode", xml_declaration=True)


def render_html(r: GradeReport) -> str:
    """One page: the class table, then a feedback section per participant an instructor can send."""
    e = html.escape
    counts = r.passed_counts()
    rows = []
    for p in r.participants:
        by = {c.name: c for c in p.checks}
        cells = "".join(
            f"<td class='{by[n].status if n in by else ''}'>{MARK.get(by[n].status, '') if n in by else ''}</td>"
            for n in r.checks
        )
        rows.append(f"<tr><td><a href='#u-{e(p.user)}'>{e(p.user)}</a></td>{cells}<td>{p.score:g}/{p.max_score:g}</td></tr>")
    sections = []
    for p in r.participants:
        items = []
        for c in p.checks:
            ev = "".join(
                f"<details><summary>{e(x.source)}</summary><pre>{e(chr(10).join(x.lines))}</pre></details>" for x in c.evidence
            )
            hint = f"<p class='hint'>Hint: {e(c.hint)}</p>" if c.hint and c.status != "passed" else ""
            items.append(
                f"<li class='{c.status}'><b>{e(c.name)}</b> — {e(c.status)} ({c.points:g}/{c.max_points:g}): {e(c.summary)}{hint}{ev}</li>"
            )
        info = ", ".join(f"{e(k)}: {e(v)}" for k, v in p.extra.items())
        sections.append(
            f"<section id='u-{e(p.user)}'><h2>{e(p.user)} — {p.score:g}/{p.max_score:g}</h2>"
            f"{f'<p>{info}</p>' if info else ''}<ul>{''.join(items)}</ul></section>"
        )
    head = "".join(f"<th>{e(c)}</th>" for c in r.checks)
    summary = "".join(f"<td>{counts[c]}/{len(r.participants)}</td>" for c in r.checks)
    return f"""<!doctype html>
<html><head><meta charset="utf-8"><title>{e(r.lesson)} grades</title>
<style>body{{font-family:sans-serif;margin:2em}} table{{border-collapse:collapse}} td,th{{border:1px solid #ccc;padding:4px 8px}}
.passed{{color:#176f2c}} .failed{{color:#b00020}} .error{{color:#a15c00}} .hint{{background:#fff6d5;padding:4px}} pre{{background:#f4f4f4;padding:6px}}</style>
</head><body><h1>{e(r.title)} ({e(r.lesson)})</h1><p>Namespace {e(r.namespace)}, graded {e(r.graded_at)}.</p>
<table><tr><th>user</th>{head}<th>score</th></tr>{"".join(rows)}<tr><th>passed</th>{summary}<td></td></tr></table>
{"".join(sections)}</body></html>
"""


RENDERERS = {
    "json": render_json,
    "csv": render_csv,
    "table": render_table,
    "text": render_table,
    "markdown": render_markdown,
    "junit": render_junit,
    "html": render_html,
}
