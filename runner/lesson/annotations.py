"""Our lesson annotations: front matter, `<!-- step: ... -->`, `<!-- check: ... -->`, `<!-- run: ... -->`, fence attributes.

They add what inference cannot know without changing how the Markdown renders
on GitHub or MkDocs: HTML comments are invisible there, and a fence info string
like ```` ```yaml {file=s1.yaml} ```` still highlights as YAML. Unknown keys are
errors at their line, so a typo in an annotation is never silently ignored.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from typing import Any

from runner.core.errors import LessonError
from runner.lesson.model import LessonMeta, Placeholder, RubricItem
from runner.syntax.yaml import read_yaml

STEP_KEYS = {
    "id": "a stable id for the step (pytest item name, rubric key)",
    "file": "the file name the block is saved under in the run's working directory",
    "apply": "true/false: whether the runner applies this manifest itself",
    "skip": "never run this step; the value is the reason",
    "wait": "what to wait for after the step: ready, running, succeeded, complete, bound, deleted, none",
    "timeout": "how long the wait may take (e.g. 90s, 2m)",
    "pod": "run the block's commands inside this pod (or a pod of this Job)",
    "container": "the container for in-pod commands",
    "expect": "fail: the command must fail; success (default)",
    "requires": "comma-separated requirements (gpu, network, storage-class:NAME, object:KIND/NAME)",
    "instead": "for an interactive step: the command to run instead",
    "noqa": "comma-separated lint rules silenced on this step",
    "type": "force the step type: manifest, fragment, command, in-pod, interactive, file, other",
}
WAIT_VALUES = {"ready", "running", "succeeded", "complete", "bound", "deleted", "none", "exists"}
MAX_DURATION = 7 * 24 * 3600  # seconds: a wait or a timeout longer than a week is a typo
MAX_POINTS = 1_000_000  # points of one check: so that totals stay finite numbers
FRONT_MATTER_KEYS = {"id", "title", "description", "placeholders", "requires", "rubric", "shared_namespace", "quota"}
# keys only our lessons use: front matter without any of them belongs to the site generator
OUR_KEYS = FRONT_MATTER_KEYS - {"title", "description"}
# keys of Hugo, Jekyll, MkDocs, Docusaurus, Sphinx/MyST front matter: ignored, also beside ours; a typo of one
# of our keys is still an error
SITE_KEYS = {
    "aliases", "api_metadata", "audience", "author", "authors", "body_class", "build", "card", "cascade",
    "categories", "content_type", "custom_edit_url", "date", "difficulty", "draft", "duration", "excerpt",
    "expiryDate", "feature", "featured", "grand_parent", "has_children", "hide", "hide_summary",
    "hide_table_of_contents", "hide_title", "html_meta", "icon", "image", "images", "jupyter", "jupytext",
    "kernelspec", "keypoints", "keywords", "last_update", "lastmod", "layout", "level", "linkTitle", "linktitle",
    "main_menu", "math", "menu", "myst", "nav_exclude", "nav_order", "no_list", "objectives", "orphan", "outputs",
    "overview", "pagination_next", "pagination_prev", "parent", "permalink", "publishDate", "published", "questions",
    "redirect_from", "resources", "reviewers", "search", "series", "sidebar_class_name", "sidebar_label",
    "sidebar_position", "simple_list", "sitemap", "slug", "status", "subtitle", "summary", "tags", "template", "time",
    "toc", "toc_hide", "translationKey", "type", "url", "weight",
}  # fmt: skip
PLACEHOLDER_KEYS = {"default", "required", "description"}


@dataclass(frozen=True)
class Annotation:
    kind: str  # "step" or "check"
    line: int
    values: tuple[tuple[str, str], ...]
    check: str | None = None
    command: str | None = None  # run: the command the runner runs there (the prose asks for it, shows none)

    def get(self, key: str, default: str | None = None) -> str | None:
        return dict(self.values).get(key, default)


_ANNOTATION = re.compile(r"^(step|check|run)\s*:\s*(.*)$", re.S)


def parse_comment(text: str, path: str, line: int) -> Annotation | None:
    """An HTML comment's text as an annotation, or None when it is not one of ours."""
    m = _ANNOTATION.match(text.strip())
    if not m:
        return None
    kind, rest = m.group(1), m.group(2).strip()
    if kind == "run":
        if not rest:
            raise LessonError("a run annotation needs a command: <!-- run: kubectl delete pod NAME -->", path, line)
        return Annotation("run", line, (), command=" ".join(rest.split("\n")).strip())
    try:
        words = shlex.split(rest.replace("\n", " "))
    except ValueError as exc:
        raise LessonError(f"cannot read annotation: {exc}", path, line) from None
    if kind == "check":
        if not words or "=" in words[0]:
            raise LessonError("a check annotation needs a check name: <!-- check: NAME key=value ... -->", path, line)
        name, pairs = words[0], _pairs(words[1:], path, line, known=None)
        return Annotation("check", line, pairs, check=name)
    return Annotation("step", line, _pairs(words, path, line, known=STEP_KEYS))


