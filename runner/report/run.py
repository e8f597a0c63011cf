"""Renderers of run reports: text, JSON, JUnit XML, Markdown, GitHub annotations (the data is `runner.run.result.RunReport`).

Every format is one entry of `RENDERERS`: the CLI's `--format` choices, the
report file (`--report x.xml`, `.md`, `.json`) and `--all` all come from that
table, so a new format is one function here and its test.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable, Sequence

from runner.run.result import RunReport

MARK = {"passed": "ok", "failed": "FAIL", "skipped": "skip", "error": "ERROR"}


def summary_text(report: RunReport, verbose: bool = False) -> str:
    """Plain text that reads well in a terminal and in CI logs."""
    lines = [
        f"{report.lesson} for {report.user} in namespace {report.namespace} (run {report.run_id}): "
        f"{report.status.upper()} in {report.seconds:.1f}s"
    ]
    lines.append("")
    lines.append(f"  {'line':>5}  {'status':<6}  {'secs':>6}  step")
    for s in report.steps:
        what = s.command.split("\n")[0] if s.command else s.id
        msg = f"  — {s.message}" if s.message and s.status != "passed" else ""
        lines.append(f"  {s.line:>5}  {MARK.get(s.status, s.status):<6}  {s.seconds:>6.1f}  {s.type:<11} {what}{msg}")
        if s.status in ("failed", "error") or verbose:
            for ev in s.evidence:
                lines.append(f"  {'':>5}  {'':<6}  {'':>6}    | {ev.source}")
                for l in ev.lines[-12:]:
                    lines.append(f"  {'':>5}  {'':<6}  {'':>6}    |   {l}")
    if report.checks:
        got, total = report.score
        lines.append("")
        lines.append(
            f"  checks: {sum(c.status == 'passed' for c in report.checks)}/{len(report.checks)} passed, {got:g}/{total:g} points"
        )
        for c in report.checks:
            lines.append(
                f"  {c.line:>5}  {MARK.get(c.status, c.status):<6}  {c.points:>4g}/{c.max_points:<4g} {c.name}: {c.summary}"
            )
            if c.status != "passed" and c.hint:
                lines.append(f"  {'':>5}  {'':<6}  hint: {c.hint}")
    if report.simulated:
        lines.append("")
        lines.extend(f"  simulated: {s}" for s in report.simulated)
    if report.swept:
        lines.append(f"  swept {len(report.swept)} leftover object(s) of earlier runs first")
    if report.outages:
        lines.append(
            f"  waited {report.outage_seconds:.1f} s for the API server ({report.outages} outage(s), ridden out: "
            "see --outage-timeout)"
        )
    failed_cleanup = [c for c in report.cleanup if c.outcome == "failed"]
    deleted = [c for c in report.cleanup if c.outcome in ("deleted", "gone")]
    kept = [c for c in report.cleanup if c.outcome == "kept"]
    if deleted:
        lines.append(f"  cleanup: deleted {len(deleted)} object(s)")
    for rec in failed_cleanup:
        lines.append(f"  cleanup FAILED for {rec.ref}: {rec.error}")
    if kept or report.kept_hint:
        lines.append(f"  kept {len(kept)} object(s) for inspection; clean later with: {report.kept_hint}")
    return "\n".join(lines)


def to_json(report: RunReport) -> str:
    return json.dumps(report.to_dict(), indent=2, allow_nan=False)


def to_junit(reports: Iterable[RunReport]) -> str:
    """One testsuite per lesson run, one testcase per step and check."""
    suites = ET.Element("testsuites")
    for report in reports:
        suite = ET.SubElement(suites, "testsuite", name=f"{report.lesson}[{report.user}]", time=f"{report.seconds:.3f}")
        counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
        for s in report.steps:
            case = ET.SubElement(
                suite, "testcase", classname=report.lesson, name=f"{s.id}", time=f"{s.seconds:.3f}", file=s.path, line=str(s.line)
            )
            counts["tests"] += 1
            body = "\n".join([f"{ev.source}\n" + "\n".join(ev.lines) for ev in s.evidence])
            if s.status == "failed":
                counts["failures"] += 1
                ET.SubElement(case, "failure", message=s.message).text = body
            elif s.status == "error":
                counts["errors"] += 1
                ET.SubElement(case, "error", message=s.message).text = body
            elif s.status == "skipped":
                counts["skipped"] += 1
                ET.SubElement(case, "skipped", message=s.message)
        for key, value in counts.items():
            suite.set(key, str(value))
    return ET.tostring(suites, encoding="unicode", xml_declaration=True)


def to_markdown(reports: Iterable[RunReport]) -> str:
    """A summary for a CI job page (GitHub's job summary)."""
    lines = ["| lesson | user | status | steps | checks | seconds |", "| --- | --- | --- | --- | --- | --- |"]
    for r in reports:
        passed = sum(s.status == "passed" for s in r.steps)
        cpass = sum(c.status == "passed" for c in r.checks)
        icon = {"passed": "✅", "failed": "❌"}.get(r.status, "⚠️")
        lines.append(
            f"| {r.lesson} | {r.user} | {icon} {r.status} | {passed}/{len(r.steps)} | {cpass}/{len(r.checks)} | {r.seconds:.0f} |"
        )
    for r in reports:
        bad = [s for s in r.steps if s.status in ("failed", "error")]
        for s in bad:
            lines.append(f"\n**{r.lesson}** `{s.path}:{s.line}`: {s.message}")
    return "\n".join(lines) + "\n"


def to_json_all(reports: Sequence[RunReport], many: bool = False) -> str:
    """One run's report as an object; the reports of `--all` (`many`) as a list."""
    if len(reports) == 1 and not many:
        return to_json(reports[0])
    return json.dumps([r.to_dict() for r in reports], indent=2, allow_nan=False)


def to_text(reports: Sequence[RunReport], verbose: bool = False) -> str:
    return "\n\n".join(summary_text(r, verbose) for r in reports)


def to_github(reports: Iterable[RunReport]) -> str:
    """GitHub Actions workflow commands: each failed step and check is an annotation at its file and line of the PR diff."""

    def clean(text: str) -> str:  # the command's own escaping: %, CR and LF in the message
        return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")

    def prop(text: str) -> str:
        return clean(text).replace(":", "%3A").replace(",", "%2C")

    lines = []
    for r in reports:
        for s in r.steps:
            if s.status in ("failed", "error"):
                level = "error"
                lines.append(
                    f"::{level} file={prop(s.path)},line={s.line},title={prop(r.lesson + ': ' + s.id)}::{clean(s.message)}"
                )
        for c in r.checks:
            if c.status in ("failed", "error"):
                hint = f" (hint: {c.hint})" if c.hint else ""
                lines.append(
                    f"::warning file={prop(r.path)},line={c.line},title={prop(r.lesson + ': ' + c.name)}::{clean(c.summary + hint)}"
                )
        lines.append(f"::notice title={prop(r.lesson)}::{r.lesson} for {r.user}: {r.status} in {r.seconds:.0f}s")
    return "\n".join(lines) + "\n"


# format -> renderer of the reports of one run (`tutorial run`) or of several (`--all`, `many=True`)
RENDERERS: dict[str, Callable[..., str]] = {
    "text": lambda reports, verbose=False, many=False: to_text(reports, verbose),
    "json": lambda reports, verbose=False, many=False: to_json_all(reports, many),
    "junit": lambda reports, verbose=False, many=False: to_junit(reports),
    "markdown": lambda reports, verbose=False, many=False: to_markdown(reports),
    "github": lambda reports, verbose=False, many=False: to_github(reports),
}
# a report file's format by its name (`--report run.xml`); any other name is JSON
FILE_FORMATS = {".xml": "junit", ".md": "markdown", ".json": "json"}


def render(fmt: str, reports: Sequence[RunReport], verbose: bool = False, many: bool = False) -> str:
    return RENDERERS[fmt](list(reports), verbose=verbose, many=many)


def file_format(path: str) -> str:
    """The format of a report file, from its suffix (JSON unless `.xml` or `.md`)."""
    return next((f for suffix, f in FILE_FORMATS.items() if path.lower().endswith(suffix)), "json")
