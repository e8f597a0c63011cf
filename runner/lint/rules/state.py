"""state: run in order, a step meets an object in the wrong state (AlreadyExists, already deleted, not yet created)."""

from __future__ import annotations

from runner.effects import Effect
from runner.lint.base import rule
from runner.lint.facts import HASH_SUFFIX, INDEX_SUFFIX, checkable_name
from runner.syntax import kubectl
from runner.syntax.k8s import HASHED_POD_OWNERS

CREATES = ("manifest", "create", "apply", "run", "replace")


@rule("state", summary="creating what exists, using what was deleted or is created only later (in lesson order)")
def state(*, lesson, facts, emit, **_) -> None:
    alive: dict[tuple[str, str], Effect] = {}
    deleted: dict[tuple[str, str], Effect] = {}
    first_created: dict[str, int] = {}
    for e in facts.events:
        if e.action in CREATES and e.name != "*":
            first_created.setdefault(e.name, e.line)
    for e in facts.events:
        if e.name != "*" and (not checkable_name(e.name) or facts.unfilled(e.name)):
            continue
        kind = e.kind or "Pod"
        key = (kind, e.name)
        if e.action in ("create", "run"):
            if key in alive and not e.generated:  # generateName makes a new name each time
                prior = alive[key]
                emit(
                    e.step,
                    e.line,
                    "error",
                    f"{kind} `{e.name}` already exists here ({prior.via} at line {prior.line} created it, nothing deleted it since)",
                    hint="delete it first, or give it another name"
                    if e.action == "run"
                    else "delete it first, or use `kubectl apply`",
                )
            alive[key] = e
            deleted.pop(key, None)
        elif e.action in ("manifest", "apply", "replace"):
            alive[key] = e
            deleted.pop(key, None)
        elif e.action == "delete":
            if e.name == "*":
                for k in [k for k in alive if k[0] == kind]:
                    deleted[k] = alive.pop(k)
                continue
            if key not in alive and key in deleted and not e.ignore_missing:
                emit(
                    e.step,
                    e.line,
                    "error",
                    f"{kind} `{e.name}` was already deleted at line {deleted[key].line}",
                    hint="remove this delete, or add `--ignore-not-found`",
                )
            if key in alive:
                deleted[key] = e
                alive.pop(key)
        elif e.action == "ref":
            if kind not in kubectl.KINDS or e.ignore_missing:
                continue
            target = key
            hashed = HASH_SUFFIX.match(e.name)
            if kind == "Pod" and hashed:
                bases = {hashed.group("base")}
                indexed = INDEX_SUFFIX.match(hashed.group("base"))
                if indexed:
                    bases.add(indexed.group("base"))
                owners = [k for k in list(alive) + list(deleted) if k[1] in bases and k[0] in HASHED_POD_OWNERS]
                if not owners:
                    continue
                target = owners[0]
            if target in alive:
                continue
            if target in deleted:
                what = f"{target[0]} `{target[1]}`" + (f" (whose pod `{e.name}` is)" if target != key else "")
                emit(
                    e.step,
                    e.line,
                    "error",
                    f"{what} was deleted at line {deleted[target].line}",
                    hint="move this step before the delete, or create it again",
                )
            elif (
                target[1] in first_created
                and first_created[target[1]] > e.line
                and any(k == target for k in _created_keys(facts))
            ):
                emit(
                    e.step,
                    e.line,
                    "error",
                    f"{target[0]} `{target[1]}` is created only later, at line {first_created[target[1]]}",
                    hint="move this step after the one that creates it",
                )
    _sources_created_later(facts, emit)


def _created_keys(facts):
    return {(e.kind, e.name) for evs in facts.creations.values() for e in evs}


def _sources_created_later(facts, emit) -> None:
    """A pod that uses a claim/config map/secret the tutorial creates only after the pod."""
    from runner.lint.rules.references import volume_sources

    for w in facts.workloads:
        m = w.manifest
        for raw, kind, path, _src in volume_sources(w):
            name = facts.norm(raw)
            created = [e for e in facts.creations.get(name, ()) if e.kind == kind]
            if created and all(e.step.index > m.step.index for e in created):
                emit(
                    m.step,
                    m.pos.value_line(path),
                    "warning",
                    f"{kind} `{name}` is created only later, at line {created[0].line}: the pod waits until then",
                    hint="create it in an earlier step",
                )