def parse_fence_info(info: str, path: str, line: int) -> tuple[str, tuple[tuple[str, str], ...]]:
    """Split a fence info string into its language and `{key=value}` attributes.

    ```` ```{yaml} ```` (MyST) is a language in braces, not attributes.
    """
    info = info.strip()
    attrs: tuple[tuple[str, str], ...] = ()
    m = re.search(r"\{([^}]*)\}\s*$", info)
    if m and "=" in m.group(1):
        inner = m.group(1)
        info = info[: m.start()].strip()
        try:
            words = shlex.split(inner)
        except ValueError as exc:
            raise LessonError(f"cannot read fence attributes: {exc}", path, line) from None
        attrs = _pairs([w.lstrip("#.") for w in words if not w.startswith((".", "#"))], path, line, known=STEP_KEYS)
    lang = info.split()[0] if info.split() else ""
    lang = lang.strip("{}").lower()
    return lang, attrs


def _pairs(words: list[str], path: str, line: int, known: dict[str, str] | None) -> tuple[tuple[str, str], ...]:
    out = []
    for word in words:
        key, sep, value = word.partition("=")
        key = key.strip()
        if known is not None and key not in known:
            raise LessonError(f"unknown annotation key '{key}' (known: {', '.join(sorted(known))})", path, line)
        if known is not None and key == "wait" and value and value not in WAIT_VALUES:
            raise LessonError(f"unknown wait condition '{value}' (one of: {', '.join(sorted(WAIT_VALUES))})", path, line)
        if known is not None and key == "timeout":
            parse_duration(value, path, line)
        if known is not None and key == "expect" and value not in ("fail", "failure", "success"):
            raise LessonError(f"expect must be 'fail' or 'success', not '{value}'", path, line)
        out.append((key, value if sep else "true"))
    return tuple(out)


def parse_duration(value: str, path: str, line: int) -> float:
    """`90s`, `2m`, `1.5h` as seconds: at most `MAX_DURATION` (so a timeout is always a finite number)."""
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*", value)
    if not m:
        raise LessonError(f"cannot read duration '{_short(value)}' (use e.g. 90s, 2m)", path, line)
    number, unit = float(m.group(1)), m.group(2) or "s"
    seconds = number * {"ms": 0.001, "s": 1, "m": 60, "h": 3600}[unit]
    if not seconds <= MAX_DURATION:
        raise LessonError(f"duration '{_short(value)}' is too long (at most {MAX_DURATION // 3600:g}h)", path, line)
    return seconds


def _short(value: str, limit: int = 40) -> str:
    """A value quoted in a message, cut to a readable length."""
    return value if len(value) <= limit else value[:limit] + "..."


