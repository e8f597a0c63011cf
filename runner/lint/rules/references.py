"""references: commands and manifests that name objects or files the tutorial never makes, or by the wrong kind."""

from __future__ import annotations

import re

from runner.lint.base import rule
from runner.lint.facts import HASH_SUFFIX, INDEX_SUFFIX, checkable_name
from runner.syntax import kubectl
from runner.syntax.k8s import CLUSTER_SCOPED, HASHED_POD_OWNERS, entries, get_path, mapping

NOT_CHECKED = CLUSTER_SCOPED | {"Event"}
# object kinds that a pod's volumes and env name, by where they appear
VOLUME_SOURCES = (
    (("persistentVolumeClaim", "claimName"), "PersistentVolumeClaim"),
    (("configMap", "name"), "ConfigMap"),
    (("secret", "secretName"), "Secret"),
)
STS_POD = re.compile(r"^(?P<base>.+)-\d+$")


def article(kind: str) -> str:
    return "an" if kind[0] in "AEIOU" else "a"


def hint_for(verb: str, kind: str, name: str) -> str:
    res = kind.lower()
    if verb in ("logs", "exec", "attach", "port-forward"):
        if kind in HASHED_POD_OWNERS:
            return f"`kubectl {verb} {res}/{name}` (or a pod of it: `{name}-<hash>`)"
        return f"`kubectl {verb} {res}/{name}`"
    return f"`kubectl {verb} {res} {name}`"


@rule("references", summary="objects and files a command uses that the tutorial never creates, or of another kind")
def references(*, lesson, facts, emit, **_) -> None:
    unknown_files = facts.unknown_applied_files
    for c in facts.calls:
        if c.call.verb in ("create", "apply", "replace") and not c.dry_run:
            for f in c.call.files:
                if (f, c.line) in unknown_files:
                    near = _near_file(facts, f)
                    emit(
                        c.step,
                        c.line,
                        "error",
                        f"`kubectl {c.call.verb} -f {f}`: no block of the tutorial is `{f}`"
                        + (f": did you mean `{near}`?" if near else ""),
                        hint=f"`kubectl {c.call.verb} -f {near}`"
                        if near
                        else f"show the content of `{f}` in a YAML block (a `###### {f}:` heading or `<!-- step: file={f} -->` above it)",
                    )
    unseen = facts.unseen_sources
    pre_existing = _volume_sources(facts, emit)

    for e in facts.events:
        if e.action not in ("ref", "delete") or e.name == "*" or not checkable_name(e.name) or facts.unfilled(e.name):
            continue  # a name with a placeholder nothing fills is the placeholders rule's
        kind = e.kind or "Pod"
        if kind not in kubectl.KINDS or kind in NOT_CHECKED:
            continue
        verb = e.call.call.verb if e.call else "get"
        name = e.name
        hashed = HASH_SUFFIX.match(name)
        if kind == "Pod" and hashed:
            base = hashed.group("base")
            kinds = facts.kinds_named(base)
            indexed = INDEX_SUFFIX.match(base)
            if not kinds and indexed and "Job" in facts.kinds_named(indexed.group("base")):
                continue
            if kinds & HASHED_POD_OWNERS:
                _container(e, facts, emit)
                continue
            if "Pod" in kinds:
                emit(
                    e.step,
                    e.line,
                    "error",
                    f"`{base}` is a Pod, so its name has no `-<hash>` suffix",
                    hint=f"`kubectl {verb} {base}`",
                )
                continue
            if not kinds:
                _never(
                    e, f"no Job `{base}` (whose pods are `{name}`) is created by the tutorial", unseen, emit, pre_existing, facts
                )
                continue
        kinds = facts.kinds_named(name)
        if kind in kinds:
            _container(e, facts, emit)
            continue
        if kind == "Pod":
            sts = STS_POD.match(name)
            if sts and "StatefulSet" in facts.kinds_named(sts.group("base")):
                continue
        if kinds:
            other = sorted(kinds)[0]
            what = "pod" if kind == "Pod" else kind
            emit(
                e.step,
                e.line,
                "error",
                f"`{name}` is {article(other)} {other}, not {article(what)} {what}",
                hint=hint_for(verb, other, name),
            )
            continue
        prefix = _generate_prefix(facts, name)
        if prefix:
            emit(
                e.step,
                e.line,
                "error",
                f"`{name}` is the generateName prefix of {article(prefix.kind)} {prefix.kind}: its real name gets a random suffix",
                hint=f"find it with `kubectl get {prefix.kind.lower()}` or a label selector (`-l ...`)",
            )
            continue
        _never(
            e, f"{'pod' if kind == 'Pod' else kind} `{name}` is never created by the tutorial", unseen, emit, pre_existing, facts
        )


