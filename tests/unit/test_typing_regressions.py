"""Crashes the type checker found: each path here raised a TypeError before."""

from __future__ import annotations

import click
from click.testing import CliRunner

from runner.cli.main import LazyGroup
from runner.lesson.model import Step, StepType
from runner.report.plan import describe


def test_help_of_a_command_without_a_short_help_of_ours():
    group = LazyGroup("t")

    @group.command("extra", help="Extra things.")
    def extra() -> None:
        pass

    res = CliRunner().invoke(group, ["--help"])
    assert res.exit_code == 0, res.output
    assert "Extra things." in res.output
    assert isinstance(group.get_command(click.Context(group), "extra"), click.Command)


def test_an_in_pod_step_with_no_pod_is_described():
    from runner.effects import Effects
    from runner.lesson.model import Lesson, LessonMeta

    step = Step(0, StepType.IN_POD, "x.md", 3, "in-pod-L3", command="ls /")  # `type=in-pod` with no pod known
    assert "$ ls /" in describe(step, Effects(Lesson("x.md", LessonMeta("x", "x"), (step,))))
