"""`--user` fills the user name in any spelling a tutorial uses (`<yourUsername>`), and nothing that only may be one."""

from __future__ import annotations

import json
import textwrap

from click.testing import CliRunner

from runner.cli import main
from runner.grade.roster import discover
from runner.lesson.model import StepType
from runner.lesson.parser import parse_file, parse_lesson
from runner.lesson.render import render, unused_sets, values_for

TUTORIAL = textwrap.dedent("""\
    # Pods of your own

    Replace `<yourUsername>` with your user name, and `<name>` with anything.

    ```yaml
    apiVersion: v1
    kind: Pod
    metadata:
      name: pod-<yourUsername>
      labels:
        owner: <YOUR_USERNAME>
    spec:
      containers:
      - name: c
        image: busybox
    ```

    ```bash
    kubectl logs pod-<yourUsername>
    kubectl label pod pod-<change-this-to-your-username> note=<name>
    ```
    """)


def lesson():
    return parse_lesson(TUTORIAL, "mine.md")


def test_user_fills_every_spelling_of_the_user_name():
    r = render(lesson(), values_for(lesson(), "bob", {}))
    pod, logs, label = r.lesson.steps
    assert pod.objects[0].name == "pod-bob" and pod.objects[0].body["metadata"]["labels"] == {"owner": "bob"}
    assert logs.command == "kubectl logs pod-bob"
    assert label.command == "kubectl label pod pod-bob note=<name>"  # <name> only may be the user's: --set fills it
    assert [(u.name, u.line) for u in r.unresolved] == [("name", 20)]
    assert r.unresolved[0].message() == "no value for `<name>`: give --set name=…"


def test_a_spelling_is_the_user_name_not_a_placeholder_of_its_own():
    found = [p.name for p in lesson().meta.placeholders if p.found]
    assert found == ["name"]
    assert unused_sets(lesson(), {"yourUsername": "bob", "colour": "red"}) == ["colour"]


def test_without_user_a_spelling_asks_for_user():
    r = render(lesson(), {})
    first = r.unresolved[0]
    assert (first.name, first.line, first.user_name) == ("yourUsername", 9, True)
    assert first.message() == "no value for `<yourUsername>` (the user name): give --user"


def test_set_of_the_spelling_itself_wins():
    r = render(lesson(), {"username": "bob", "yourUsername": "alice"})
    assert r.lesson.steps[0].objects[0].name == "pod-alice"
    assert r.lesson.steps[0].objects[0].body["metadata"]["labels"] == {"owner": "bob"}


def test_a_near_miss_of_a_spelling_is_a_typo_of_username():
    md = "```bash\nkubectl logs pod-<yourUsernam>\n```\n"
    r = render(parse_lesson(md, "t.md"), {"username": "bob"})
    assert [(u.name, u.suggestion) for u in r.unresolved] == [("yourUsernam", "username")]
    assert r.lesson.steps[0].command == "kubectl logs pod-<yourUsernam>"


def test_a_spelling_the_front_matter_declares_keeps_its_own_value():
    md = "---\nid: d\ntitle: D\nplaceholders:\n  user-name: {default: postgres}\n---\n```bash\npsql -U <user-name> -h db-<username>\n```\n"
    r = render(parse_lesson(md, "d.md"), values_for(parse_lesson(md, "d.md"), "bob", {}))
    assert r.lesson.steps[0].command == "psql -U postgres -h db-bob"


def test_show_json_lists_name_but_not_the_spelled_user_name(tmp_path):
    path = tmp_path / "mine.md"
    path.write_text(TUTORIAL)
    res = CliRunner().invoke(main, ["show", str(path), "--user", "bob", "--format", "json"])
    assert res.exit_code == 0, res.output
    plan = json.loads(res.stdout)
    assert [u["placeholder"] for u in plan["unresolved"]] == ["name"]
    assert plan["steps"][0]["name"] == "pod-bob"
    assert "yourUsername" not in res.stderr and "<name>" not in res.stderr  # <name> is the lesson's: shown as written


def test_grade_discovers_users_from_names_with_a_spelled_user_name():
    objects = {"Pod": [{"metadata": {"name": "pod-alice"}}, {"metadata": {"name": "other"}}]}
    assert [p.user for p in discover(lesson(), objects)] == ["alice"]


# ---- the published tutorials: what is read as the user name, against what a person read there -------------------


def test_the_user_is_where_a_reader_of_the_corpus_put_it_and_nowhere_else(corpus_file):
    """`expected.json` (written by reading, user `bob` where the text tells the reader to put their username):
    the objects named with `bob` after rendering are exactly those, so no placeholder is wrongly read as the user."""
    objects = json.loads((corpus_file.parent / "expected.json").read_text())[corpus_file.name]
    lesson = parse_file(str(corpus_file))
    rendered = render(lesson, values_for(lesson, "bob", {}, require=False)).lesson
    named = {
        (o.kind, o.name or o.generate_name)
        for s in rendered.steps
        if s.type is StepType.MANIFEST
        for o in s.objects
        if "bob" in (o.name or o.generate_name or "")
    }
    assert named == {(kind, n) for _, kind, n in objects if "bob" in n}
