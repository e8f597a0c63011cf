"""Benchmark `tutorial lint` on 100 tutorials the size of those in ../shared/wild.

Copies the wild tutorials 50 times each into a temporary folder, giving every
copy its own object names (so no cache sees the same manifest twice), then
times, each in a fresh process so imports count:

* lint        `tutorial lint DIR` (all rules, schema validation included)
* parse-only  a baseline with no checks at all: PyYAML over every ```yaml block
* k-validate  what a user would reach for without us: extract the YAML blocks to
              files and run the `kubernetes-validate --strict` CLI over them
              (schema only: no line numbers in the Markdown, no other rule)

Usage: python bench/lint_bench.py [--copies 100] [--wild ../shared/wild]
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from runner.cli.main import crashed

REPO = Path(__file__).resolve().parent.parent

PARSE_ONLY = r"""
import re, sys, yaml
from pathlib import Path
fence = re.compile(r"^```\s*ya?ml[^\n]*\n(.*?)^```", re.S | re.M)
docs = 0
for path in sorted(Path(sys.argv[1]).rglob("*.md")):
    for block in fence.findall(path.read_text()):
        docs += sum(1 for d in yaml.safe_load_all(block) if d)
print(docs, "documents")
"""

EXTRACT = r"""
import re, sys
from pathlib import Path
fence = re.compile(r"^```\s*ya?ml[^\n]*\n(.*?)^```", re.S | re.M)
out = Path(sys.argv[2]); n = 0
for path in sorted(Path(sys.argv[1]).rglob("*.md")):
    for block in fence.findall(path.read_text()):
        n += 1
        (out / f"{n:05d}.yaml").write_text(block.replace("<username>", "user1"))
"""


def make_corpus(wild: Path, copies: int, dest: Path) -> list[Path]:
    sources = sorted(wild.glob("*.md"))
    if not sources:
        raise SystemExit(f"no tutorials in {wild}")
    made = []
    for i in range(copies):
        src = sources[i % len(sources)]
        text = src.read_text()
        # every copy names its objects differently: c1-<username> -> c1x17-<username>
        text = re.sub(r"(?m)(\b[a-z][a-z0-9]*)(-<username>)", lambda m, i=i: f"{m.group(1)}x{i}{m.group(2)}", text)
        path = dest / f"t{i:03d}_{src.name}"
        path.write_text(text)
        made.append(path)
    return made


def timed(cmd: list[str]) -> tuple[float, subprocess.CompletedProcess]:
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=REPO, timeout=3600)
    return time.perf_counter() - start, proc


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--copies", type=int, default=100)
    ap.add_argument("--wild", type=Path, default=REPO.parent / "shared" / "wild")
    ap.add_argument("--repeat", type=int, default=3, help="best of N runs")
    args = ap.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="lint-bench-"))
    try:
        corpus = tmp / "tutorials"
        corpus.mkdir()
        files = make_corpus(args.wild, args.copies, corpus)
        lines = sum(p.read_text().count("\n") for p in files)
        print(f"{len(files)} tutorials, {lines} lines, in {corpus}")

        extracted = tmp / "yaml"
        extracted.mkdir()
        subprocess.run([sys.executable, "-c", EXTRACT, str(corpus), str(extracted)], check=True, timeout=600)
        yaml_files = sorted(str(p) for p in extracted.glob("*.yaml"))

        runs = {
            "lint (all rules)": [sys.executable, "-m", "runner.cli", "lint", str(corpus), "--format", "json"],
            "lint --ignore schema": [
                sys.executable,
                "-m",
                "runner.cli",
                "lint",
                str(corpus),
                "--format",
                "json",
                "--ignore",
                "schema",
            ],
            "parse-only (PyYAML)": [sys.executable, "-c", PARSE_ONLY, str(corpus)],
        }
        kv = shutil.which("kubernetes-validate")
        if kv:
            runs["kubernetes-validate --strict"] = [kv, "--strict", "--quiet", "-k", "1.34.0", *yaml_files]
        results = {}
        for name, cmd in runs.items():
            best = None
            for _ in range(args.repeat):
                seconds, proc = timed(cmd)
                if proc.returncode not in (0, 1) or crashed(proc.stderr):
                    print(f"{name}: exit {proc.returncode}\n{proc.stderr[-2000:]}", file=sys.stderr)
                    return 2
                best = seconds if best is None else min(best, seconds)
            results[name] = (best, proc)
        print()
        print(f"{'tool':32} {'wall (best of ' + str(args.repeat) + ')':>20}  what it checks")
        from runner.lint.base import all_rules

        what = {
            "lint (all rules)": f"{len(all_rules())} rule families, findings at Markdown lines",
            "lint --ignore schema": "everything but OpenAPI validation",
            "parse-only (PyYAML)": "nothing: YAML blocks parse",
            "kubernetes-validate --strict": f"schema only, {len(yaml_files)} extracted files",
        }
        for name, (seconds, _proc) in results.items():
            print(f"{name:32} {seconds:>18.2f} s  {what[name]}")
        lint_out = results["lint (all rules)"][1].stdout
        import json

        findings = json.loads(lint_out)["findings"]
        print(
            f"\nlint found {len(findings)} findings "
            f"({sum(f['severity'] == 'error' for f in findings)} errors) in {len(files)} tutorials"
        )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
