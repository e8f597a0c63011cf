"""Tutorial Markdown -> `Lesson`: ordered steps that each know their source line.

Works on tutorials as published (no annotations) by combining what a block
contains (classify) with what the prose around it says (prose): the file a
manifest is saved as, files the reader must create, whether the reader is
inside a pod. Annotations of our own lessons override inference.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from runner.core.errors import LessonError
from runner.core.limits import MAX_LESSON_BYTES, read_bounded
from runner.core.redact import redact
from runner.lesson import captions, classify, placeholders, prose, schema
from runner.lesson.annotations import Annotation, parse_comment, parse_duration, parse_fence_info
from runner.lesson.frontmatter import parse_front_matter
from runner.lesson.machines import CLUSTER_CLIENTS, Machines
from runner.lesson.markdown import Block, blocks
from runner.lesson.model import Lesson, LessonMeta, Placeholder, Step, StepType
from runner.syntax import bash, kubectl, prompts
from runner.syntax.k8s import READERS_NAMESPACE, unknown_kind
from runner.syntax.shell import Command, given_files, has_prompts, piped, plain_file, segments, split_commands
from runner.syntax.yaml import read_yaml

FORCEABLE_TYPES = set(schema.FORCEABLE_TYPES)


def read_text(path: str | Path) -> str:
    """A lesson file's text; missing, unreadable, too large (`MAX_LESSON_BYTES`) or non-UTF-8 files are LessonErrors."""
    data = read_bounded(path, MAX_LESSON_BYTES, "Markdown lesson")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise LessonError(f"not UTF-8 text (byte 0x{data[exc.start]:02x})", str(path), line) from None


def parse_file(path: str | Path) -> Lesson:
    return parse_lesson(read_text(path), str(path))


@dataclass
class _Context:
    """What the reader's situation is at this point of the text."""

    section: str = ""
    section_fails: bool = False  # the heading says its commands are to fail ("Test (failure expected)")
    prose_entry: int | None = None  # paragraphs read since prose moved the reader into a pod, until a block uses it
    file_hint: str | None = None  # file name given by the heading/prose just before a block
    file_content: str | None = None  # "Create the file `x`:" -> the next block is x's content
    drafted: str | None = None  # the manifest file the last command wrote or opened (`vi pod.yaml`): the next YAML block
    edited: str | None = None  # "Edit `env.yaml`": the next block, when it is whole objects, is that file as edited
    captioned: bool = False  # file_hint is a caption that is only the file's name (`###### pi.py:`)
    pending: list[Annotation] = field(default_factory=list)
    pod: str | None = None
    pod_kind: str | None = None
    entered_at: str | None = None  # the prompt at which the reader entered `pod` (`kubectl exec -it` in a transcript)
    pod_namespace: str | None = None  # the namespace of the pod `kubectl exec -it … -n NS` entered
    remote: str | None = None  # a host the reader is logged into with `ssh`: what they type runs there
    program: tuple[str, int] | None = None  # a program with its own prompt (redis-cli, python3) the reader started, and where
    machines: Machines = field(default_factory=lambda: Machines(()))
    commands: dict[tuple[str, int], list[Command]] = field(default_factory=dict)  # a shell block's commands, read once
    last_workload: tuple[str, str] | None = None  # (kind, name) of the last Pod/Job created
    local_files: set[str] = field(default_factory=set)
    output_cue: bool = False  # the prose just before says the next block is a command's output
    alternative_cue: bool = False  # the prose just before offers the next block as another way ("Or like this:")
    after_block: bool = False  # the paragraph being read comes right after a code block
    block_start: int = 0  # the index of the first step of the last code block
    after_printing: tuple[tuple[str, str], ...] = ()  # what the last command printed (`kubectl get secret s -o yaml`)
    bare_username: bool = False  # the prose tells the reader to replace the word "username"
    mentions: dict[str, str] = field(default_factory=dict)  # placeholder -> the sentence of the prose that explains it
    files_named: list[str] = field(default_factory=list)  # file names the prose mentions
    files_opened: list[str] = field(default_factory=list)  # files the prose has the reader open
    site_files: list[str] = field(default_factory=list)  # files the page shows from its site's sources
    repositories: list[str] = field(default_factory=list)  # repositories the prose links to
    in_series: bool = False  # the prose says it follows an earlier page ("in the previous lab")
    container: tuple[str, str | None] | None = None  # (pod, container) a `kubectl exec -it POD -c C -- sh` entered


class _Builder:
    def __init__(self, path: str) -> None:
        self.path = path
        self.steps: list[Step] = []
        self.ids: set[str] = set()

    def add(self, type_: StepType, line: int, section: str, slug: str, ann: dict[str, str] | None = None, **kw: Any) -> Step:
        ann = ann or {}
        explicit = ann.get("id")
        if explicit:
            if explicit in self.ids:
                raise LessonError(f"duplicate step id '{explicit}'", self.path, line)
            step_id = explicit
        else:
            step_id = f"{_slug(slug) or type_.value}-L{line}"
            n = 2
            while step_id in self.ids:
                step_id = f"{_slug(slug)}-L{line}-{n}"
                n += 1
        self.ids.add(step_id)
        kw.update(_annotation_fields(ann, self.path, line))
        step = Step(index=len(self.steps), type=type_, path=self.path, line=line, id=step_id, section=section, **kw)
        self.steps.append(step)
        return step


def _annotation_fields(ann: dict[str, str], path: str, line: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if "file" in ann:
        out["file"] = ann["file"]
    if "apply" in ann:
        out["apply"] = ann["apply"].lower() not in ("false", "no", "0")
    if "skip" in ann:
        out["skip"] = ann["skip"] if ann["skip"] != "true" else "skipped by the lesson"
    if "wait" in ann:
        out["wait"] = ann["wait"]
    if "timeout" in ann:
        out["timeout"] = parse_duration(ann["timeout"], path, line)
    if "container" in ann:
        out["container"] = ann["container"]
    if "expect" in ann:
        if ann["expect"] not in ("fail", "failure", "success"):
            raise LessonError(f"expect must be 'fail' or 'success', not '{ann['expect']}'", path, line)
        out["expect_failure"] = ann["expect"] in ("fail", "failure")
    if "requires" in ann:
        out["requires"] = tuple(r.strip() for r in ann["requires"].split(",") if r.strip())
    if "instead" in ann:
        out["instead"] = ann["instead"]
    if "noqa" in ann:
        out["noqa"] = tuple(r.strip() for r in ann["noqa"].split(",") if r.strip())
    return out


def _slug(text: str) -> str:
    """A step id's stem: the words, without a secret the patterns see and without any `=value` (ids are printed)."""
    text = re.sub(r"=\S*", "", redact(text) or "").replace("<", "").replace(">", "")
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:48].strip("-")


