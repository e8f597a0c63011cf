"""Host preparation: preconditions, Debian packages, kernel settings.

``tutorial cluster up`` must work on a fresh machine with nothing but the repo, so the
packages the cluster needs are installed here with apt-get when missing. Service
autostart is suppressed (policy-rc.d) because the cluster runs its *own* containerd and
registry with their own configs; a distro-started instance would fight over sockets/ports.
"""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

Log = Callable[[str], None]

#: Debian packages the cluster needs at run time (binary they provide, package)
REQUIRED = {
    "containerd": "containerd",
    "runc": "runc",
    "/usr/lib/cni/bridge": "containernetworking-plugins",
    "debootstrap": "debootstrap",
    "docker-registry": "docker-registry",
    "iptables": "iptables",
    "conntrack": "conntrack",
    "git": "git",
    "gcc": "gcc",
}


class PreconditionError(RuntimeError):
    """Raised when this machine cannot run the cluster at all (exit code 2)."""


class ToolTimeout(RuntimeError):
    """A host tool (apt-get, debootstrap, umount, ...) did not finish within its deadline."""


def run_tool(argv: list[str], timeout: float, **kwargs: Any) -> subprocess.CompletedProcess:
    """Run a host tool with a deadline: one that hangs becomes a ToolTimeout naming it, never a hung cluster command."""
    try:
        return subprocess.run(argv, timeout=timeout, **kwargs)
    except subprocess.TimeoutExpired as exc:
        raise ToolTimeout(f"`{' '.join(argv[:3])}` did not finish within {timeout:.0f}s") from exc


def try_tool(argv: list[str], timeout: float) -> bool:
    """A best-effort tool (umount, ip link delete): True when it succeeded, False when it failed or hung."""
    try:
        return run_tool(argv, timeout, capture_output=True).returncode == 0
    except ToolTimeout:
        return False


def check_preconditions() -> None:
    if platform.system() != "Linux":
        raise PreconditionError(f"the local cluster needs Linux (this is {platform.system()})")
    if os.geteuid() != 0:
        raise PreconditionError("the local cluster needs root (it runs containerd and the kubelet)")


def _have(what: str) -> bool:
    return Path(what).exists() if what.startswith("/") else shutil.which(what) is not None


def missing_packages() -> list[str]:
    return sorted({pkg for what, pkg in REQUIRED.items() if pkg and not _have(what)})


_apt_updated = False
APT_TIMEOUT = 1800.0  # seconds for one apt-get: a slow mirror, not a hang


def apt_install(pkgs: list[str], log: Log = print) -> None:
    global _apt_updated
    if not pkgs:
        return
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    policy = Path("/usr/sbin/policy-rc.d")
    created = not policy.exists()
    if created:
        policy.write_text("#!/bin/sh\n# tutorial-runner: do not autostart services during install\nexit 101\n")
        policy.chmod(0o755)
    try:
        if not _apt_updated:
            log("apt-get update")
            # not check=True: an unreachable third-party source makes update exit non-zero
            # while Debian's own lists (all we need) were fetched fine; install tells.
            try:
                run_tool(["apt-get", "update", "-qq"], APT_TIMEOUT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            except ToolTimeout as exc:
                log(f"WARNING: {exc}; installing from the package lists there are")
            _apt_updated = True
        log("apt-get install " + " ".join(pkgs))
        r = run_tool(
            ["apt-get", "install", "-y", "-qq", "--no-install-recommends", *pkgs],
            APT_TIMEOUT,
            env=env,
            capture_output=True,
            text=True,
        )
        if r.returncode != 0:
            raise RuntimeError(f"apt-get install {' '.join(pkgs)} failed:\n{r.stdout[-2000:]}\n{r.stderr[-2000:]}")
    finally:
        if created:
            policy.unlink(missing_ok=True)


def ensure_packages(log: Log = print) -> None:
    apt_install(missing_packages(), log)


def sysctl(key: str, value: str) -> None:
    p = Path("/proc/sys") / key.replace(".", "/")
    if p.exists() and p.read_text().strip() != value:
        p.write_text(value + "\n")


def prepare_kernel() -> None:
    """Kernel knobs the kubelet/CNI need (no modprobe on this machine: only sysctls)."""
    sysctl("net.ipv4.ip_forward", "1")
    sysctl("net.bridge.bridge-nf-call-iptables", "1")
    sysctl("net.bridge.bridge-nf-call-ip6tables", "1")
    # the kubelet checks these and refuses to start with protectKernelDefaults; set anyway
    sysctl("vm.overcommit_memory", "1")
    sysctl("kernel.panic", "10")
    sysctl("kernel.panic_on_oops", "1")
    sysctl("fs.inotify.max_user_instances", "8192")
    sysctl("fs.inotify.max_user_watches", "1048576")


def node_ip() -> str:
    """The IP of the interface holding the default route (what the node advertises)."""
    out = run_tool(["ip", "-4", "route", "get", "1.1.1.1"], 10, capture_output=True, text=True).stdout
    parts = out.split()
    if "src" in parts:
        return parts[parts.index("src") + 1]
    return "127.0.0.1"
