"""Grading a class at scale on the local cluster: wall time, API requests and the boards' latency, beside a kubectl loop.

    python bench/grade_scale_bench.py [--participants 200 1000] [--with-pods 10] [--loop-sample 200] [--latency 5] [--keep]

For each class size, in a fresh namespace, creates what participants of the
storage lesson would have made by hand (a PVC each, a running pod for some;
objects created directly, as bench/grade_bench.py does; for `--with-jobs`
of them a (suspended) Job s3-<user> too, so that their claims are read as
those of participants whose Job ran), then prints:

- `tutorial grade storage` (one-shot): wall time, the API requests its client
  made, and the server's own request counter (all clients) for reference;
- the naive kubectl loop an instructor would script (get pod, exec df, get
  pvc, get job, get pods per participant): wall time and requests, run on
  `--loop-sample` participants and scaled to the class when the sample is
  smaller (printed as such);
- the boards' latency: `tutorial grade --watch --serve` runs in a pseudo
  terminal (the real terminal board) and serves the web board; for each of
  `--latency` participants who had no claim yet, the bench creates their
  PVC and takes the time from the moment its own watch sees the claim Bound
  to the moment (a) the terminal board's row shows pvc-bound ✓ and (b) the
  web board's event stream delivers that row with pvc-bound passed.

Cleans up unless --keep.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import http.client
import json
import os
import pty
import re
import select
import signal
import socket
import statistics
import struct
import subprocess
import sys
import termios
import threading
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][A-Z0-9]|\r")


def kubectl() -> str:
    from runner.cluster import paths

    return str(Path(paths.k8s_bin_dir()) / "kubectl")


def env() -> dict[str, str]:
    from runner.cluster import paths

    return {**os.environ, "KUBECONFIG": str(paths.admin_kubeconfig())}


def k(*args: str, input: str | None = None, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run([kubectl(), *args], input=input, capture_output=True, text=True, env=env(), check=check, timeout=600)


def requests_total() -> float:
    text = k("get", "--raw", "/metrics").stdout
    return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines() if line.startswith("apiserver_request_total{"))


def manifests(user: str) -> dict[str, str]:
    out = subprocess.run(
        [sys.executable, "-m", "runner.cli", "show", "storage", "--user", user, "--format", "json"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    ).stdout
    return {s["file"]: s["text"] for s in json.loads(out)["steps"] if s["type"] == "manifest"}


def create_many(ns: str, docs: list[str], chunk: int = 200) -> None:
    for i in range(0, len(docs), chunk):
        k("-n", ns, "create", "-f", "-", input="\n---\n".join(docs[i : i + chunk]))


def naive(users: list[str], ns: str) -> int:
    """The kubectl loop; returns the API requests kubectl made (counted from its -v=6 request log)."""
    script = 'kubectl() { command kubectl -v=6 "$@"; }\n' + "\n".join(
        f"kubectl -n {ns} get pod s1-{u} >/dev/null 2>&1 && kubectl -n {ns} exec s1-{u} -- df -P / /mnt/myscratch /mytmp /dev/shm >/dev/null 2>&1; "
        f"kubectl -n {ns} get pvc vol-{u} -o jsonpath='{{.status.phase}}' >/dev/null 2>&1; "
        f"kubectl -n {ns} get job s3-{u} >/dev/null 2>&1; "
        f"kubectl -n {ns} get pods -o name | grep -- '-{u}$' >/dev/null 2>&1; true"
        for u in users
    )
    log = Path(f"/tmp/naive-{uuid.uuid4().hex[:6]}.log")
    with log.open("w") as fh:
        subprocess.run(
            ["bash", "-c", script.replace(">/dev/null 2>&1", ">/dev/null 2>>" + str(log))],
            env={**env(), "PATH": f"{Path(kubectl()).parent}:{os.environ['PATH']}"},
            check=False,
            stderr=fh,
            timeout=3600,
        )
    count = sum(1 for line in log.read_text().splitlines() if '"Response" verb=' in line)  # kubectl's request log (-v=6)
    log.unlink()
    return count


def one_shot(roster: Path, ns: str) -> tuple[float, int, float, dict]:
    before = requests_total()
    t0 = time.monotonic()
    res = subprocess.run(
        [sys.executable, "-m", "runner.cli", "grade", "storage", "--roster", str(roster), "-n", ns, "--profile", "local"]
        + ["--format", "json"],
        cwd=REPO,
        env=env(),
        capture_output=True,
        text=True,
        timeout=1800,
    )
    wall = time.monotonic() - t0
    server = requests_total() - before - 1
    if res.returncode != 0:
        raise SystemExit(f"tutorial grade failed: {res.stderr[-500:]}")
    data = json.loads(res.stdout)
    return wall, data["summary"]["api_requests"], server, data


class TerminalBoard:
    """`tutorial grade --watch --serve` in a pseudo terminal; remembers when each user's pvc-bound cell first shows ✓."""

    def __init__(self, roster: Path, ns: str, port: int, progress: Path, rows: int = 80, cols: int = 260) -> None:
        self.seen: dict[str, float] = {}
        self.buffer = ""
        pid, fd = pty.fork()
        if pid == 0:  # the child: the real CLI on a terminal of that size
            os.chdir(REPO)
            os.execve(
                sys.executable,
                [sys.executable, "-m", "runner.cli", "grade", "storage", "--roster", str(roster), "-n", ns, "--profile", "local"]
                + ["--watch", "--serve", str(port), "--progress", str(progress)],
                {**env(), "COLUMNS": str(cols), "LINES": str(rows), "TERM": "xterm-256color"},
            )
        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        self.pid, self.fd = pid, fd
        self.columns: list[str] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        while not self.stop.is_set():
            ready, _, _ = select.select([self.fd], [], [], 0.2)
            if not ready:
                continue
            try:
                chunk = os.read(self.fd, 65536).decode("utf-8", "replace")
            except OSError:
                return
            now = time.time()
            self.buffer = (self.buffer + ANSI.sub("", chunk))[-400_000:]
            for line in self.buffer.splitlines()[-400:]:
                if "┃ user" in line:
                    self.columns = [c.strip() for c in line.split("┃")[1:-1]]
                if line.startswith("│ late") and self.columns and "pvc-bound" in self.columns:
                    cells = [c.strip() for c in line.split("│")[1:-1]]
                    if len(cells) == len(self.columns) and cells[self.columns.index("pvc-bound")].startswith("✓"):
                        self.seen.setdefault(cells[0], now)

    def close(self) -> None:
        os.kill(self.pid, signal.SIGINT)
        with contextlib.suppress(ChildProcessError):
            for _ in range(300):
                done, _ = os.waitpid(self.pid, os.WNOHANG)
                if done:
                    break
                time.sleep(0.1)
            else:
                os.kill(self.pid, signal.SIGKILL)
        self.stop.set()


