"""Every subprocess has a deadline: no call in the code, the benches or the tests can hang for ever.

`subprocess.run/call/check_call/check_output` take `timeout=`; a `Popen`'s
`communicate()`/`wait()` take one too. The only process without a deadline is a
cluster component, started detached on purpose (runner/cluster/processes.py)
and stopped by `tutorial cluster down`.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FOLDERS = ("runner", "checks", "bench", "tests")
BLOCKING = {"run", "call", "check_call", "check_output"}


def _calls_without_timeout(path: Path, root: Path = ROOT) -> list[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
            continue
        func, keywords = node.func, {k.arg for k in node.keywords}
        if "timeout" in keywords or any(k.arg is None for k in node.keywords):  # **kwargs: passed on by a helper
            continue
        module = func.value.id if isinstance(func.value, ast.Name) else ""
        if module == "subprocess" and func.attr in BLOCKING:
            found.append(f"{path.relative_to(root)}:{node.lineno}: subprocess.{func.attr} without timeout")
        elif func.attr == "communicate" and not node.args:
            found.append(f"{path.relative_to(root)}:{node.lineno}: communicate() without timeout")
        elif func.attr == "wait" and not node.args and module in ("proc", "p", "process"):
            found.append(f"{path.relative_to(root)}:{node.lineno}: {module}.wait() without timeout")
    return found


def test_every_subprocess_call_has_a_timeout():
    missing = [
        hit for folder in FOLDERS for path in sorted((ROOT / folder).rglob("*.py")) for hit in _calls_without_timeout(path)
    ]
    assert missing == [], "\n".join(missing)


def test_the_check_finds_a_call_without_timeout(tmp_path):
    """The scan can fail: a call without a deadline is found."""
    bad = tmp_path / "bad.py"
    bad.write_text("import subprocess\nsubprocess.run(['sleep', '9'])\nproc.communicate()\nsubprocess.run(['x'], timeout=1)\n")
    assert [h.split(": ", 1)[1] for h in _calls_without_timeout(bad, tmp_path)] == [
        "subprocess.run without timeout",
        "communicate() without timeout",
    ]
