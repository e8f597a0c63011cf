"""One lesson run from a name to a report: parse, render, connect, plan, execute.

Shared by `tutorial run`, `tutorial run --all` and the pytest plugin.
"""

from __future__ import annotations

import dataclasses
import tempfile
from pathlib import Path

from runner.core.errors import TutorialError, UsageError
from runner.lesson.model import Lesson, StepType
from runner.run.result import RunReport


def prepare(lesson_name: str, user: str, sets=(), profile=None):
    """Parse and render; refuse to start when a manifest or file still holds an unknown placeholder."""
    from runner.lesson.catalog import load
    from runner.lesson.render import parse_sets, render, values_for

    lesson = load(lesson_name)
    set_values = parse_sets(list(sets))
    if profile is not None:
        for key, value in profile.values.items():
            if lesson.placeholder(key) is not None and key not in set_values:
                set_values[key] = value
    rendered = render(lesson, values_for(lesson, user, set_values))
    invalid = [s for s in rendered.lesson.steps if s.type is StepType.INVALID]
    if invalid:
        s = invalid[0]
        raise UsageError(f"{s.path}:{s.error_line or s.line}: {s.error} (fix the block before running the lesson)")
    by_index = {s.index: s for s in rendered.lesson.steps}
    for u in rendered.blocking():
        if by_index[u.step_index].type in (StepType.MANIFEST, StepType.FILE):
            raise UsageError(f"{u.path}:{u.line}: {u.message()}; refusing to apply it")
    return rendered.lesson


def select_sections(lesson: Lesson, sections) -> Lesson:
    if not sections:
        return lesson
    wanted = [s.lower() for s in sections]
    steps = tuple(s if any(w in s.section.lower() for w in wanted) else dataclasses.replace(s, skip="not in the selected sections")
                  for s in lesson.steps)
    return dataclasses.replace(lesson, steps=steps)


def run_lesson(lesson_name: str, *, user: str, sets=(), kubeconfig=None, context=None, namespace=None, profile_name=None,
               sections=(), keep=False, keep_on_failure=False, keep_going=False, strict=False, workdir=None,
               progress: bool = True, registry=None) -> RunReport:
    from runner.run.runner import RunOptions, Runner
    from runner.kube.client import check_access
    from runner.plan.build import build_plan
    from runner.cli.progress import Progress
    from runner.cli.run import connect_for, gather_facts
    from runner.plan.profile import load_profile

    profile = load_profile(profile_name) if profile_name else None
    lesson = select_sections(prepare(lesson_name, user, sets, profile), sections)
    wd = Path(workdir) if workdir else Path(tempfile.mkdtemp(prefix=f"tutorial-{lesson.meta.id}-{user}-"))
    wd.mkdir(parents=True, exist_ok=True)
    cluster, profile = connect_for(kubeconfig, context, namespace, profile_name, workdir=wd)
    check_access(cluster)
    plan = build_plan(lesson, gather_facts(cluster, profile, lesson))
    kubectl_dir = str(Path(profile.kubectl).parent) if profile and profile.kubectl else None
    bar = Progress(len(plan.actions), f"{lesson.meta.id}/{user}", enabled=None if progress else False)
    try:
        runner = Runner(plan, cluster, RunOptions(user=user, keep=keep, keep_on_failure=keep_on_failure, strict=strict,
                                                  keep_going=keep_going, workdir=wd, kubectl_dir=kubectl_dir),
                        profile=profile, progress=bar, registry=registry)
        return runner.run()
    finally:
        bar.close()
