"""Published tutorials run as a docs maintainer runs them, and each failed step held against a judgement made by reading.

    python bench/verdicts.py DIR [DIR ...] [--judged defects.json] [--sets sets.json] [--parallel 3] [--json out.json]

Every `*.md` in the folders runs with `tutorial run FILE --keep-going --profile
local --format json` on the local cluster (a namespace of its own each), with
the `--set` values a maintainer would give (`--sets`: {"dir/file.md": {name:
value}}, keys relative to a folder's parent or bare file names; `{user}` and
`{namespace}` in a value stand for the run's own). Each failed
step is then looked up in `--judged` ({"file.md": [{"line": N, "what": ...}]}:
the defects a careful reader found, written before anything ran):

- a failed step at a judged line is a real defect reported (a manifest's
  fence line counts for its first line, where a reader may have put it);
- a failed step at any other line is a misreading (or the environment) blamed on the tutorial;
- a judged line with no failed step is a defect the run missed; unless the
  reader marked it a consequence of another defect (a `doubt` saying
  "consequence of line N"): then a skip naming what it depends on follows the
  root cause, and is counted apart ("consequences followed").

It prints one row per tutorial and the totals: steps passed, failed (real /
not), skipped by cause, missed defects, crashes (exit 70 or no report) and the
wall time, which is what `docs/measurements.md` records. The tutorials are
other people's text: they stay outside the repository.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

# what a skip's reason starts with -> its cause, for the table
CAUSES = [
    ("not runnable: output", "output"),
    ("not runnable: text", "text"),
    ("not runnable: typed", "typed elsewhere"),
    ("not runnable: leaves", "typed elsewhere"),
    ("not runnable:", "not a command"),
    ("interactive:", "interactive"),
    ("depends on ", "depends on a skipped step"),
    ("needs image ", "image"),
    ("needs a value for ", "value"),
    ("needs the reader's own value", "value"),
    ("needs the reader's own edits", "value"),
    ("needs $", "variable"),
    ("needs a GPU", "gpu"),
    ("needs StorageClass", "storage class"),
    ("needs namespace ", "namespace"),
    ("needs kind ", "kind (CRD)"),
    ("needs node ", "node"),
    ("needs a node with label", "node"),
    ("needs something listening", "port"),
    ("needs `", "program"),
    ("needs a ", "account"),
    ("changes this machine", "changes this machine"),
    ("changes the kubeconfig", "changes the kubeconfig"),
    ("defines ", "alternative shown"),
    ("writes ", "alternative shown"),
    ("an earlier step failed", "after a failure"),
    ("written for another platform", "platform"),
]
_HOST_SKIP = re.compile(r"^needs \S+, which is not reachable")
_FILE_SKIP = re.compile(r"^needs \S+, (?:a file|a folder|which the tutorial never shows|which the page shows)")
_OBJECT_SKIP = re.compile(r"^needs \S+/\S+, which no step makes")


def cause(message: str) -> str:
    if _HOST_SKIP.match(message):
        return "host"
    if re.match(r"^needs \d+ nodes", message):
        return "node"
    if _FILE_SKIP.match(message):
        return "prerequisite file"
    if _OBJECT_SKIP.match(message):
        return "prerequisite object"
    return next((c for prefix, c in CAUSES if message.startswith(prefix)), "other")


@dataclass
class Row:
    name: str
    seconds: float
    exit: int
    crashed: bool = False
    passed: int = 0
    real: list[int] = field(default_factory=list)  # failed at a judged line
    wrong: list[tuple[int, str]] = field(default_factory=list)  # failed elsewhere: line, message
    missed: list[int] = field(default_factory=list)  # judged, not failed
    followed: list[int] = field(default_factory=list)  # judged as a consequence; failed, or skipped for what it depends on
    skipped: dict[str, int] = field(default_factory=dict)
    note: str = ""


def run_one(
    path: Path,
    key: str,
    sets: dict[str, str],
    judged: set[int],
    env: dict[str, str],
    namespace_of,
    after: frozenset[int] | set[int] = frozenset(),
) -> Row:
    """Run one tutorial; `judged` are the defects' lines, `after` those of them that are consequences of another."""
    user = f"v{uuid.uuid4().hex[:5]}"
    namespace = namespace_of()
    cmd = [sys.executable, "-m", "runner.cli", "run", str(path), "--user", user, "--profile", "local", "--keep-going"]
    cmd += ["-n", namespace, "--format", "json"]
    for name, value in sets.items():
        cmd += ["--set", f"{name}={value.replace('{user}', user).replace('{namespace}', namespace)}"]
    t0 = time.monotonic()
    res = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=1800, stdin=subprocess.DEVNULL)
    row = Row(key, time.monotonic() - t0, res.returncode)
    try:
        report = json.loads(res.stdout)
    except ValueError:
        row.crashed = True
        row.note = (res.stderr.strip().splitlines() or ["no report"])[-1][:200]
        row.missed = sorted(judged)
        return row
    row.crashed = res.returncode == 70
    # a reader may put a manifest's defect at a line inside it (its first line, its `apiVersion:`), the tool at its
    # fence just above: the same block
    text = path.read_text(encoding="utf-8", errors="replace").split("\n")
    fence_of = {}
    opened: int | None = None
    for number, line in enumerate(text, 1):
        if line.lstrip().startswith(("```", "~~~")):
            opened = number if opened is None else None
        elif opened is not None and number in judged:
            fence_of.setdefault(opened, number)
    failed_lines: set[int] = set()
    skipped: Counter[str] = Counter()
    for s in report["steps"]:
        if s["status"] == "passed":
            row.passed += 1
        elif s["status"] in ("failed", "error"):
            line = s["line"] if s["line"] in judged else fence_of.get(s["line"], s["line"])
            failed_lines.add(line)
            if line in judged:
                row.real.append(line)
            else:
                row.wrong.append((s["line"], s.get("message", "")[:160]))
        elif s["status"] == "skipped":
            skipped[cause(s.get("message", ""))] += 1
            line = s["line"] if s["line"] in judged else fence_of.get(s["line"], s["line"])
            if line in after and s.get("message", "").startswith("depends on "):
                row.followed.append(line)
    row.followed = sorted(set(row.followed) | (after & failed_lines))
    row.missed = sorted(judged - failed_lines - set(row.followed))
    row.skipped = dict(skipped)
    return row


