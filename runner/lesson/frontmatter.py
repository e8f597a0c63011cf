"""Front matter: our keys, told apart from the keys of the site a page is published on.

A page of a Hugo, Jekyll, MkDocs, Docusaurus or Carpentries site has front
matter of its own (`weight`, `content_template`, `teaching`, `exercises`,
`reviewers` …), which the site needs to build the page. No list of every
site's keys can be complete, so our keys are told apart by where they are:

- **nested** (what `tutorial new` writes): our keys under one key,
  `tutorial-runner:`, beside the site's. Inside it every key must be one of
  ours (a typo is an error at its line, with the key it is close to); every
  key outside it is the site's business and is never checked. The site's
  `title` and `description` are the lesson's unless ours give them.
- **top level** (the built-in lessons): our keys at the top. Front matter is
  read this way when it has one of our keys (or a typo of one of our longer
  keys); then every key must be ours or one of `SITE_KEYS`, as before.
- neither: the page's own front matter; its `title` is the lesson's title.

The namespace is `tutorial-runner`, not `tutorial`: pages use `tutorial:`
themselves (a Jekyll theme's `tutorial: {name, link}`, Docusaurus pages'
`tutorial: {prev, next}`, a video's address), and such a page must still read
as a page.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from runner.core.errors import LessonError
from runner.lesson.model import LessonMeta, Placeholder, RubricItem
from runner.lesson.placeholders import distance, near_miss
from runner.lesson.schema import FRONT_MATTER_KEYS as SCHEMA_KEYS
from runner.lesson.schema import MAX_POINTS, front_matter_problem  # noqa: F401  (MAX_POINTS: re-exported)
from runner.syntax.yaml import read_yaml

NAMESPACE = "tutorial-runner"  # the key our keys are nested under, beside a site's keys
FRONT_MATTER_KEYS = set(SCHEMA_KEYS)
# keys only our lessons use: top-level front matter without any of them belongs to the site generator
OUR_KEYS = FRONT_MATTER_KEYS - {"title", "description"}
# keys of Hugo, Jekyll, MkDocs, Docusaurus, Sphinx/MyST front matter allowed beside our keys at the top level (the
# layout of lessons written before `tutorial-runner:`); nested front matter needs no such list
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
# a site's keys that order a page among others (Hugo `weight`, Jekyll `nav_order`, Docusaurus `sidebar_position`, …)
SERIES_KEYS = {"weight", "nav_order", "sidebar_position", "pagination_prev", "pagination_next", "series", "parent"}
USERNAME = Placeholder("username", required=True, description="the participant's username (--user)")


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
    positions = result.positions[0] if result.positions else None

    def line_of(*keys: str) -> int:
        return positions.line(keys) if positions is not None else first_line

    if NAMESPACE in data:
        return _nested(data, path, line_of, default_id, default_title)
    if not _top_level_ours({str(k) for k in data}):
        return _site_meta(data, default_id, default_title)
    for key in data:
        if str(key) not in FRONT_MATTER_KEYS and str(key) not in SITE_KEYS:
            raise LessonError(_unknown(str(key), FRONT_MATTER_KEYS), path, line_of(str(key)))
    return _ours(data, lambda *keys: line_of(*keys), path, default_id, default_title, "")


def _nested(data: Mapping[Any, Any], path: str, line_of: Callable[..., int], default_id: str, default_title: str) -> LessonMeta:
    """Our keys under `tutorial-runner:`, strictly; the site's keys around them only lend a title and a description."""
    ours = data[NAMESPACE]
    if ours is None:
        ours = {}
    if not isinstance(ours, dict):
        raise LessonError(
            f"front matter '{NAMESPACE}': must be a mapping of our keys (id, title, rubric …)", path, line_of(NAMESPACE)
        )
    for key in ours:
        if str(key) not in FRONT_MATTER_KEYS:
            raise LessonError(_unknown(str(key), FRONT_MATTER_KEYS, NAMESPACE), path, line_of(NAMESPACE, str(key)))
    site = _site_meta(data, default_id, default_title)
    return _ours(ours, lambda *keys: line_of(NAMESPACE, *keys), path, default_id, site.title, site.description, NAMESPACE)


