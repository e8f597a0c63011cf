"""Arbitrary Markdown never raises anything but our own error types."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from runner.core.errors import TutorialError
from runner.lesson.parser import parse_lesson
from runner.lesson.render import render

FRAGMENTS = st.sampled_from(
    [
        "```yaml\n",
        "```\n",
        "``` \n",
        "```{bash}\n",
        "```bash {file=x.yaml}\n",
        "---\n",
        "apiVersion: v1\n",
        "kind: Pod\n",
        "metadata:\n",
        "  name: p-<username>\n",
        "  generateName: g-\n",
        "- a\n",
        "  - b: [\n",
        "on:\n",
        "jobs:\n",
        "<!-- step: wait=ready -->\n",
        "<!-- check: x a=b -->\n",
        "<!-- step: bogus -->\n",
        "$ kubectl get pods\n",
        "kubectl exec -it p -- bash\n",
        "\\\n",
        "cat <<EOF\n",
        "EOF\n",
        "    indented\n",
        "!!! note\n",
        "1. item\n",
        "# Title\n",
        "###### s1.yaml:\n",
        "Log into the pod.\n",
        "Create a local file named `a.txt` with any content.\n",
        "'unterminated\n",
        "\t\n",
        "\n",
        "<usernam>\n",
        "FROM x\n",
        "{}\n",
        "null\n",
        "? x\n",
        "*alias\n",
        "&a b\n",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(FRAGMENTS, st.text(max_size=40)), max_size=30))
def test_arbitrary_markdown_only_raises_our_errors(parts):
    source = "".join(parts)
    try:
        lesson = parse_lesson(source, "fuzz.md")
        render(lesson, {"username": "bob"})
    except TutorialError:
        pass
