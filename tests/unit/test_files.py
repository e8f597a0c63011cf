"""write_atomically: a reader in another process sees the old file or the new one, never half of either."""

from __future__ import annotations

import json
import multiprocessing
from pathlib import Path

import pytest

from runner.core.files import write_atomically


def _keep_writing(path: str, rounds: int, atomic: bool) -> None:
    for i in range(rounds):
        text = json.dumps({"round": i, "payload": ["x" * 200] * 2000})  # ~400 kB: many write() calls
        if atomic:
            write_atomically(path, text)
        else:
            Path(path).write_text(text)  # what the kubernetes client's discovery cache does


def _torn_reads(path: Path, atomic: bool) -> int:
    write_atomically(path, json.dumps({"round": -1}))
    writer = multiprocessing.get_context("fork").Process(target=_keep_writing, args=(str(path), 150, atomic))
    writer.start()
    torn = 0
    while writer.is_alive():
        try:
            json.loads(path.read_text())
        except ValueError:
            torn += 1
    writer.join()
    return torn


def test_a_reader_never_sees_half_a_file(tmp_path):
    assert _torn_reads(tmp_path / "cache.json", atomic=True) == 0
    assert [p.name for p in tmp_path.iterdir()] == ["cache.json"], "no temporary file is left"


def test_the_same_reader_sees_torn_files_when_written_in_place(tmp_path):
    # the test above can fail: written in place, the same reader catches files half written
    assert _torn_reads(tmp_path / "cache.json", atomic=False) > 0


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temporary(tmp_path):
    target = tmp_path / "progress.json"
    write_atomically(target, "old")
    with pytest.raises(UnicodeEncodeError):
        write_atomically(target, "\ud800")  # a lone surrogate cannot be encoded
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["progress.json"]
