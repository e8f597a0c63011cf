"""Options shared by the commands that talk to a cluster, kubectl-style, and the target they make."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from runner.kube.client import ClusterTarget
from runner.kube.outage import DEFAULT_TIMEOUT as DEFAULT_OUTAGE_TIMEOUT

F = TypeVar("F", bound=Callable[..., Any])


def cluster_options(f: F) -> F:
    """--kubeconfig, --context, -n/--namespace, --profile and --outage-timeout, as `run`, `grade` and `clean` take them."""
    f = click.option(
        "--outage-timeout",
        type=click.FloatRange(min=0),
        default=DEFAULT_OUTAGE_TIMEOUT,
        show_default=True,
        metavar="SECONDS",
        help="Wait this long for an unreachable API server (a control-plane restart) before giving up with exit 3; "
        "0 gives up at once.",
    )(f)
    f = click.option(
        "--profile",
        "profile_name",
        metavar="NAME|FILE",
        shell_complete=complete_profiles,
        help="Cluster facts: a built-in profile (local), ./profiles/NAME.yaml, or a path to a YAML file.",
    )(f)
    f = click.option("-n", "--namespace", help="Namespace (default: the context's, or the profile's).")(f)
    f = click.option("--context", help="kubeconfig context to use.")(f)
    f = click.option(
        "--kubeconfig",
        type=click.Path(dir_okay=False),
        help="kubeconfig file (default: $KUBECONFIG, ~/.kube/config, in-cluster).",
    )(f)
    return f


def target_of(options: dict[str, Any], qps: float | None = None) -> ClusterTarget:
    """The cluster target the options of `cluster_options` name."""
    return ClusterTarget(
        options.get("kubeconfig"),
        options.get("context"),
        options.get("namespace"),
        options.get("profile_name"),
        qps,
        options.get("outage_timeout", DEFAULT_OUTAGE_TIMEOUT),
    )


def format_option(f: F) -> F:
    """--format text|json, for the offline commands."""
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(["text", "json"]),
        default="text",
        show_default=True,
        help="Output format; json is stable for scripts.",
    )(f)


def lessons_option(f: F) -> F:
    """--lessons DIR (repeatable): folders of lessons searched before $TUTORIAL_LESSONS, ./lessons and the built-in ones."""
    return click.option(
        "--lessons",
        "lesson_dirs",
        multiple=True,
        metavar="DIR",
        type=click.Path(exists=True, file_okay=False),
        help="A folder of lessons that adds to or overrides the built-in ones (repeatable; before $TUTORIAL_LESSONS and ./lessons).",
    )(f)


def catalog_of(lesson_dirs: tuple[str, ...] | list[str] = ()) -> Any:
    """The lesson catalog the --lessons folders, $TUTORIAL_LESSONS, ./lessons and the built-in lessons make."""
    from runner.lesson.catalog import Catalog

    return Catalog.with_folders(lesson_dirs)


def complete_lessons(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[Any]:
    """Shell completion of LESSON: the ids of the lessons found (and Markdown files, by the shell's own completion)."""
    from click.shell_completion import CompletionItem

    try:
        entries = catalog_of(ctx.params.get("lesson_dirs") or ()).entries()
    except Exception:  # completion must never print a traceback into the shell
        return []
    items = [CompletionItem(e.id, help=e.lesson.meta.title) for e in entries if e.id.startswith(incomplete)]
    return items or [CompletionItem(incomplete, type="file")]


def complete_profiles(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[Any]:
    from click.shell_completion import CompletionItem

    from runner.plan.profile import builtin_profile_names

    names = builtin_profile_names()
    local = Path("profiles")
    if local.is_dir():
        names += [p.stem for p in local.glob("*.yaml")]
    return [CompletionItem(n) for n in sorted(set(names)) if n.startswith(incomplete)] or [
        CompletionItem(incomplete, type="file")
    ]


def output_file(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """A file the command writes when it is done, checked before the work starts.

    A run or a grade takes minutes: a report path in a folder that does not
    exist (or that we may not write in) must be said at once, not after the
    work, where the error would also hide the run's own exit status. The
    check is a real write (permissions say little to root): the folders
    are made and a scratch file is created there and removed.
    """
    if value is None or value == "-":
        return value
    path = Path(value)  # (a folder where one is refused: click.Path(dir_okay=False) says so)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, prefix=".tutorial-check-"):
            pass
        if path.exists() and not path.is_dir():
            with open(path, "a", encoding="utf-8"):
                pass
    except OSError as exc:
        raise click.BadParameter(f"cannot write {value}: {exc.strerror or exc}", ctx, param) from None
    return value


def output_option(*decls: str, help: str, folder_ok: bool = False) -> Callable[[F], F]:
    """An option naming a file the command writes when done, checked before the work starts (`output_file`)."""
    kind = click.Path() if folder_ok else click.Path(dir_okay=False)
    return click.option(*decls, type=kind, callback=output_file, help=help)


def write_private(value: str, text: str) -> None:
    """Write a file only its owner may read (mode 0600, also when it existed): it holds keys."""
    import os

    path = Path(value)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)


def write_output(value: str, text: str) -> None:
    """Write an output file `output_file` accepted, making the folders it needs."""
    path = Path(value)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
