"""Grade N simulated participants on the local cluster, side by side with a naive per-participant kubectl loop.

    python bench/grade_bench.py [--participants 200] [--with-pods 10] [--keep]

Creates, in a fresh namespace, what participants of the storage lesson would
have made by hand (a PVC each; a running pod for some), then times
`tutorial grade storage` and a shell loop of the kubectl calls an instructor
would otherwise script (get pod, exec df, get pvc, get pods per participant),
reading the API server's request counter (apiserver_request_total) before and
after each. Prints wall time and API requests for both. Cleans up unless --keep.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def kubectl() -> str:
    from runner.cluster import paths

    return str(Path(paths.k8s_bin_dir()) / "kubectl")


def env() -> dict[str, str]:
    from runner.cluster import paths

    return {**os.environ, "KUBECONFIG": str(paths.admin_kubeconfig())}


def k(*args: str, input: str | None = None, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run([kubectl(), *args], input=input, capture_output=True, text=True, env=env(), check=check, timeout=300)


def requests_total() -> float:
    """Sum of apiserver_request_total over all verbs and resources (the server's own count)."""
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


def naive(users: list[str], ns: str) -> int:
    """Run the loop; return the number of API requests kubectl made (counted from its -v=6 request log)."""
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
            timeout=3600,
            stderr=fh,
        )
    count = sum(
        1 for line in log.read_text().splitlines() if '"Response"' in line or " Response Status" in line or "GET https" in line
    )
    log.unlink()
    return count


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--participants", type=int, default=200)
    ap.add_argument("--with-pods", type=int, default=10)
    ap.add_argument("--keep", action="store_true")
    args = ap.parse_args()
    ns = f"bench-{uuid.uuid4().hex[:5]}"
    users = [f"p{i:03d}" for i in range(args.participants)]
    k("create", "namespace", ns)
    try:
        template = manifests("userx")
        pvcs = "\n---\n".join(template["pvc.yaml"].replace("userx", u) for u in users)
        pods = "\n---\n".join(template["s1.yaml"].replace("userx", u) for u in users[: args.with_pods])
        t0 = time.monotonic()
        k("-n", ns, "create", "-f", "-", input=pvcs)
        if pods:
            k("-n", ns, "create", "-f", "-", input=pods)
            k("-n", ns, "wait", "--for=condition=Ready", "pod", "--all", "--timeout=300s")
        k("-n", ns, "wait", "--for=jsonpath={.status.phase}=Bound", "pvc", "--all", "--timeout=300s")
        setup = time.monotonic() - t0
        roster = Path(f"/tmp/{ns}-roster.txt")
        roster.write_text("\n".join(users) + "\n")

        # requests are counted by each client itself (ours: its ApiClient; kubectl: its -v=6 request log);
        # the server's counter also sees the cluster's own components and is printed for reference only
        before = requests_total()
        t0 = time.monotonic()
        res = subprocess.run(
            [
                sys.executable,
                "-m",
                "runner.cli",
                "grade",
                "storage",
                "--roster",
                str(roster),
                "-n",
                ns,
                "--profile",
                "local",
                "--format",
                "json",
            ],
            cwd=REPO,
            env=env(),
            capture_output=True,
            text=True,
            timeout=1800,
        )
        ours = time.monotonic() - t0
        server_ours = requests_total() - before - 1
        data = json.loads(res.stdout) if res.returncode == 0 else None
        graded = len(data["participants"]) if data else f"error: {res.stderr[-300:]}"
        ours_requests = data["summary"]["api_requests"] if data else 0

        before = requests_total()
        t0 = time.monotonic()
        theirs_requests = naive(users, ns)
        theirs = time.monotonic() - t0
        server_theirs = requests_total() - before - 1

        print(f"participants: {args.participants} ({args.with_pods} with a running pod), setup {setup:.0f}s, graded: {graded}")
        print(f"{'':<40} {'wall (s)':>9} {'API requests (client)':>22} {'server count, all clients':>26}")
        print(f"{'tutorial grade storage (shared cache)':<40} {ours:>9.1f} {ours_requests:>22} {server_ours:>26.0f}")
        print(f"{'naive kubectl loop per participant':<40} {theirs:>9.1f} {theirs_requests:>22} {server_theirs:>26.0f}")
    finally:
        if not args.keep:
            k("delete", "namespace", ns, "--wait=true", "--timeout=300s", check=False)


if __name__ == "__main__":
    main()
