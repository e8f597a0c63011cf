"""The docs stay true: no merge-conflict markers in any tracked file, and every source path the docs name exists.

A path is named in backticks (`runner/lint/engine.py`, `core/redact.py`,
`checks/spec.py`): it must be a file or folder of the repository, or the tail
of one (docs often drop the leading `runner/`).
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def _tracked() -> list[str]:
    try:
        out = subprocess.run(["git", "ls-files"], cwd=REPO, capture_output=True, text=True, check=True, timeout=60).stdout
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout")
    return [l for l in out.splitlines() if l]


MARKER = re.compile(r"^(<{7}|>{7})( |$)|^={7}$", re.M)
# a source path in backticks: a .py file, or a folder under runner/ or checks/
SOURCE_PATH = re.compile(r"`((?:[A-Za-z0-9_.-]+/)*[A-Za-z0-9_.-]+\.py|(?:runner|checks)/[A-Za-z0-9_./-]*)`")
# names of files that are not ours (the lesson's pi.py lives in the local cluster's git server's repositories)
NOT_OURS = {"pi.py"}


def test_no_conflict_markers_in_any_tracked_file():
    bad = []
    for name in _tracked():
        path = REPO / name
        if not path.is_file() or path.suffix in (".png", ".gz", ".tar", ".whl"):
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue
        if MARKER.search(text):
            bad.append(name)
    assert bad == [], f"merge-conflict markers in {bad}"


def test_the_marker_pattern_finds_a_conflict():
    assert MARKER.search("a\n<<<<<<< HEAD\nb\n=======\nc\n>>>>>>> issue-13\n")
    assert not MARKER.search("a\n======= not a marker\n# ====\n")


def test_every_source_path_the_docs_name_exists():
    files = _tracked()
    known = set(files) | {str(Path(f).parent) + "/" for f in files} | {str(Path(f).parent) for f in files}
    tails = {"/" + k for k in known}
    missing = []
    for doc in [f for f in files if f.endswith(".md") and not f.startswith(("runner/data/lessons/", "lessons/"))]:
        text = (REPO / doc).read_text(encoding="utf-8")
        for m in SOURCE_PATH.finditer(text):
            path = m.group(1)
            if (
                path in NOT_OURS
                or path in known
                or path.rstrip("/") in known
                or any(t.endswith("/" + path.rstrip("/")) for t in tails)
            ):
                continue
            line = text.count("\n", 0, m.start()) + 1
            missing.append(f"{doc}:{line}: {path}")
    assert missing == [], "the docs name paths that do not exist:\n" + "\n".join(missing)
