"""Detached component processes with pidfiles.

Each component runs in its own session (``setsid``) so that ``tutorial cluster up``
returns while the cluster keeps running, and so that ``down`` can kill the whole process
group. A pidfile records the pid *and* the process start time (from /proc/PID/stat):
a pidfile whose pid was reused by an unrelated process after a reboot or ``kill -9`` is
recognised as stale instead of being trusted (or, worse, killed).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from runner.cluster import paths


def _start_time(pid: int) -> str | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # field 22 (starttime) counting after the ")" that ends the comm field
    return stat.rsplit(")", 1)[1].split()[19]


def _is_zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


@dataclass
class Proc:
    name: str

    @property
    def pidfile(self) -> Path:
        return paths.run_dir() / f"{self.name}.pid"

    @property
    def logfile(self) -> Path:
        return paths.logs_dir() / f"{self.name}.log"

    def pid(self) -> int | None:
        """The live pid of this component, or None (stale pidfiles are removed)."""
        try:
            rec = json.loads(self.pidfile.read_text())
        except (OSError, ValueError):
            return None
        pid = int(rec["pid"])
        if _is_zombie(pid):
            self.pidfile.unlink(missing_ok=True)
            return None
        if _start_time(pid) != rec.get("start") and _cmdline(pid)[:1] != rec.get("argv", [])[:1]:
            # pid reused by an unrelated process: the pidfile is stale
            self.pidfile.unlink(missing_ok=True)
            return None
        return pid

    def running(self) -> bool:
        return self.pid() is not None

    def start(self, argv: list[str], env: dict[str, str] | None = None, cwd: str | None = None) -> int:
        kill_strays(self.name)
        paths.run_dir().mkdir(parents=True, exist_ok=True)
        paths.logs_dir().mkdir(parents=True, exist_ok=True)
        with open(self.logfile, "ab") as lf:
            lf.write(f"\n==== {time.strftime('%F %T')} starting: {' '.join(argv)}\n".encode())
            lf.flush()
            p = subprocess.Popen(
                argv,
                stdout=lf,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
                env=env,
                cwd=cwd or "/",
                close_fds=True,
            )
        self.pidfile.write_text(json.dumps({"pid": p.pid, "start": _start_time(p.pid), "argv": argv}))
        # detach: we never wait() on it; reap it if it dies while we are still around
        _children[self.name] = p
        return p.pid

    def exit_code(self) -> int | None:
        """Exit code if we started it in this process and it has already exited."""
        p = _children.get(self.name)
        return p.poll() if p is not None else None

    def stop(self, timeout: float = 15.0) -> bool:
        """SIGTERM the process group, then SIGKILL after ``timeout``; True if it was running."""
        pid = self.pid()
        if pid is None:
            self.pidfile.unlink(missing_ok=True)
            return False
        try:
            pgid = os.getpgid(pid)
        except ProcessLookupError:
            pgid = None
        targets = [pgid] if pgid == pid else []
        _signal(pid, targets, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if _start_time(pid) is None or _is_zombie(pid):
                break
            _reap()
            time.sleep(0.1)
        else:
            _signal(pid, targets, signal.SIGKILL)
            time.sleep(0.2)
        _reap()
        self.pidfile.unlink(missing_ok=True)
        return True

    def tail(self, n: int = 30) -> str:
        try:
            return "\n".join(self.logfile.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return "(no log)"


_children: dict[str, subprocess.Popen] = {}


def _reap() -> None:
    for p in _children.values():
        p.poll()


def _signal(pid: int, groups: list[int], sig: int) -> None:
    for g in groups:
        try:
            os.killpg(g, sig)
        except ProcessLookupError:
            pass
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        pass


def _cmdline(pid: int) -> list[str]:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0")[:-1]
    except OSError:
        return []


#: how to recognise each component's process: argv[0] basename or a module name
_SIGNATURES = {
    "registry": "docker-registry",
    "etcd": "etcd",
    "kube-apiserver": "kube-apiserver",
    "kube-controller-manager": "kube-controller-manager",
    "kube-scheduler": "kube-scheduler",
    "containerd": "containerd",
    "kubelet": "kubelet",
    "kube-proxy": "kube-proxy",
    "coredns": "coredns",
    "gitserver": "runner.cluster.gitserver",
    "agent": "runner.cluster.agent",
}


def stray_pids(name: str | None = None) -> list[int]:
    """Our component processes that no pidfile tracks (e.g. after a lost pidfile).

    A process is ours only if its command line names our state directory *and* it is
    one of our components (argv[0] basename, or ``-m runner.cluster.X``), so an editor or
    ``tail -f`` on a log file is never touched.
    """
    root = str(paths.state_root())
    names = [name] if name else list(_SIGNATURES)
    tracked = {Proc(n).pid() for n in names}
    out = []
    for d in Path("/proc").iterdir():
        if not d.name.isdigit() or int(d.name) == os.getpid():
            continue
        argv = _cmdline(int(d.name))
        if not argv or root not in " ".join(argv):
            continue
        for n in names:
            sig = _SIGNATURES.get(n, n)
            named = Path(argv[0]).name == sig or (len(argv) > 2 and argv[1] == "-m" and argv[2] == sig)
            if named and int(d.name) not in tracked and not _is_zombie(int(d.name)):
                out.append(int(d.name))
    return out


def kill_strays(name: str | None = None, timeout: float = 10.0) -> list[int]:
    pids = stray_pids(name)
    for pid in pids:
        _signal(pid, [], signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while pids and time.monotonic() < deadline:
        pids = [p for p in pids if _start_time(p) is not None and not _is_zombie(p)]
        time.sleep(0.1)
    for pid in pids:
        _signal(pid, [], signal.SIGKILL)
    return pids


def pids_by_exe(substr: str) -> list[int]:
    """Pids whose command line contains ``substr`` (used only for our own state paths)."""
    out = []
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            cmd = (d / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if substr in cmd:
            out.append(int(d.name))
    return out
