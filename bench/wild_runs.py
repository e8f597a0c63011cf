"""Published tutorials as a docs CI runs them: time to a verdict with `--keep-going`, on the local cluster.

    python bench/wild_runs.py [--wild ../shared/wild] [--only 001]

For each tutorial it prints the wall time, how many steps passed, failed
(defects of the tutorial) and were skipped (environment), and, beside it, the
time the same run took before waits could fail fast and environment skips
named their host (measured on main before issue 12: 812 s for 001, which
waited out 180 s and 300 s deadlines on an Unschedulable pod, an init
container in CrashLoopBackOff and a Job cloning from github.com).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
import uuid
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BEFORE = {"001_86ab03304d8711f1.md": 812.0}  # seconds, measured on main before issue 12 (see the issue)


def main() -> None:
    sys.path.insert(0, str(REPO))
    from runner.cluster import paths

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--wild", default=os.environ.get("TUTORIAL_WILD_DIR") or str(REPO.parent / "shared" / "wild"))
    ap.add_argument("--only", default="", help="run only tutorials whose file name contains this")
    args = ap.parse_args()
    env = {**os.environ, "KUBECONFIG": str(paths.admin_kubeconfig())}
    print(f"{'tutorial':34} {'seconds':>8} {'before':>8} {'passed':>7} {'failed':>7} {'skipped':>8}  verdict")
    for path in sorted(Path(args.wild).glob("*.md")):
        if args.only not in path.name:
            continue
        t0 = time.monotonic()
        res = subprocess.run(
            [
                sys.executable,
                "-m",
                "runner.cli",
                "run",
                str(path),
                "--user",
                f"bench-{uuid.uuid4().hex[:4]}",
                "--profile",
                "local",
                "--keep-going",
                "--format",
                "json",
            ],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=1800,
            stdin=subprocess.DEVNULL,
        )
        seconds = time.monotonic() - t0
        try:
            report = json.loads(res.stdout)
        except ValueError:
            print(f"{path.name:34} {seconds:8.1f}  no report: {(res.stderr.strip().splitlines() or ['?'])[-1]}")
            continue
        n = Counter(s["status"] for s in report["steps"])
        before = f"{BEFORE[path.name]:8.0f}" if path.name in BEFORE else f"{'-':>8}"
        print(
            f"{path.name:34} {seconds:8.1f} {before} {n['passed']:7} {n['failed'] + n['error']:7} {n['skipped']:8}  {report['status']}"
        )


if __name__ == "__main__":
    main()