def _never(e, message: str, unseen: list[tuple[str, int]], emit, pre_existing: set[str], facts) -> None:
    if e.ignore_missing:
        return
    like = facts.looks_like(e.name)
    hint = "create it in an earlier step, or fix the name"
    if like:
        created, user = like
        fixed = created.name + ("-<hash>" if e.name != created.name.replace("<username>", user) else "")
        message += f"; it looks like {created.kind} `{created.name}` with `{user}` written for `<username>`"
        hint = f"write `{fixed}`"
    before = [(what, line) for what, line in unseen if line <= e.line]
    bare = _bare_username(facts, e.name)
    if bare:  # the prose says to replace the word: a run renders it, as the reader would
        emit(
            e.step,
            e.line,
            "warning",
            message + f"; it is `{bare}` once `username` is replaced, as the text says",
            hint=f"write `{bare}`",
        )
        return
    if e.name in pre_existing:
        emit(e.step, e.line, "info", message + ": it must already exist in the namespace")
    elif before and not like:
        what, line = before[-1]
        emit(
            e.step,
            e.line,
            "warning",
            message + f" (unless {what} at line {line}, whose content the tutorial does not show, makes it)",
        )
    else:
        emit(e.step, e.line, "error", message, hint=hint)


def _bare_username(facts, name: str) -> str | None:
    """`ollama-username`, when the prose says to replace "username" and `ollama-<username>` is created."""
    from runner.lesson.render import BARE_USERNAME

    if not facts.lesson.meta.bare_username or not BARE_USERNAME.fullmatch(name):
        return None
    fixed = name.replace("username", "<username>")
    return fixed if fixed in facts.creations else None


def _near_file(facts, name: str) -> str | None:
    import posixpath

    from runner.lesson import placeholders as ph

    base = posixpath.basename(name)
    best = None
    for shown in facts.shown_files:
        d = ph.distance(base, posixpath.basename(shown))
        if d <= max(2, len(base) // 3) and (best is None or d < best[0]):
            best = (d, shown)
    return best[1] if best else None


def _generate_prefix(facts, name: str):
    for created in facts.creations.values():
        for c in created:
            if c.generated and name in (c.name, c.name.rstrip("-")):
                return c
    return None


def _container(e, facts, emit) -> None:
    """`-c NAME` of logs/exec/attach must be a container of that pod."""
    if not e.call or e.call.call.verb not in ("logs", "exec", "attach", "cp"):
        return
    wanted = e.call.call.flag("-c", "--container")
    if not wanted or not checkable_name(wanted):
        return
    w = facts.workload(e.name, before=e.step.index)
    if w is None:
        return
    names = [c.name for c in w.containers]
    if wanted not in names:
        emit(
            e.step,
            e.line,
            "error",
            f"{w.kind} `{w.manifest.name}` has no container `{wanted}` (it has {', '.join(f'`{n}`' for n in names)})",
            hint=f"`-c {names[-1]}`" if names else None,
        )


def volume_sources(w):
    """(name, kind, YAML path of the name, source dict) of every claim/config map/secret a workload's volumes use."""
    for i, vol in entries(w.spec.get("volumes")):
        for (source, field), kind in VOLUME_SOURCES:
            src = mapping(vol.get(source))
            if isinstance(src.get(field), str):
                yield src[field], kind, w.spec_path + ("volumes", i, source, field), src


def _volume_sources(facts, emit) -> set[str]:
    """Claims, config maps and secrets a pod uses: info when the tutorial never creates them. Returns their names."""
    names: set[str] = set()
    for w in facts.workloads:
        m = w.manifest
        for name, kind, path, src in volume_sources(w):
            if not src.get("optional"):
                _source(facts, emit, m, name, kind, path, names)
        for c in w.containers:
            for j, env in entries(c.body.get("env")):
                for key, kind in (("secretKeyRef", "Secret"), ("configMapKeyRef", "ConfigMap")):
                    r = mapping(get_path(env, ("valueFrom", key)))
                    if isinstance(r.get("name"), str) and not r.get("optional"):
                        _source(facts, emit, m, r["name"], kind, c.path + ("env", j, "valueFrom", key, "name"), names)
            for j, env in entries(c.body.get("envFrom")):
                for key, kind in (("secretRef", "Secret"), ("configMapRef", "ConfigMap")):
                    r = mapping(env.get(key))
                    if isinstance(r.get("name"), str) and not r.get("optional"):
                        _source(facts, emit, m, r["name"], kind, c.path + ("envFrom", j, key, "name"), names)
    return names


def _source(facts, emit, m, raw: str, kind: str, path: tuple, names: set[str]) -> None:
    name = facts.norm(raw)
    if not checkable_name(name):
        return
    kinds = facts.kinds_named(name)
    line = m.pos.value_line(path)
    if kind in kinds:
        return
    if kinds:
        other = sorted(kinds)[0]
        emit(
            m.step,
            line,
            "error",
            f"{m.obj.kind} `{m.name}` uses `{name}` as {article(kind)} {kind}, but it is {article(other)} {other}",
        )
        return
    names.add(name)
    emit(
        m.step,
        line,
        "info",
        f"{kind} `{name}` is not created by the tutorial: it must already exist in the namespace",
        hint=None if "<" not in name else f"create the {kind} in an earlier step",
    )
