"""Hostile Markdown, and one harness that runs the offline commands on it: shared by the fuzz test and bench/fuzz_bench.py.

The kinds are those a session found breaking `show` and `lint` (issue 14):
huge integers in YAML blocks and front matter, deep nesting, alias bombs and
recursive aliases, huge shell words, many placeholders, `.inf`/NaN values and
absurd timeouts, control characters, files over the size limit; plus real
lessons mutated at random. `scale` sizes the big ones: the suite runs small
documents, the bench up to a megabyte a word and past the size limit.

`check_document` runs `show` (text, JSON, with and without --user), `lint`
(text, JSON) and `list --format json` on one document in a forked child with
a memory limit and a deadline, and says what went wrong, if anything: a
traceback, an exit status other than 0, 1, 2, an exit-2 message that is not
one line, JSON that is not RFC 8259, a crash, a timeout.
"""

from __future__ import annotations

import json
import os
import random
import resource
import signal
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from hypothesis import strategies as st

REPO = Path(__file__).resolve().parents[2]
LESSONS = sorted((REPO / "lessons").glob("*.md"))
MEMORY_LIMIT = 2 << 30  # bytes of address space for one document's commands
LIMIT_BYTES = 5 * 1024 * 1024  # runner.core.limits.MAX_LESSON_BYTES (not imported: the bench may run an older runner)
EXIT_STATUSES = {0, 1, 2}


# ----------------------------------------------------------------------------- pieces of hostile text


def _digits(n: int) -> str:
    return "9" * n


def _flow_nest(n: int) -> str:
    return "[" * n + "]" * n


def _block_nest(n: int) -> str:
    return "".join(f"{'  ' * i}k{i}:\n" for i in range(n)) + f"{'  ' * n}leaf: 1\n"


def _bomb(levels: int, width: int = 9) -> str:
    lines = ["l0: &l0 [" + ", ".join(["lol"] * width) + "]"]
    for i in range(1, levels):
        lines.append(f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * width) + "]")
    return "\n".join(lines) + "\n"


MANIFEST_HEAD = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c-<username>\n"
CONTROL = "".join(chr(c) for c in [0, 7, 8, 11, 12, 13, 27, 127, 0x85, 0x9B, 0x2028, 0x2029]) + "\x1b[2J\x1b]0;title\x07"


def _yaml(body: str) -> str:
    return f"```yaml\n{body}```\n\n"


def _shell(body: str) -> str:
    return f"```bash\n{body}\n```\n\n"


PART_KINDS = (
    "huge-int",
    "deep-flow",
    "deep-block",
    "alias-bomb",
    "recursive-alias",
    "huge-word",
    "placeholders",
    "non-finite",
    "control",
    "quotes",
    "heredoc",
    "annotation",
    "prose",
    "admonitions",
    "secret-shapes",
    "bad-tags",
)
# what the redaction patterns look for, to be repeated on one line: each one once made a line of n of them cost n squared
SECRET_SHAPES = (
    "Authorization: ",
    "curl ",
    "curl -u a:b ",
    "docker login ",
    "docker login -p x ",
    "mysql ",
    "--from-literal=",
    "--token=",
    "TOKEN=",
    "https://ghp_aaaaaaaaaaaaaaaaaaaa@",
    "{token: ",
    "{name: GIT_TOKEN, value: ",
)
# scalars that their tag cannot make: PyYAML raised ValueError, KeyError or IndexError for them
BAD_TAGS = ("!!int 0x", "!!float abc", "!!bool maybe", "!!int ''", "!!timestamp x", "2024-13-45", "!!binary '#'")
RECURSIVE = (
    "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec: &s\n  containers:\n  - name: a\n    image: b\n    x: *s\n",
    "a: &a [*a]\n",
    "a: &a {b: &b [*a, *b]}\n",
    "apiVersion: v1\nkind: Pod\nmetadata: &m\n  name: p\n  labels: *m\n",
)


def _indent(text: str) -> str:
    return "".join("  " + line + "\n" for line in text.splitlines())