def main() -> None:
    sys.path.insert(0, str(REPO))
    from kubernetes import client

    from runner.cluster import kube, paths

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dirs", nargs="+", help="folders of published tutorials (*.md)")
    ap.add_argument("--judged", action="append", default=[], help="defects.json written by reading (repeatable)")
    ap.add_argument("--sets", action="append", default=[], help="sets.json: the --set values per file (repeatable)")
    ap.add_argument("--parallel", type=int, default=3)
    ap.add_argument("--only", default="")
    ap.add_argument("--json", help="write the rows here")
    args = ap.parse_args()

    judged: dict[str, set[int]] = {}
    consequences: dict[str, set[int]] = {}
    for f in args.judged:
        for name, items in json.loads(Path(f).read_text()).items():
            judged.setdefault(name, set()).update(int(i["line"]) for i in items)
            consequences.setdefault(name, set()).update(
                int(i["line"]) for i in items if "consequence" in str(i.get("doubt", "")).lower()
            )
    sets: dict[str, dict[str, str]] = {}
    for f in args.sets:
        for name, values in json.loads(Path(f).read_text()).items():
            sets.setdefault(name, {}).update(values)

    env = {**os.environ, "KUBECONFIG": str(paths.admin_kubeconfig())}
    api = kube.api()
    core = client.CoreV1Api(api)
    made: list[str] = []

    def namespace_of() -> str:
        name = f"verdicts-{uuid.uuid4().hex[:6]}"
        core.create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(name=name)))
        kube.wait_default_sa(api, 60, namespace=name)
        made.append(name)
        return name

    jobs = []
    for d in args.dirs:
        folder = Path(d)
        for path in sorted(folder.glob("*.md")):
            if path.name in ("SOURCES.md", "README.md", "NOTES.md") or args.only not in path.name:
                continue
            key = f"{folder.name}/{path.name}"
            lines = judged.get(key, judged.get(path.name, set()))
            values = sets.get(key, sets.get(path.name, {}))
            jobs.append((path, key, values, lines, consequences.get(key, consequences.get(path.name, set()))))
    t0 = time.monotonic()
    try:
        with ThreadPoolExecutor(max_workers=args.parallel) as pool:
            rows = list(pool.map(lambda j: run_one(j[0], j[1], j[2], j[3], env, namespace_of, j[4]), jobs))
    finally:
        for name in made:
            core.delete_namespace(name, propagation_policy="Background")
    wall = time.monotonic() - t0

    print(f"{'tutorial':48} {'s':>6} {'pass':>5} {'real':>5} {'wrong':>6} {'miss':>5} {'skip':>5}  crash")
    for r in rows:
        print(
            f"{r.name:48} {r.seconds:6.1f} {r.passed:5} {len(r.real):5} {len(r.wrong):6} {len(r.missed):5} "
            f"{sum(r.skipped.values()):5}  {'CRASH ' + r.note if r.crashed else ''}"
        )
        for line, message in r.wrong:
            print(f"    wrong {line}: {message}")
        if r.missed:
            print(f"    missed: {r.missed}")
        if r.followed:
            print(f"    consequences followed: {r.followed}")
    real = sum(len(r.real) for r in rows)
    wrong = sum(len(r.wrong) for r in rows)
    causes: Counter[str] = Counter()
    for r in rows:
        causes.update(r.skipped)
    print()
    print(f"tutorials {len(rows)}, wall {wall:.0f} s (parallel {args.parallel})")
    print(
        f"steps passed {sum(r.passed for r in rows)}, failed {real + wrong} (real defects {real}, not {wrong}), skipped {sum(causes.values())}"
    )
    print(f"precision {real / (real + wrong):.2f}" if real + wrong else "precision -")
    followed = sum(len(r.followed) for r in rows)
    print(
        f"judged defects {sum(len(v) for v in judged.values())}, missed {sum(len(r.missed) for r in rows)}"
        f" (consequences of another defect: {sum(len(v) for v in consequences.values())}, followed {followed})"
    )
    print(f"crashes {sum(r.crashed for r in rows)}")
    print("skipped by cause: " + ", ".join(f"{c} {n}" for c, n in causes.most_common()))
    if args.json:
        Path(args.json).write_text(json.dumps([asdict(r) for r in rows], indent=1))


if __name__ == "__main__":
    main()
