"""Front matter and step annotations are validated from one declared schema (runner/lesson/schema.py)."""

from __future__ import annotations

import pytest

from runner.core.errors import LessonError
from runner.lesson.parser import parse_lesson
from runner.lesson.schema import FRONT_MATTER, FRONT_MATTER_KEYS, STEP_ANNOTATION, STEP_KEYS


@pytest.mark.parametrize(
    "front, line, message",
    [
        ("id: Bad Id\n", 2, "front matter 'id': must be lower-case letters, digits, - or _"),
        ("id: x\ntitle: [a]\n", 3, "front matter 'title': must be text"),
        ("quota: maybe\n", 2, "front matter 'quota': must be true or false"),
        ("shared_namespace: 3\n", 2, "front matter 'shared_namespace': must be true or false"),
        ("requires: gpu\n", 2, "front matter 'requires': must be a list of requirement names"),
        ("rubric:\n  pvc-bound: lots\n", 3, "front matter 'rubric': points for 'pvc-bound' must be a number from 0 to 1,000,000"),
        ("rubric:\n  pvc-bound: true\n", 3, "points for 'pvc-bound' must be a number"),
        ("rubric:\n  pvc-bound: -1\n", 3, "points for 'pvc-bound' must be a number"),
        ("placeholders:\n  9lives: x\n", 2, "front matter 'placeholders': bad placeholder name '9lives'"),
        ("placeholders:\n  sc:\n    defualt: x\n", 3, "unknown key(s) defualt for 'sc' (known: default, description, required)"),
        ("title: T\nquota: maybe\nid: Bad Id\n", 3, "'quota'"),  # the first problem in the order written
        ("pod_security: root\n", 2, "front matter 'pod_security': must be restricted, baseline or privileged"),
    ],
)
def test_front_matter_errors_come_from_the_schema_at_the_key_line(front, line, message):
    with pytest.raises(LessonError) as err:
        parse_lesson(f"---\n{front}---\n# T\n", "t.md")
    assert message in str(err.value) and err.value.line == line, (str(err.value), err.value.line)


def test_valid_front_matter_reads_as_before():
    lesson = parse_lesson(
        "---\nid: s\ntitle: S\nplaceholders:\n  sc: rook\n  size:\n    default: 1Gi\n    description: how big\n"
        "rubric:\n  pvc-bound: 2.5\nquota: true\npod_security: baseline\n---\n# T\n",
        "t.md",
    )
    m = lesson.meta
    assert m.pod_security == "baseline" and parse_lesson("---\nid: s\n---\n# T\n", "t.md").meta.pod_security is None
    assert (m.id, m.title, m.quota, [(r.check, r.points, r.line) for r in m.rubric]) == ("s", "S", True, [("pvc-bound", 2.5, 10)])
    assert [(p.name, p.default, p.required) for p in m.placeholders] == [
        ("username", None, True),
        ("sc", "rook", False),
        ("size", "1Gi", False),
    ]


@pytest.mark.parametrize(
    "annotation, message",
    [
        ("wait=redy", "unknown wait condition 'redy' (one of: bound, complete"),
        ("timeout=12O", "cannot read duration '12O'"),
        ("timeout=9999h", "is too long"),
        ("expect=maybe", "expect must be 'fail' or 'success', not 'maybe'"),
        ("apply=sometimes", "apply must be true or false"),
        ("type=yaml", "unknown step type 'yaml'"),
        ("waitt=ready", "unknown annotation key 'waitt' (did you mean 'wait'?"),
        ("id=Bad", "id 'Bad' must be lower-case"),
    ],
)
def test_step_annotation_errors_come_from_the_schema(annotation, message):
    with pytest.raises(LessonError) as err:
        parse_lesson(f"# T\n\n<!-- step: {annotation} -->\n```bash\nkubectl get pods\n```\n", "t.md")
    assert message in str(err.value) and err.value.line == 3, str(err.value)


def test_every_key_is_declared_with_a_description():
    assert FRONT_MATTER_KEYS == set(FRONT_MATTER["properties"]) >= {"id", "title", "rubric", "placeholders", "quota"}
    assert all(STEP_KEYS[k] for k in STEP_ANNOTATION["properties"]) and "wait" in STEP_KEYS
