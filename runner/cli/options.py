"""Options shared by the commands that talk to a cluster, kubectl-style, and the target they make."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

from runner.kube.client import ClusterTarget

F = TypeVar("F", bound=Callable[..., Any])


def cluster_options(f: F) -> F:
    """--kubeconfig, --context, -n/--namespace and --profile, as `run`, `grade` and `clean` take them."""
    f = click.option("--profile", "profile_name", metavar="NAME", help="Cluster facts from profiles/NAME.yaml (e.g. local).")(f)
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
        options.get("kubeconfig"), options.get("context"), options.get("namespace"), options.get("profile_name"), qps
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
