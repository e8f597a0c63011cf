"""`tutorial run`: execute a lesson end to end on a cluster, then clean up.

Exit statuses: 0 everything passed, 1 a step or check failed (or cleanup did),
2 bad input, 3 cluster unreachable or forbidden, 130 interrupted.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from runner.core.errors import TutorialError, UsageError


def cluster_options(f):
    """kubectl-style flags, shared by run, grade and clean."""
    f = click.option("--profile", "profile_name", metavar="NAME", help="Cluster facts from profiles/NAME.yaml (e.g. local).")(f)
    f = click.option("-n", "--namespace", help="Namespace (default: the context's, or the profile's).")(f)
    f = click.option("--context", help="kubeconfig context to use.")(f)
    f = click.option("--kubeconfig", type=click.Path(dir_okay=False), help="kubeconfig file (default: $KUBECONFIG, ~/.kube/config, in-cluster).")(f)
    return f


def connect_for(kubeconfig, context, namespace, profile_name, workdir: Path | None = None, qps: float | None = None):
    """(cluster, profile) the way kubectl picks a cluster, with the profile's defaults underneath."""
    import os
    from runner.kube.client import connect
    from runner.plan.profile import load_profile

    profile = load_profile(profile_name) if profile_name else None
    if profile and not kubeconfig and profile.kubeconfig and not os.environ.get("KUBECONFIG"):
        kubeconfig = profile.kubeconfig
    cluster = connect(kubeconfig, context, namespace, qps=qps, workdir=workdir,
                      default_namespace=(profile.namespace if profile and profile.namespace else "default"))
    return cluster, profile


def gather_facts(cluster, profile, lesson):
    """What the cluster offers, from the profile and from the cluster itself."""
    from runner.kube.errors import translate
    from runner.plan.build import Facts, step_requirements, created_objects
    from runner.syntax import kubectl

    try:
        classes = cluster.storage.list_storage_class().items
        names = frozenset(c.metadata.name for c in classes)
        wffc = frozenset(c.metadata.name for c in classes if c.volume_binding_mode == "WaitForFirstConsumer")
    except Exception:
        names, wffc = (frozenset(profile.storage_classes) if profile else None), frozenset()
    gpu = bool(profile and profile.gpu)
    if not profile:
        try:
            nodes = cluster.core.list_node().items
            gpu = any((n.status.allocatable or {}).get("nvidia.com/gpu", "0") not in ("0", None) for n in nodes)
        except Exception:
            gpu = False
    existing = set()
    created = set(created_objects(lesson))
    for step in lesson.steps:
        for req in list(step.requires) + step_requirements(step, created) + list(lesson.meta.requires):
            key, _, value = req.partition(":")
            if key == "object":
                kind_word, _, name = value.partition("/")
                kind = kubectl.kind_of(kind_word) or kind_word
                try:
                    from runner.kube.objects import ObjectRef, get
                    if get(cluster, ObjectRef(kind, name, cluster.namespace)) is not None:
                        existing.add((kind, name))
                except TutorialError:
                    pass
    return Facts(storage_classes=names, wait_for_first_consumer=wffc, gpu=gpu,
                 gpu_simulated=bool(profile and profile.gpu_simulated), network=profile.network if profile else True,
                 existing=frozenset(existing), image_for=profile.image_for if profile else None)


@click.command("run")
@click.argument("lesson", required=False)
@click.option("--user", "-u", metavar="USERNAME", help="Participant name; fills <username> and labels every object.")
@click.option("--all", "run_all", is_flag=True, help="Run every lesson in lessons/, concurrently, each for its own user.")
@click.option("--parallel", default=2, show_default=True, metavar="N", help="With --all: lessons at once.")
@click.option("--summary", "summary_file", type=click.Path(dir_okay=False), help="With --all: write a Markdown summary (default: $GITHUB_STEP_SUMMARY when set).")
@click.option("--set", "sets", multiple=True, metavar="NAME=VALUE", help="Value for a lesson placeholder (repeatable).")
@cluster_options
@click.option("--section", "sections", multiple=True, metavar="TEXT", help="Only run steps of sections whose heading contains TEXT (repeatable).")
@click.option("--keep", is_flag=True, help="Keep every object for inspection (prints how to clean later).")
@click.option("--keep-on-failure", is_flag=True, help="Keep the objects only when something failed.")
@click.option("--keep-going", is_flag=True, help="Go on after a failed step instead of stopping.")
@click.option("--strict", is_flag=True, help="A skipped step (missing requirement, interactive) counts as a failure.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--report", "report_file", type=click.Path(dir_okay=False), help="Also write the report: .json or .xml (JUnit).")
@click.option("--workdir", type=click.Path(file_okay=False), help="Working directory of the run (default: a new temporary one).")
@click.option("-v", "--verbose", is_flag=True, help="Show the evidence of every step, not only of failures.")
def run(lesson, user, run_all, parallel, summary_file, sets, kubeconfig, context, namespace, profile_name, sections, keep,
        keep_on_failure, keep_going, strict, fmt, report_file, workdir, verbose):
    """Run LESSON end to end for --user on a cluster, check it, and clean up.

    The cluster is chosen like kubectl does (--kubeconfig, --context, -n,
    $KUBECONFIG, in-cluster); --profile adds what the cluster offers (storage
    classes, images, git server, GPU). Every object the run creates carries the
    labels tutorial-runner.io/{lesson,user,run}; leftovers of an earlier run of
    the same lesson and user are deleted first, and everything is deleted at
    the end, also after a failure or Ctrl-C.

    \b
    Examples:
      tutorial run storage --user bob --profile local
      tutorial run tutorial.md --user ci-1 -n workshop --report run.xml
      tutorial run --all --parallel 3 --profile local --report lessons.xml
    """
    if run_all:
        if lesson:
            raise UsageError("give either LESSON or --all, not both")
        from runner.run.all import run_all_lessons
        sys.exit(run_all_lessons(user=user, parallel=parallel, report_file=report_file, summary_file=summary_file,
                                 passthrough=_passthrough(sets, kubeconfig, context, namespace, profile_name, strict, keep_going)))
    if not lesson:
        raise UsageError("missing LESSON (an id from lessons/ or a path), or --all")
    if not user:
        raise UsageError("missing --user USERNAME (it fills <username> and names the objects)")
    from runner.run.flow import run_lesson
    report = run_lesson(lesson, user=user, sets=sets, kubeconfig=kubeconfig, context=context, namespace=namespace,
                        profile_name=profile_name, sections=sections, keep=keep, keep_on_failure=keep_on_failure,
                        keep_going=keep_going, strict=strict, workdir=workdir, progress=True)
    from runner.report.run import summary_text, to_json, to_junit
    if fmt == "json":
        click.echo(to_json(report))
    else:
        click.echo(summary_text(report, verbose))
    if report_file:
        text = to_junit([report]) if report_file.endswith(".xml") else to_json(report)
        Path(report_file).write_text(text)
    sys.exit(0 if report.status == "passed" else 130 if report.status == "interrupted" else 1)


def _passthrough(sets, kubeconfig, context, namespace, profile_name, strict, keep_going) -> list[str]:
    args: list[str] = []
    for value in sets:
        args += ["--set", value]
    for flag, value in (("--kubeconfig", kubeconfig), ("--context", context), ("-n", namespace), ("--profile", profile_name)):
        if value:
            args += [flag, value]
    if strict:
        args.append("--strict")
    if keep_going:
        args.append("--keep-going")
    return args
