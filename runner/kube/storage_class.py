"""Which StorageClass is the cluster's default: the one place that reads the annotation.

A claim without `storageClassName` gets the class the DefaultStorageClass admission plugin picks: the one annotated
`storageclass.kubernetes.io/is-default-class: "true"` (or the older beta key). Run facts, preflight and `cluster status`
all ask this, so they cannot disagree about which class a claim gets.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

DEFAULT_CLASS_ANNOTATION = "storageclass.kubernetes.io/is-default-class"
_DEFAULT_CLASS_KEYS = (DEFAULT_CLASS_ANNOTATION, "storageclass.beta.kubernetes.io/is-default-class")


def is_default(annotations: Mapping[str, Any] | None) -> bool:
    """Whether a StorageClass with these annotations is the default (the admission plugin accepts "true" in any case)."""
    return any(str((annotations or {}).get(key, "")).lower() == "true" for key in _DEFAULT_CLASS_KEYS)
