"""When the API server really is out of reach, the board says so and waits (up to --outage-timeout); it does not exit.

The board talks to the local cluster's API server through a TCP relay in
this test (the same TLS bytes, forwarded); closing the relay is a real
network cut, not a mock of the API. Once the relay listens again, the board
reads the cluster anew and grades a change made meanwhile.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import yaml
from boards import REPO, kubectl, manifests, wait_until

from runner.cli.main import crashed

pytestmark = pytest.mark.e2e


class Relay:
    """127.0.0.1:port -> the API server, for as long as it is up; `down()` cuts every connection."""

    def __init__(self, upstream: tuple[str, int]) -> None:
        self.upstream = upstream
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self._socks: list[socket.socket] = []
        self._listener: socket.socket | None = None
        self._lock = threading.Lock()

    def up(self) -> None:
        lsock = socket.socket()
        lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        lsock.bind(("127.0.0.1", self.port))
        lsock.listen(64)
        self._listener = lsock
        threading.Thread(target=self._accept, args=(lsock,), daemon=True).start()

    def down(self) -> None:
        with self._lock:
            socks, self._socks = self._socks, []
            listener, self._listener = self._listener, None
        for s in [*socks, *([listener] if listener else [])]:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            s.close()

    def _accept(self, lsock: socket.socket) -> None:
        while True:
            try:
                client, _ = lsock.accept()
            except OSError:
                return
            try:
                server = socket.create_connection(self.upstream, timeout=10)
            except OSError:
                client.close()
                continue
            with self._lock:
                if self._listener is not lsock:  # cut while this one was connecting: it must not outlive `down()`
                    for s in (client, server):
                        s.close()
                    return
                self._socks += [client, server]
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass


def _relayed_kubeconfig(tmp_path: Path) -> tuple[Path, tuple[str, int], dict]:
    from runner.cluster import paths

    data = yaml.safe_load(Path(paths.admin_kubeconfig()).read_text())
    server = data["clusters"][0]["cluster"]["server"]  # https://127.0.0.1:6443
    host, port = server.split("//", 1)[1].rsplit(":", 1)
    return tmp_path / "relayed.kubeconfig", (host, int(port)), data


def test_board_survives_an_unreachable_api_server(kube_api, namespace, tmp_path):
    path, upstream, data = _relayed_kubeconfig(tmp_path)
    relay = Relay(upstream)
    for c in data["clusters"]:
        c["cluster"]["server"] = f"https://{upstream[0]}:{relay.port}"  # the same certificate names 127.0.0.1
    path.write_text(yaml.safe_dump(data))
    relay.up()
    progress = tmp_path / "p.json"
    proc = subprocess.Popen(
        [sys.executable, "-m", "runner.cli", "grade", "storage", "--users", "net1", "-n", namespace, "--profile", "local"]
        + ["--kubeconfig", str(path), "--watch", "--progress", str(progress)],
        cwd=REPO,
        env={k: v for k, v in os.environ.items() if k != "KUBECONFIG"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        stdin=subprocess.DEVNULL,
    )
    lines: list[str] = []
    threading.Thread(target=lambda: lines.extend(iter(proc.stdout.readline, "")), daemon=True).start()
    try:
        wait_until(progress.exists, 120, "the board started")
        relay.down()  # the network to the API server is gone
        wait_until(lambda: any("cluster unreachable since" in l for l in lines), 60, f"the board says so: {lines}")
        time.sleep(3)
        assert proc.poll() is None, "the board must not exit while the cluster is out of reach"
        kubectl("-n", namespace, "create", "-f", "-", input=manifests("net1")["pvc.yaml"])  # a change while it is away
        relay.up()
        wait_until(lambda: any("cluster reachable again" in l for l in lines), 90, f"the board is back: {lines}")
        wait_until(
            lambda: "pvc-bound" in json.loads(progress.read_text())["participants"].get("net1", {}), 90, "the change is graded"
        )
        assert proc.poll() is None
    finally:
        if relay._listener is None:  # the board cleans up through the relay: let it reach the server again
            relay.up()
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
        relay.down()
        kubectl("-n", namespace, "delete", "pvc", "vol-net1", "--ignore-not-found", "--wait=true", check=False)
    assert proc.returncode == 0 and not crashed(err), err
    retry = next(l for l in lines if "cluster unreachable since" in l)
    assert "waiting up to 120 s (--outage-timeout)" in retry, retry
