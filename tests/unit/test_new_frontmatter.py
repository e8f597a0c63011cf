"""`tutorial new` keeps a site's front matter, and its own output always parses.

On every published tutorial we have (`../shared/wild`, and the corpus
`../shared/corpus`), through the CLI as a person runs it: `new` writes the
lesson (exit 0), `show` and `lint` read it back without a usage error or a
crash (exit 0, or 1 for what they find), and every key of the page's own
front matter is still there with its value. Then the same as a property, on
front matter hypothesis makes up: nested mappings, lists, dates, numbers and
strings YAML would read as something else, in block or flow style.
"""

from __future__ import annotations

import datetime
import string
from pathlib import Path
from typing import Any

import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from runner.author import draft
from runner.cli.main import crashed, main
from runner.lesson.frontmatter import NAMESPACE, OUR_KEYS
from runner.lesson.markdown import blocks
from runner.lesson.parser import parse_lesson
from runner.lesson.placeholders import distance
from runner.syntax.yaml import load


def front_matter(text: str) -> dict[Any, Any]:
    """A page's front matter as data, read as the parser reads it ({} when it has none)."""
    found = blocks(text)
    if not found or found[0].kind != "front_matter":
        return {}
    return load(found[0].text) or {}


def new_show_lint(tutorial: Path, tmp_path: Path) -> None:
    out = tmp_path / "lesson.md"
    new = CliRunner().invoke(main, ["new", str(tutorial), "-o", str(out), "--id", "wild"])
    assert new.exit_code == 0 and not crashed(new.output), new.output
    for command in ("show", "lint"):
        res = CliRunner().invoke(main, [command, str(out)])
        assert res.exit_code in (0, 1) and not crashed(res.output), f"{command} of new's output: {res.output}"
    site, ours = front_matter(tutorial.read_text(encoding="utf-8")), front_matter(out.read_text(encoding="utf-8"))
    for key, value in site.items():
        assert key in ours and ours[key] == value, f"the site's key {key!r} is lost or changed"
    if site:
        assert isinstance(ours.get(NAMESPACE), dict) and ours[NAMESPACE]["id"] == "wild"
    lesson = parse_lesson(out.read_text(encoding="utf-8"), str(out))
    assert lesson.meta.annotated and lesson.meta.id == "wild"


def test_new_then_show_and_lint_on_every_wild_tutorial(wild_file, tmp_path):
    new_show_lint(wild_file, tmp_path)


def test_new_then_show_and_lint_on_every_corpus_tutorial(corpus_file, tmp_path):
    new_show_lint(corpus_file, tmp_path)


# ---- what happens to a page's own front matter -------------------------------------------------

BODY = """\
# Scratch space

Save this as `pod.yaml`:

```yaml
apiVersion: v1
kind: Pod
metadata:
  name: scratch-<username>
spec:
  containers:
  - name: main
    image: busybox
    command: [sleep, "3600"]
    resources:
      limits: {nvidia.com/gpu: 1}
    volumeMounts:
    - {name: scratch, mountPath: /scratch}
  volumes:
  - name: scratch
    emptyDir: {}
```

```bash
kubectl apply -f pod.yaml
kubectl exec scratch-<username> -- df -h /scratch
```

Delete it when you are done:

```bash
kubectl delete pod scratch-<username>
```
"""


def test_a_carpentries_episode_keeps_every_key_and_gets_ours_under_the_namespace():
    page = (
        "---\ntitle: Scratch space\nteaching: 10\nexercises: 5\nquestions:\n- Where?\nobjectives:\n- Mount it.\n"
        "keypoints:\n- It goes with the pod.\n---\n\n" + BODY
    )
    result = draft(page, "episode.md", "scratch")
    site_lines = page.split("---\n")[1]
    assert result.text.startswith("---\n" + site_lines)  # the site's lines as they were, ours after them
    data = front_matter(result.text)
    assert {k: data[k] for k in front_matter(page)} == front_matter(page)
    assert data[NAMESPACE]["id"] == "scratch" and "title" not in data[NAMESPACE]  # the page's title stays the title
    assert data[NAMESPACE]["requires"] == ["gpu"] and data[NAMESPACE]["rubric"]["scratch-on-disk"] == 2
    meta = result.lesson.meta
    assert (meta.id, meta.title, meta.requires) == ("scratch", "Scratch space", ("gpu",))


