"""What every lint rule shares: the `Finding`, severities, and the rule registry.

A rule is a plain function registered with `@rule("id", summary=...)`. It takes
keyword-only context and reports through `emit`, so adding context later never
breaks an existing rule:

    @rule("secrets", summary="tokens and passwords in plain text")
    def secrets(*, lesson, facts, emit, **_):
        emit(step, line, "error", "...", hint="...")

The decorator returns the function unchanged and refuses a duplicate id.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

SEVERITIES = ("error", "warning", "info")
_RANK = {s: i for i, s in enumerate(SEVERITIES)}


@dataclass(frozen=True)
class Finding:
    """One problem at one line of one file."""

    path: str
    line: int
    rule: str
    severity: str  # error | warning | info
    message: str
    hint: str | None = None

    def __post_init__(self) -> None:
        if self.severity not in _RANK:
            raise ValueError(f"unknown severity {self.severity!r}")

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "path": self.path,
            "line": self.line,
            "rule": self.rule,
            "severity": self.severity,
            "message": self.message,
        }
        if self.hint:
            out["hint"] = self.hint
        return out

    def sort_key(self) -> tuple:
        return (self.path, self.line, _RANK[self.severity], self.rule, self.message)


@dataclass(frozen=True)
class Rule:
    id: str
    summary: str
    check: Callable[..., None]
    module: str


RULES: dict[str, Rule] = {}


def rule(rule_id: str, *, summary: str) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Register a lint rule under `rule_id`; the function is returned unchanged."""

    def register(fn: Callable[..., None]) -> Callable[..., None]:
        if rule_id in RULES:
            raise ValueError(f"lint rule '{rule_id}' is registered twice ({RULES[rule_id].module} and {fn.__module__})")
        RULES[rule_id] = Rule(rule_id, summary, fn, fn.__module__)
        return fn

    return register


def all_rules() -> dict[str, Rule]:
    """Every rule, importing the rule modules on first use."""
    from runner.lint import rules  # noqa: F401  (registers)

    return RULES


def iter_rules(select: set[str] | None = None, ignore: set[str] | None = None) -> Iterator[Rule]:
    for rule_id, r in sorted(all_rules().items()):
        if select and rule_id not in select:
            continue
        if ignore and rule_id in ignore:
            continue
        yield r
