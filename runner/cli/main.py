"""The `tutorial` command line.

Subcommands that talk to a cluster live in their own modules and are imported
only when called (LazyGroup), so `tutorial --help`, `list`, `show` and `lint`
never import the kubernetes client and start fast.

Exit statuses: 0 ok, 1 a step/check/finding failed, 2 bad input, 3 cluster
unreachable or forbidden.
"""

from __future__ import annotations

import importlib
import json
import sys

import click

from runner import __version__
from runner.core.errors import TutorialError

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT, EXIT_CLUSTER = 0, 1, 2, 3


class LazyGroup(click.Group):
    """A click group whose heavy subcommands are imported on first use."""

    lazy: dict[str, str] = {
        "lint": "runner.cli.lint:lint",
        "cluster": "runner.cli.cluster:cluster",
        "run": "runner.cli.run:run",
        "grade": "runner.cli.grade:grade",
        "clean": "runner.cli.grade:clean",
    }

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(super().list_commands(ctx)) | set(self.lazy))

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in self.lazy:
            module, attr = self.lazy[name].split(":")
            try:
                return getattr(importlib.import_module(module), attr)
            except ImportError as exc:  # a subcommand whose module is missing must not break the others
                return _broken(name, str(exc))
        return super().get_command(ctx, name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # help for lazy commands without importing them
        rows = [(name, SHORT_HELP.get(name) or (super().get_command(ctx, name).get_short_help_str(60) if super().get_command(ctx, name) else ""))
                for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except TutorialError as exc:
            click.echo(f"tutorial: {exc}" if not exc.location() else str(exc), err=True)
            ctx.exit(exc.exit_code)
        except KeyboardInterrupt:
            click.echo("tutorial: interrupted", err=True)
            ctx.exit(130)


SHORT_HELP = {
    "show": "Show the rendered plan of a lesson (steps with their lines).",
    "list": "List the lessons with their steps, checks and requirements.",
    "lint": "Find what would break a live session, with no cluster.",
    "cluster": "Build, start and stop the local single-node Kubernetes.",
    "run": "Run a lesson end to end on a cluster, check it, clean up.",
    "grade": "Grade a roster: every check for every participant; reports, live board.",
    "clean": "Delete participants' leftovers (ours or the lesson's names), nothing else.",
}


def _broken(name: str, why: str) -> click.Command:
    @click.command(name, help=f"(unavailable: {why})")
    def broken() -> None:
        raise TutorialError(f"'{name}' is unavailable in this installation: {why}")
    return broken


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="tutorial")
def main() -> None:
    """Turn Kubernetes hands-on tutorials (Markdown) into executable, gradable lessons.

    \b
    Typical use:
      tutorial list                          the lessons in lessons/
      tutorial show storage --user bob       the plan, rendered for bob
      tutorial lint lessons/ tutorial.md     static checks, no cluster needed
      tutorial cluster up                    start the local cluster

    A LESSON is an id from lessons/ (e.g. storage) or a path to a Markdown file.
    """


def _format_option(f):
    return click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
                        help="Output format; json is stable for scripts.")(f)


@main.command("show", short_help=SHORT_HELP["show"])
@click.argument("lesson")
@click.option("--user", "-u", metavar="USERNAME", help="Fills <username>; object names get it as suffix.")
@click.option("--set", "sets", multiple=True, metavar="NAME=VALUE", help="Value for a placeholder the lesson declares (repeatable).")
@_format_option
def show(lesson: str, user: str | None, sets: tuple[str, ...], fmt: str) -> None:
    """Show the plan of LESSON: every step, its line, its type and what it does.

    Without --user, placeholders are shown as written. Unknown placeholders
    (typos such as <usernam>) are reported on stderr with their line.

    \b
    Examples:
      tutorial show storage --user bob
      tutorial show ../wild/tutorial.md --user alice --format json
    """
    from runner.lesson.catalog import load
    from runner.lesson.render import parse_sets, render, values_for
    from runner.report import plan as views

    parsed = load(lesson)
    set_values = parse_sets(sets)
    values = values_for(parsed, user, set_values, require=False) if user is not None else {**{p.name: p.default for p in parsed.meta.placeholders if p.default is not None}, **set_values}
    rendered = render(parsed, values)
    if fmt == "json":
        click.echo(json.dumps(views.plan_json(rendered), indent=2))
    else:
        click.echo(views.plan_text(rendered))
    if user is not None:
        for u in rendered.unresolved:
            if parsed.placeholder(u.name) is not None:
                continue  # declared, only not given (--set): shown as written
            click.echo(f"{u.path}:{u.line}: warning: {u.message()}", err=True)


@main.command("list", short_help=SHORT_HELP["list"])
@_format_option
def list_(fmt: str) -> None:
    """List the lessons in the lessons folder (`$TUTORIAL_LESSONS` or ./lessons).

    Each line gives the id to use with `show`, `run` and `grade`, the title,
    the number of steps and checks, the points and the requirements.
    """
    from runner.lesson.catalog import lesson_files, lessons_dir
    from runner.lesson.parser import parse_file
    from runner.report import plan as views

    lessons = [parse_file(p) for p in lesson_files()]
    if fmt == "json":
        click.echo(json.dumps({"lessons_dir": str(lessons_dir()), "lessons": [views.lesson_summary(l) for l in lessons]}, indent=2))
    else:
        click.echo(views.lessons_text(lessons))


def run() -> None:  # console-script entry point
    main(prog_name="tutorial")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