def _unknown(key: str, known: set[str], under: str = "") -> str:
    """`unknown front matter key 'rubrik' (did you mean 'rubric'? known: …)`."""
    close = near_miss(key, sorted(known))
    hint = f"did you mean '{close}'? " if close else ""
    name = f"{under}.{key}" if under else key
    return f"unknown front matter key '{_short(name)}' ({hint}known: {', '.join(sorted(known))})"


def _ours(
    data: Mapping[Any, Any],
    line_of: Callable[..., int],
    path: str,
    default_id: str,
    default_title: str,
    default_description: str,
    under: str = "",
) -> LessonMeta:
    """Our keys, checked against the declared schema (`runner.lesson.schema`): an error names the key (under its
    namespace) at its line."""
    problem = front_matter_problem(data)
    if problem is not None:
        where, message = problem
        key = where[0] if where else ""
        raise LessonError(f"front matter '{under + '.' if under else ''}{key}': {message}", path, line_of(*where))
    lesson_id = data.get("id", default_id)
    title = data.get("title", default_title)
    placeholders = [USERNAME]
    for name, spec in (data.get("placeholders") or {}).items():
        if name == "username":  # always declared (from --user); the lesson may say how its prose names it
            if isinstance(spec, dict) and spec.get("description"):
                placeholders[0] = Placeholder("username", required=True, description=str(spec["description"]))
            continue
        if isinstance(spec, dict):
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
    rubric = [
        RubricItem(str(name), float(points), line_of("rubric", name)) for name, points in (data.get("rubric") or {}).items()
    ]
    shared = data.get("shared_namespace", True)
    quota = data.get("quota", False)
    description = data.get("description", default_description)
    return LessonMeta(
        id=lesson_id,
        title=title,
        description=str(description or ""),
        placeholders=tuple(placeholders),
        requires=tuple(requires),
        rubric=tuple(rubric),
        shared_namespace=shared,
        quota=quota,
        pod_security=data.get("pod_security"),
        annotated=True,
    )


def _top_level_ours(keys: set[str]) -> bool:
    """Whether front matter without `tutorial-runner:` is ours: one of our keys, or a typo of one.

    `id` is also Docusaurus's key: beside keys that are not ours it is the
    page's, and alone (with `title`, `description`) it is ours.
    """
    if (OUR_KEYS - {"id"}) & keys or any(_near_ours(k) for k in keys - SITE_KEYS - FRONT_MATTER_KEYS):
        return True
    return "id" in keys and keys <= FRONT_MATTER_KEYS


def _near_ours(key: str) -> bool:
    """`rubrik`, `placeholder`: a typo of one of our longer keys makes top-level front matter ours (and the typo an error).

    One edit per six letters of our key: `id` and `quota` are too short to
    tell a typo from a site's own word (`ip`, `js`, `kind`, `quote`), and a
    page must not be refused for a key of its site.
    """
    return any(0 < distance(key.lower(), ours) <= len(ours) // 6 for ours in OUR_KEYS)


def _site_meta(data: Mapping[Any, Any], default_id: str, default_title: str) -> LessonMeta:
    """The front matter of a site generator (Hugo, Jekyll, MkDocs, Docusaurus): its title, and whether the page is one
    of an ordered series (what an earlier page made may be used here)."""
    title = data.get("title")
    description = data.get("description")
    return LessonMeta(
        id=default_id,
        title=title.strip() if isinstance(title, str) and title.strip() else default_title,
        description=description if isinstance(description, str) else "",
        placeholders=(USERNAME,),
        in_series=bool(SERIES_KEYS & {str(k) for k in data}),
    )


def _short(value: str, limit: int = 40) -> str:
    """A key quoted in a message, cut to a readable length."""
    return value if len(value) <= limit else value[:limit] + "..."
