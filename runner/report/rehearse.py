"""A rehearsal's figures as text (a terminal, a CI log) or JSON."""

from __future__ import annotations

import json

from runner.rehearse.rehearsal import Rehearsal, cause_of, first_failure


def to_text(r: Rehearsal) -> str:
    lines = [
        f"rehearsal of {r.lesson}: {r.participants} participants in {r.namespace}, {r.parallel} at a time, "
        f"{r.seconds:.0f} s" + (" (interrupted)" if r.interrupted else "")
    ]
    for rep in r.reports:
        f = first_failure(rep)
        why = f" — {cause_of(rep)}: line {f.line}: {f.message[:160]}" if f is not None else ""
        lines.append(f"  {rep.user:<14} {rep.status:<8} {rep.score[0]:g}/{rep.score[1]:g} {rep.seconds:6.1f} s{why}")
    lines.append(f"passed {len(r.passed)} of {len(r.reports)}")
    for cause, users in sorted(r.causes().items(), key=lambda x: -len(x[1])):
        lines.append(f"  failed for {cause}: {len(users)} ({', '.join(users[:8])}{', …' if len(users) > 8 else ''})")
    if r.checks:
        lines.append("time to pass each check (from the run's first step):")
        for name, s in r.checks.items():
            lines.append(f"  {name:<24} median {s.median:6.1f} s  p90 {s.p90:6.1f} s  max {s.max:6.1f} s  ({s.n} passed)")
    lines.append(f"peak at once: {r.peaks.pods} pods (not finished), {r.peaks.claims} claims")
    if r.predicted_at_most is not None:
        held = "held" if (len(r.passed) >= min(r.predicted_at_most, r.participants)) else "did not hold"
        lines.append(
            f"preflight predicted at most {r.predicted_at_most} at once ({r.prediction_limit}); "
            f"{len(r.passed)} passed: the prediction {held}"
        )
    lines.append("cleaned up: every participant's run deleted what it made")
    return "\n".join(lines)


def to_json(r: Rehearsal) -> str:
    return json.dumps(r.to_dict(), indent=2, ensure_ascii=False)


RENDERERS = {"text": to_text, "json": to_json}
