"""shared-namespace: in a lesson for a namespace all participants share, every object needs `<username>` in its name."""

from __future__ import annotations

import re

from runner.lint.base import rule
from runner.lint.facts import checkable_name, get
from runner.syntax.k8s import CLUSTER_SCOPED

REF_PARENTS = {"configMap", "secretKeyRef", "configMapKeyRef", "configMapRef", "secretRef"}
LITERAL_USERNAME = re.compile(r"(?<![<\w])username(?![>\w])", re.I)


@rule("shared-namespace", summary="object names that would collide between participants sharing a namespace")
def shared_namespace(*, lesson, facts, emit, **_) -> None:
    if not lesson.meta.shared_namespace:
        return
    reported: set[tuple[int, str]] = set()

    def report(step, line, name, message, hint):
        if (line, name) not in reported:
            reported.add((line, name))
            emit(step, line, "warning", message, hint=hint)

    # literal `username` where `<username>` was meant, in names created or used
    for e in facts.events:
        if e.name != "*" and LITERAL_USERNAME.search(e.name):
            fixed = LITERAL_USERNAME.sub("<username>", e.name)
            report(
                e.step,
                e.line,
                e.name,
                f"`{e.name}` has `username` written literally: every participant gets the same name",
                f"write `{fixed}`",
            )
    for m in facts.manifests:
        for ref, line in _manifest_names(m):
            if LITERAL_USERNAME.search(ref):
                report(
                    m.step,
                    line,
                    ref,
                    f"`{ref}` has `username` written literally: every participant gets the same name",
                    f"write `{LITERAL_USERNAME.sub('<username>', ref)}`",
                )
    # helm releases are named like objects
    for step in lesson.steps:
        if step.command and step.type.value in ("command", "interactive"):
            for seg in facts.segments(step.command):
                if len(seg) > 2 and seg[0] == "helm" and seg[1] in ("install", "upgrade") and not seg[2].startswith("-"):
                    release = seg[2]
                    if LITERAL_USERNAME.search(release):
                        report(
                            step,
                            step.line,
                            release,
                            f"helm release `{release}` has `username` written literally: every participant gets the same name",
                            f"write `{LITERAL_USERNAME.sub('<username>', release)}`",
                        )
                    elif "<username>" not in release and checkable_name(release):
                        report(
                            step,
                            step.line,
                            release,
                            f"helm release `{release}` has no `<username>` in its name, but "
                            "participants share one namespace: they collide",
                            f"name it `{release}-<username>`",
                        )
    # objects the tutorial creates without the participant's name in theirs
    for name, creations in facts.creations.items():
        for e in creations:
            if e.kind in CLUSTER_SCOPED or not checkable_name(name) or "<username>" in name or LITERAL_USERNAME.search(name):
                continue
            shown = f"{name}*" if e.generated else name
            report(
                e.step,
                e.line,
                name,
                f"{e.kind} `{shown}` has no `<username>` in its name, but participants share one namespace: they collide",
                f"name it `{name.rstrip('-')}-<username>`",
            )


def _manifest_names(m):
    """Names of other objects a manifest refers to (claims, config maps, secrets), with their lines."""
    found = []
    for path in m.pos.key:
        if path and (
            path[-1] in ("claimName", "secretName") or (len(path) >= 2 and path[-1] == "name" and path[-2] in REF_PARENTS)
        ):
            value = get(m.obj.body, path)
            if isinstance(value, str):
                found.append((value, m.pos.value_line(path)))
    return found
