"""Rendering placeholders into every step, and what it refuses."""

from __future__ import annotations

import pytest

from runner.core.errors import UsageError
from runner.lesson.model import StepType
from runner.lesson.parser import parse_lesson
from runner.lesson.render import parse_sets, render, unused_sets, values_for

LESSON = """---
id: r
title: R
placeholders:
  storage-class: {default: rook-cephfs}
  git-url: {required: true}
---
```yaml
apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: vol-<username>
spec:
  storageClassName: <storage-class>
```

```bash
kubectl get pvc vol-<username>
git clone <git-url>/repo.git
kubectl logs job-<usernme>-<hash>
```

<!-- check: pvc-bound claim=vol-<username> class=<storage-class> -->
"""


def lesson():
    return parse_lesson(LESSON, "r.md")


def test_values_from_user_set_and_defaults():
    values = values_for(lesson(), "bob", parse_sets(["git-url=http://10.0.0.1:8418"]))
    assert values == {"username": "bob", "storage-class": "rook-cephfs", "git-url": "http://10.0.0.1:8418"}


def test_substitution_everywhere():
    r = render(lesson(), {"username": "bob", "storage-class": "fast", "git-url": "http://g"})
    pvc, get, clone, logs, check = r.lesson.steps
    assert pvc.objects[0].name == "vol-bob" and pvc.objects[0].body["spec"]["storageClassName"] == "fast"
    assert get.command == "kubectl get pvc vol-bob"
    assert clone.command == "git clone http://g/repo.git"
    assert dict(check.check_args) == {"claim": "vol-bob", "class": "fast"}
    # <hash> is resolved at run time; <usernme> is a typo reported with a suggestion
    assert logs.command == "kubectl logs job-<usernme>-<hash>"
    assert [(u.name, u.line, u.suggestion) for u in r.unresolved] == [("usernme", 20, "username")]
    assert r.blocking()[0].message() == "placeholder `<usernme>` is not declared: did you mean `<username>`?"


def test_missing_required_value():
    with pytest.raises(UsageError, match="missing value for <git-url>"):
        values_for(lesson(), "bob", {})


def test_unknown_set_and_bad_set():
    """A --set the lesson does not use is a warning (one set of values serves many tutorials), not an error."""
    sets = {"git-url": "x", "colour": "red"}
    assert values_for(lesson(), "bob", sets)["git-url"] == "x"
    assert unused_sets(lesson(), sets) == ["colour"]
    with pytest.raises(UsageError, match="name=value"):
        parse_sets(["novalue"])


@pytest.mark.parametrize("user", ["Bob", "bob_1", "-bob", "a" * 41, ""])
def test_user_must_fit_in_a_name(user):
    with pytest.raises(UsageError):
        values_for(lesson(), user, {"git-url": "x"})


def test_rendered_name_must_be_a_kubernetes_name_at_its_line():
    md = "```yaml\napiVersion: v1\nkind: Pod\nmetadata:\n  name: Pod_<username>\n```\n\n```bash\nkubectl get pods\n```\n"
    steps = render(parse_lesson(md, "p.md"), {"username": "bob"}).lesson.steps
    assert [s.type for s in steps] == [StepType.INVALID, StepType.COMMAND]  # data, not a refusal: the rest stays
    assert steps[0].error_line == 5 and "Pod_bob" in (steps[0].error or "") and steps[0].original_type == "manifest"


def test_other_blocks_are_not_complained_about():
    md = "```\nNAME <none>\n```\n"
    r = render(parse_lesson(md, "o.md"), {"username": "bob"})
    assert r.lesson.steps[0].type is StepType.OTHER and r.unresolved == ()