def parse_lesson(source: str, path: str = "<string>") -> Lesson:
    """Parse Markdown text into a Lesson. Raises LessonError only for unusable input."""
    found = blocks(source)
    stem = Path(path).stem
    default_id = _slug(stem) or "lesson"
    title = next((b.text for b in found if b.kind == "heading" and b.level == 1), None) or next(
        (b.text for b in found if b.kind == "heading"), stem
    )
    meta = LessonMeta(id=default_id, title=title, placeholders=(Placeholder("username", required=True),))
    if found and found[0].kind == "front_matter":
        meta = parse_front_matter(found[0].text, path, found[0].line + 1, default_id, title)
    b = _Builder(path)
    ctx = _Context()
    ctx.machines = Machines(_transcripts(found, ctx))
    seen_blocks: dict[tuple[str, str], int] = {}
    for block in found:
        if block.kind == "front_matter":
            continue
        if block.kind == "prose" and block.quoted and classify.quoted_commands(block.text):
            # `>    kubectl apply -f demo.yaml`: a page that sets its commands as quotes; the quote is the command
            block = replace(block, kind="code", text=block.text.rstrip("\n") + "\n")
        if block.kind != "code":
            ctx.after_block = ctx.after_block and block.kind == "prose"
        if block.kind == "heading":
            if prose.heading_file(block.text):
                ctx.file_hint, ctx.captioned = prose.heading_file(block.text), True
                continue
            ctx.section, ctx.pod, ctx.pod_kind, ctx.file_hint, ctx.file_content = block.text, None, None, None, None
            ctx.section_fails = classify.failure_heading(block.text)
            ctx.drafted = None
            ctx.entered_at = ctx.remote = ctx.program = None
            ctx.output_cue, ctx.after_printing = False, ()
            named = prose.prose_file(block.text) if _MAKES_A_FILE.search(block.text) else None
            if named:  # "### 7. Create a deployment template. Save it as prod-deployment-template.yaml": its block
                ctx.file_hint = named
            continue
        if block.kind == "comment":
            ann = parse_comment(block.text, path, block.line)
            if ann is None:
                continue
            if ann.kind == "check":
                b.add(
                    StepType.CHECK,
                    block.line,
                    ctx.section,
                    ann.check or "check",
                    {"id": ann.check or ""} if ann.check not in b.ids else {},
                    check=ann.check,
                    check_args=ann.values,
                    text=block.text,
                )
            elif ann.kind == "run":  # a command the prose asks for without showing it
                b.add(StepType.COMMAND, block.line, ctx.section, ann.command or "run", {}, command=ann.command, text=ann.command)
            else:
                if ann.get("id") in b.ids:  # said at the annotation that repeats the id, not at its block
                    raise LessonError(f"duplicate step id '{ann.get('id')}'", b.path, ann.line)
                ctx.pending.append(ann)
            continue
        if block.kind == "prose":
            _read_prose(block, ctx, b)
            ctx.after_block = False
            continue
        if block.kind == "code":
            ctx.block_start = len(b.steps)
            ctx.prose_entry = None  # the pod prose entered is the one these commands are typed in
            for part in _editor_parts(block, path):
                _code_block(part, ctx, b, seen_blocks)
            ctx.after_block = True
        else:
            ctx.after_block = False
    steps = _link_files(_own_namespace(_expand_aliases(_solution_blocks(b.steps))))
    meta = replace(
        meta,
        bare_username=ctx.bare_username,
        files_named=tuple(dict.fromkeys(ctx.files_named)),
        files_opened=tuple(dict.fromkeys(ctx.files_opened)),
        site_files=tuple(dict.fromkeys(ctx.site_files)),
        repositories=tuple(dict.fromkeys(ctx.repositories)),
        in_series=meta.in_series or ctx.in_series,
    )
    if not meta.annotated:
        meta = replace(meta, placeholders=_found_placeholders(meta, steps, ctx))
    return Lesson(path=path, meta=meta, steps=tuple(steps))


def _transcripts(found: list[Block], ctx: _Context) -> list[Command]:
    """Every command typed at a prompt, in any code block, and those of shell blocks without prompts: which prompts talk
    to the cluster (and whether bare lines do) is known before parsing."""
    out: list[Command] = []
    for block in found:
        if block.kind != "code":
            continue
        lang = (block.info.split() or [""])[0].lower()
        if has_prompts(block.text) or lang in classify.SHELL_LANGS:
            commands = ctx.commands.setdefault((block.text, block.content_line), split_commands(block.text, block.content_line))
            out.extend(commands)
    return out


def _found_placeholders(meta: LessonMeta, steps: list[Step], ctx: _Context) -> tuple[Placeholder, ...]:
    """A tutorial as published declares nothing: every `<name>` its steps use is a placeholder `--set` can fill."""
    have = {p.name for p in meta.placeholders}
    found: list[Placeholder] = list(meta.placeholders)
    for step in steps:
        if not step.runnable and step.type is not StepType.INTERACTIVE:
            continue
        for occ in placeholders.find(step.text, step.content_line or step.line, fill_ins=True):
            if occ.name not in have and occ.name not in placeholders.RUNTIME and not placeholders.reads_as_user_name(occ.name):
                have.add(occ.name)
                found.append(Placeholder(occ.name, description=ctx.mentions.get(occ.name, ""), found=True))
    return tuple(found)


