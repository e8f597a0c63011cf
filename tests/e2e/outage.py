"""A second, real kube-apiserver of the local cluster, to kill and start again under a run or a board.

It serves the same etcd with the same certificates on a port of its own (its
endpoint reconciler off, so the `kubernetes` Service keeps the first one).
The command under test is given a kubeconfig that points at it: killing it is
a control-plane outage for that command, while the cluster's own controllers,
scheduler and kubelet keep talking to the first API server and the other
tests are not disturbed.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from pathlib import Path

import yaml


class SpareApiserver:
    def __init__(self, port: int, workdir: Path) -> None:
        from runner.cluster import cluster, host

        argv = [a for a in cluster.argv_apiserver(host.node_ip()) if not a.startswith("--secure-port=")]
        self.argv = [*argv, f"--secure-port={port}", "--endpoint-reconciler-type=none"]
        self.port = port
        self.log = workdir / f"apiserver-{port}.log"
        self.proc: subprocess.Popen | None = None
        self.kubeconfig = workdir / f"spare-{port}.kubeconfig"
        self._write_kubeconfig()

    def _write_kubeconfig(self) -> None:
        from runner.cluster import paths

        data = yaml.safe_load(paths.admin_kubeconfig().read_text())
        for c in data["clusters"]:
            c["cluster"]["server"] = f"https://127.0.0.1:{self.port}"
        self.kubeconfig.write_text(yaml.safe_dump(data))
        self.kubeconfig.chmod(0o600)

    def ready(self) -> bool:
        from runner.cluster.cluster import _get, _https_ctx

        code, body = _get(f"https://127.0.0.1:{self.port}/readyz", ctx=_https_ctx())
        return code == 200 and body.strip() == "ok"

    def start(self, timeout: float = 90) -> float:
        """Start it and wait until it is ready; the seconds that took."""
        t0 = time.monotonic()
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(self.argv, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        while not self.ready():
            if self.proc.poll() is not None:
                raise AssertionError(f"the spare API server exited {self.proc.returncode}: see {self.log}")
            if time.monotonic() - t0 > timeout:
                raise AssertionError(f"the spare API server was not ready within {timeout:.0f}s: see {self.log}")
            time.sleep(0.2)  # polling /readyz of a process starting: there is no event to wait on
        return time.monotonic() - t0

    def kill(self) -> None:
        """SIGKILL, as a crash: no graceful shutdown, open connections reset."""
        if self.proc is not None and self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=30)
        self.proc = None

    def __enter__(self) -> SpareApiserver:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.kill()
