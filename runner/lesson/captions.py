"""What a shell block's own comments say about the lines under them.

Authors write to the reader inside a script as well as around it. Two such
comments change what the lines after them are:

- `# You should get output similar to this one:` — the lines that follow (up
  to a blank line, the next comment or the block's end) are what a command
  printed, not commands;
- `# conf/game.properties` — a comment that is only a file's name, followed
  by a paragraph of settings (`enemies.cheat=true`, `lives=3`): that paragraph
  is the file's content, shown in the shell block (bash would refuse
  `enemies.cheat=true` as a command). The runner writes the file, as it writes
  any file the text shows.

- `# PowerShell`, `# On Windows:` — the lines under it (to a blank line or the
  next comment) are for that shell, not for bash: not run.
- `# Denied operations`, `# This should fail` — the commands under it (to the
  next comment or the block's end) are expected to fail: the text shows a
  refusal, as a paragraph after a block saying "This will fail" does.

Comments are found with the bash grammar (`shell.comments`), the settings
too (`bash.parse`: an assignment, or a command whose name is a `key=value`
word that bash cannot take for an assignment).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from runner.lesson import classify
from runner.syntax import bash, shell


@dataclass(frozen=True)
class ShownFile:
    """A file's content shown under a comment that names it."""

    name: str
    text: str
    line: int  # 1-based line of its first content line
    last: int  # 1-based line of its last content line
    caption_line: int  # the comment naming it


@dataclass(frozen=True)
class Captions:
    output: dict[int, int]  # 1-based line → the line of the comment that says it is output
    files: tuple[ShownFile, ...]
    other_shell: dict[int, tuple[int, str]] = field(default_factory=dict)  # line → (comment's line, shell) it is for
    failing: dict[int, int] = field(default_factory=dict)  # 1-based line → the comment that says it is to fail

    def file_at(self, line: int) -> ShownFile | None:
        return next((f for f in self.files if f.line <= line <= f.last), None)


_OTHER_SHELL = re.compile(r"\b(PowerShell|pwsh|Windows|cmd\.exe|Command Prompt)\b", re.I)
_FILE_NAME = re.compile(r"^(?:file(?:name)?\s*:?\s*)?((?:[\w.-]+/)*[\w-][\w.-]*\.[A-Za-z0-9]{1,12})$", re.I)


def read(content: str, first_line: int) -> Captions:
    """The captions of a script block whose content starts at `first_line` (a transcript has none: its prompts say)."""
    if "#" not in content or shell.has_prompts(content):
        return Captions({}, ())
    lines = content.split("\n")
    found = shell.comments(content)
    rows = [row for row, _ in found]
    output: dict[int, int] = {}
    files: list[ShownFile] = []
    other: dict[int, tuple[int, str]] = {}
    failing: dict[int, int] = {}
    for n, (row, text) in enumerate(found):
        said = text.lstrip("#").strip()
        end = rows[n + 1] if n + 1 < len(rows) else len(lines)
        if classify.failure_cue(said):  # `# Denied operations`: the commands to the next comment
            failing.update((first_line + k, first_line + row) for k in range(row + 1, end))
            continue
        if classify.output_comment(said):
            k = row + 1
            while k < end and not lines[k].strip():
                k += 1  # "# The output should be similar to this one", a blank line, then the table
            while k < end and lines[k].strip():
                output[first_line + k] = first_line + row
                k += 1
            continue
        shell_named = _OTHER_SHELL.search(said)
        if shell_named and len(said.split()) <= 5:  # `#PowerShell`, `# On Windows:`: the lines under it are for that shell
            k = row + 1
            while k < end and lines[k].strip():
                other[first_line + k] = (first_line + row, shell_named.group(1))
                k += 1
            continue
        named = _FILE_NAME.match(said)
        if named is None:
            continue
        k = row + 1
        while k < end and lines[k].strip():
            k += 1
        body = lines[row + 1 : k]
        if body and settings(body):
            files.append(
                ShownFile(named.group(1), "\n".join(body) + "\n", first_line + row + 1, first_line + k - 1, first_line + row)
            )
    return Captions(output, tuple(files), other, failing)


def settings(body: list[str]) -> bool:
    """Is every line a setting (`key=value`), as a properties or env file holds, and one at least no shell command?"""
    script = bash.parse("\n".join(body))
    if script.errors or len(script.commands) != len(body):
        return False
    plain = [c for c in script.commands if not c.words and len(c.assignments) == 1]
    odd = [c for c in script.commands if len(c.words) == 1 and not c.assignments and classify.setting_word(c.words[0])]
    return bool(odd) and len(plain) + len(odd) == len(body)