def hostile_part(rnd: random.Random, scale: float) -> tuple[str, str]:
    """(kind, text) of one hostile piece of a lesson; `scale` bounds the big ones."""
    big = max(8, int(rnd.uniform(0.05, 1.0) * scale))
    kind = rnd.choice(PART_KINDS)
    if kind == "huge-int":
        text = _yaml(MANIFEST_HEAD + f"data:\n  n: {_digits(rnd.randint(90, 6000))}\n")
    elif kind == "deep-flow":
        text = _yaml(MANIFEST_HEAD + f"data: {_flow_nest(rnd.randint(90, 1500))}\n")
    elif kind == "deep-block":
        text = _yaml(MANIFEST_HEAD + "data:\n" + _indent(_block_nest(rnd.randint(90, 700))))
    elif kind == "alias-bomb":
        text = _yaml(MANIFEST_HEAD + "data:\n" + _indent(_bomb(rnd.randint(3, 12), rnd.randint(2, 10))))
    elif kind == "recursive-alias":
        text = _yaml(rnd.choice(RECURSIVE))
    elif kind == "huge-word":
        word = rnd.choice(["a", "'", '"', "\\", "<x>", "a|", "$(", "#"]) * (big * 20 // 2 + 1)
        text = _shell(rnd.choice(["echo ", "kubectl get pod ", "$ ", "export X="]) + word)
    elif kind == "placeholders":
        names = rnd.choice(["<p{i}>", "<username>", "<usernam{i}>", "<hash>", "<br>"])
        line = " ".join(names.format(i=i) for i in range(big * 2))
        text = rnd.choice([_shell("echo " + line), _yaml(MANIFEST_HEAD + f"data:\n  k: '{line}'\n"), line + "\n\n"])
    elif kind == "non-finite":
        value = rnd.choice([".inf", "-.inf", ".nan", ".NaN", "1e999", "-1e400", "1" + "0" * 400])
        text = rnd.choice(
            [
                _yaml(MANIFEST_HEAD + f"data:\n  v: {value}\n"),
                f"<!-- step: timeout=1{'0' * rnd.randint(10, 500)}s -->\n" + _yaml(MANIFEST_HEAD),
                f"<!-- step: timeout={value} -->\n" + _shell("ls"),
            ]
        )
    elif kind == "control":
        junk = "".join(rnd.choice(CONTROL) for _ in range(rnd.randint(1, 12)))
        text = rnd.choice(
            [
                f"# Title {junk}\n\n",
                f"<!-- step: {junk}=1 -->\n" + _shell("ls"),
                f"<!-- step: wait={junk} -->\n" + _shell("ls"),
                f"<!-- check: c{junk} a=b -->\n\n",
                f"```bash {{file={junk}.sh}}\nls\n```\n\n",
                _shell(f"echo {junk}"),
                _yaml(MANIFEST_HEAD + f'data:\n  k: "{junk}"\n'),
            ]
        )
    elif kind == "quotes":
        text = _shell(rnd.choice(["echo '", 'echo "', "echo $'", "cat <<'E"]) + "\n".join(["x"] * (big // 4 + 1)))
    elif kind == "heredoc":
        text = _shell("kubectl apply -f - <<EOF\n" + MANIFEST_HEAD + "data:\n  a: " + _flow_nest(rnd.randint(1, 300)) + "\n")
    elif kind == "annotation":
        text = rnd.choice(
            [
                "<!-- step: id=" + "x" * big + " -->\n" + _shell("ls"),
                "<!-- check: c a='" + "y" * big + " -->\n\n",
                "<!-- check: c " + " ".join(f"k{i}=v" for i in range(big // 10 + 1)) + " -->\n\n",
                "<!-- step: noqa=" + ",".join(["x"] * (big // 4 + 1)) + " -->\n" + _shell("ls"),
            ]
        )
    elif kind == "prose":
        text = rnd.choice(
            [
                "Create the file `" + "a." * (big // 2) + "yaml`:\n\n",
                "`" * (big // 2) + "\n\n",
                "> " * min(big, 5000) + "deep quote\n\n",
                "".join("  " * i + "- item\n" for i in range(min(big, 400))) + "\n",
                "[" * big + "link" + "]" * big + "\n\n",
                "*" * big + "\n\n",
            ]
        )
    elif kind == "secret-shapes":
        shape = rnd.choice(SECRET_SHAPES) * (big * 2 // 10 + 1)
        text = rnd.choice([_shell(shape), shape + "\n\n", _yaml(MANIFEST_HEAD + f"data:\n  k: '{shape}'\n")])
    elif kind == "bad-tags":
        value = rnd.choice(BAD_TAGS)
        text = rnd.choice(
            [
                _yaml(MANIFEST_HEAD + f"data:\n  v: {value}\n"),
                _shell("kubectl apply -f - <<EOF\n" + MANIFEST_HEAD + f"data:\n  v: {value}\nEOF"),
                f"<!-- step: timeout={value} -->\n" + _shell("ls"),
            ]
        )
    else:  # admonitions nested deeper than anyone writes them
        n = min(big, 300)
        pad = "    " * n
        text = "".join("    " * i + "!!! note\n\n" for i in range(n)) + f"{pad}```bash\n{pad}ls\n{pad}```\n\n"
    return kind, text


FRONT_MATTER = (
    ("fm-huge-int", "rubric:\n  c: " + _digits(5000) + "\n"),
    ("fm-deep", "rubric: " + _flow_nest(600) + "\n"),
    ("fm-deep-block", "description:\n" + _indent(_block_nest(300))),
    ("fm-non-finite", "rubric:\n  c: .inf\n"),
    ("fm-nan", "rubric:\n  c: .nan\n"),
    ("fm-big-points", "rubric:\n  a: 1e308\n  b: 1e308\n"),
    ("fm-bomb", "description: &d0 x\n" + _bomb(9)),
    ("fm-recursive", "placeholders: &p {x: *p}\n"),
    ("fm-control", f'title: "t{CONTROL[:6]}"\nid: "a\\nb"\n'),
    ("fm-bad-date", "date: 2024-13-45\nlastmod: !!timestamp x\nweight: !!int 0x\n"),
    ("fm-fine", "id: fuzz\nrubric:\n  c: 2\nplaceholders:\n  token: {default: abc}\n"),
)


_BENIGN = [
    "# Lesson\n\n",
    "## Step\n\nCreate the file `s1.yaml`:\n\n",
    _yaml(MANIFEST_HEAD + "data:\n  a: b\n"),
    _shell("kubectl get pods\nkubectl exec -it p-<username> -- bash"),
    "<!-- check: c pod=p-<username> -->\n\n",
    "!!! note\n    ```bash\n    ls\n    ```\n\n",
    "```\n$ kubectl get pods\nNAME READY\n```\n\n",
]
_INSERTS = ["```", "---", "  - a", "*x", "&a b", "<!-- step: wait=ready -->", "\\", "'"]


def _mutated(rnd: random.Random) -> bytes:
    """A real lesson with lines deleted, repeated, swapped, inserted or cut."""
    lines = rnd.choice(LESSONS).read_text().split("\n")
    for _ in range(rnd.randint(1, 12)):
        op = rnd.choice(["delete", "duplicate", "swap", "insert", "truncate"])
        i = rnd.randrange(len(lines)) if lines else 0
        if op == "delete" and lines:
            del lines[i]
        elif op == "duplicate" and lines:
            lines.insert(i, lines[i])
        elif op == "swap" and len(lines) > 1:
            j = rnd.randrange(len(lines))
            lines[i], lines[j] = lines[j], lines[i]
        elif op == "insert":
            lines.insert(i, rnd.choice(_INSERTS))
        elif op == "truncate" and lines:
            lines[i] = lines[i][: rnd.randint(0, len(lines[i]))]
    return "\n".join(lines).encode()


def make_document(rnd: random.Random, scale: float = 2000, big_files: bool = True) -> tuple[tuple[str, ...], bytes]:
    """(kinds, bytes) of one lesson: hostile parts among benign ones, or a mutated real lesson, or a file over the limit."""
    how = rnd.choice(["parts"] * 6 + ["mutated", "big-file" if big_files else "parts"])
    if how == "big-file":
        return ("big-file",), b"# Big\n\n" + b"x" * (LIMIT_BYTES + rnd.choice([1, 1000, 4 * LIMIT_BYTES]))
    if how == "mutated":
        return ("mutated",), _mutated(rnd)
    kinds: list[str] = []
    out: list[str] = []
    if rnd.random() < 0.3:
        kind, body = rnd.choice(FRONT_MATTER)
        kinds.append(kind)
        out.append(f"---\n{body}---\n\n")
    for _ in range(rnd.randint(1, 4)):
        if rnd.random() < 0.5:
            out.append(rnd.choice(_BENIGN))
        kind, text = hostile_part(rnd, scale)
        kinds.append(kind)
        out.append(text)
    data = "".join(out).encode("utf-8", "surrogatepass")
    if rnd.random() < 0.05:  # now and then, bytes that are not UTF-8
        data = data[: len(data) // 2] + b"\xff\xfe" + data[len(data) // 2 :]
        kinds.append("not-utf8")
    return tuple(kinds), data


def hostile_document(scale: float = 2000, big_files: bool = True) -> st.SearchStrategy[tuple[tuple[str, ...], bytes]]:
    """Documents as a hypothesis strategy: hypothesis draws a seed, a `Random` of that seed makes the choices.

    (Hypothesis's own draws lean to the first choice and the smallest number,
    which is right for shrinking and wrong for coverage: every kind should
    come as often as the others.)
    """
    return st.integers(0, 2**32 - 1).map(lambda n: make_document(random.Random(n), scale, big_files))


# ----------------------------------------------------------------------------- the harness


COMMANDS = (
    ("show", "{path}"),
    ("show", "{path}", "--user", "bob", "--format", "json"),
    ("show", "{path}", "--format", "json"),
    ("lint", "{path}"),
    ("lint", "{path}", "--format", "json"),
    ("list", "--format", "json"),
)


@dataclass
class Outcome:
    """What the offline commands did with one document."""

    exits: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    seconds: float = 0.0
    max_rss_kb: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems


def _refuse_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON (RFC 8259)")


def _json_problem(text: str) -> str | None:
    try:
        json.loads(text, parse_constant=_refuse_constant)
    except ValueError as exc:
        return str(exc)[:200]
    return None


def _run_commands(folder: Path, code: str | None = None) -> dict[str, object]:
    """In the child: every command on folder/lesson.md, in this process (click's test runner); `code`: another checkout."""
    if code:
        sys.path.insert(0, code)
    from click.testing import CliRunner

    from runner.cli.main import crashed, main

    path = str(folder / "lesson.md")
    os.environ["TUTORIAL_LESSONS"] = str(folder)
    runner = CliRunner()
    exits: dict[str, int] = {}
    problems: list[str] = []
    for command in COMMANDS:
        args = [a.format(path=path) for a in command]
        name = " ".join(a for a in command if a != "{path}")
        res = runner.invoke(main, args)
        exits[name] = res.exit_code
        if res.exception is not None and not isinstance(res.exception, SystemExit):
            problems.append(f"{name}: {type(res.exception).__name__}: {str(res.exception)[:200]}")
            continue
        if res.exit_code not in EXIT_STATUSES:
            problems.append(f"{name}: exit status {res.exit_code}: {res.stderr.strip()[:300]}")
        if crashed(res.output):
            problems.append(f"{name}: a crash in the output: {res.output.strip()[-300:]}")
        if res.exit_code == 2:
            lines = res.stderr.strip("\n").split("\n")
            if len(lines) != 1 or not lines[0].strip():
                problems.append(f"{name}: exit 2 with {len(lines)} lines on stderr: {res.stderr[:200]!r}")
        if "json" in command and res.stdout.strip():
            why = _json_problem(res.stdout)
            if why:
                problems.append(f"{name}: output is not JSON: {why}")
    return {"exits": exits, "problems": problems}


def _reset_peak() -> None:
    """Forget the parent's peak: a forked child starts with the high-water mark of the process it was forked from."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pass


def _peak_kb() -> int:
    """This process's peak resident memory since `_reset_peak` (VmHWM), 0 when unknown."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def warm_up() -> None:
    """Import what the commands import, so that each forked child starts warm (as the suite's children do)."""
    import runner.cli.lint
    import runner.cli.list
    import runner.cli.main
    import runner.cli.show
    import runner.lesson.catalog
    import runner.lesson.secrets
    import runner.lint.base
    import runner.report.lint
    import runner.report.plan

    runner.lint.base.all_rules()
    del runner


def check_document(data: bytes, folder: Path, timeout: float = 120, code: str | None = None) -> Outcome:
    """Run every command on `data` in a forked child with a memory limit and a deadline (`code`: another checkout's runner)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "lesson.md").write_bytes(data)
    read, write = os.pipe()
    t0 = time.monotonic()
    pid = os.fork()
    if pid == 0:  # the child: never returns
        code = 0
        try:
            os.close(read)
            resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
            _reset_peak()
            signal.alarm(int(timeout))
            result = _run_commands(folder, code)
            result["peak_kb"] = _peak_kb()
            with os.fdopen(write, "w") as fh:
                json.dump(result, fh)
        except BaseException as exc:  # whatever happens in the child is reported, never raised
            try:
                os.write(write, json.dumps({"exits": {}, "problems": [f"harness: {type(exc).__name__}: {exc}"]}).encode())
            except OSError:
                pass
            code = 3
        finally:
            sys.stdout.flush()
            os._exit(code)
    os.close(write)
    with os.fdopen(read) as fh:
        raw = fh.read()
    _, status, usage = os.wait4(pid, 0)
    outcome = Outcome(seconds=time.monotonic() - t0, max_rss_kb=usage.ru_maxrss)
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        outcome.problems.append("timeout" if sig == signal.SIGALRM else f"killed by signal {sig}")
        return outcome
    try:
        result = json.loads(raw)
    except ValueError:
        outcome.problems.append(f"no result from the child (exit {os.WEXITSTATUS(status)})")
        return outcome
    outcome.max_rss_kb = result.get("peak_kb") or outcome.max_rss_kb
    outcome.exits = result["exits"]
    outcome.problems = result["problems"]
    return outcome
