"""kubectl: command lines current kubectl (1.34) rejects: unknown commands and flags, `exec` without `--`, ..."""

from __future__ import annotations

import re

from runner.lesson.model import StepType
from runner.lint.base import rule
from runner.syntax import kubectl
from runner.syntax.spelling import osa_distance

TARGET_VERBS = ("get", "describe", "delete", "edit", "patch", "label", "annotate", "wait", "scale")


def _nearest(word: str, candidates) -> str | None:
    best = None
    limit = 1 if len(word.lstrip("-")) <= 4 else 2
    for c in candidates:
        d = osa_distance(word, c)
        if d <= limit and (best is None or d < best[0]):
            best = (d, c)
    return best[1] if best else None


def _expand(flag: str) -> list[str]:
    """`-it` -> [-i, -t]; other flags unchanged."""
    if kubectl.re_short_combo(flag) or (len(flag) > 2 and flag[0] == "-" and flag[1] != "-" and flag[1:].isalpha()):
        return [f"-{ch}" for ch in flag[1:]]
    return [flag]


@rule("kubectl", summary="kubectl command lines that kubectl rejects")
def kubectl_syntax(*, lesson, facts, emit, **_) -> None:
    calls = list(facts.calls)
    for step in lesson.steps:  # kubectl typed inside a pod is still kubectl
        if step.type is StepType.IN_POD and step.command:
            for seg in facts.segments(step.command):
                call = kubectl.parse(seg)
                if call is not None:
                    from runner.effects import Call

                    calls.append(Call(step, step.line, tuple(seg), call))
    for c in calls:
        _check(c, emit)


def _check(c, emit) -> None:
    call, step, line = c.call, c.step, c.line
    verb = call.verb
    if verb is None:
        if not call.has("-h", "--help", "--version"):
            emit(step, line, "error", "`kubectl` is given no command", hint="e.g. `kubectl get pods`")
        return
    if call.words[0] == "oc":  # OpenShift's client: many verbs of its own (login, new-project, ...)
        if not kubectl.known_verb(verb):
            return
    elif not kubectl.known_verb(verb):
        near = _nearest(verb, sorted(kubectl.VERBS | set(kubectl.VERB_FLAGS)))
        if near:
            emit(
                step,
                line,
                "error",
                f"`kubectl {verb}` is not a kubectl command: did you mean `kubectl {near}`?",
                hint=f"`kubectl {near}`",
            )
        else:
            emit(step, line, "warning", f"`kubectl {verb}` is not a kubectl command (unless a plugin provides it)")
        return
    table = kubectl.verb_flags(verb, call.args[0] if call.args else None)
    if table is not None:
        for flag, _value in call.flags:
            if "=" in flag:
                continue
            for single in _expand(flag):
                if single in table or single in kubectl.GLOBAL_FLAGS:
                    continue
                if flag in table or flag in kubectl.GLOBAL_FLAGS:
                    break
                known = sorted(set(table) | set(kubectl.GLOBAL_FLAGS))
                near = _nearest(single, [k for k in known if k.startswith("--")] if single.startswith("--") else known)
                emit(
                    step,
                    line,
                    "error",
                    f"`{single}` is not a flag of `kubectl {verb}`" + (f": did you mean `{near}`?" if near else ""),
                    hint=f"`{near}`" if near else f"see `kubectl {verb} --help`",
                )
        for _i, (flag, value) in enumerate(call.flags):
            takes = table.get(flag, kubectl.GLOBAL_FLAGS.get(flag))
            if takes and value == "" and f"{flag}=" not in " ".join(call.words) and (call.words[-1] == flag):
                emit(step, line, "error", f"`{flag}` of `kubectl {verb}` needs a value")
    if verb == "exec" and not call.after_dash and len(call.args) > 1:
        pod, rest = call.args[0], " ".join(call.args[1:])
        opts = " ".join(k if not v else f"{k} {v}" for k, v in call.flags)
        emit(
            step,
            line,
            "error",
            "`kubectl exec POD COMMAND` is no longer accepted: the command must follow `--`",
            hint=f"`kubectl exec {(opts + ' ') if opts else ''}{pod} -- {rest}`",
        )
    ignored = kubectl.ignored_words(call)
    if ignored:
        emit(step, line, "error", ignored)
    if verb == "exec" and not call.args and not call.has("-f", "--filename"):
        emit(step, line, "error", "`kubectl exec` needs a pod name")
    if verb == "run" and not call.has("--image"):
        emit(step, line, "error", "`kubectl run` needs `--image`")
    if verb in ("logs",) and not call.args and not call.has("-l", "--selector"):
        emit(step, line, "error", "`kubectl logs` needs a pod name (or `-l SELECTOR`)")
    if verb in kubectl.TYPE_FIRST_VERBS and call.args:
        for word in call.args[0].split("/", 1)[0].split(","):
            near = kubectl.misspelled_type(word)
            if near:
                emit(step, line, "error", f"`{word}` is not a resource type (the server has none by that name)", hint=f"`{near}`")
    if verb in TARGET_VERBS and len(call.args) == 1 and "/" not in call.args[0] and not kubectl.kind_of(call.args[0]):
        first = call.args[0]
        if "." not in first and ("<" in first or re.search(r"[-\d_A-Z]", first)):
            emit(
                step,
                line,
                "error",
                f"`kubectl {verb} {first}` names no resource type: kubectl reads `{first}` as one",
                hint=f"`kubectl {verb} pod {first}` (or the object's own kind)",
            )
    if (
        verb in ("create", "apply", "replace")
        and not call.has("-f", "--filename")
        and not call.has("-k", "--kustomize")
        and not (verb == "create" and call.args)
        and not (verb == "apply" and call.args)
    ):
        emit(step, line, "error", f"`kubectl {verb}` needs `-f FILE`")
    if call.has("--dry-run") and call.flag("--dry-run") in ("", "true"):
        emit(step, line, "warning", "bare `--dry-run` is deprecated", hint="`--dry-run=client`")