def _read_prose(block: Block, ctx: _Context, b: _Builder) -> None:
    text = block.text
    applied = prose.applied_file(text)
    if applied and b.steps and b.steps[-1].type is StepType.MANIFEST and not b.steps[-1].file:
        # "Once that file is created, run `kubectl apply -f interactiveCondaPod.yml`": the block just shown is that file
        b.steps[-1] = replace(b.steps[-1], file=applied)
    last = b.steps[-1] if b.steps else None
    if last is not None and last.type in (StepType.COMMAND, StepType.IN_POD) and ctx.after_block and classify.failure_prose(text):
        # "It should error out and complain about the file being read only.": the text expects the command to fail
        b.steps[-1] = replace(last, expect_failure=True)
    if ctx.after_block and classify.crash_prose(text):
        # "you may see the pod in CrashLoopBackOff state. Try debugging the issue": the block's pods are meant to exist,
        # not to be ready (the text shows a failure to debug)
        for i in range(ctx.block_start, len(b.steps)):
            if b.steps[i].wait is None and b.steps[i].type in (StepType.COMMAND, StepType.MANIFEST):
                b.steps[i] = replace(b.steps[i], wait="exists")
    ctx.after_block = False
    # a note set as a quote between a caption and its block ("Create deploy/pod.yaml as follows:", "> Note: change the
    # image", the block) leaves the caption standing
    keep = block.quoted and ctx.file_hint is not None and not prose.files_named(text)
    ctx.file_hint = ctx.file_hint if keep else prose.prose_file(text) or prose.heading_file(text)  # (a file name alone too)
    ctx.captioned = prose.heading_file(text) is not None
    ctx.edited = prose.edited_file(text)
    ctx.file_content = None
    ctx.output_cue = classify.output_prose(text)
    ctx.alternative_cue = classify.alternative_prose(text)
    ctx.bare_username = ctx.bare_username or prose.replace_username_cue(text)
    ctx.files_named.extend(prose.files_named(text))
    ctx.files_opened.extend(prose.opened_files(text) + prose.earlier_files(text))
    ctx.in_series = ctx.in_series or prose.earlier_part(text)
    ctx.site_files.extend(prose.site_files(text))
    ctx.repositories.extend(prose.repositories(text))
    for name, sentence in prose.placeholder_mentions(text).items():
        ctx.mentions.setdefault(name, sentence)
    created = prose.create_local_file(text)
    if created:
        name, any_content = created
        if text.rstrip().endswith(":") and not any_content:
            ctx.file_content = name
        else:
            ann = _take_annotation(ctx)
            _file_step(b, ctx, block, name, ann, text, reason=_ANY_CONTENT)
    updated = prose.update_file(text)
    if updated and updated in ctx.local_files:
        b.add(
            StepType.FILE,
            block.line,
            ctx.section,
            f"update {updated}",
            _take_annotation(ctx),
            file=updated,
            action="update",
            text=text,
            reason="the reader changes the file's content",
        )
    if ctx.prose_entry is not None:
        ctx.prose_entry += 1
        if ctx.prose_entry > _PROSE_ENTRY_REACH:  # "Executes a command inside the container." far above: a description
            ctx.pod = ctx.pod_kind = ctx.prose_entry = None
    cue = prose.pod_cue(text)
    if cue == "enter":
        named = prose.named_pod(text)
        if named:
            ctx.pod, ctx.pod_kind = named, "Pod"
        elif ctx.last_workload:
            ctx.pod_kind, ctx.pod = ctx.last_workload
        ctx.prose_entry = 0 if ctx.pod else None
    elif cue == "leave":
        ctx.pod = ctx.pod_kind = ctx.entered_at = ctx.remote = ctx.program = None


# a heading that has the reader make a file (not one that updates it with a piece): the block under it is that file
_MAKES_A_FILE = re.compile(r"\b(?:save|create|write)\b", re.I)

# prose that moves the reader into a pod ("Log into the pod", "Run this inside the container") speaks of the commands
# shown just after it: this many more paragraphs before them, and it was a description, not a move
_PROSE_ENTRY_REACH = 2


def _shown(b: _Builder, ctx: _Context, block: Block, ann: dict[str, str], content: str, first: int, title: str, why: str) -> None:
    """A whole block the run does not run (output, a diff, a Dockerfile, a path), as a step at its line that says why."""
    b.add(StepType.OTHER, block.line, ctx.section, title, ann, text=content, content_line=first, reason=why)


def _take_annotation(ctx: _Context) -> dict[str, str]:
    merged: dict[str, str] = {}
    for ann in ctx.pending:
        merged.update(dict(ann.values))
    ctx.pending.clear()
    return merged


def _editor_parts(block: Block, path: str) -> list[Block]:
    """A shell block that opens an editor on a manifest and then shows the file as edited, inline, before more
    commands (`vim myjob.yml`, the Job's YAML, `kubectl apply -f myjob.yml`), as exercise answers do: three blocks,
    the commands, the file's content (which the editor line names), the commands after. Other blocks stay whole."""
    lang = parse_fence_info(block.info, path, block.line)[0] if block.fenced else ""
    if lang not in classify.SHELL_LANGS | classify.TEXT_LANGS or "\n" not in block.text.strip():
        return [block]
    lines = block.text.split("\n")
    for i, line in enumerate(lines[:-1]):
        if not classify.opens_editor_on_manifest(line):
            continue
        j = i + 1
        while j < len(lines) and not (lines[j].strip() and classify.quoted_commands(lines[j])):
            j += 1
        shown = "\n".join(lines[i + 1 : j]).strip("\n")
        if not shown or not classify.holds_k8s_yaml(shown + "\n") or read_yaml(shown + "\n", 1).error:
            return [block]  # (`k get po` after the YAML is no line kubectl reads as a command: keep the block whole)
        top = block.content_line
        parts = [
            Block("code", top, top + i, "\n".join(lines[: i + 1]) + "\n", info="bash", fenced=False),
            Block("code", top + i + 1, top + j - 1, "\n".join(lines[i + 1 : j]) + "\n", info="yaml", fenced=False),
        ]
        rest = "\n".join(lines[j:])
        if rest.strip():
            after = Block("code", top + j, block.end_line, rest if rest.endswith("\n") else rest + "\n", fenced=False)
            parts += _editor_parts(after, path)
        return parts
    return [block]


