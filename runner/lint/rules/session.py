"""interactive / network: info notes for a docs CI, which steps need a person at a terminal or reach the internet.

The local cluster serves every docker.io image from its own registry, so an
image is a network need only when it comes from another registry.
"""

from __future__ import annotations

import re

from runner.lesson.model import StepType
from runner.lint.base import rule

URL = re.compile(r"\b(?:https?|ftp|git|ssh)://(?:[^/\s@'\"]+@)?([A-Za-z0-9.-]+)")
SCP_LIKE = re.compile(r"\bgit@([A-Za-z0-9.-]+):")
LOCAL_HOST = re.compile(
    r"^(localhost|127\.\d+\.\d+\.\d+|0\.0\.0\.0|\[::1\]|[^.]+|.*\.svc(\.cluster\.local)?|.*\.cluster\.local|.*\.local|.*\.internal|10\.\d+\.\d+\.\d+|192\.168\.\d+\.\d+)$"
)
# programs that reach a package index or a cloud service without a URL on the command line
IMPLICIT = {
    ("pip", "install"): "pypi.org",
    ("pip3", "install"): "pypi.org",
    ("python", "-m"): "pypi.org",
    ("python3", "-m"): "pypi.org",
    ("conda", "install"): "conda channels",
    ("mamba", "install"): "conda channels",
    ("apt-get", "install"): "the distribution's package mirrors",
    ("apt", "install"): "the distribution's package mirrors",
    ("dnf", "install"): "the distribution's package mirrors",
    ("yum", "install"): "the distribution's package mirrors",
    ("apk", "add"): "the distribution's package mirrors",
    ("npm", "install"): "registry.npmjs.org",
    ("docker", "pull"): "a container registry",
    ("helm", "repo"): "a chart repository",
    ("aws", "s3"): "Amazon S3",
    ("gsutil", "cp"): "Google Cloud Storage",
}
LOCAL_REGISTRIES = {"docker.io", "index.docker.io", "registry-1.docker.io", "localhost", "127.0.0.1:5000", "localhost:5000"}


def external_hosts(text: str) -> list[str]:
    hosts = [m.group(1) for m in URL.finditer(text)] + [m.group(1) for m in SCP_LIKE.finditer(text)]
    return [h for h in dict.fromkeys(hosts) if not LOCAL_HOST.match(h.lower()) and "<" not in h]


def implicit_host(words: list[str]) -> str | None:
    if len(words) >= 2:
        key = (words[0], words[1])
        if key in (("python", "-m"), ("python3", "-m")):
            return "pypi.org" if words[2:4] == ["pip", "install"] else None
        return IMPLICIT.get(key)
    return None


def image_registry(image: str) -> str | None:
    """The registry host of an image reference, None for Docker Hub (served by the local cluster)."""
    first = image.split("/", 1)[0]
    if "/" in image and ("." in first or ":" in first or first == "localhost") and first not in LOCAL_REGISTRIES:
        return first
    return None


@rule("interactive", summary="info: steps that need a person at a terminal")
def interactive(*, lesson, emit, **_) -> None:
    for step in lesson.steps:
        if step.type is StepType.INTERACTIVE:
            instead = f"; the runner runs `{step.instead}` instead" if step.instead else ""
            emit(
                step,
                step.line,
                "info",
                f"needs a terminal: {step.reason or 'interactive'}{instead}",
                hint=None if step.instead else 'add `<!-- step: instead="..." -->` with a command that runs unattended',
            )


@rule("network", summary="info: steps that reach a host outside the cluster")
def network(*, lesson, facts, emit, **_) -> None:
    for step in lesson.steps:
        if step.type in (StepType.COMMAND, StepType.IN_POD, StepType.INTERACTIVE) and step.command:
            for i, line in enumerate(step.command.split("\n")):
                hosts = external_hosts(line)
                if hosts:
                    emit(step, step.line + i, "info", f"reaches {_list(hosts)} on the internet")
            if not external_hosts(step.command):
                for seg in facts.segments(step.command):
                    host = implicit_host(seg)
                    if host:
                        emit(step, step.line, "info", f"reaches {host} on the internet (`{' '.join(seg[:2])}`)")
                        break
    for m in facts.manifests:
        for c in m.obj.containers(init=None):
            if c.image is not None and image_registry(c.image):
                emit(
                    m.step,
                    m.pos.value_line(c.path + ("image",)),
                    "info",
                    f"container `{c.name}` pulls its image from {image_registry(c.image)}, not from Docker Hub",
                )
            for field in ("command", "args"):
                items = c.body.get(field)
                for j, item in enumerate(items if isinstance(items, list) else [items]):
                    if not isinstance(item, str):
                        continue
                    start = m.pos.value_line(c.path + (field, j) if isinstance(items, list) else c.path + (field,))
                    by_line: dict[int, list[str]] = {}
                    for host in external_hosts(item):
                        by_line.setdefault(_find_line(m.step, host, start), []).append(host)
                    for line, hosts in sorted(by_line.items()):
                        emit(m.step, line, "info", f"container `{c.name}` reaches {_list(hosts)} on the internet")


def _find_line(step, needle: str, start: int) -> int:
    first = step.content_line or step.line + 1
    lines = step.text.split("\n")
    for i in range(max(0, start - first), len(lines)):
        if needle in lines[i]:
            return first + i
    return start


def _list(hosts: list[str]) -> str:
    return ", ".join(hosts[:3]) + (" and more" if len(hosts) > 3 else "")
