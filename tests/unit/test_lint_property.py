"""Properties of `tutorial lint` over generated input: secrets never printed, no rule ever crashes."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from runner.lint import Options, lint_text
from runner.lint.engine import Report
from runner.report import lint as output

SECRET = st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_", min_size=12, max_size=40).filter(
    lambda s: not set(s) <= set("x")
)  # all x: a "xxxx" placeholder, not a value
NAME = st.from_regex(r"[a-z][a-z0-9-]{0,10}[a-z0-9]", fullmatch=True)


@settings(max_examples=60, deadline=None)
@given(secret=SECRET, key=st.sampled_from(["token", "password", "api-key", "secret", "auth"]), name=NAME)
def test_a_secret_value_is_never_in_any_output(secret, key, name):
    src = (
        f"```bash\nkubectl create secret generic {name}-<username> --from-literal={key}={secret}\n"
        f"git clone https://someone:{secret}@example.org/r.git\n```\n"
        f"```yaml\napiVersion: v1\nkind: Secret\nmetadata:\n  name: {name}-<username>\nstringData:\n  {key}: {secret}\n```\n"
    )
    findings = lint_text(src, "t.md")
    assert {f.rule for f in findings} >= {"secrets"}
    report = Report(files=["t.md"], findings=findings)
    for text in (output.to_text(report), output.to_json(report), json.dumps([f.to_dict() for f in findings])):
        assert secret not in text


COMMAND_WORDS = st.sampled_from(
    [
        "kubectl",
        "get",
        "delete",
        "logs",
        "exec",
        "create",
        "apply",
        "run",
        "-f",
        "-",
        "-c",
        "-it",
        "--",
        "pod",
        "job",
        "p-<username>",
        "j-<username>-<hash>",
        "x.yaml",
        "--dry-run=client",
        "-o",
        "yaml",
        "|",
        "&&",
        "bash",
        "<usernam>",
        "configmap",
        "secret",
        "generic",
        "--from-literal=token=abc",
        "https://u:p@h/x",
        "/mnt/mylog",
        "--image=busybox",
        "--rm",
        "-l",
        "app=x",
        "--all",
        "job/j-<username>",
        "svc/web",
        "expose",
        "wait",
        "--for=delete",
        "'",
        '"',
        "$X",
    ]
)


@settings(max_examples=150, deadline=None)
@given(lines=st.lists(st.lists(COMMAND_WORDS, min_size=1, max_size=9).map(" ".join), min_size=1, max_size=6))
def test_no_rule_crashes_on_odd_commands(lines):
    import os

    os.environ["TUTORIAL_LINT_DEBUG"] = "1"  # a rule that raises fails the test instead of becoming a warning
    try:
        src = (
            "```yaml\napiVersion: v1\nkind: Pod\nmetadata:\n  name: p-<username>\nspec:\n  containers:\n  - name: main\n"
            "    image: busybox\n    volumeMounts:\n    - {name: d, mountPath: /mnt/mylogs}\n  volumes:\n  - {name: d, emptyDir: {}}\n```\n"
            "```bash\n" + "\n".join("kubectl " + l for l in lines) + "\n```\n"
        )
        for f in lint_text(src, "t.md", Options()):
            assert f.line >= 1 and f.severity in ("error", "warning", "info")
    finally:
        del os.environ["TUTORIAL_LINT_DEBUG"]
