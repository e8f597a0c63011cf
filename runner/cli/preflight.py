"""`tutorial preflight`: will this lesson work here, for N participants at once? Found without creating anything."""

from __future__ import annotations

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
from runner.core.errors import UsageError


@click.command("preflight")
@click.argument("lesson", shell_complete=complete_lessons)
@click.option("--participants", type=click.IntRange(min=1), required=True, help="How many people follow the lesson at once.")
@click.option("--as", "as_user", metavar="USER", help="Ask admission and rights as this participant (impersonation).")
@click.option("--as-group", metavar="GROUP", help="With --as: the participant's group.")
@click.option(
    "--participant-kubeconfig",
    type=click.Path(dir_okay=False, exists=True),
    help="Ask admission and rights with a participant's own kubeconfig (instead of --as).",
)
@click.option("--probe", is_flag=True, help="Also pull each image on a node and bind a claim per storage class (deleted after).")
@cluster_options
@lessons_option
@click.option("--set", "sets", multiple=True, metavar="NAME=VALUE", help="Value for a lesson placeholder (repeatable).")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "markdown"]), default="text", show_default=True)
@output_option("-o", "--output", help="Write the answer to FILE (Markdown: paste it into the workshop's checklist).")
def preflight(lesson, participants, as_user, as_group, participant_kubeconfig, probe, sets, fmt, output, **target):
    """Predict whether LESSON holds for --participants people at once in this namespace.

    Nothing is created (with --probe: a short pod per image and a claim per
    storage class, deleted before the answer). Every manifest the lesson applies is sent to the API
    server as a dry run (Pod Security, LimitRange, ResourceQuota, webhooks
    and validation answer with their own message, at the manifest's line);
    every right the participant needs is asked with an access review; what
    one participant holds at the peak is held against the namespace's
    quotas and the nodes. Each item is ✓, ✗ or ? with its evidence.

    Exit status: 0 every item holds, 1 one does not, 2 bad input, 3 the
    cluster is unreachable or refuses the caller.

    \b
    Examples:
      tutorial preflight storage -n workshop --participants 40
      tutorial preflight storage -n workshop --participants 40 --as system:serviceaccount:workshop:student
      tutorial preflight storage -n workshop --participants 40 --probe --format markdown -o checklist.md
    """
    from runner.kube.client import check_access, connect_target
    from runner.lesson.render import parse_sets
    from runner.preflight.inspect import Subject
    from runner.preflight.inspect import preflight as run_preflight
    from runner.report.preflight import RENDERERS
    from runner.run.flow import prepare

    if as_group and not as_user:
        raise UsageError("--as-group goes with --as USER")
    if as_user and participant_kubeconfig:
        raise UsageError("--as or --participant-kubeconfig, not both")
    path = catalog_of(target.pop("lesson_dirs", ())).resolve(lesson)
    cluster_target = target_of(target)
    profile = cluster_target.load_profile()
    rendered = prepare(path, "preflight", parse_sets(sets), profile)
    cluster = connect_target(cluster_target, profile=profile)
    check_access(cluster)
    subject = Subject(cluster, "you (the current context)")
    if as_user:
        as_cluster = connect_target(cluster_target, profile=profile)
        as_cluster.api.set_default_header("Impersonate-User", as_user)
        if as_group:
            as_cluster.api.set_default_header("Impersonate-Group", as_group)
        subject = Subject(as_cluster, as_user + (f" (group {as_group})" if as_group else ""))
    elif participant_kubeconfig:
        from dataclasses import replace

        own = connect_target(replace(cluster_target, kubeconfig=participant_kubeconfig), profile=profile)
        subject = Subject(own, f"the participant of {participant_kubeconfig}")
    answer = run_preflight(rendered, path, cluster, subject, participants, profile, probe=probe)
    text = RENDERERS[fmt](answer)
    if output:
        write_output(output, text)
        click.echo(f"wrote {output}", err=True)
    else:
        click.echo(text)
    if not answer.holds:
        raise SystemExit(1)
