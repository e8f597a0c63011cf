"""Finding lessons: by id in the lesson folders, or by path.

Lessons come from folders searched in this order, the first lesson with an id
winning (so a folder of one's own adds lessons or overrides built-in ones):

1. every `--lessons DIR`, in the order given;
2. every folder of `$TUTORIAL_LESSONS` (separated by `os.pathsep`);
3. `./lessons` in the current directory;
4. the built-in lessons shipped in the package (`runner/data/lessons`, read
   with `importlib.resources`, so a wheel or `pip install .` carries them).

A folder reached twice (the repository's `lessons/` is a link to the built-in
folder) is searched once, under its first name. When nothing is found, the
error says where it looked.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from runner.core.errors import TutorialError, UsageError
from runner.core.packagedata import package_data
from runner.lesson.model import Lesson
from runner.lesson.parser import parse_file

BUILTIN = "built-in"
ENV = "TUTORIAL_LESSONS"


def builtin_lessons_dir() -> Path:
    return package_data("lessons")


def lessons_dir() -> Path:
    """The built-in lessons folder (kept for callers that want one folder; the search uses `Catalog`)."""
    return builtin_lessons_dir()


@dataclass(frozen=True)
class LessonSource:
    """One folder lessons are searched in, and why it is searched."""

    origin: str  # "--lessons", "$TUTORIAL_LESSONS", "./lessons" or "built-in"
    folder: Path

    @property
    def exists(self) -> bool:
        return self.folder.is_dir()

    def describe(self) -> str:
        missing = "" if self.exists else ", no such folder"
        return f"{self.origin} ({self.folder}{missing})"

    def files(self) -> list[Path]:
        if not self.exists:
            return []
        return sorted(p for p in self.folder.glob("*.md") if p.is_file() and p.name.lower() != "readme.md")


@dataclass(frozen=True)
class CatalogEntry:
    """A lesson found in a source; `hides` are the sources whose lesson of the same id it overrides."""

    lesson: Lesson
    path: Path
    source: LessonSource
    hides: tuple[LessonSource, ...] = ()

    @property
    def id(self) -> str:
        return self.lesson.meta.id


def default_sources(
    extra: Sequence[str | Path] = (), env: Mapping[str, str] | None = None, cwd: Path | None = None
) -> list[LessonSource]:
    """The folders to search, highest precedence first, each folder once."""
    environ = os.environ if env is None else env
    here = cwd or Path.cwd()
    wanted = [LessonSource("--lessons", Path(d)) for d in extra]
    wanted += [LessonSource(f"${ENV}", Path(d)) for d in (environ.get(ENV) or "").split(os.pathsep) if d]
    wanted.append(LessonSource("./lessons", here / "lessons"))
    wanted.append(LessonSource(BUILTIN, builtin_lessons_dir()))
    out: list[LessonSource] = []
    seen: set[Path] = set()
    for source in wanted:
        key = source.folder.resolve() if source.exists else source.folder.absolute()
        if key in seen:
            continue
        seen.add(key)
        out.append(source)
    return out


class Catalog:
    """The lessons of the sources, parsed once, the first of each id winning."""

    def __init__(self, sources: Sequence[LessonSource] | None = None) -> None:
        self.sources = list(sources) if sources is not None else default_sources()
        self._entries: list[CatalogEntry] | None = None
        self.broken: list[TutorialError] = []  # files in the folders that do not parse (not lessons)

    @classmethod
    def with_folders(cls, extra: Iterable[str | Path] = ()) -> Catalog:
        return cls(default_sources(list(extra)))

    def looked_in(self) -> str:
        return "; ".join(s.describe() for s in self.sources)

    def entries(self) -> list[CatalogEntry]:
        if self._entries is None:
            found: dict[str, CatalogEntry] = {}
            for source in self.sources:
                for path in source.files():
                    try:
                        lesson = parse_file(path)
                    except TutorialError as exc:
                        self.broken.append(exc)
                        continue
                    first = found.get(lesson.meta.id)
                    if first is None:
                        found[lesson.meta.id] = CatalogEntry(lesson, path, source)
                    elif first.source is not source:
                        found[lesson.meta.id] = CatalogEntry(first.lesson, first.path, first.source, (*first.hides, source))
            self._entries = list(found.values())
        return self._entries

    def files(self) -> list[Path]:
        return [e.path for e in self.entries()]

    def find(self, name: str) -> CatalogEntry:
        """The lesson with this id (or file name without `.md`)."""
        entries = self.entries()
        for entry in entries:
            if entry.id == name:
                return entry
        for entry in entries:
            if entry.path.stem == name:
                return entry
        known = ", ".join(sorted(e.id for e in entries))
        hint = f"known: {known}" if known else "no lessons there"
        raise UsageError(f"no lesson '{name}' ({hint}); looked in {self.looked_in()}")

    def require_some(self) -> list[CatalogEntry]:
        entries = self.entries()
        if not entries:
            raise UsageError(f"no lessons found; looked in {self.looked_in()}")
        return entries

    def first_with_lessons(self) -> Catalog:
        """Only the sources of the first kind that holds lessons (the --lessons folders, else $TUTORIAL_LESSONS,
        else ./lessons, else the built-in ones): what `run --all` runs, so a docs repository's CI runs its own."""
        for origin in dict.fromkeys(s.origin for s in self.sources):
            group = [s for s in self.sources if s.origin == origin]
            if any(s.files() for s in group):
                return Catalog(group)
        return self

    def resolve(self, name_or_path: str) -> str:
        """A path for a lesson id or a path (left as it is): what the stages below the CLI are given."""
        if looks_like_path(name_or_path):
            return name_or_path
        return str(self.find(name_or_path).path)


def lesson_files(folder: Path | None = None) -> list[Path]:
    """The lesson files of one folder, or of the default search (overrides applied)."""
    if folder is not None:
        return LessonSource(str(folder), folder).files()
    return Catalog().files()


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


def load(name_or_path: str, catalog: Catalog | None = None) -> Lesson:
    """A lesson by id (from the lesson folders) or by path."""
    if looks_like_path(name_or_path):
        return parse_file(name_or_path)
    return (catalog or Catalog()).find(name_or_path).lesson