def _code_block(block: Block, ctx: _Context, b: _Builder, seen: dict[tuple[str, str], int]) -> None:
    path = b.path
    lang, attrs = parse_fence_info(block.info, path, block.line) if block.fenced else ("", ())
    swallowed = _swallowed_line(block.info) if block.fenced else None
    if swallowed is not None and classify.looks_like_yaml_object(swallowed + "\n" + block.text):
        # "```apiVersion: v1": the manifest's first line written on the fence, where Markdown takes it for a language
        b.add(
            StepType.INVALID,
            block.line,
            ctx.section,
            "invalid fence",
            _take_annotation(ctx),
            text=block.text,
            content_line=block.content_line,
            error=f"`{swallowed}` is on the fence line, where Markdown reads it as the block's language: the reader's copy lacks it",
            error_line=block.line,
            file=ctx.file_content or ctx.file_hint,
        )
        ctx.file_hint = ctx.file_content = None
        return
    ann = _take_annotation(ctx)
    ann.update(dict(attrs))
    forced = ann.pop("type", None)
    if forced is not None and forced not in FORCEABLE_TYPES:
        raise LessonError(f"unknown step type '{forced}' (one of: {', '.join(sorted(FORCEABLE_TYPES))})", path, block.line)
    if "pod" in ann:
        forced = forced or "in-pod"
    content, first = block.text, block.content_line
    file_hint = ann.get("file") or ctx.file_content or ctx.file_hint
    if file_hint is None and ctx.drafted and lang not in classify.SHELL_LANGS:
        file_hint = ctx.drafted  # `vi pod.yaml`, then the YAML of the file as the reader leaves it
    if file_hint is None and ctx.edited and lang not in classify.SHELL_LANGS and classify.holds_k8s_yaml(block.text):
        file_hint = ctx.edited  # "Edit `env.yaml`", then the whole file as edited (a piece of it stays a piece)
    file_content_cue = ctx.file_content
    captioned, ctx.captioned = ctx.captioned and file_hint == ctx.file_hint, False
    ctx.file_hint = ctx.file_content = ctx.drafted = ctx.edited = None
    key = (lang, content)
    duplicate_of = seen.get(key)
    start_index = len(b.steps)
    output_cue, after_printing, alternative = ctx.output_cue, ctx.after_printing, ctx.alternative_cue
    ctx.output_cue, ctx.after_printing, ctx.alternative_cue = False, (), False

    printed = _cat_transcript(content, first) if forced is None and not output_cue else None
    if printed is not None:  # `$ cat pod.yaml` and what it printed: the file's content, shown
        name, text, text_first = printed
        if classify.holds_k8s_yaml(text):
            _yaml_block(block, text, text_first, name, ann, ctx, b, None, duplicate_of)
        else:
            _file_step(b, ctx, block, name, ann, text, content_line=text_first, duplicate_of=duplicate_of)
        return

    # content first, the fence's language second: a Kubernetes object is a manifest in any fence
    # (```python of a notebook, ```bash, ```console, none), and the text just said to be output is output
    k8s = lang not in classify.DOCKER_LANGS | classify.DIFF_LANGS and classify.holds_k8s_yaml(content)
    if forced is None and lang in classify.YAML_LANGS and not k8s and classify.heredoc_script(content):
        lang = "bash"  # ```yaml around `cat << EOF > demo-sa.yaml … EOF`: a command that writes the YAML, not the YAML
    is_yaml = lang in classify.YAML_LANGS or k8s
    if forced is None and lang in classify.DIFF_LANGS:
        _shown(b, ctx, block, ann, content, first, "diff", "a diff shown in the text")
    elif forced is None and lang in classify.OUTPUT_LANGS:
        _shown(b, ctx, block, ann, content, first, "output", f"output of a command (a `{lang}` block), shown in the text")
    elif forced is None and output_cue:
        _shown(b, ctx, block, ann, content, first, "output", "output of a command, shown in the text")
    elif forced in ("manifest", "fragment") or (forced is None and is_yaml):
        file_hint = file_hint or prose.comment_file(content)  # `# nextflow-pipeline.yaml` on the block's first line
        _yaml_block(block, content, first, file_hint, ann, ctx, b, forced, duplicate_of, after_printing, alternative, captioned)
    elif forced == "file" or (
        forced is None
        and (
            (file_content_cue and lang not in classify.SHELL_LANGS)
            or (captioned and not block.info)
            or (file_hint and content.lstrip().startswith("#!"))  # "create `entrypoint.sh` as follows:", its shebang
        )
    ):
        # "Create the file `x`:", or a bare fence under a caption that is only the file's name (`###### hello.c:`),
        # whatever its content looks like (`int main() {` is no shell function)
        name = file_hint or ann.get("file") or "file"
        _file_step(b, ctx, block, name, ann, content, content_line=first, duplicate_of=duplicate_of)
    elif forced == "other" or (forced is None and (lang in classify.DOCKER_LANGS or classify.looks_like_dockerfile(content))):
        _shown(
            b,
            ctx,
            block,
            ann,
            content,
            first,
            "dockerfile" if forced is None else "other",
            "Dockerfile" if forced is None else "marked as not runnable",
        )
    elif forced is None and lang in classify.TRANSCRIPT_LANGS and not classify.looks_like_shell(content):
        # ```console with no prompt and no line a reader would type: what a command printed (`v1/Pod my-pod  💥`), or
        # a note ("Note, this feature needs …"); a transcript's commands carry their prompts
        _shown(
            b, ctx, block, ann, content, first, "output", "output shown in a console block (no prompt, no command): not commands"
        )
    elif forced in ("command", "in-pod", "interactive") or (
        forced is None and (lang in classify.SHELL_LANGS or classify.looks_like_shell(content))
    ):
        _shell_block(block, content, first, ann, ctx, b, forced, duplicate_of)
    elif forced is None and lang in classify.TEXT_LANGS and classify.path_only(content):
        _shown(b, ctx, block, ann, content, first, "path", "a path mentioned in the text, not a command")
    elif forced is None and file_hint and lang not in classify.TEXT_LANGS:
        _file_step(b, ctx, block, file_hint, ann, content, content_line=first, duplicate_of=duplicate_of)
    else:
        reason = (
            f"{lang} code shown in the text"
            if lang and lang not in classify.TEXT_LANGS
            else "text or command output shown in the text"
        )
        b.add(StepType.OTHER, block.line, ctx.section, lang or "text", ann, text=content, content_line=first, reason=reason)
    if len(b.steps) > start_index:
        seen.setdefault(key, start_index)


