"""Time `show` and `lint` on the hostile documents issue 14 measured, here and (optionally) on another checkout.

Cases: a 1 MB shell word, 40,000 placeholders, a 50 MB file, a 5 MB file of
ordinary steps (just under the limit), an alias bomb (9 levels of 9), a
recursive alias. Each command runs in a fresh process with a deadline
(`--timeout`, default 180 s); printed: wall seconds, peak memory, exit status.

Usage: python bench/hostile_cases.py [--baseline DIR] [--timeout 180] [--only word,placeholders]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from runner.cli.main import crashed

REPO = Path(__file__).resolve().parent.parent


def _ordinary(size: int) -> str:
    parts, i, total = ["# Big\n\n"], 0, 0
    while total < size:
        part = (
            f"## Step {i}\n\nCreate the pod:\n\n```yaml\napiVersion: v1\nkind: Pod\nmetadata:\n  name: p{i}-<username>\n"
            f"spec:\n  containers:\n  - name: main\n    image: busybox\n```\n\n```bash\nkubectl get pod p{i}-<username>\n```\n\n"
        )
        parts.append(part)
        total += len(part)
        i += 1
    return "".join(parts)


def _bomb(levels: int) -> str:
    lines = ["  l0: &l0 [a, a, a, a, a, a, a, a, a]"]
    lines += [f"  l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 9) + "]" for i in range(1, levels)]
    return "# t\n\n```yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n" + "\n".join(lines) + "\n```\n"


CASES = {
    "word": lambda: "# t\n\n```bash\necho " + "a" * 1_000_000 + "\n```\n",
    "placeholders": lambda: "# t\n\n```bash\necho " + " ".join(f"<p{i}>" for i in range(40_000)) + "\n```\n",
    "50mb": lambda: _ordinary(50_000_000),
    "5mb": lambda: _ordinary(5 * 1024 * 1024 - 2000),
    "alias-bomb": lambda: _bomb(9),
    "recursive-alias": lambda: "# t\n\n```yaml\napiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec: &s\n  x: *s\n```\n",
}


_CHILD = """
import atexit, runpy, sys
def peak():  # VmHWM: this process's own high-water mark (ru_maxrss would carry the parent's across exec)
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            sys.stderr.write(f"\\nPEAK_KB {line.split()[1]}\\n")
atexit.register(peak)
sys.argv = ["tutorial", *sys.argv[1:]]
runpy.run_module("runner.cli", run_name="__main__", alter_sys=True)
"""


def _run(code: Path, args: list[str], timeout: float) -> str:
    """Wall time, peak memory and exit status of one command in a fresh process."""
    env = {**os.environ, "PYTHONPATH": str(code)}
    t0 = time.monotonic()
    try:
        proc = subprocess.run(
            [sys.executable, "-c", _CHILD, *args], env=env, cwd=code, capture_output=True, text=True, timeout=timeout
        )
    except subprocess.TimeoutExpired:
        return f"> {timeout:.0f} s (stopped)"
    seconds = time.monotonic() - t0
    peak = next((int(line.split()[1]) for line in proc.stderr.splitlines() if line.startswith("PEAK_KB ")), 0)
    crash = " TRACEBACK" if crashed(proc.stderr) else ""
    return f"{seconds:7.2f} s {peak // 1024:>6} MB  exit {proc.returncode}{crash}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--baseline", help="another checkout (e.g. the commit before issue 14)")
    ap.add_argument("--timeout", type=float, default=180)
    ap.add_argument("--only", help="comma-separated cases")
    args = ap.parse_args()
    trees = [("this checkout", REPO)] + ([("baseline", Path(args.baseline))] if args.baseline else [])
    wanted = args.only.split(",") if args.only else list(CASES)
    folder = Path(tempfile.mkdtemp(prefix="hostile-"))
    print(f"{'case':<16} {'command':<6} " + "  ".join(f"{name:<34}" for name, _ in trees))
    for case in wanted:
        path = folder / f"{case}.md"
        path.write_text(CASES[case]())
        for command in ("show", "lint"):
            cells = [_run(code, [command, str(path)], args.timeout) for _, code in trees]
            print(f"{case:<16} {command:<6} " + "  ".join(f"{c:<34}" for c in cells), flush=True)
        path.unlink()


if __name__ == "__main__":
    main()
