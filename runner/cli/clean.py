"""`tutorial clean`: delete participants' leftovers (ours or the lesson's names), nothing else."""

from __future__ import annotations

import sys

import click

from runner.cli.options import catalog_of, cluster_options, complete_lessons, lessons_option, target_of
from runner.core.errors import UsageError


@click.command("clean")
@click.argument("lesson", required=False, shell_complete=complete_lessons)
@click.option("--user", "users_opt", multiple=True, metavar="USER", help="A participant whose leftovers go (repeatable).")
@click.option("--roster", type=click.Path(dir_okay=False), help="Every participant of a roster file.")
@click.option("--all", "all_users", is_flag=True, help="Every participant (found by our labels and the lesson's names).")
@cluster_options
@lessons_option
@click.option("--dry-run", is_flag=True, help="Only list what would be deleted.")
@click.option("-y", "--yes", is_flag=True, help="Do not ask for confirmation.")
def clean(lesson, users_opt, roster, all_users, dry_run, yes, **target):
    """Delete participants' leftovers of LESSON (or of every lesson, by our labels).

    Lists first, asks before deleting (unless -y), and never touches objects of
    users not named or of other lessons. Pods still running are reported.
    Objects of a lesson that a `tutorial run` is running right now for that user
    (its lease is held) are left alone and named: they are not leftovers yet.

    \b
    Examples:
      tutorial clean storage --roster roster.txt -n workshop --dry-run
      tutorial clean storage --user bob -y
      tutorial clean --all -y            # everything our runs labelled, every lesson
    """
    from runner.grade.cache import ClusterCache
    from runner.grade.clean import find_leftovers
    from runner.grade.roster import load_roster
    from runner.kube.client import check_access, connect_target
    from runner.kube.labels import USER_LABEL
    from runner.kube.leases import delete_lease
    from runner.kube.objects import SWEEP_KINDS
    from runner.lesson.catalog import load
    from runner.run.cleanup import Cleaner
    from runner.run.lease import dead_leases, intent_of, live_holders

    chosen = [x for x in (users_opt, roster, all_users) if x]
    if len(chosen) != 1:
        raise UsageError("name whose leftovers to delete with exactly one of --user U, --roster FILE or --all")
    lesson_obj = load(lesson, catalog_of(target.pop("lesson_dirs", ()))) if lesson else None
    cluster = connect_target(target_of(target))
    cluster.outage.listeners.append(lambda line: click.echo(line, err=True))  # a control-plane restart: waited for, said
    check_access(cluster)
    cache = ClusterCache(cluster, SWEEP_KINDS)
    cache.load()
    users = None if all_users else (list(users_opt) if users_opt else [p.user for p in load_roster(roster)])
    found = find_leftovers(cache, lesson_obj, users)
    held = live_holders(cluster, {(l.lesson, l.user) for l in found if l.lesson})
    for (lesson_id, user), holder in held.items():
        mine = [l for l in found if (l.lesson, l.user) == (lesson_id, user)]
        click.echo(f"left alone: {len(mine)} object(s) of {lesson_id} for user {user}, being run now by {holder}")
    found = [l for l in found if (l.lesson, l.user) not in held]
    stale = dead_leases(cluster, lesson_obj.meta.id[:63] if lesson_obj else None, users)
    cleaner = Cleaner(cluster)
    listed = {(l.ref.kind, l.ref.name) for l in found}
    named = []  # what a killed run's command was creating when it died: not labelled yet, named in its lease
    for lease in stale:
        intent = intent_of(lease)
        if intent is not None:
            who = ((lease["metadata"].get("labels") or {}).get(USER_LABEL), intent.run_id)
            for ref in cleaner.named_leftovers(intent.objects, intent.since, intent.run_id):
                if (ref.kind, ref.name) not in listed:
                    listed.add((ref.kind, ref.name))
                    named.append((ref, who))
    running = [l for l in found if l.running]
    if not found and not stale:
        click.echo("nothing to clean")
        return
    for l in found:
        click.echo(f"{l.ref.kind.lower()}/{l.ref.name}  (user {l.user}, by {l.why}{', RUNNING' if l.running else ''})")
    for ref, (maker, run_id) in named:
        click.echo(f"{ref.kind.lower()}/{ref.name}  (user {maker}, being made by run {run_id} when it died)")
    for lease in stale:
        labels = lease["metadata"].get("labels") or {}
        click.echo(f"lease/{lease['metadata']['name']}  (user {labels.get(USER_LABEL)}, a run that ended or died)")
    objects = len(found) + len(named)
    click.echo(f"{objects} object(s){f' and {len(stale)} lease(s)' if stale else ''}; {len(running)} pod(s) still running")
    if dry_run:
        return
    if not yes:
        if not sys.stdin.isatty():
            raise UsageError("not asking without a terminal: add -y to delete")
        click.confirm(f"delete these {objects} objects?", abort=True)
    records = cleaner.delete([l.ref for l in found] + [ref for ref, _ in named])
    if cleaner.errors:
        raise cleaner.errors[0]  # forbidden or unreachable: exit 3, one line
    for lease in stale:  # only as we read it: a run that takes it over meanwhile keeps it
        delete_lease(cluster, lease["metadata"]["name"], lease["metadata"].get("uid"), lease["metadata"].get("resourceVersion"))
    failed = [r for r in records if r.outcome == "failed"]
    click.echo(f"deleted {sum(r.outcome in ('deleted', 'gone') for r in records)} object(s)")
    for r in failed:
        click.echo(f"FAILED {r.ref}: {r.error}", err=True)
    sys.exit(1 if failed else 0)
