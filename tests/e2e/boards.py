"""Running the live boards as an instructor does: the terminal board on a real pseudo terminal, the web board on a port.

Shared by the e2e tests of the boards; nothing here talks to the Kubernetes
API itself (the boards do, on the real local cluster).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import pty
import re
import select
import signal
import socket
import struct
import subprocess
import sys
import termios
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][A-Z0-9]|\r")
OUTPUT = Path(os.environ.get("TUTORIAL_TEST_OUTPUT", REPO / ".test-output"))  # screenshots and board transcripts


def kube_env() -> dict[str, str]:
    from runner.cluster import paths

    return {**os.environ, "KUBECONFIG": str(paths.admin_kubeconfig())}


def kubectl(*args: str, input: str | None = None, check: bool = True) -> subprocess.CompletedProcess:
    from runner.cluster import paths

    return subprocess.run(
        [str(Path(paths.k8s_bin_dir()) / "kubectl"), *args],
        input=input,
        capture_output=True,
        text=True,
        check=check,
        env=kube_env(),
        timeout=300,
    )


def tutorial(*args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "runner.cli", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        env=kube_env(),
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )


def start_tutorial(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen:
    """`tutorial ARGS` started in the background (a board, a run to interrupt), its output captured as text."""
    return subprocess.Popen(
        [sys.executable, "-m", "runner.cli", *args],
        cwd=REPO,
        env=env if env is not None else kube_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        stdin=subprocess.DEVNULL,
    )


def manifests(user: str, lesson: str = "storage") -> dict[str, str]:
    res = tutorial("show", lesson, "--user", user, "--format", "json")
    return {s["file"]: s["text"] for s in json.loads(res.stdout)["steps"] if s["type"] == "manifest"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(predicate, timeout: float, what: str, every: float = 0.3):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(every)  # polling what a separate process shows (a file, a page): there is no event to wait on
    raise AssertionError(f"not within {timeout:.0f}s: {what}")


class TerminalBoard:
    """`tutorial grade ... --watch` on a pseudo terminal of a given size, its screen output kept (escapes removed)."""

    def __init__(self, args: list[str], rows: int = 60, cols: int = 200) -> None:
        pid, fd = pty.fork()
        if pid == 0:
            os.chdir(REPO)
            os.execve(
                sys.executable,
                [sys.executable, "-m", "runner.cli", *args],
                {**kube_env(), "TERM": "xterm-256color", "COLUMNS": str(cols), "LINES": str(rows)},
            )
        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        self.pid, self.fd = pid, fd
        self.text = ""
        self.exit_status: int | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        while not self._stop.is_set():
            ready, _, _ = select.select([self.fd], [], [], 0.2)
            if ready:
                try:
                    chunk = os.read(self.fd, 65536)
                except OSError:
                    return
                if not chunk:
                    return
                self.text += ANSI.sub("", chunk.decode("utf-8", "replace"))

    def alive(self) -> bool:
        if self.exit_status is not None:
            return False
        done, status = os.waitpid(self.pid, os.WNOHANG)
        if done:
            self.exit_status = os.waitstatus_to_exitcode(status)
            return False
        return True

    def last_screen(self) -> str:
        """The last full table drawn (from its title line on)."""
        start = self.text.rfind("where the class is stuck")
        return self.text[start:] if start >= 0 else self.text[-5000:]

    def stop(self) -> int | None:
        if self.alive():
            os.kill(self.pid, signal.SIGINT)
            deadline = time.monotonic() + 60
            while self.alive() and time.monotonic() < deadline:
                time.sleep(0.2)
            if self.alive():
                os.kill(self.pid, signal.SIGKILL)
                os.waitpid(self.pid, 0)
        self._stop.set()
        with contextlib.suppress(OSError):
            os.close(self.fd)
        return self.exit_status


class WebBoard:
    """`tutorial grade ... --serve [HOST:]PORT` as a subprocess; its JSON state read over HTTP (with the instructor's key
    when the board has keys: bound to a non-loopback address, it printed its instructor URL on stderr)."""

    def __init__(self, args: list[str], port: int, host: str | None = None) -> None:
        self.port = port
        self.url = f"http://127.0.0.1:{port}/"
        self.proc = start_tutorial(*args, "--serve", f"{host}:{port}" if host else str(port))
        self.out_lines: list[str] = []
        self.err_lines: list[str] = []
        self._readers = [
            threading.Thread(target=self._read, args=(self.proc.stdout, self.out_lines), daemon=True),
            threading.Thread(target=self._read, args=(self.proc.stderr, self.err_lines), daemon=True),
        ]
        for reader in self._readers:
            reader.start()

    @staticmethod
    def _read(stream, into: list[str]) -> None:
        for line in stream:
            into.append(line)

    @property
    def instructor_url(self) -> str | None:
        """The URL the board printed at start (with its key on a non-loopback bind)."""
        for line in self.err_lines:
            if line.startswith("web board: "):
                return line.split()[2]
        return None

    @property
    def key(self) -> str | None:
        url = self.instructor_url or ""
        return url.split("?key=", 1)[1] if "?key=" in url else None

    def get(self, path: str, key: str | None = None, scheme: str = "http", context=None) -> tuple[int, str]:
        """(status, body) of one GET, with `key` as a bearer token if given; an HTTP error is an answer, not an exception."""
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        req = urllib.request.Request(f"{scheme}://127.0.0.1:{self.port}{path}", headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=5, context=context) as resp:
                return resp.status, resp.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()

    def state(self) -> dict | None:
        try:
            status, body = self.get("/api/board", self.key)
        except OSError:
            return None
        return json.loads(body) if status == 200 else None

    def scores(self) -> dict[str, float]:
        data = self.state() or {"participants": []}
        return {p["user"]: p["score"] for p in data["participants"]}

    def stop(self) -> tuple[int, str, str]:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        for reader in self._readers:
            reader.join(timeout=10)
        return self.proc.returncode, "".join(self.out_lines), "".join(self.err_lines)


def chromium_args(profile_dir: Path) -> list[str]:
    return [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile_dir}",
    ]
