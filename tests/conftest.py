"""Shared fixtures: where the wild tutorials are, the repo root.

The wild tutorials are other people's published text, so they are not in the
repository: they are read from `../shared/wild` beside the checkout, or from
`$TUTORIAL_WILD_DIR`. Without them, the tests that need them skip and say how
to get them; in CI (`CI=true`, or `TUTORIAL_REQUIRE_WILD=1`) their absence
fails, as a missing cluster does for the e2e tests. The corpus of published
tutorials with their expected objects (`../shared/corpus`, or
`$TUTORIAL_CORPUS_DIR`) is read and required the same way.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def pytest_xdist_auto_num_workers(config) -> int:
    """How many workers `-n auto` (pyproject's addopts) starts: one more than the CPUs, 3 or 4.

    The e2e tests spend most of their time waiting on the cluster (pods starting, watches), not on a CPU, and each
    worker has a namespace of its own (the session fixture), so they share nothing. Measured on 2 CPUs: the e2e
    tests take 11 min 50 s with 3 workers, about 28 min one after another. A test module runs in one worker
    (`--dist loadfile`): its tests keep their order and their module fixtures. PYTEST_XDIST_AUTO_NUM_WORKERS sets
    the number; `-n 0` runs everything in this process."""
    env = os.environ.get("PYTEST_XDIST_AUTO_NUM_WORKERS", "")
    if env.isdigit():
        return int(env)
    return min(4, max(3, (os.cpu_count() or 1) + 1))  # one single-node cluster: more workers only queue its pods


def wild_dir() -> Path:
    """`../shared/wild` beside the checkout (as published, never copied into the repo)."""
    env = os.environ.get("TUTORIAL_WILD_DIR")
    return Path(env) if env else REPO.parent / "shared" / "wild"


def wild_required() -> bool:
    """In CI the wild tutorials must be there: a missing folder must not turn into a green, skipped suite."""
    return os.environ.get("TUTORIAL_REQUIRE_WILD") == "1" or os.environ.get("CI", "").lower() in ("true", "1")


def need_wild() -> Path:
    """The wild folder, or a skip (outside CI) / failure (in CI) that says how to provide it."""
    d = wild_dir()
    if d.is_dir() and any(d.glob("*.md")):
        return d
    reason = (
        f"the published tutorials are not in {d}: set TUTORIAL_WILD_DIR to a folder of them (they are not part of the repository)"
    )
    if wild_required():
        pytest.fail(f"CI requires the wild tutorials, but {reason}", pytrace=False)
    pytest.skip(reason)


def corpus_dir() -> Path:
    """`../shared/corpus` beside the checkout: folders of published tutorials, each with its `expected.json`."""
    env = os.environ.get("TUTORIAL_CORPUS_DIR")
    return Path(env) if env else REPO.parent / "shared" / "corpus"


def corpus_files(d: Path | None = None) -> list[Path]:
    """The tutorials of the corpus: those each folder's `expected.json` lists (its other files are notes)."""
    d = d or corpus_dir()
    out: list[Path] = []
    for expected in sorted(d.glob("*/expected.json")):
        out += [expected.parent / name for name in sorted(json.loads(expected.read_text(encoding="utf-8")))]
    return out


def need_corpus() -> Path:
    """The corpus folder, or a skip (outside CI) / failure (in CI) that says how to provide it."""
    d = corpus_dir()
    if d.is_dir() and corpus_files(d):
        return d
    reason = f"the corpus of published tutorials is not in {d}: set TUTORIAL_CORPUS_DIR to it (it is not part of the repository)"
    if wild_required():
        pytest.fail(f"CI requires the corpus, but {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def wild() -> Path:
    return need_wild()


@pytest.fixture(scope="session")
def corpus() -> Path:
    return need_corpus()


@pytest.fixture(scope="session")
def storage_wild(wild: Path) -> Path:
    return wild / "000_b57e32573c2d5ae6.md"


@pytest.fixture(scope="session")
def data_wild(wild: Path) -> Path:
    return wild / "001_86ab03304d8711f1.md"


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """`wild_file`, `corpus_file`: one test per published tutorial of the wild folder or the corpus (one that skips or fails without it)."""
    if "wild_file" in metafunc.fixturenames:
        d = wild_dir()
        files = sorted(d.glob("*.md")) if d.is_dir() else []
        metafunc.parametrize("wild_file", files or [None], ids=[p.stem for p in files] or ["no-wild-folder"], indirect=True)
    if "corpus_file" in metafunc.fixturenames:
        d = corpus_dir()
        found = corpus_files(d) if d.is_dir() else []
        ids = [f"{p.parent.name}/{p.stem}" for p in found] or ["no-corpus-folder"]
        metafunc.parametrize("corpus_file", found or [None], ids=ids, indirect=True)


@pytest.fixture
def wild_file(request: pytest.FixtureRequest) -> Path:
    if request.param is None:
        need_wild()
    return request.param


@pytest.fixture
def corpus_file(request: pytest.FixtureRequest) -> Path:
    if request.param is None:
        need_corpus()
    return request.param
