"""The working directory of a run: every file the tutorial names, manifests carrying our labels.

A tutorial's own `kubectl create -f s1.yaml` must create labelled objects
that run on this cluster, so the manifests written here are the tutorial's
with the run's labels (on the object and on its pod template) and the
profile's image names and pull policy. Names that would leave the directory
are refused.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from runner.core.errors import TutorialError
from runner.lesson.model import Step, StepType
from runner.plan.build import Plan
from runner.plan.profile import Profile
from runner.syntax.k8s import K8sObject, containers, pod_spec, pod_template
from runner.syntax.yaml import dump_all

GPU_SIMULATED = "GPU: a stand-in node resource and nvidia-smi (local profile)"


class Workspace:
    def __init__(self, root: Path, labels: Mapping[str, str], user: str, profile: Profile | None = None) -> None:
        self.root = root
        self.labels = dict(labels)
        self.user = user
        self.profile = profile
        self.simulated: list[str] = []  # what the profile stands in for (reports say so)

    def write_files(self, plan: Plan) -> None:
        """Every file the tutorial names; manifests with our labels and the cluster's image names."""
        lesson = plan.lesson
        for name, content in plan.files.items():
            path = self.path(name)
            step = next((s for s in lesson.steps if s.file == name), None)
            if step is not None and step.type is StepType.MANIFEST:
                content = self.prepared_yaml(step)
            elif not content:
                content = f"Hello from {self.user}, written by tutorial-runner for {lesson.meta.id}.\n"
            path.write_text(content)

    def path(self, name: str) -> Path:
        """`name` inside the working directory (its folders made); a name that leaves it is an error."""
        path = (self.root / name).resolve()
        if self.root.resolve() not in path.parents:
            raise TutorialError(f"file name '{name}' leaves the run's working directory")
        path.parent.mkdir(parents=True, exist_ok=True)
        return path

    def prepared_yaml(self, step: Step) -> str:
        return self.prepared_yaml_of(step.objects)

    def prepared_yaml_of(self, objects: Sequence[K8sObject]) -> str:
        """YAML of objects as this run creates them (a manifest file, a here-document's body)."""
        return dump_all([self.prepared(o.body) for o in objects])

    def prepared(self, body: Mapping[str, Any]) -> dict[str, Any]:
        """A copy of an object as this run creates it: labelled, its images mapped for this cluster."""
        out = copy.deepcopy(dict(body))
        meta = out.setdefault("metadata", {})
        meta.setdefault("labels", {}).update(self.labels)
        template = pod_template(out)
        if template is not None:
            template.setdefault("metadata", {}).setdefault("labels", {}).update(self.labels)  # type: ignore[attr-defined]
        for container in containers(pod_spec(out), init=None):
            self._map_image(container)  # type: ignore[arg-type]
        return out

    def _map_image(self, container: dict[str, Any]) -> None:
        if not self.profile or "image" not in container:
            return
        stand_in = self.profile.stand_in(str(container["image"]))
        if stand_in:
            self.simulated.append(stand_in)
        mapped = self.profile.image_for(str(container["image"]))
        if mapped and mapped != container["image"]:
            container["image"] = mapped
        if self.profile.pull_policy:
            container["imagePullPolicy"] = self.profile.pull_policy
        if "nvidia" in str(container.get("image", "")) and self.profile.gpu_simulated:
            self.simulated.append(GPU_SIMULATED)
        res = container.get("resources") or {}
        if self.profile.gpu_simulated and any("nvidia.com/gpu" in (res.get(k) or {}) for k in ("limits", "requests")):
            self.simulated.append(GPU_SIMULATED)