def parse_front_matter(text: str, path: str, first_line: int, default_id: str, default_title: str) -> LessonMeta:
    """Front matter YAML -> LessonMeta; errors point at the offending key's line."""
    result = read_yaml(text, first_line, with_positions=True)
    if result.error:
        problem = result.error.removeprefix("YAML does not parse: ")
        message = f"front matter is not valid YAML: {problem}" if problem != result.error else f"front matter: {result.error}"
        raise LessonError(message, path, result.error_line or first_line)
    if len(result.documents) > 1:
        raise LessonError("front matter must be one YAML document", path, first_line)
    data = result.documents[0] if result.documents else None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise LessonError("front matter must be a mapping of keys", path, first_line)
    lines = {str(p[0]): line for p, line in result.positions[0].key.items() if len(p) == 1} if result.positions else {}
    keys = set(map(str, data))
    if not OUR_KEYS & keys and not any(_near_ours(k) for k in keys - SITE_KEYS - FRONT_MATTER_KEYS):
        return _site_meta(data, default_id, default_title)
    for key in data:
        if key not in FRONT_MATTER_KEYS and str(key) not in SITE_KEYS:
            raise LessonError(
                f"unknown front matter key '{key}' (known: {', '.join(sorted(FRONT_MATTER_KEYS))})",
                path,
                lines.get(str(key), first_line),
            )

    def need(cond: bool, key: str, message: str) -> None:
        if not cond:
            raise LessonError(f"front matter '{key}': {message}", path, lines.get(key, first_line))

    lesson_id = data.get("id", default_id)
    need(
        isinstance(lesson_id, str) and re.fullmatch(r"[a-z0-9][a-z0-9_-]*", lesson_id or "") is not None,
        "id",
        "must be lower-case letters, digits, - or _",
    )
    title = data.get("title", default_title)
    need(isinstance(title, str), "title", "must be text")
    placeholders = [Placeholder("username", required=True, description="the participant's username (--user)")]
    raw_ph = data.get("placeholders") or {}
    need(isinstance(raw_ph, dict), "placeholders", "must map a name to its default or to {default, required, description}")
    for name, spec in raw_ph.items():
        need(
            isinstance(name, str) and re.fullmatch(r"[A-Za-z][A-Za-z0-9_.-]*", name) is not None,
            "placeholders",
            f"bad placeholder name {name!r}",
        )
        if name == "username":  # always declared (from --user); the lesson may say how its prose names it
            if isinstance(spec, dict) and spec.get("description"):
                placeholders[0] = Placeholder("username", required=True, description=str(spec["description"]))
            continue
        if isinstance(spec, dict):
            extra = set(spec) - PLACEHOLDER_KEYS
            need(
                not extra,
                "placeholders",
                f"unknown key(s) {', '.join(sorted(map(str, extra)))} for '{name}' (known: {', '.join(sorted(PLACEHOLDER_KEYS))})",
            )
            default = spec.get("default")
            placeholders.append(
                Placeholder(
                    name,
                    None if default is None else str(default),
                    bool(spec.get("required", default is None)),
                    str(spec.get("description", "")),
                )
            )
        else:
            placeholders.append(Placeholder(name, None if spec is None else str(spec), spec is None))
    requires = data.get("requires") or []
    need(
        isinstance(requires, list) and all(isinstance(r, str) for r in requires),
        "requires",
        "must be a list of requirement names",
    )
    rubric_raw = data.get("rubric") or {}
    need(isinstance(rubric_raw, dict), "rubric", "must map a check name to its points")
    rubric = []
    for name, points in rubric_raw.items():
        need(
            isinstance(points, (int, float)) and not isinstance(points, bool) and 0 <= points <= MAX_POINTS,
            "rubric",
            f"points for '{name}' must be a number from 0 to {MAX_POINTS:,}",
        )
        rubric.append(RubricItem(str(name), float(points)))
    shared = data.get("shared_namespace", True)
    need(isinstance(shared, bool), "shared_namespace", "must be true or false")
    quota = data.get("quota", False)
    need(isinstance(quota, bool), "quota", "must be true or false")
    return LessonMeta(
        id=lesson_id,
        title=title,
        description=str(data.get("description", "") or ""),
        placeholders=tuple(placeholders),
        requires=tuple(requires),
        rubric=tuple(rubric),
        shared_namespace=shared,
        quota=quota,
        # ours, unless it is a site generator's page (its keys, none of ours beyond title and description)
        annotated=any(key in OUR_KEYS for key in data) or not any(key in SITE_KEYS for key in data),
    )


def _near_ours(key: str) -> bool:
    """`rubrik`, `placeholder`: a typo of one of our keys makes the front matter ours (and the typo an error)."""
    from runner.lesson.placeholders import distance

    return any(0 < distance(key.lower(), ours) <= 2 for ours in OUR_KEYS)


def _site_meta(data: dict[Any, Any], default_id: str, default_title: str) -> LessonMeta:
    """The front matter of a site generator (Hugo, Jekyll, MkDocs, Docusaurus): its title, nothing else of it."""
    title = data.get("title")
    description = data.get("description")
    return LessonMeta(
        id=default_id,
        title=title.strip() if isinstance(title, str) and title.strip() else default_title,
        description=description if isinstance(description, str) else "",
        placeholders=(Placeholder("username", required=True, description="the participant's username (--user)"),),
    )
