"""Check registration (after kopf's registries): `@check(...)` records a `CheckSpec` beside the function.

A check is a plain function registered under a public name, taking keyword-only
context and returning a `CheckResult` with evidence. The decorator declares
what the check takes (its parameters and their types), what it reads, and
whether it is a final-state check, and returns the spec: calling it validates
and converts the annotation's arguments before the function runs. New context
keys never break old checks because every check ends its signature with `**_`.
Checks never print.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from checks.spec import CheckSpec, Missing, Param, need, summary_of  # noqa: F401  (re-exported)
from runner.core.results import ERROR, FAILED, PASSED, SKIPPED, CheckResult, Evidence, error, failed, passed, skipped  # noqa: F401  (re-exported: checks import them from here)

CheckFn = Callable[..., CheckResult]


@dataclass
class Registry:
    checks: dict[str, CheckSpec] = field(default_factory=dict)

    def register(
        self,
        name: str | None = None,
        *,
        params: Iterable[Param] = (),
        one_of: Iterable[tuple[str, ...]] = (),
        reads: Iterable[str] = (),
        final: bool = False,
        summary: str | None = None,
        points: int = 1,
    ) -> Callable[[CheckFn], CheckSpec]:
        """Register `fn` under `name` (default: its name with dashes) with what it takes; returns its spec (callable)."""

        def deco(fn: CheckFn) -> CheckSpec:
            key = name or fn.__name__.replace("_", "-")
            spec = CheckSpec(
                name=key,
                fn=fn,
                summary=summary or summary_of(fn),
                params=tuple(params),
                one_of=tuple(tuple(g) for g in one_of),
                reads=tuple(reads),
                final=final,
                module=fn.__module__,
                points=points,
            )
            names = spec.param_names
            if len(set(names)) != len(names) or any(n not in names for g in spec.one_of for n in g):
                raise ValueError(f"check '{key}': duplicate parameters, or a one_of group naming no parameter")
            old = self.checks.get(key)
            if old is not None and old.fn is not fn:
                raise ValueError(f"check '{key}' is already registered by {old.module}")
            self.checks[key] = spec
            return spec

        return deco

    def is_final(self, name: str) -> bool:
        spec = self.checks.get(name)
        return spec is not None and spec.final

    def get(self, name: str) -> CheckSpec | None:
        return self.checks.get(name)

    def names(self) -> list[str]:
        return sorted(self.checks)

    def specs(self) -> list[CheckSpec]:
        return [self.checks[n] for n in self.names()]


REGISTRY = Registry()
check = REGISTRY.register


def load_all() -> Registry:
    """Import every check module so their decorators run."""
    import importlib
    import pkgutil

    import checks as package

    for info in pkgutil.iter_modules(package.__path__):
        if info.name not in ("registry", "spec", "context") and not info.name.startswith("_"):
            importlib.import_module(f"checks.{info.name}")
    return REGISTRY
