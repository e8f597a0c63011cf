"""Check registration and results (after kopf's registries: decorator returns the function unchanged).

A check is a plain function registered under a public name, taking keyword-only
context and returning a `CheckResult` with evidence. New context keys never
break old checks because every check ends its signature with `**_`. Checks
never print.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from runner.core.results import ERROR, FAILED, PASSED, SKIPPED, CheckResult, Evidence, error, failed, passed, skipped  # noqa: F401  (re-exported: checks import them from here)

CheckFn = Callable[..., CheckResult]


@dataclass
class Registry:
    checks: dict[str, CheckFn] = field(default_factory=dict)
    # checks of a final state ("left nothing running"), true of an empty namespace too: a grader counts them
    # only once the participant started and reached the point of the lesson where the check stands
    final: set[str] = field(default_factory=set)

    def register(self, name: str | None = None, *, final: bool = False) -> Callable[[CheckFn], CheckFn]:
        def deco(fn: CheckFn) -> CheckFn:
            key = name or fn.__name__.replace("_", "-")
            if key in self.checks and self.checks[key] is not fn:
                raise ValueError(f"check '{key}' is already registered by {self.checks[key].__module__}")
            self.checks[key] = fn
            if final:
                self.final.add(key)
            return fn

        return deco

    def is_final(self, name: str) -> bool:
        return name in self.final

    def get(self, name: str) -> CheckFn | None:
        return self.checks.get(name)

    def names(self) -> list[str]:
        return sorted(self.checks)


REGISTRY = Registry()
check = REGISTRY.register


def load_all() -> Registry:
    """Import every check module so their decorators run."""
    import importlib
    import pkgutil

    import checks as package

    for info in pkgutil.iter_modules(package.__path__):
        if info.name not in ("registry",) and not info.name.startswith("_"):
            importlib.import_module(f"checks.{info.name}")
    return REGISTRY
