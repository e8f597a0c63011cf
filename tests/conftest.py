"""Shared fixtures: where the wild tutorials are, the repo root."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def wild_dir() -> Path:
    """`../shared/wild` beside the checkout (as published, never copied into the repo)."""
    env = os.environ.get("TUTORIAL_WILD_DIR")
    return Path(env) if env else REPO.parent / "shared" / "wild"


@pytest.fixture(scope="session")
def wild() -> Path:
    d = wild_dir()
    if not d.is_dir():
        pytest.fail(f"the wild tutorials are expected in {d} (set TUTORIAL_WILD_DIR)")
    return d


@pytest.fixture(scope="session")
def storage_wild(wild: Path) -> Path:
    return wild / "000_b57e32573c2d5ae6.md"


@pytest.fixture(scope="session")
def data_wild(wild: Path) -> Path:
    return wild / "001_86ab03304d8711f1.md"