def _yaml_block(
    block: Block,
    content: str,
    first: int,
    file_hint: str | None,
    ann: dict[str, str],
    ctx: _Context,
    b: _Builder,
    forced: str | None,
    duplicate_of: int | None,
    after_printing: tuple[tuple[str, str], ...] = (),
    alternative: bool = False,
    captioned: bool = False,
) -> None:
    result = read_yaml(content, first)
    callout = classify.callout(content) if forced is None else None
    explained = classify.explained_fields(content, not result.error) if forced is None and callout is None else None
    figure = (
        f"marks such as `{callout}` point at lines the text explains"  # `kind: Pod <- 2`, then a numbered list
        if callout is not None
        else f"`{explained}` explains a field after a dash"  # `name: my-config - name of the ConfigMap`
        if explained is not None
        else None
    )
    if figure is not None:  # what each line or field means: a figure, not a file
        _shown(b, ctx, block, ann, content, first, "annotated", f"an annotated manifest: {figure}, not part of a file")
        return
    if result.error and forced is None and (classify.elided_yaml(content) or not classify.looks_like_yaml_object(content)):
        # `...` standing for what the text leaves out, or YAML-fenced text that is no object (`Events:` of describe)
        why = "an abbreviated manifest (`...` stands for what the text leaves out)" if classify.elided_yaml(content) else None
        b.add(
            StepType.FRAGMENT if why else StepType.OTHER,
            block.line,
            ctx.section,
            "fragment" if why else "text",
            ann,
            text=content,
            content_line=first,
            reason=why or "YAML-fenced text that is no Kubernetes object (it does not parse as YAML either)",
        )
        return
    if result.error:
        b.add(
            StepType.INVALID,
            block.line,
            ctx.section,
            "invalid yaml",
            ann,
            text=content,
            content_line=first,
            error=result.error,
            error_line=result.error_line,
            file=file_hint,
        )
        return
    if forced is None and classify.only_the_top(content, result.documents):
        why = "an abbreviated manifest (`...` stands for what the text leaves out)"
        b.add(StepType.FRAGMENT, block.line, ctx.section, "fragment", ann, text=content, content_line=first, reason=why)
        return
    kind, reason = classify.yaml_kind(result)
    if forced == "fragment":
        kind, reason = "fragment", "marked as a fragment"
    shown = classify.output_fields(result.documents) if forced is None else []
    if captioned and file_hint:
        # `### amd-device-plugin-daemon.yaml` over what `kubectl get -o yaml` printed: the page gives that dump as the
        # file (the API server takes it: it ignores status and a resourceVersion on create, as measured)
        shown = []
    if shown or (forced is None and not file_hint and classify.shows_printed(result.objects, after_printing)):
        why = f"it carries {', '.join(shown)}" if shown else "it follows a command that prints objects"
        _shown(b, ctx, block, ann, content, first, "output", f"output of a command, not a manifest ({why})")
        return
    unknown = [(o, why) for o in result.objects if (why := unknown_kind(o.api_version, o.kind))]
    if kind == "manifest" and unknown:
        obj, bad_kind = unknown[0]
        b.add(
            StepType.INVALID,
            block.line,
            ctx.section,
            "unknown kind",
            ann,
            text=content,
            content_line=first,
            error=bad_kind,
            error_line=obj.positions.line(("kind",)) if obj.positions else obj.line,
            file=file_hint,
        )
        return
    if kind == "manifest":
        obj = result.objects[0]
        slug = f"{obj.kind} {obj.name or obj.generate_name or ''}"
        b.add(
            StepType.MANIFEST,
            block.line,
            ctx.section,
            slug,
            ann,
            text=content,
            content_line=first,
            objects=result.objects,
            file=file_hint,
            duplicate_of=duplicate_of,
            alternative=alternative,
        )
        for o in result.objects:
            if o.kind in ("Pod", "Job"):
                ctx.last_workload = (o.kind, o.name or o.generate_name or "")
    elif kind == "other":
        b.add(StepType.OTHER, block.line, ctx.section, "workflow", ann, text=content, content_line=first, reason=reason)
    elif file_hint and forced != "fragment" and not _indented(content):
        _file_step(b, ctx, block, file_hint, ann, content, content_line=first, duplicate_of=duplicate_of)
    elif file_hint and forced is None:
        # "Examine the contents of `gpu-pod.yaml`. The following block …": an indented piece of that file, not all of it
        b.add(
            StepType.FRAGMENT,
            block.line,
            ctx.section,
            "fragment",
            ann,
            text=content,
            content_line=first,
            file=file_hint,
            reason=f"a piece of {file_hint}, shown in the text",
        )
    else:
        b.add(StepType.FRAGMENT, block.line, ctx.section, "fragment", ann, text=content, content_line=first, reason=reason)


def _cat_transcript(content: str, first: int) -> tuple[str, str, int] | None:
    """A console transcript of one `cat FILE` and what it printed: (FILE, its content, the content's first line).

    The reader is shown a file by the command that prints it; the runner
    writes that file, as it writes any file the text shows.
    """
    if not has_prompts(content):
        return None
    typed = [c for c in split_commands(content, first) if c.text.strip()]
    if len(typed) != 1 or typed[0].prompt is None:
        return None
    words = segments(typed[0].text)
    if len(words) != 1 or len(words[0]) != 2 or words[0][0] != "cat" or words[0][1].startswith(("-", "/", "~", "$")):
        return None  # `cat /etc/os-release`: what a file of the machine holds, not a file of the tutorial's
    if ".." in words[0][1].split("/") or typed[0].prompt.root:
        return None
    lines = content.split("\n")
    start = typed[0].line - first + 1
    end = next((k for k in range(start, len(lines)) if prompts.match(lines[k]) or lines[k].strip() == "$"), len(lines))
    text = "\n".join(lines[start:end]).strip("\n")
    return (words[0][1], text + "\n", first + start) if text.strip() else None


def _swallowed_line(info: str) -> str | None:
    """A fence's info string that is a line of YAML (`apiVersion: v1`), not a language."""
    text = info.strip()
    return text if re.fullmatch(r"[A-Za-z][\w.-]*:\s+\S.*", text) else None


def _indented(content: str) -> bool:
    """Does the block start indented (a piece cut from a larger document, not a whole file)?"""
    first = next((line for line in content.splitlines() if line.strip() and not line.lstrip().startswith("#")), "")
    return first[:1] in (" ", "\t")


def _file_step(b: _Builder, ctx: _Context, block: Block, name: str, ann: dict[str, str], text: str, **extra: Any) -> None:
    """A block (or sentence) the reader saves as `name`: the runner writes it into the workdir."""
    b.add(StepType.FILE, block.line, ctx.section, f"create {name}", ann, file=name, action="create", text=text, **extra)
    ctx.local_files.add(name)


