"""Long fuzz of the offline commands: 10,000 hostile Markdown documents through `show`, `lint` and `list`.

The documents are those of the fuzz test (tests/unit/hostile.py: huge
integers, deep nesting, alias bombs, recursive aliases, megabyte shell words,
tens of thousands of placeholders, .inf/NaN and absurd timeouts, control
characters, files past the size limit, mutated real lessons), only more and
larger. Each one runs six commands in a forked child with a 2 GB address-space
limit and a deadline. Printed: how many documents of each kind, the exit
statuses, and every kind of problem counted (tracebacks, exit statuses other
than 0/1/2, exit-2 messages of more than one line, JSON with NaN/Infinity,
crashes, timeouts), with the slowest and largest documents.

`--baseline DIR` runs the same documents on another checkout too (e.g. the
commit before issue 14), side by side: what a user had before.

`--jobs N` runs N documents at a time (each in its own child).

Usage: python bench/fuzz_bench.py [--documents 10000] [--scale 50000] [--seed 14] [--jobs 2] [--baseline DIR]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from hypothesis import HealthCheck, Phase, given, seed, settings

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests" / "unit"))

from hostile import Outcome, check_document, hostile_document, warm_up  # noqa: E402


def _problem_kind(problem: str) -> str:
    if problem in ("timeout",) or problem.startswith(("killed", "no result")):
        return problem.split(" (")[0]
    head, _, rest = problem.partition(": ")
    return rest.split(":")[0][:60] if rest else head


class Tally:
    def __init__(self, name: str) -> None:
        self.name = name
        self.documents = 0
        self.bad_documents = 0
        self.problems: Counter[str] = Counter()
        self.exits: Counter[str] = Counter()
        self.seconds: list[float] = []
        self.rss: list[int] = []
        self.slowest: tuple[float, tuple[str, ...]] = (0.0, ())
        self.examples: dict[str, str] = {}

    def add(self, kinds: tuple[str, ...], outcome: Outcome) -> None:
        self.documents += 1
        self.seconds.append(outcome.seconds)
        self.rss.append(outcome.max_rss_kb)
        if outcome.seconds > self.slowest[0]:
            self.slowest = (outcome.seconds, kinds)
        for command, code in outcome.exits.items():
            self.exits[f"{command} -> {code}"] += 1
        if outcome.problems:
            self.bad_documents += 1
        for p in outcome.problems:
            kind = _problem_kind(p)
            self.problems[kind] += 1
            self.examples.setdefault(kind, f"{','.join(kinds)}: {p[:160]}")

    def report(self) -> str:
        lines = [f"== {self.name}: {self.documents} documents, {self.bad_documents} with a problem"]
        if self.seconds:
            secs = sorted(self.seconds)
            lines.append(
                f"   seconds per document (6 commands): median {statistics.median(secs):.2f}, "
                f"p99 {secs[int(len(secs) * 0.99) - 1]:.2f}, max {secs[-1]:.2f} ({','.join(self.slowest[1])})"
            )
            lines.append(
                f"   peak memory of a document's child: median {statistics.median(self.rss) // 1024} MB, max {max(self.rss) // 1024} MB"
            )
        lines.append("   problems: " + (", ".join(f"{k}: {n}" for k, n in self.problems.most_common()) or "none"))
        for kind, example in self.examples.items():
            lines.append(f"     e.g. {kind}: {example}")
        lines.append("   exit statuses: " + ", ".join(f"{k}: {n}" for k, n in sorted(self.exits.items())))
        return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--documents", type=int, default=10_000)
    ap.add_argument("--scale", type=float, default=50_000, help="size of the big pieces (50,000: words up to 1 MB)")
    ap.add_argument("--seed", type=int, default=14)
    ap.add_argument("--timeout", type=float, default=120, help="seconds one document may take (all commands)")
    ap.add_argument("--jobs", type=int, default=1, help="documents checked at a time")
    ap.add_argument("--baseline", help="another checkout to run the same documents on (its runner/)")
    args = ap.parse_args()

    if not args.baseline:
        warm_up()  # children inherit the imports (with a baseline, each child imports its own checkout)
    ours, theirs = Tally("this checkout"), Tally(f"baseline {args.baseline}") if args.baseline else None
    kinds_seen: Counter[str] = Counter()
    sizes: list[int] = []
    t0 = time.monotonic()
    work = Path(tempfile.mkdtemp(prefix="fuzz-"))

    lock = threading.Lock()
    slots = threading.Semaphore(args.jobs * 2)  # documents generated ahead of the workers, at most
    pool = ThreadPoolExecutor(max_workers=args.jobs)

    def check(kinds: tuple[str, ...], data: bytes) -> None:
        try:
            folder = work / f"worker-{threading.get_ident()}"  # its own folder: a slow document is not overwritten
            outcome = check_document(data, folder / "ours", args.timeout)
            other = check_document(data, folder / "theirs", args.timeout, code=args.baseline) if theirs is not None else None
            with lock:
                ours.add(kinds, outcome)
                if theirs is not None and other is not None:
                    theirs.add(kinds, other)
                if ours.documents % 500 == 0:
                    print(
                        f"  ... {ours.documents} documents, {ours.bad_documents} with a problem, {time.monotonic() - t0:.0f}s",
                        file=sys.stderr,
                    )
        finally:
            slots.release()

    @seed(args.seed)
    @settings(
        max_examples=args.documents,
        deadline=None,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(doc=hostile_document(scale=args.scale))
    def one(doc: tuple[tuple[str, ...], bytes]) -> None:
        kinds, data = doc
        kinds_seen.update(kinds)
        sizes.append(len(data))
        slots.acquire()
        pool.submit(check, kinds, data)

    one()
    pool.shutdown(wait=True)
    print(f"fuzz: {ours.documents} documents (seed {args.seed}, scale {args.scale:g}) in {time.monotonic() - t0:.0f}s")
    print(f"   sizes: median {statistics.median(sizes):,.0f} bytes, max {max(sizes):,} bytes")
    print("   kinds: " + ", ".join(f"{k}: {n}" for k, n in kinds_seen.most_common()))
    print(ours.report())
    if theirs is not None:
        print(theirs.report())


if __name__ == "__main__":
    main()
