"""paths: a command in a pod that uses a path beside a mount, one typo away from it (`/mnt/mylog` for `/mnt/mylogs`).

Data written there lands in the container's own filesystem and is lost with it,
or the command fails. Standard top-level folders (`/tmp`, `/dev`, ...) are never
taken for typos of a root-level mount such as `/mytmp`.
"""

from __future__ import annotations

import re

from runner.lesson import placeholders as ph
from runner.lesson.model import StepType
from runner.lint.base import rule
from runner.lint.facts import line_of
from runner.syntax.k8s import words

ABS_PATH = re.compile(r"(?<![\w:/.$~-])(/[A-Za-z0-9_.@+-][A-Za-z0-9_.@+/-]*)")
STANDARD_DIRS = {
    "tmp",
    "dev",
    "proc",
    "sys",
    "etc",
    "usr",
    "var",
    "bin",
    "sbin",
    "lib",
    "lib32",
    "lib64",
    "opt",
    "home",
    "root",
    "run",
    "srv",
    "boot",
    "mnt",
    "media",
}


def paths_in(text: str) -> list[str]:
    out = []
    for m in ABS_PATH.finditer(text):
        p = m.group(1).rstrip("/.,;:")
        if p and p not in out:
            out.append(p)
    return out


def typo_of(path: str, mounts: list[str]) -> str | None:
    """The mount `path` is probably a typo of, or None (it is under a mount, or not near one)."""
    clean = [m.rstrip("/") or "/" for m in mounts]
    if any(path == m or path.startswith(m + "/") or m == "/" for m in clean):
        return None
    parts = path.strip("/").split("/")
    for mount in clean:
        mparts = mount.strip("/").split("/")
        k = len(mparts)
        if len(parts) < k or parts[: k - 1] != mparts[: k - 1]:
            continue
        a, b = parts[k - 1], mparts[k - 1]
        if a == b:
            continue
        if k == 1 and a in STANDARD_DIRS:
            continue
        if any(("/" + "/".join(parts[:k])) == m for m in clean):
            continue
        if _similar(a, b):
            return mount
    return None


def _similar(a: str, b: str) -> bool:
    if a.lower() == b.lower():
        return True
    if max(len(a), len(b)) < 4:
        return False
    return ph.distance(a, b) <= (1 if max(len(a), len(b)) <= 5 else 2)


@rule("paths", summary="in-pod paths one typo away from a volume mount")
def paths(*, lesson, facts, emit, **_) -> None:
    for step in lesson.steps:
        if step.type is StepType.IN_POD and step.command and step.pod:
            _check(facts, emit, step, step.pod, step.container, step.command, step.line)
    for c in facts.calls:
        if c.call.verb == "exec" and c.call.targets and c.call.after_dash:
            _kind, pod = c.call.targets[0]
            _check(facts, emit, c.step, pod, c.call.flag("-c", "--container"), " ".join(c.call.after_dash), c.line)
    for w in facts.workloads:
        mounts = {c.name: c.mount_paths for c in w.containers}
        for c in w.containers:
            texts = c.command + c.args + words(c.body.get("workingDir"))
            start = w.manifest.pos.line(c.path)
            for text in texts:
                for p in paths_in(text):
                    mount = typo_of(p, mounts.get(c.name, []))
                    if mount:
                        emit(
                            w.manifest.step,
                            line_of(w.manifest.step, p, start),
                            "warning",
                            f"`{p}` is under no volume of container `{c.name}`: did you mean the mount `{mount}`?",
                            hint=f"use `{mount}`, or mount a volume at `{p}`",
                        )


def _check(facts, emit, step, pod: str, container: str | None, command: str, line: int) -> None:
    w = facts.workload(pod, before=step.index)
    if w is None:
        return
    chosen = (
        next((c for c in w.containers if c.name == container), None)
        if container
        else next((c for c in w.containers if not c.init), None)
    )
    if chosen is None:
        return
    mounts = chosen.mount_paths
    if not mounts:
        return
    for p in paths_in(command):
        mount = typo_of(p, mounts)
        if mount:
            at = line + command.count("\n", 0, command.find(p))
            emit(
                step,
                at,
                "warning",
                f"`{p}` is under no volume of {w.kind} `{w.manifest.name}`: did you mean the mount `{mount}`?",
                hint=f"use `{mount}`; files outside the volumes are lost with the container",
            )