def _shell_block(
    block: Block,
    content: str,
    first: int,
    ann: dict[str, str],
    ctx: _Context,
    b: _Builder,
    forced: str | None,
    duplicate_of: int | None,
) -> None:
    pod = ann.get("pod") or ctx.pod
    pod_kind = ("Pod" if ann.get("pod") else ctx.pod_kind) if pod else None
    commands = ctx.commands.get((content, first)) or split_commands(content, first)
    if not commands and content.strip():
        _shown(b, ctx, block, ann, content, first, "text", "no command in the block")
        return
    in_table = False
    said = captions.read(content, first) if forced is None else captions.Captions({}, ())
    written: set[str] = set()
    for cmd in commands:
        ctx.drafted = classify.file_drafted(cmd.text) if cmd.prompt is not None or forced is None else None
        shown = said.file_at(cmd.line)
        if shown is not None:
            # `# conf/game.properties` over `enemies.cheat=true` lines: that file's content, shown in the shell block
            if shown.name not in written:
                written.add(shown.name)
                b.add(
                    StepType.FILE,
                    shown.line,
                    ctx.section,
                    f"create {shown.name}",
                    ann,
                    file=shown.name,
                    action="create",
                    text=shown.text,
                    content_line=shown.line,
                    reason=f"the content of {shown.name}, named by the comment at line {shown.caption_line}",
                )
                ctx.local_files.add(shown.name)
            continue
        if cmd.line in said.other_shell:
            at, shell_name = said.other_shell[cmd.line]
            _not_run(b, ctx, cmd, ann, "elsewhere", f"typed in {shell_name} (the comment at line {at}), not in this shell")
            continue
        if cmd.line in said.output:
            _not_run(
                b,
                ctx,
                cmd,
                ann,
                "output",
                f"output of a command, as the comment at line {said.output[cmd.line]} says; not a command",
            )
            continue
        if (
            forced is None
            and cmd.prompt is None
            and (in_table or classify.table_header(cmd.text) or classify.kubectl_said(cmd.text))
        ):
            # `NAME  READY  STATUS` and the rows under it, `deployment.apps/web created`: what a command printed
            in_table = in_table or classify.table_header(cmd.text)
            _not_run(b, ctx, cmd, ann, "output", "output of a command, shown in a shell block; not a command")
            continue
        yaml_line, option, note = classify.is_yaml_line(cmd.text), classify.is_option_only(cmd.text), classify.note_line(cmd.text)
        odd = classify.not_a_program(cmd.text) if cmd.prompt is None else None
        if forced is None and (yaml_line or option or note or odd):
            # safety: a line of YAML (`apiVersion: v1`, `- name: x`), a lone option, a note, a `key.x=value` setting or
            # `...` is never run as a command
            what = (
                "a line of YAML"
                if yaml_line
                else "a note to the reader"
                if note
                else odd
                if odd
                else "an option of some other command"
            )
            _not_run(b, ctx, cmd, ann, "not a command", f"{what}, shown in a shell block; not a command")
            continue
        if forced is None and not ann.get("pod") and ctx.program is not None:
            typed = _typed_into_program(cmd, ctx)
            if typed is not None:
                _not_run(b, ctx, cmd, ann, "typed in a program", typed)
                continue
        if forced is None and not ann.get("pod"):
            place = ctx.machines.place(cmd, ctx.pod, ctx.entered_at, ctx.remote)
            if place.where in ("program", "elsewhere", "leave"):
                _not_run(b, ctx, cmd, ann, "elsewhere", place.reason)
                if place.where == "leave":
                    ctx.pod = ctx.pod_kind = ctx.entered_at = ctx.remote = None
                    pod = pod_kind = None
                continue
            if place.where == "home":
                ctx.pod = ctx.pod_kind = ctx.entered_at = ctx.remote = None
                pod = pod_kind = None
        if not ann.get("pod") and ctx.pod and not pod:  # `kubectl exec -it POD -- bash` earlier in this block
            pod, pod_kind = ctx.pod, ctx.pod_kind
        segs = segments(cmd.text)
        host = bool(segs) and segs[0][0] in ("kubectl", "oc", "helm", "kind", "minikube")
        reason = classify.interactive_reason(segs) or classify.endless_loop(cmd.text)
        first_word = segs[0][0] if segs and segs[0] else cmd.text.split()[0]
        extra = {"command": cmd.text, "text": cmd.text, "duplicate_of": duplicate_of}
        if forced == "interactive" or (forced is None and reason):
            target = classify.exec_pod(segs)
            b.add(
                StepType.INTERACTIVE,
                cmd.line,
                ctx.section,
                " ".join(segs[0][:3]) if segs else "interactive",
                ann,
                reason=reason or "marked as interactive",
                pod=target,
                **extra,
            )
            program = classify.typed_into(segs)
            started = classify.run_pod(segs)
            if program:
                ctx.program = (program, cmd.line)
            elif target or started:
                ctx.pod, ctx.pod_kind = target or started, "Pod"
                if not ann.get("pod"):  # the lines after it in this block are typed there, not in a pod entered before
                    pod, pod_kind = ctx.pod, ctx.pod_kind
                ctx.container = (target, classify.exec_container(segs)) if target else None
                ctx.pod_namespace = classify.exec_namespace(segs) if target else None
                ctx.entered_at = cmd.prompt.machine if cmd.prompt else None
            elif (host_name := classify.ssh_host(segs)) is not None:
                ctx.remote = host_name
            continue
        if forced == "in-pod" or (forced is None and pod and not host):
            entered = ctx.container[1] if ctx.container and ctx.container[0] == pod and "container" not in ann else None
            if entered:  # `kubectl exec -it web -c sidecar -- sh`: typed in that container
                extra["container"] = entered
            if ctx.container and ctx.container[0] == pod and ctx.pod_namespace and "pod" not in ann:
                extra["pod_namespace"] = ctx.pod_namespace  # `kubectl exec -it web -n lab -- sh`: that namespace's pod
            b.add(
                StepType.IN_POD, cmd.line, ctx.section, f"in pod {first_word}", ann, pod=pod, pod_kind=pod_kind or "Pod", **extra
            )
            continue
        folder = cmd.prompt.folder if cmd.prompt and cmd.prompt.folder not in (None, "~", "") else None
        # `# Denied operations` over it: the text expects a refusal
        said_fails = (
            (cmd.line in said.failing or ctx.section_fails) and "expect" not in ann and not bash.handles_failure(cmd.text)
        )
        own = {**ann, "expect": "fail"} if said_fails else ann
        b.add(StepType.COMMAND, cmd.line, ctx.section, " ".join(segs[0][:3]) if segs else first_word, own, folder=folder, **extra)
        for seg in segs:
            call = kubectl.parse(seg)
            if call and call.creates and call.creates[0] in ("Pod", "Job"):
                ctx.last_workload = call.creates
        ctx.after_printing = classify.printed_objects(cmd.text)


def _not_run(b: _Builder, ctx: _Context, cmd: Command, ann: dict[str, str], slug: str, reason: str | None) -> None:
    """A line of a shell block that is not run here (output, a note, another shell's, typed elsewhere), and why."""
    b.add(StepType.OTHER, cmd.line, ctx.section, slug, ann, text=cmd.text, content_line=cmd.line, reason=reason)


def _typed_into_program(cmd: Command, ctx: _Context) -> str | None:
    """Why a line is not run: it is typed into the program the reader started (`redis-cli`, `python3`); None: back in a shell.

    A cluster command (`kubectl …`) means the reader is back at a shell; `exit`,
    `quit` and `\\q` leave the program.
    """
    assert ctx.program is not None
    name, started = ctx.program
    segs = segments(cmd.text)
    first = segs[0][0] if segs and segs[0] else cmd.text.strip().split(" ")[0]
    if first in CLUSTER_CLIENTS:
        ctx.program = None
        return None
    if first in ("exit", "quit", "exit()", "quit()", "\\q", ".exit", "q()"):
        ctx.program = None
        return f"leaves `{name}`"
    return f"typed in `{name}` (started at line {started}), not in a shell"


_ANY_CONTENT = "the reader writes any content"


def _solution_blocks(steps: list[Step]) -> list[Step]:
    """ "Create a file called `nfs-deployment.yaml` for an nginx webserver", then a manifest with no name of its own
    (a solution, often folded): that manifest is the file's content, not anything the reader likes."""
    out = list(steps)
    for i, step in enumerate(steps):
        if not (step.type is StepType.FILE and step.action == "create" and step.reason == _ANY_CONTENT and step.file):
            continue
        k = next((k for k in range(i + 1, len(steps)) if steps[k].type is not StepType.OTHER), None)
        if k is None:
            continue
        block = steps[k]
        if block.type is StepType.MANIFEST and not block.file and block.section == step.section:
            out[k] = replace(block, file=step.file)
            why = f"names {step.file}, whose content the block at line {block.line} shows"
            out[i] = replace(step, type=StepType.OTHER, file=None, reason=why)
    return out


