"""`tutorial lint`: the click command (imported lazily by the CLI group)."""

from __future__ import annotations

import click

from runner.cli.options import catalog_of, lessons_option
from runner.lint.engine import DEFAULT_KUBE_VERSION, Options, lint_paths, parse_rule_list


@click.command("lint", short_help="Find what would break a live session, with no cluster.")
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Output format; json is stable for scripts.",
)
@click.option("--select", metavar="RULES", help="Only these rules (comma-separated).")
@click.option("--ignore", metavar="RULES", help="Not these rules (comma-separated).")
@click.option(
    "--kube-version",
    default=DEFAULT_KUBE_VERSION,
    show_default=True,
    metavar="X.Y",
    help="Kubernetes version whose OpenAPI schema manifests are checked against.",
)
@lessons_option
def lint(
    paths: tuple[str, ...], fmt: str, select: str | None, ignore: str | None, kube_version: str, lesson_dirs: tuple[str, ...]
) -> None:
    """Check tutorials (files, folders of *.md, or lesson ids) for what breaks a hands-on session.

    \b
    Exit status: 0 no error-level finding, 1 there are, 2 unusable input.
    Rules: placeholders, yaml, schema, references, state, paths, kubectl,
    secrets, shared-namespace, interactive, network (see docs/lint.md).
    Silence rules on one step with <!-- step: noqa=RULE,RULE -->.

    \b
    Examples:
      tutorial lint lessons/
      tutorial lint storage              # a lesson by id (see `tutorial list`)
      tutorial lint ../wild/tutorial.md --format json --ignore network,interactive
    """
    from runner.cli.main import say
    from runner.report import lint as output

    options = Options(kube_version, parse_rule_list(select, "--select"), parse_rule_list(ignore, "--ignore"))
    report = lint_paths(_resolve_ids(paths, lesson_dirs), options)
    click.echo(output.to_json(report) if fmt == "json" else output.to_text(report))
    for exc in report.unusable:  # one `path:line: message` line each, after the findings of the usable files
        say(str(exc))
    raise SystemExit(2 if report.unusable else 1 if report.failed else 0)


def _resolve_ids(paths: tuple[str, ...], lesson_dirs: tuple[str, ...]) -> list[str]:
    """Lesson ids (`storage`) become their files; paths stay as given (a missing one is reported by the linter)."""
    from pathlib import Path

    from runner.lesson.catalog import looks_like_path

    if all(Path(p).exists() or looks_like_path(p) for p in paths):
        return list(paths)
    catalog = catalog_of(lesson_dirs)
    return [p if Path(p).exists() or looks_like_path(p) else catalog.resolve(p) for p in paths]
