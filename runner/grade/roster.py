"""Who is graded: a roster file (one username per line, or CSV with a `username` column), --users, or --discover.

A CSV roster's other columns travel with each participant into every
format. The usual ones get one name whatever the header says (`Name`,
`E-mail`, `Section`, `Student ID`, `SIS User ID` ...), so gradebooks can
find them: `name`, `email`, `section`, `student_id` (and `canvas_id`,
`login` for Canvas' ID and SIS Login ID columns).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from runner.core.errors import TutorialError, UsageError
from runner.core.limits import MAX_ROSTER_BYTES, read_bounded
from runner.effects import Effects
from runner.lesson import placeholders as ph
from runner.lesson.model import Lesson
from runner.lesson.render import DNS_LABEL


@dataclass(frozen=True)
class Participant:
    user: str
    extra: Mapping[str, str] = field(default_factory=dict, hash=False, compare=False)  # name, email ... from the roster


# header spellings (lower-case, with spaces, '-', '_' dropped) -> the one key every format reads
ALIASES = {
    "name": "name",
    "fullname": "name",
    "student": "name",
    "studentname": "name",
    "email": "email",
    "emailaddress": "email",
    "mail": "email",
    "section": "section",
    "sectionname": "section",
    "studentid": "student_id",
    "studentnumber": "student_id",
    "sisuserid": "student_id",
    "sisid": "student_id",
    "id": "canvas_id",
    "canvasid": "canvas_id",
    "canvasuserid": "canvas_id",
    "sisloginid": "login",
    "login": "login",
    "loginid": "login",
}


def column_key(header: str) -> str:
    """A roster column's key: one of ALIASES' values for the usual columns, else the header in lower case."""
    squeezed = "".join(ch for ch in header.strip().lower() if ch not in " -_")
    return ALIASES.get(squeezed, header.strip().lower())


def _valid(user: str, where: str) -> str:
    user = user.strip()
    if not DNS_LABEL.match(user) or len(user) > 40:
        raise TutorialError(f"username '{user}' cannot be part of object names (lower-case letters, digits, '-')", where)
    return user


def load_roster(path: str) -> list[Participant]:
    if not Path(path).exists():
        raise UsageError(f"{path}: no such roster file")
    try:
        text = read_bounded(path, MAX_ROSTER_BYTES, "roster").decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UsageError(f"{path}: roster is not UTF-8 text") from None
    lines = text.splitlines()
    first = next((l for l in lines if l.strip() and not l.lstrip().startswith("#")), "")
    people: list[Participant] = []
    seen: set[str] = set()
    if "," in first or "\t" in first:
        dialect = "excel-tab" if "\t" in first else "excel"
        reader = csv.DictReader(io.StringIO(text), dialect=dialect)
        fields = [f.strip().lower() for f in reader.fieldnames or []]
        if "username" not in fields:
            raise UsageError(f"{path}:1: a CSV roster needs a 'username' column (columns: {', '.join(fields)})")
        for n, row in enumerate(reader, start=2):
            row = {
                ("username" if (k or "").strip().lower() == "username" else column_key(k or "")): (v or "").strip()
                for k, v in row.items()
                if k is not None
            }
            if not row.get("username"):
                continue
            user = _valid(row["username"], f"{path}:{n}")
            if user not in seen:
                seen.add(user)
                people.append(Participant(user, {k: v for k, v in row.items() if k != "username"}))
    else:
        for n, line in enumerate(lines, start=1):
            word = line.split("#", 1)[0].strip()
            if not word:
                continue
            user = _valid(word, f"{path}:{n}")
            if user not in seen:
                seen.add(user)
                people.append(Participant(user))
    if not people:
        raise UsageError(f"{path}: the roster names nobody")
    return people


def from_users(users: str) -> list[Participant]:
    out = []
    for raw in users.split(","):
        if raw.strip():
            out.append(Participant(_valid(raw, "--users")))
    if not out:
        raise UsageError("--users names nobody")
    return out


def name_patterns(lesson: Lesson) -> list[tuple[str, re.Pattern[str]]]:
    """(kind, regex with a `user` group) for every object the lesson creates whose name contains <username> (any spelling).

    Every way of creating counts (a manifest block, a here-document, `kubectl
    create configmap`/`secret`, `kubectl run`): a participant who only got as
    far as a ConfigMap made with `kubectl create` is found too.
    """
    out = []
    seen: set[tuple[str, str, bool]] = set()
    effects = Effects(lesson)
    made = [(e.kind, e.name, e.generated) for e in effects.events if e.creates and e.kind]
    made += [(m.obj.kind, m.name, m.obj.name is None) for m in effects.manifests]
    for kind, written, generated in made:
        name = ph.as_user_name(written, lesson.declared)
        if "<username>" not in name or (kind, name, generated) in seen:
            continue
        seen.add((kind, name, generated))
        parts = [re.escape(p) for p in name.split("<username>")]
        pattern = "(?P<user>[a-z0-9]([-a-z0-9]*[a-z0-9])?)".join(parts)
        if generated:
            pattern += "[a-z0-9]{5}"
        out.append((kind, re.compile(f"^{pattern}$")))
    return out


def discover(lesson: Lesson, objects_by_kind: Mapping[str, Iterable[dict]]) -> list[Participant]:
    """Usernames found in existing object names that match the lesson's patterns, or in our labels."""
    users: set[str] = set()
    for kind, pattern in name_patterns(lesson):
        for obj in objects_by_kind.get(kind, ()):
            m = pattern.match((obj.get("metadata") or {}).get("name", ""))
            if m:
                users.add(m.group("user"))
    for objs in objects_by_kind.values():
        for obj in objs:
            labels = (obj.get("metadata") or {}).get("labels") or {}
            if labels.get("tutorial-runner.io/lesson") == lesson.meta.id and labels.get("tutorial-runner.io/user"):
                users.add(labels["tutorial-runner.io/user"])
    return [Participant(u) for u in sorted(users)]
