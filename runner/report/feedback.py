"""Feedback pages: one HTML and one Markdown page per participant, with what passed, what did not, evidence and hints.

`tutorial grade --feedback DIR` writes `DIR/<user>.html` and `DIR/<user>.md`
from the same (redacted) grades as every other format.
"""

from __future__ import annotations

from pathlib import Path

from runner.grade.result import INFO_KEYS, GradeReport, ParticipantGrade
from runner.report.templating import environment


def feedback_pages(r: GradeReport, p: ParticipantGrade) -> tuple[str, str]:
    """(HTML, Markdown) of one participant's feedback."""
    env = environment()
    keys = [k for k in INFO_KEYS if p.info(k)] + sorted(k for k in p.extra if k not in INFO_KEYS and p.extra[k])
    html = env.get_template("feedback.html.j2").render(r=r, p=p, keys=keys)
    md = env.get_template("feedback.md.j2").render(r=r, p=p, keys=keys)
    return html, md


def write_feedback(r: GradeReport, folder: str) -> list[Path]:
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for p in r.participants:
        html, md = feedback_pages(r, p)
        for suffix, text in ((".html", html), (".md", md)):
            path = out / f"{p.user}{suffix}"
            path.write_text(text, encoding="utf-8")
            written.append(path)
    return written
