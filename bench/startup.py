"""Start-up wall time of the offline commands, side by side with what a user would otherwise run.

    python bench/startup.py [--runs 10]

Prints the median wall time of `tutorial --help`, `tutorial show storage`
and `tutorial lint lessons/`, next to the Python interpreter's own start-up
(the floor) and `kubectl --help` (what a participant runs anyway) when a
kubectl is on PATH or in the local cluster's cache.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def wall(cmd: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run(cmd, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False, timeout=120)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def find_kubectl() -> str | None:
    found = shutil.which("kubectl")
    if found:
        return found
    cache = Path(os.environ.get("TUTORIAL_CACHE", "/var/cache/tutorial-runner"))
    hits = sorted(cache.glob("build/*/bin/kubectl"))
    return str(hits[-1]) if hits else None


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=10)
    args = ap.parse_args()
    tutorial = [sys.executable, "-m", "runner.cli"]
    rows = [
        ("python3 -c pass (interpreter floor)", [sys.executable, "-c", "pass"]),
        ("tutorial --help", tutorial + ["--help"]),
        ("tutorial show storage --user bob", tutorial + ["show", "storage", "--user", "bob"]),
        ("tutorial list", tutorial + ["list"]),
        ("python3 -c 'import kubernetes' (what offline commands avoid)", [sys.executable, "-c", "import kubernetes.client"]),
    ]
    kubectl = find_kubectl()
    if kubectl:
        rows.append(("kubectl --help", [kubectl, "--help"]))
    print(f"{'command':<62} {'median wall (s)':>16}")
    for label, cmd in rows:
        print(f"{label:<62} {wall(cmd, args.runs):>16.3f}")


if __name__ == "__main__":
    main()
