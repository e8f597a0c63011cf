"""``tutorial cluster up|status|env|down``: a real single-node Kubernetes on this machine.

The group is attached to the root CLI by ``runner/cli.py`` (``main.add_command(cluster)``);
``python -m runner.cli.cluster ...`` runs it standalone.
"""

from __future__ import annotations

import json
import sys

import click

from runner.cluster import paths

EXIT_UNSUPPORTED = 2


def _fail(msg: str, code: int = 1) -> None:
    click.echo(f"error: {msg}", err=True)
    sys.exit(code)


cluster = click.Group("cluster", help="Run a real single-node Kubernetes cluster on this machine (root, Linux).")


@cluster.command("up")
@click.option("--no-smoke", is_flag=True, help="Skip the smoke pod run at the end.")
@click.option("--quiet", "-q", is_flag=True, help="Only print errors.")
def up_cmd(no_smoke: bool, quiet: bool) -> None:
    """Build (cached) and start the cluster; fast no-op when already healthy."""
    from runner.cluster.cluster import ComponentFailed, up
    from runner.cluster.host import PreconditionError
    from runner.cluster.ui import Reporter

    rep = Reporter(quiet=quiet)
    try:
        dt = up(rep, smoke=not no_smoke)
    except PreconditionError as e:
        _fail(str(e), EXIT_UNSUPPORTED)
    except (ComponentFailed, TimeoutError, RuntimeError) as e:
        _fail(str(e))
    except Exception as e:
        _fail(f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}")
    if not quiet:
        rep.info(f'cluster up in {dt:.1f}s; run: eval "$(tutorial cluster env)"')


@cluster.command("down")
@click.option("--reset", is_flag=True, help="Also wipe all cluster state (etcd, PKI, volumes, pods).")
@click.option("--keep-bridge", is_flag=True, help="Leave the cni0 bridge in place.")
def down_cmd(reset: bool, keep_bridge: bool) -> None:
    """Stop everything the cluster started (processes, containers, mounts)."""
    from runner.cluster.cluster import down
    from runner.cluster.host import PreconditionError
    from runner.cluster.ui import Reporter

    try:
        down(Reporter(), reset=reset, remove_bridge=not keep_bridge)
    except PreconditionError as e:
        _fail(str(e), EXIT_UNSUPPORTED)
    except RuntimeError as e:  # another `up`/`down` held the lock too long, or a host tool hung
        _fail(str(e).splitlines()[0])


@cluster.command("env")
def env_cmd() -> None:
    """Print shell exports for kubectl (use: eval "$(tutorial cluster env)")."""
    click.echo(f"export KUBECONFIG={paths.admin_kubeconfig()}")
    click.echo(f"export PATH={paths.k8s_bin_dir()}:$PATH")


@cluster.command("status")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def status_cmd(as_json: bool) -> None:
    """Show components, versions, node, images, storage and what is simulated; exit 0 iff healthy."""
    import os
    import platform

    if platform.system() != "Linux" or os.geteuid() != 0:
        _fail("the local cluster needs root on Linux", EXIT_UNSUPPORTED)
    from runner.cluster.status import collect

    info = collect()
    if as_json:
        click.echo(json.dumps(info, indent=2, default=str))
        sys.exit(0 if info["healthy"] else 1)
    from rich.console import Console
    from rich.table import Table

    con = Console()
    t = Table(title="local cluster components")
    for col in ("component", "pid", "healthy", "RSS MiB"):
        t.add_column(col)
    for c in info["components"]:
        t.add_row(c["name"], str(c["pid"] or "-"), "[green]yes[/]" if c["healthy"] else "[red]no[/]", str(c["rss_mib"]))
    t.add_row("container shims", "", "", str(info["shims_rss_mib"]))
    t.add_row("[bold]total[/]", "", "", f"[bold]{info['total_rss_mib']}[/]")
    con.print(t)
    v = info["versions"]
    con.print(f"versions: kubernetes {v['kubernetes']}, etcd {v['etcd']}, {v['containerd']}, runc {v['runc'].split()[-1]}")
    n = info["node"]
    if n:
        con.print(
            f"node: {n['name']} ready={n['ready']} kubelet={n['kubelet']} runtime={n['runtime']} "
            f"addresses={','.join(n['addresses'])}"
        )
        con.print("capacity: " + ", ".join(f"{k}={v}" for k, v in sorted(n["capacity"].items())))
    else:
        con.print("node: [red]unavailable[/] " + info.get("node_error", ""))
    for sc in info["storage_classes"]:
        con.print(
            f"storage class: {sc['name']}{' (default)' if sc['default'] else ''} "
            f"provisioner={sc['provisioner']} binding={sc['binding']}"
        )
    con.print(f"images ({len(info['images'])}, via {info['registry']}): " + ", ".join(info["images"]))
    con.print(f"cluster DNS: {info['dns']}")
    con.print(f"git server for pods: {info['git_server']}")
    con.print(f"kubeconfig: {info['kubeconfig']}")
    con.print("[yellow]simulated:[/]")
    for k, s in info["simulated"].items():
        con.print(f"  {k}: {s}")
    con.print("[green]healthy[/]" if info["healthy"] else "[red]NOT healthy[/]")
    sys.exit(0 if info["healthy"] else 1)


if __name__ == "__main__":
    cluster()
