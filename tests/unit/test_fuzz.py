"""Hostile Markdown of every kind: `show`, `lint` and `list` never print a traceback or hang (issue 14).

Each generated document goes through the offline commands in a forked child
with a memory limit (hostile.MEMORY_LIMIT) and a deadline; the test fails on
a traceback, an exit status other than 0/1/2, an exit-2 message of more than
one line, JSON with NaN or Infinity, a crash, a timeout or a child that grew
past MAX_RSS_MB. The seed is fixed and the number of documents modest
(`TUTORIAL_FUZZ_EXAMPLES`, default 30), so CI sees the same documents each
time; `bench/fuzz_bench.py` runs 10,000 larger ones.
"""

from __future__ import annotations

import os

from hostile import check_document, hostile_document
from hypothesis import HealthCheck, given, seed, settings

EXAMPLES = int(os.environ.get("TUTORIAL_FUZZ_EXAMPLES", "30"))
DEADLINE_S = 60  # per document, all six commands: a hang, not a speed target (bench/ measures speed)
MAX_RSS_MB = 1024


@seed(20260114)
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture],
)
@given(doc=hostile_document(scale=1000))
def test_hostile_markdown_is_refused_in_one_line_or_handled(doc, tmp_path):
    kinds, data = doc
    outcome = check_document(data, tmp_path / "doc", timeout=DEADLINE_S)
    assert outcome.ok, f"{kinds}: {outcome.problems}"
    assert outcome.max_rss_kb < MAX_RSS_MB * 1024, f"{kinds}: {outcome.max_rss_kb // 1024} MB"
    assert set(outcome.exits.values()) <= {0, 1, 2}


def test_big_files_are_made_just_past_the_real_limit():
    import hostile

    from runner.core.limits import MAX_LESSON_BYTES

    assert hostile.LIMIT_BYTES == MAX_LESSON_BYTES


def test_the_harness_sees_a_traceback(tmp_path, monkeypatch):
    """The fuzz test can fail: a parser that crashes is reported as a problem, not taken for a refusal."""
    import runner.lesson.parser as parser

    def crash(source, path="<string>"):
        raise RecursionError("boom")

    monkeypatch.setattr(parser, "parse_lesson", crash)  # inherited by the forked child
    outcome = check_document(b"# t\n", tmp_path / "doc", timeout=DEADLINE_S)
    assert not outcome.ok and any("RecursionError" in p for p in outcome.problems)