class WebEvents:
    """The web board's event stream; remembers when an update first carries a user's row with pvc-bound passed."""

    def __init__(self, port: int) -> None:
        self.seen: dict[str, float] = {}
        self.port = port
        self.connected = threading.Event()
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        deadline = time.monotonic() + 300
        while True:  # the board serves once its first grade of the class is done
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
                conn.request("GET", "/events?since=0")
                resp = conn.getresponse()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)
        self.connected.set()
        data = ""
        for raw in resp:
            line = raw.decode("utf-8").rstrip("\n")
            if line.startswith("data: "):
                data = line[6:]
            elif not line and data:
                now = time.time()
                payload = json.loads(data)
                for user, html in (payload.get("rows") or {}).items():
                    if user.startswith("late") and 'data-check="pvc-bound" data-status="passed"' in html:
                        self.seen.setdefault(user, now)
                data = ""


def bound_times(ns: str, names: list[str], timeout: float = 300) -> dict[str, float]:
    """When this process's own watch sees each claim Bound (the moment the change is in the API)."""
    from kubernetes import client, config, watch

    from runner.cluster import paths

    api = client.CoreV1Api(config.new_client_from_config(str(paths.admin_kubeconfig())))
    out: dict[str, float] = {}
    w = watch.Watch()
    deadline = time.monotonic() + timeout
    for event in w.stream(api.list_namespaced_persistent_volume_claim, ns, timeout_seconds=int(timeout)):
        obj = event["object"]
        if obj.metadata.name in names and obj.status.phase == "Bound":
            out.setdefault(obj.metadata.name, time.time())
        if len(out) == len(names) or time.monotonic() > deadline:
            w.stop()
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def page_load(port: int) -> tuple[float, int, int]:
    """Seconds, bytes sent and bytes of HTML of the web board's class page (the whole table), asked for as a browser does."""
    import gzip
    import urllib.request

    t0 = time.monotonic()
    req = urllib.request.Request(f"http://127.0.0.1:{port}/", headers={"Accept-Encoding": "gzip"})
    with urllib.request.urlopen(req, timeout=60) as resp:
        sent = resp.read()
        html = gzip.decompress(sent) if resp.headers.get("Content-Encoding") == "gzip" else sent
    return time.monotonic() - t0, len(sent), len(html)


def latency(
    roster: Path, ns: str, template: dict[str, str], late: list[str]
) -> tuple[list[float], list[float], tuple[float, int, int]]:
    port = free_port()
    progress = Path(f"/tmp/{ns}-progress.json")
    progress.unlink(missing_ok=True)  # a fresh board: a class reused with --namespace keeps no earlier passes
    board = TerminalBoard(roster, ns, port, progress)
    try:
        deadline = time.monotonic() + 180
        while not progress.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        web = WebEvents(port)
        deadline = time.monotonic() + 300
        while not web.connected.is_set() and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(1)
        page = page_load(port)
        term, webl = [], []
        for user in late:
            watcher: dict[str, float] = {}
            t = threading.Thread(target=lambda u=user, w=watcher: w.update(bound_times(ns, [f"vol-{u}"])))
            t.start()
            time.sleep(0.5)
            k("-n", ns, "create", "-f", "-", input=template["pvc.yaml"].replace("userx", user))
            t.join()
            t0 = watcher[f"vol-{user}"]
            deadline = time.monotonic() + 30
            while (user not in board.seen or user not in web.seen) and time.monotonic() < deadline:
                time.sleep(0.05)
            term.append(board.seen.get(user, float("nan")) - t0)
            webl.append(web.seen.get(user, float("nan")) - t0)
        return term, webl, page
    finally:
        board.close()


