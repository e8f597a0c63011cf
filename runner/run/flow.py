"""One lesson run from a request to a report: parse, render, connect, plan, execute.

Shared by `tutorial run`, `tutorial run --all` and the pytest plugin.
"""

from __future__ import annotations

import dataclasses
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path

from checks.registry import Registry
from runner.kube.client import check_access, connect_target
from runner.lesson.catalog import load
from runner.lesson.model import Lesson
from runner.lesson.render import render, values_for
from runner.plan.build import build_plan
from runner.plan.profile import Profile
from runner.run.facts import gather_facts
from runner.run.request import RunRequest
from runner.run.result import RunReport
from runner.run.runner import ProgressFn, Runner, _noop
from runner.run.signals import Cancel


def prepare(lesson_name: str, user: str, sets: Mapping[str, str] | None = None, profile: Profile | None = None) -> Lesson:
    """Parse and render with the user's values (and the profile's, for placeholders the lesson has)."""
    lesson = load(lesson_name)
    set_values = dict(sets or {})
    if profile is not None:
        for key, value in profile.values.items():
            if lesson.placeholder(key) is not None and key not in set_values:
                set_values[key] = value
    # invalid blocks and unfilled placeholders are the plan's business: they fail or block only their own steps
    return render(lesson, values_for(lesson, user, set_values)).lesson


def select_sections(lesson: Lesson, sections: Iterable[str]) -> Lesson:
    wanted = [s.lower() for s in sections]
    if not wanted:
        return lesson
    steps = tuple(
        s if any(w in s.section.lower() for w in wanted) else dataclasses.replace(s, skip="not in the selected sections")
        for s in lesson.steps
    )
    return dataclasses.replace(lesson, steps=steps)


def run_lesson(
    request: RunRequest, progress: ProgressFn = _noop, registry: Registry | None = None, cancel: Cancel | None = None
) -> RunReport:
    """Run one lesson as `request` says and return its report (cleanup done, whatever happened)."""
    profile = request.target.load_profile()
    lesson = select_sections(prepare(request.lesson, request.user, request.sets, profile), request.sections)
    workdir = (
        Path(request.workdir) if request.workdir else Path(tempfile.mkdtemp(prefix=f"tutorial-{lesson.meta.id}-{request.user}-"))
    )
    workdir.mkdir(parents=True, exist_ok=True)
    cluster = connect_target(request.target, workdir=workdir, profile=profile)
    check_access(cluster)
    kubectl_dir = str(Path(profile.kubectl).parent) if profile and profile.kubectl else None
    plan = build_plan(lesson, gather_facts(cluster, profile, lesson, kubectl_dir, variables=request.sets))
    runner = Runner(
        plan,
        cluster,
        request,
        workdir,
        profile=profile,
        progress=progress,
        registry=registry,
        cancel=cancel,
        kubectl_dir=kubectl_dir,
    )
    return runner.run()
