"""Front matter: our keys under `tutorial-runner:` beside a site's keys, or at the top level as in the built-in lessons.

The site's keys are the site's business (no list of them is needed); ours
are read strictly wherever they are, so that a lesson author's typo is an
error at its line.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from runner.core.errors import LessonError
from runner.lesson.parser import parse_lesson

REPO = Path(__file__).resolve().parents[2]

CARPENTRIES = """\
---
title: "Pods and volumes"
teaching: 20
exercises: 10
questions:
- "Where does a pod keep its data?"
objectives:
- "Mount a volume."
keypoints:
- "An emptyDir lives as long as its pod."
tutorial:
  prev: tutorial/intro
  next: tutorial/jobs
tutorial-runner:
  id: volumes
  placeholders:
    storage-class:
      default: standard
  rubric:
    pvc-bound: 2
---
# Volumes
"""


def test_nested_keys_are_ours_and_the_sites_keys_around_them_are_left_to_the_site():
    meta = parse_lesson(CARPENTRIES, "episode.md").meta
    assert meta.annotated and meta.id == "volumes"
    assert meta.title == "Pods and volumes"  # the site's title is the lesson's unless ours gives one
    assert [(p.name, p.default) for p in meta.placeholders] == [("username", None), ("storage-class", "standard")]
    assert [(r.check, r.points) for r in meta.rubric] == [("pvc-bound", 2.0)]
    # keys no list knows (a theme's own, `tutorial:` of Docusaurus pages) are fine beside ours
    odd = CARPENTRIES.replace("teaching: 20\n", "teaching: 20\nsome_theme_key: {a: [1, 2]}\nrubrik: 3\n")
    assert parse_lesson(odd, "episode.md").meta.id == "volumes"


def test_our_title_and_description_win_over_the_sites():
    text = CARPENTRIES.replace("  id: volumes\n", "  id: volumes\n  title: Volumes, hands on\n  description: Ours.\n")
    meta = parse_lesson(text.replace("teaching:", "description: The site's.\nteaching:"), "e.md").meta
    assert (meta.title, meta.description) == ("Volumes, hands on", "Ours.")
    meta = parse_lesson(CARPENTRIES.replace("teaching:", "description: The site's.\nteaching:"), "e.md").meta
    assert meta.description == "The site's."


@pytest.mark.parametrize(
    ("inside", "line", "message"),
    [
        ("  rubrik:\n    pvc-bound: 2\n", 15, "unknown front matter key 'tutorial-runner.rubrik' (did you mean 'rubric'?"),
        ("  placeholder: {}\n", 15, "did you mean 'placeholders'?"),
        ("  weight: 3\n", 15, "unknown front matter key 'tutorial-runner.weight' (known: description, id,"),
        ("  quota: maybe\n", 15, "front matter 'tutorial-runner.quota': must be true or false"),
        ("  id: Bad Id\n", 15, "front matter 'tutorial-runner.id': must be lower-case"),
    ],
)
def test_inside_the_namespace_every_key_is_checked_at_its_line(inside, line, message):
    text = CARPENTRIES.replace("  id: volumes\n  placeholders:\n    storage-class:\n      default: standard\n", inside)
    with pytest.raises(LessonError, match=r"^") as err:
        parse_lesson(text, "e.md")
    assert err.value.line == line and message in err.value.message, (err.value.line, err.value.message)


def test_the_namespace_must_hold_a_mapping_and_may_be_empty():
    with pytest.raises(LessonError, match="'tutorial-runner': must be a mapping") as err:
        parse_lesson("---\ntitle: T\ntutorial-runner: [id]\n---\n# T\n", "t.md")
    assert err.value.line == 3
    meta = parse_lesson("---\ntitle: T\ntutorial-runner:\n---\n# T\n", "t-1.md").meta
    assert meta.annotated and (meta.id, meta.title) == ("t-1", "T")


@pytest.mark.parametrize(
    "front_matter",
    [
        "tutorial: https://www.youtube.com/watch?v=x",  # pages use `tutorial:` for themselves
        "tutorial:\n  name: Unity 2D\n  link: ../",
        # Docusaurus's `id`: beside keys that are not ours it is the page's (alone it is ours, as in `id: x`)
        "id: add-create-page\nsidebar_label: Create page\ntutorial:\n  prev: a\n  next: b",
        "quote: To be or not\nip: 10.0.0.1\nkind: concept\njs: [a.js]",  # close to `quota` and `id`, not typos of them
        "content_template: templates/concept\nteaching: 10\nexercises: 5",
    ],
)
def test_a_sites_own_front_matter_is_a_page_not_a_lesson(front_matter):
    meta = parse_lesson(f"---\ntitle: Page\n{front_matter}\n---\n# Heading\n", "page.md").meta
    assert not meta.annotated and (meta.id, meta.title) == ("page", "Page")


@pytest.mark.parametrize(
    ("front_matter", "message"),
    [
        ("rubrik: {a: 1}", "unknown front matter key 'rubrik' (did you mean 'rubric'?"),
        ("placeholder: {a: 1}", "unknown front matter key 'placeholder' (did you mean 'placeholders'?"),
        ("id: x\nrubric: {a: 1}\nshared_ns: false", "unknown front matter key 'shared_ns'"),
        ("id: Bad Id", "front matter 'id': must be lower-case"),
    ],
)
def test_top_level_front_matter_with_our_keys_is_still_read_strictly(front_matter, message):
    with pytest.raises(LessonError) as err:
        parse_lesson(f"---\n{front_matter}\n---\n# T\n", "t.md")
    assert message in err.value.message


def test_the_built_in_lessons_keep_their_top_level_keys():
    for path in sorted((REPO / "runner" / "data" / "lessons").glob("*.md")):
        meta = parse_lesson(path.read_text(encoding="utf-8"), str(path)).meta
        assert meta.annotated and meta.id == path.stem and meta.rubric, path.name