def _own_namespace(steps: list[Step]) -> list[Step]:
    """`kubectl create namespace rbac-lab`, `kubectl config set-context --current --namespace=rbac-lab`: the namespace a
    tutorial makes its current one is the reader's own, as `default` is when it names none. So it is written `default`
    wherever a command or a manifest names it as a namespace (`-n rbac-lab`, `namespace: rbac-lab`, a RoleBinding's
    subject, `--serviceaccount=rbac-lab:viewer`), and the run, which keeps its own namespace, reads the page as it does
    one that never switches. Only one namespace switched to: a page that moves between several shows them apart."""
    switched: set[str] = set()
    for step in steps:
        if step.type is StepType.COMMAND and step.command:
            for words in segments(step.command):
                call = kubectl.parse(words) if words and words[0] in ("kubectl", "oc") else None
                if call is not None and call.verb == "config" and call.args[:1] == ("set-context",):
                    switched.add(call.flag("--namespace") or "")
                elif words and words[0] == "kubens" and len(words) == 2:
                    switched.add(words[1])
    switched.discard("")
    switched.discard(READERS_NAMESPACE)
    if len(switched) != 1:
        return steps
    name = switched.pop()
    if not re.fullmatch(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?", name):
        return steps  # `$NS`, `<your-namespace>`: a value the run fills, not a name to read
    n = re.escape(name)
    says_default = re.compile(
        r"(?:^|\s)(?:-n|--namespace)(?:[ \t]+|=)['\"]?default\b|^[ \t-]*namespace:[ \t]*['\"]?default\b", re.M
    )
    switching = re.compile(r"\bconfig[ \t]+set-context\b[^\n;|&]*")  # (switching back to default at the end names no other)
    if any(says_default.search(switching.sub("", s.command or s.text or "")) for s in steps if s.type is not StepType.OTHER):
        return steps  # the page names `default` too, as another namespace ("view pods in other namespaces: -n default")
    in_commands = [
        (
            re.compile(rf"((?:^|\s)(?:-n|--namespace)(?:[ \t]+|=)['\"]?){n}(?=['\"]?(?:[\s;|&)]|$))", re.M),
            rf"\g<1>{READERS_NAMESPACE}",
        ),
        (re.compile(rf"((?:--serviceaccount[= ]['\"]?|system:serviceaccount:)){n}:"), rf"\g<1>{READERS_NAMESPACE}:"),
        (
            re.compile(rf"(\b(?:create|delete|get|describe)[ \t]+(?:namespace|namespaces|ns)[ \t]+){n}(?=[\s;|&)]|$)", re.M),
            rf"\g<1>{READERS_NAMESPACE}",
        ),
    ]
    in_yaml = re.compile(rf"^([ \t-]*namespace:[ \t]*['\"]?){n}(?=['\"]?[ \t]*(?:#.*)?$)", re.M)
    out = []
    for step in steps:
        if step.type is StepType.COMMAND and step.command:
            command = in_yaml.sub(rf"\g<1>{READERS_NAMESPACE}", step.command)
            for pattern, repl in in_commands:
                command = pattern.sub(repl, command)
            if command != step.command:
                step = replace(step, command=command)
        elif step.type in (StepType.MANIFEST, StepType.FILE) and in_yaml.search(step.text):
            step = replace(step, text=in_yaml.sub(rf"\g<1>{READERS_NAMESPACE}", step.text))
            if step.type is StepType.MANIFEST:
                step = replace(step, objects=read_yaml(step.text, step.content_line or step.line + 1).objects)
        out.append(step)
    return out


def _expand_aliases(steps: list[Step]) -> list[Step]:
    """`alias k="kubectl -n ns"` then `k get pods`: every later command on the same machine is read, and run, as bash
    runs it with the alias expanded, so that what `k` makes, applies and needs is known like kubectl's."""
    aliases: dict[str, str] = {}
    out = []
    for step in steps:
        if step.type is StepType.COMMAND and step.command:
            expanded = bash.expand_aliases(step.command, aliases)
            aliases.update(bash.alias_definitions(step.command))
            if expanded != step.command:
                step = replace(step, command=expanded)
        out.append(step)
    return out


def _link_files(steps: list[Step]) -> list[Step]:
    """A manifest whose file a command applies (`kubectl create -f s1.yaml`) is applied by that command.

    A tutorial may also show a manifest without naming its file and apply it
    with the very next block (`kubectl apply -f ./secret.yaml`): a manifest
    with no file name, directly followed by a command that applies a file the
    tutorial never shows, is that file.
    """
    shown = {plain_file(s.file) for s in steps if s.file and s.type in (StepType.MANIFEST, StepType.FILE, StepType.INVALID)}
    named: dict[int, str] = {}
    applied_by_command: set[str] = set()

    def applied(step: Step) -> list[str]:
        calls = ((kubectl.parse(seg), stdin) for seg, stdin in piped(step.command or "") if step.type is StepType.COMMAND)
        return [
            plain_file(f)
            for call, stdin in calls
            if call and call.verb in ("create", "apply", "replace")
            for f in given_files(call.files, stdin)  # `envsubst < app.yaml | kubectl apply -f -` applies app.yaml
            if f != "-" and "://" not in f and not f.endswith("/")  # (`apply -f kubernetes/`: a folder, no block's name)
        ]

    # first what is plainest: an unnamed manifest, then a command that applies one file nobody shows (and that no other
    # block's objects describe better)
    for i in range(len(steps)):
        before = _previous_block(steps, i, across_headings=True)
        if before is None or before.type is not StepType.MANIFEST or before.file or before.index in named:
            continue
        unshown = [f for f in dict.fromkeys(applied(steps[i])) if f not in shown]
        if not unshown and before.section == steps[i].section:
            # "Modify the pod.yaml file so that…", the Pod again, then `kubectl create -f pod.yaml`: its new version
            again = [f for f in dict.fromkeys(applied(steps[i])) if _same_objects(steps, f, before)]
            if len(again) == 1:
                named[before.index] = again[0]
                continue
        if before.section != steps[i].section:  # under a new heading ("## Deploy the Pod"): only a file of its kinds
            unshown = [f for f in unshown if _fits_kinds(f, before)]
        if len(unshown) == 1 and _shown_as(steps, i, unshown[0], named) in (None, before):
            named[before.index] = unshown[0]
            shown.add(unshown[0])
    for i, step in enumerate(steps):
        if step.type is not StepType.COMMAND or not step.command:
            continue
        for seg, stdin in piped(step.command):
            call = kubectl.parse(seg)
            if not (call and call.verb in ("create", "apply", "replace") and call.files):
                continue
            files = [plain_file(f) for f in given_files(call.files, stdin) if f != "-" and "://" not in f]
            # `kubectl apply -f crd/person.yaml,crd/pet.yaml` right after two unnamed blocks: those files, in order
            unshown = [f for f in files if f not in shown and not f.endswith("/") and f not in (".", "..")]
            run = _unnamed_blocks_before(steps, i, named)
            if len(unshown) > 1 and len(run) >= len(unshown):
                for block, f in zip(run[-len(unshown) :], unshown, strict=True):
                    named[block.index] = f
                    shown.add(f)
            for f in files:
                applied_by_command.add(f)
                if f.endswith("/") or f in (".", ".."):
                    continue  # a folder the command applies: its files are named elsewhere
                if f in shown:
                    continue
                before = _shown_as(steps, i, f, named) or _previous_block(steps, i)
                if before is not None and before.type is StepType.MANIFEST and not before.file and before.index not in named:
                    named[before.index] = f
                    shown.add(f)
    # a block saved under a name no command uses, and a file applied that no block shows, with the same base name:
    # one file (`**manifest/html-vol.yaml**` over the block, `kubectl create -f manifests/html-vol.yaml`; "save it as
    # job_example.yml", `kubectl create -f ./path/to/job_example.yml`)
    blocks = [s for s in steps if s.type in (StepType.MANIFEST, StepType.FILE, StepType.INVALID)]
    names = {s.index: plain_file(named.get(s.index) or s.file or "") for s in blocks}
    for f in sorted(applied_by_command - set(names.values())):
        same = [
            i for i, n in names.items() if n and posixpath.basename(n) == posixpath.basename(f) and n not in applied_by_command
        ]
        if len(same) == 1 and "<" not in f:
            named[same[0]] = names[same[0]] = f
    # `sed 's/x/y/' prod-deployment-template.yaml > prod-deployment.yaml`: a command that reads the file (a template)
    read_by_command = {
        plain_file(w)
        for s in steps
        if s.type is StepType.COMMAND and s.command
        for words in segments(s.command)
        if words[0] not in ("kubectl", "oc")  # (kubectl's files: applied above, or deleted, read, diffed as they are)
        for w in words[1:]
        if not w.startswith("-")
    }
    out = []
    for step in steps:
        if step.index in named:
            step = replace(step, file=named[step.index])
        if step.type is StepType.MANIFEST and step.file and plain_file(step.file) in applied_by_command and step.apply:
            step = replace(step, apply=False, reason=f"applied by the tutorial's own command (kubectl ... -f {step.file})")
        elif step.type is StepType.MANIFEST and step.file and plain_file(step.file) in read_by_command and step.apply:
            step = replace(step, apply=False, reason=f"written as {step.file}, which a command of the tutorial reads")
        out.append(step)
    return out


def _same_objects(steps: list[Step], name: str, block: Step) -> bool:
    """Does the file `name`, as last shown before `block`, hold the same objects (kind and name) as `block`?"""
    shown = [s for s in steps[: block.index] if s.type is StepType.MANIFEST and s.file and plain_file(s.file) == name]
    mine = {(o.kind, o.name) for o in block.objects if o.name}
    return bool(shown) and bool(mine) and mine == {(o.kind, o.name) for o in shown[-1].objects if o.name}


def _shown_as(steps: list[Step], i: int, name: str, named: dict[int, str]) -> Step | None:
    """The unnamed manifest block whose content the file name describes, for the command at step `i`.

    (`kubectl apply -f myapp.yaml` after a Pod `myapp-pod` and a block of Services; then
    `kubectl apply -f services.yaml`.) The latest such block of the section before the command
    wins (an earlier one was shown again); else the first one after it, within the next few
    blocks ("create -f <pvc-spec-yaml>", "example pvc spec yaml below").
    """
    stem = posixpath.splitext(posixpath.basename(name))[0].lower().strip("<>")
    if len(stem) < 3:
        return None
    words = set(re.split(r"[^a-z0-9]+", stem))
    kinds = {k.lower() for k in (kubectl.kind_of(w) for w in words) if k}

    def describes(step: Step) -> bool:
        if step.type is not StepType.MANIFEST or step.file or step.index in named:
            return False
        for obj in step.objects:
            kind, obj_name = obj.kind.lower(), (obj.name or obj.generate_name or "").lower().rstrip("-")
            if (obj_name and (stem in obj_name or obj_name in stem)) or stem.rstrip("s") == kind or kind in kinds:
                return True
        return False

    section = steps[i].section
    for step in reversed(steps[:i]):
        if step.section != section:
            break
        if describes(step):
            return step
    for step in steps[i + 1 : i + 8]:
        if step.type is StepType.COMMAND and any(
            call and call.verb in ("create", "apply", "replace") and call.files
            for call in (kubectl.parse(seg) for seg in segments(step.command or ""))
        ):
            break  # another command applies files: blocks after it are its
        if describes(step):
            return step
    # anywhere before, in any section: the one unnamed block with an object of exactly that name (`mongodb-deployment`
    # for `apply -f mongodb-deployment.yaml`), or that name and its kind (`mongo-express` for mongo-express-deployment)
    if name.startswith(("~", "/", "$")):  # (a file of the reader's own checkout: the block only shows it)
        return None
    exact = [step for step in steps[:i] if _named_exactly(step, stem, named)]
    return exact[0] if len(exact) == 1 else None


def _named_exactly(step: Step, stem: str, named: dict[int, str]) -> bool:
    if step.type is not StepType.MANIFEST or step.file or step.index in named:
        return False
    for obj in step.objects:
        kind, obj_name = obj.kind.lower(), (obj.name or "").lower()
        if obj_name and stem in (obj_name, f"{obj_name}-{kind}", f"{kind}-{obj_name}"):
            return True
    return False


def _unnamed_blocks_before(steps: list[Step], i: int, named: dict[int, str]) -> list[Step]:
    """The unnamed manifest blocks just before step `i`, one after another (nothing but prose and headings between),
    in the text's order."""
    out: list[Step] = []
    k = i - 1
    while k >= 0 and steps[k].type is StepType.MANIFEST and not steps[k].file and steps[k].index not in named:
        out.insert(0, steps[k])
        k -= 1
    return out


def _previous_block(steps: list[Step], i: int, across_headings: bool = False) -> Step | None:
    """The step just before step `i` when it is of another block of the same section (only prose between), or with
    `across_headings` of any section before (only prose and headings between)."""
    if i == 0:
        return None
    prev = steps[i - 1]
    same = prev.section == steps[i].section or across_headings
    return prev if same and prev.line < steps[i].line else None


def _fits_kinds(name: str, block: Step) -> bool:
    """Does a file name that names kinds (`service.yaml`, `nginx-pod.yml`) name one of the block's? A name that names
    no kind (`interlink-pod.yaml` names Pod; `app.yaml` none) fits any block."""
    stem = posixpath.splitext(posixpath.basename(name))[0].lower()
    kinds = {k for k in (kubectl.kind_of(w) for w in re.split(r"[^a-z0-9]+", stem)) if k}
    return not kinds or any(obj.kind in kinds for obj in block.objects)
