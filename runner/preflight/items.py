"""A preflight's answer: items that hold (✓), do not (✗) or could not be told (?), each with its evidence and line."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

OK, FAIL, UNKNOWN = "ok", "fail", "unknown"
MARKS = {OK: "✓", FAIL: "✗", UNKNOWN: "?"}
AREAS = ("admission", "rights", "grading", "capacity", "storage", "images", "environment")


@dataclass(frozen=True)
class Item:
    area: str  # one of AREAS
    status: str  # OK, FAIL, UNKNOWN
    what: str  # "pod/s1-<user>", "create pods/exec", "persistentvolumeclaims"
    evidence: str  # the API server's message, the quota's numbers, …
    line: int | None = None  # the lesson's line it is about

    def to_dict(self) -> dict[str, Any]:
        return {"area": self.area, "status": self.status, "what": self.what, "evidence": self.evidence, "line": self.line}


@dataclass(frozen=True)
class Preflight:
    lesson: str
    path: str
    namespace: str
    participants: int
    subject: str  # whose rights and admission: "you (kubectl's context)", "system:serviceaccount:ws:student"
    items: tuple[Item, ...]
    at_most: int | None = None  # participants the namespace holds at once (quotas, nodes); None: no limit found
    limit_reason: str | None = None  # the item that sets `at_most`
    seconds: float = 0.0
    notes: tuple[str, ...] = field(default=())
    probed: bool = False  # --probe made a pod per image and a claim per class, and deleted them

    @property
    def holds(self) -> bool:
        return not any(i.status == FAIL for i in self.items)

    def count(self, status: str) -> int:
        return sum(1 for i in self.items if i.status == status)

    def to_dict(self) -> dict[str, Any]:
        return {
            "lesson": self.lesson,
            "path": self.path,
            "namespace": self.namespace,
            "participants": self.participants,
            "subject": self.subject,
            "holds": self.holds,
            "at_most": self.at_most,
            "limit": self.limit_reason,
            "seconds": round(self.seconds, 2),
            "probed": self.probed,
            "items": [i.to_dict() for i in self.items],
            "notes": list(self.notes),
        }
