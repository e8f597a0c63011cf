"""A preflight's answer as text (a terminal, a CI log), JSON (scripts) or Markdown (a workshop's checklist)."""

from __future__ import annotations

import json

from runner.preflight.items import AREAS, FAIL, MARKS, OK, Preflight


def _verdict(p: Preflight) -> str:
    fails = p.count(FAIL)
    head = f"holds for {p.participants} participants" if p.holds else f"does not hold for {p.participants} participants"
    room = f"; the namespace holds at most {p.at_most} at once ({p.limit_reason})" if p.at_most is not None else ""
    return f"{head}{room}" + (f" — {fails} item(s) fail" if fails else "")


def to_text(p: Preflight, verbose: bool = False) -> str:
    """Every item that fails or could not be told; the rights that hold as one line (all of them with `verbose`)."""
    lines = [f"preflight {p.lesson} in namespace {p.namespace}, as {p.subject}, for {p.participants} participants"]
    for area in AREAS:
        items = [i for i in p.items if i.area == area]
        if not items:
            continue
        lines.append(f"  {area}:")
        shown = items if verbose or area not in ("rights", "grading") else [i for i in items if i.status != OK]
        if len(shown) < len(items):
            held = [i.what for i in items if i.status == OK]
            lines.append(f"    {MARKS[OK]} {len(held)} rights hold: {', '.join(held[:6])}{', …' if len(held) > 6 else ''}")
        for i in shown:
            at = f" (line {i.line})" if i.line else ""
            lines.append(f"    {MARKS[i.status]} {i.what}{at}: {i.evidence}")
    made = "the probe's pods and claims deleted" if p.probed else "nothing created"
    lines.append(f"{p.lesson}: {_verdict(p)} ({p.seconds:.1f} s, {made})")
    return "\n".join(lines)


def to_json(p: Preflight) -> str:
    return json.dumps(p.to_dict(), indent=2, ensure_ascii=False)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def to_markdown(p: Preflight) -> str:
    lines = [
        f"### Preflight: `{p.lesson}` for {p.participants} participants in `{p.namespace}`",
        "",
        f"As {_cell(p.subject)}. **{_cell(_verdict(p))}.**",
        "",
        "| | area | what | line | evidence |",
        "| --- | --- | --- | --- | --- |",
    ]
    for i in p.items:
        lines.append(f"| {MARKS[i.status]} | {i.area} | {_cell(i.what)} | {i.line or ''} | {_cell(i.evidence)} |")
    return "\n".join(lines) + "\n"


RENDERERS = {"text": to_text, "json": to_json, "markdown": to_markdown}