def test_a_page_without_front_matter_gets_ours_at_the_top_as_the_built_in_lessons_have():
    data = front_matter(draft(BODY, "t.md", "t").text)
    assert data["id"] == "t" and data["title"] == "Scratch space" and NAMESPACE not in data


def test_front_matter_in_flow_style_is_written_again_in_block_style_with_the_same_values():
    page = "---\n{title: Scratch, weight: 3, menu: {main: {parent: k8s}}, date: 2024-02-30}\n---\n\n" + BODY
    result = draft(page, "t.md", "t")
    data = front_matter(result.text)
    assert {k: data[k] for k in front_matter(page)} == front_matter(page)
    assert data[NAMESPACE]["id"] == "t"
    assert any("written again in block style" in t.what for t in result.todos)


def test_a_lesson_wide_requirement_is_pointed_at_where_it_is_nested():
    page = (
        "---\ntitle: T\nweight: 1\n---\n\n"
        + BODY
        + BODY.replace("scratch", "other").replace("      limits: {nvidia.com/gpu: 1}\n", "      limits: {cpu: 1}\n")
    )
    result = draft(page, "t.md", "t")
    (todo,) = [t for t in result.todos if "`requires: gpu`" in t.what]
    assert result.text.splitlines()[todo.line - 1].strip() == "requires:"


# ---- the same as a property ----------------------------------------------------------------------

_ODD = ["yes", "no", "on", "off", "null", "~", "1e3", "0x1F", "0o17", ".5", "-", "- x", ": x", "#", "'", '"', "a: b", "[", "{"]
_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(allow_nan=False, allow_infinity=False, width=64),
    st.dates(min_value=datetime.date(1970, 1, 1), max_value=datetime.date(2100, 12, 31)),
    st.sampled_from(_ODD),
    st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=30),  # \x85, \u2028, \f …
    st.text(string.printable, max_size=40),  # tabs, newlines, carriage returns: block scalars
)
_names = st.from_regex(r"[A-Za-z][A-Za-z0-9_.-]{0,20}", fullmatch=True)
_values = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_names, inner, max_size=4),
    max_leaves=12,
)
_SITE = ["title", "weight", "teaching", "exercises", "questions", "objectives", "keypoints", "content_type", "reviewers"]


def _not_ours(key: object) -> bool:
    """A key of a site: not our key, nor one edit from it (a typo of ours makes the front matter ours)."""
    name = str(key).lower()
    return name != NAMESPACE and all(distance(name, ours) > 1 for ours in OUR_KEYS)


_site_keys = st.one_of(st.sampled_from(_SITE + ["tutorial", "content_template", "menu", "date"]), _names, st.integers(0, 99))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    site=st.dictionaries(_site_keys.filter(_not_ours), _values, max_size=6),
    style=st.sampled_from([False, None, True]),  # block, block with flow leaves, flow
    prose=st.text(string.ascii_letters + " .,;:!?\t\f\v\x85\u2028\u2029\xa0é", max_size=40),
)
def test_new_keeps_any_site_front_matter_and_its_output_parses(site, style, prose):
    site_text = yaml.safe_dump(site, sort_keys=False, allow_unicode=True, default_flow_style=style)
    page = f"---\n{site_text}---\n\n{BODY}\nSo long {prose}.\n"
    before = front_matter(page)
    title = before.get("title")
    result = draft(page, "page.md", "t")
    lesson = parse_lesson(result.text, "t.md")
    assert lesson.meta.annotated and lesson.meta.id == "t"
    after = front_matter(result.text)
    assert {k: after.get(k) for k in before} == before
    expected = title.strip() if isinstance(title, str) and title.strip() else "Scratch space"
    assert lesson.meta.title == expected
    assert [s.check for s in lesson.checks] == [s.check for s in draft(BODY, "page.md", "t").lesson.checks]
    body = page[len(f"---\n{site_text}---\n") :].split("\n")  # every line of the page's Markdown is kept, in order
    lines = iter(result.text.split("\n"))
    assert all(any(line == out for out in lines) for line in body)
