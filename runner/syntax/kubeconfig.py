"""A kubeconfig (`kind: Config`) that a tutorial writes, read with the YAML grammar and its limits.

A tutorial that writes a kubeconfig for a new user sets its context's `namespace: default`; the run gives that
context its own namespace, as it does for a manifest's `namespace: default`. The file is input from anyone, so it is
read by `runner.syntax.yaml` (depth and size limits, no exception on bad input), never with a bare `yaml.compose`.
"""

from __future__ import annotations

from runner.syntax.yaml import read_yaml


def context_namespace_lines(text: str, namespace: str) -> list[int]:
    """The 0-based lines of `text`'s contexts that set `namespace: NAMESPACE`; none when it is not a kubeconfig."""
    read = read_yaml(text, 0, with_positions=True)
    if read.error is not None:
        return []
    out = []
    for doc, pos in zip(read.documents, read.positions, strict=False):
        if not isinstance(doc, dict) or doc.get("kind") != "Config" or not isinstance(doc.get("contexts"), list):
            continue
        for n, item in enumerate(doc["contexts"]):
            context = item.get("context") if isinstance(item, dict) else None
            if isinstance(context, dict) and context.get("namespace") == namespace:
                out.append(pos.value_line(("contexts", n, "context", "namespace")))
    return out