def bench(n: int, with_pods: int, with_jobs: float, loop_sample: int, n_late: int, keep: bool, reuse: str | None = None) -> None:
    ns = reuse or f"bench-{uuid.uuid4().hex[:5]}"
    users = [f"p{i:04d}" for i in range(n)]
    late = [f"late{i:02d}" for i in range(n_late)]
    if reuse:  # a class set up by an earlier `--keep` run: only the late participants' claims are made again
        k("-n", ns, "delete", "pvc", *(f"vol-{u}" for u in late), "--ignore-not-found", "--wait=true", check=False)
    else:
        k("create", "namespace", ns)
    try:
        template = manifests("userx")
        t0 = time.monotonic()
        jobs = users[: int(n * with_jobs)]
        if not reuse:
            create_many(ns, [template["pvc.yaml"].replace("userx", u) for u in users])
            if with_pods:
                create_many(ns, [template["s1.yaml"].replace("userx", u) for u in users[:with_pods]])
                k("-n", ns, "wait", "--for=condition=Ready", "pod", "--all", "--timeout=600s")
            if jobs:
                job = template["s3.yaml"].replace("spec:\n  completionMode", "spec:\n  suspend: true\n  completionMode", 1)
                create_many(ns, [job.replace("userx", u) for u in jobs])
            k("-n", ns, "wait", "--for=jsonpath={.status.phase}=Bound", "pvc", "--all", "--timeout=900s")
        setup = time.monotonic() - t0
        roster = Path(f"/tmp/{ns}-roster.txt")
        roster.write_text("\n".join(users) + "\n")
        roster_live = Path(f"/tmp/{ns}-roster-live.txt")
        roster_live.write_text("\n".join(late + users) + "\n")  # the late ones first: their rows are on screen

        ours, ours_req, ours_server, data = one_shot(roster, ns)
        sample = users[: min(max(loop_sample, 1), n)]
        before = requests_total()
        t1 = time.monotonic()
        loop_req = naive(sample, ns)
        loop_wall = time.monotonic() - t1
        loop_server = requests_total() - before - 1
        scale = n / len(sample)
        term, web, page = latency(roster_live, ns, template, late) if n_late else ([], [], (0.0, 0, 0))

        print(
            f"\n== {n} participants ({with_pods} with a running pod, {len(jobs)} whose Job exists: their claims are read), "
            f"setup {setup:.0f}s, graded {len(data['participants'])}"
        )
        print(f"{'':<44} {'wall (s)':>9} {'API requests (client)':>22} {'server count, all clients':>26}")
        print(f"{'tutorial grade storage (one-shot)':<44} {ours:>9.1f} {ours_req:>22} {ours_server:>26.0f}")
        label = "kubectl loop per participant" + (f" (x{scale:.1f} of {len(sample)})" if scale != 1 else "")
        print(f"{label:<44} {loop_wall * scale:>9.1f} {loop_req * scale:>22.0f} {loop_server * scale:>26.0f}")
        print(f"speed-up: {loop_wall * scale / ours:.1f}x; requests: {loop_req * scale / max(ours_req, 1):.0f}x fewer")
        if term:
            fmt = lambda xs: f"median {statistics.median(xs):.2f} s, max {max(xs):.2f} s ({len(xs)} changes)"
            print(f"board latency, claim Bound -> terminal board shows pvc-bound ✓: {fmt(term)}")
            print(f"board latency, claim Bound -> web board's event carries the row: {fmt(web)}")
            print(
                f"web board's class page: {page[0]:.2f} s, {page[1] / 1024:.0f} KiB sent "
                f"({page[2] / 1024:.0f} KiB of HTML) for {n + len(late)} participants"
            )
    finally:
        if not keep and not reuse:
            k("delete", "namespace", ns, "--wait=true", "--timeout=900s", check=False)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--participants", type=int, nargs="+", default=[200, 1000])
    ap.add_argument("--with-pods", type=int, default=10)
    ap.add_argument("--with-jobs", type=float, default=0.1, help="share of participants whose Job exists (claims read)")
    ap.add_argument("--loop-sample", type=int, default=200, help="participants the kubectl loop runs on (scaled to the class)")
    ap.add_argument("--latency", type=int, default=5, help="participants whose change the boards' latency is taken on")
    ap.add_argument("--keep", action="store_true")
    ap.add_argument(
        "--namespace", metavar="NS", help="reuse the class an earlier --keep run left in NS (no setup; one class size)"
    )
    args = ap.parse_args()
    for n in args.participants:
        bench(n, args.with_pods, args.with_jobs, args.loop_sample, args.latency, args.keep, args.namespace)


if __name__ == "__main__":
    main()
