"""Finding lessons: by id in the lessons folder, or by path.

The folder is `$TUTORIAL_LESSONS` when set, else the `lessons/` folder of
this checkout (next to the `runner` package), else `./lessons`.
"""

from __future__ import annotations

import os
from pathlib import Path

from runner.core.errors import UsageError
from runner.lesson.model import Lesson
from runner.lesson.parser import parse_file


def lessons_dir() -> Path:
    env = os.environ.get("TUTORIAL_LESSONS")
    if env:
        return Path(env)
    beside = Path(__file__).resolve().parents[2] / "lessons"
    if beside.is_dir():
        return beside
    return Path("lessons")


def lesson_files(folder: Path | None = None) -> list[Path]:
    folder = folder or lessons_dir()
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.glob("*.md") if p.name.lower() != "readme.md")


def markdown_files(paths: list[str]) -> list[Path]:
    """Files named, and the Markdown files under folders named (sorted, recursive)."""
    out: list[Path] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            out.extend(sorted(q for q in p.rglob("*.md") if q.is_file()))
        else:
            out.append(p)
    return out


def looks_like_path(name: str) -> bool:
    return name.endswith((".md", ".markdown")) or os.sep in name or Path(name).exists()


def load(name_or_path: str) -> Lesson:
    """A lesson by id (from the lessons folder) or by path."""
    if looks_like_path(name_or_path):
        return parse_file(name_or_path)
    known = []
    for path in lesson_files():
        lesson = parse_file(path)
        if lesson.meta.id == name_or_path or path.stem == name_or_path:
            return lesson
        known.append(lesson.meta.id)
    hint = f" (known: {', '.join(sorted(known))})" if known else f" (no lessons in {lessons_dir()})"
    raise UsageError(f"no lesson '{name_or_path}'{hint}")
