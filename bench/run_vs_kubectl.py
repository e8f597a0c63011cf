"""`tutorial run storage` side by side with a hand-written kubectl script doing the same steps, same cluster.

    python bench/run_vs_kubectl.py [--rounds 3]

Prints the wall time of each (median of the rounds), their ratio (target <= 1.10)
and the runner's own CPU time (user+sys of the tutorial process and its children,
from its JSON report).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def main() -> None:
    from runner.cluster import paths

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    env = {**os.environ, "KUBECONFIG": str(paths.admin_kubeconfig()), "PATH": f"{paths.k8s_bin_dir()}:{os.environ['PATH']}"}
    ours, theirs, cpu = [], [], []
    for i in range(args.rounds):
        user = f"bench-{i}"
        t0 = time.monotonic()
        res = subprocess.run(
            [sys.executable, "-m", "runner.cli", "run", "storage", "--user", user, "--profile", "local", "--format", "json"],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=900,
        )
        ours.append(time.monotonic() - t0)
        report = json.loads(res.stdout)
        assert report["status"] == "passed", res.stdout[-2000:]
        cpu.append(report["cpu_seconds"])
        plan = json.loads(
            subprocess.run(
                [sys.executable, "-m", "runner.cli", "show", "storage", "--user", f"hand-{i}", "--format", "json"],
                cwd=REPO,
                capture_output=True,
                text=True,
                check=True,
                timeout=120,
            ).stdout
        )
        with tempfile.TemporaryDirectory() as wd:
            for s in plan["steps"]:
                if s["type"] == "manifest":
                    Path(wd, s["file"]).write_text(s["text"])
            t0 = time.monotonic()
            subprocess.run(
                ["bash", str(REPO / "bench" / "storage_by_hand.sh"), f"hand-{i}", "default", wd],
                env=env,
                check=True,
                capture_output=True,
                timeout=900,
            )
            theirs.append(time.monotonic() - t0)
    o, t = statistics.median(ours), statistics.median(theirs)
    print(f"{'':<46} {'wall (s), median of ' + str(args.rounds):>24}")
    print(f"{'tutorial run storage --profile local':<46} {o:>24.1f}")
    print(f"{'hand-written kubectl script (same steps)':<46} {t:>24.1f}")
    print(f"{'ratio (target <= 1.10)':<46} {o / t:>24.2f}")
    print(f"{'runner CPU time (user+sys, incl. kubectl)':<46} {statistics.median(cpu):>24.1f}")


if __name__ == "__main__":
    main()
