"""`tutorial rehearse`: the day before the workshop, N participants run the lesson at once on the real namespace."""

from __future__ import annotations

import dataclasses

import click

from runner.cli.options import (
    catalog_of,
    cluster_options,
    complete_lessons,
    lessons_option,
    output_option,
    target_of,
    write_output,
)


@click.command("rehearse")
@click.argument("lesson", shell_complete=complete_lessons)
@click.option("--participants", type=click.IntRange(min=1), required=True, help="How many synthetic participants run at once.")
@click.option("--parallel", type=click.IntRange(min=1), help="Runs at once (default: all of them).")
@cluster_options
@lessons_option
@click.option("--set", "sets", multiple=True, metavar="NAME=VALUE", help="Value for a lesson placeholder (repeatable).")
@click.option("--no-preflight", is_flag=True, help="Do not ask preflight for its prediction first.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@output_option("-o", "--output", help="Also write the figures to FILE (.json for JSON).")
def rehearse(lesson, participants, parallel, sets, no_preflight, fmt, output, **target):
    """Run LESSON for --participants synthetic users (rehearse-1 … rehearse-N) at once, then clean up.

    Each participant is a `tutorial run` in this process. The report gives
    pass/fail per participant, the time each check took to pass (median,
    p90, max), failures grouped by cause (quota exceeded, admission denied,
    Unschedulable, image pull, timeout), the peak of pods and claims at
    once (the cluster's own watch), and how preflight's prediction held. A
    live board on the same namespace (`tutorial grade LESSON --users
    rehearse-1,rehearse-2,… --serve 8080`) shows the rehearsal like a class.
    Ctrl-C cleans up every participant.

    \b
    Examples:
      tutorial rehearse storage -n workshop --participants 10
      tutorial rehearse storage -n workshop --participants 40 --parallel 20 --format json -o rehearsal.json
    """
    from runner.kube.client import check_access, connect_target
    from runner.lesson.render import parse_sets
    from runner.preflight.inspect import Subject, preflight
    from runner.rehearse.rehearsal import rehearse as run_rehearsal
    from runner.report.rehearse import RENDERERS, to_json
    from runner.run.flow import prepare
    from runner.run.request import RunRequest

    path = catalog_of(target.pop("lesson_dirs", ())).resolve(lesson)
    cluster_target = target_of(target)
    profile = cluster_target.load_profile()
    values = parse_sets(sets)
    cluster = connect_target(cluster_target, profile=profile)
    check_access(cluster)
    rendered = prepare(path, "rehearse-1", values, profile)
    predicted = None
    if not no_preflight:
        predicted = preflight(rendered, path, cluster, Subject(cluster, "you"), participants, profile)
        click.echo(
            f"preflight: at most {predicted.at_most} participants at once ({predicted.limit_reason})"
            if predicted.at_most is not None
            else "preflight: no quota or node limit found",
            err=True,
        )
    request = RunRequest(path, "rehearse", dataclasses.replace(cluster_target, namespace=cluster.namespace), values)

    def done(report) -> None:
        click.echo(f"  {report.user:<14} {report.status:<8} {report.seconds:6.1f} s", err=True)

    result = run_rehearsal(request, participants, parallel or participants, cluster, rendered.meta.id, on_done=done)
    if predicted is not None:
        result = dataclasses.replace(result, predicted_at_most=predicted.at_most, prediction_limit=predicted.limit_reason)
    click.echo(RENDERERS[fmt](result))
    if output:
        write_output(output, to_json(result) if output.endswith(".json") else RENDERERS[fmt](result))
        click.echo(f"wrote {output}", err=True)
    if result.interrupted:
        raise SystemExit(130)
    if len(result.passed) < participants:
        raise SystemExit(1)
