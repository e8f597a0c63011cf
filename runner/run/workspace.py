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
from runner.effects import Effects
from runner.lesson.model import StepType
from runner.plan.build import Plan
from runner.plan.profile import Profile
from runner.syntax.k8s import READERS_NAMESPACE, Container, K8sObject, add_labels, pod_containers
from runner.syntax.yaml import dump_all

GPU_SIMULATED = "GPU: a stand-in node resource and nvidia-smi (local profile)"


class Workspace:
    def __init__(
        self, root: Path, labels: Mapping[str, str], user: str, profile: Profile | None = None, namespace: str | None = None
    ) -> None:
        self.root = root
        self.namespace = namespace  # the run's own namespace, where the reader's `default` is
        self.labels = dict(labels)
        self.user = user
        self.profile = profile
        self.simulated: list[str] = []  # what the profile stands in for (reports say so)

    def write_files(self, plan: Plan) -> None:
        """Every file the tutorial names; manifests with our labels and the cluster's image names."""
        effects = plan.effects or Effects(plan.lesson)
        for folder in plan.folders:  # entered by a `cd`, never made by the text: the place its steps run in
            self.path(folder.rstrip("/") + "/.").mkdir(parents=True, exist_ok=True)
        for name in plan.written_first():
            self.write_file(plan, name, effects)

    def write_file(self, plan: Plan, name: str, effects: Effects | None = None) -> None:
        """One file the text shows (a manifest prepared for this run); `write_files` and the runner, for a file
        `Plan.deferred` keeps until its folder's step has run."""
        lesson = plan.lesson
        effects = effects or plan.effects or Effects(lesson)
        content = plan.files[name]
        path = self.path(name)
        step = next((s for s in lesson.steps if s.type is StepType.MANIFEST and effects.placed(s) == name), None)
        if step is not None and step.type is StepType.MANIFEST:
            content = self.prepared_yaml_of(effects.block_objects(step))
        elif not content:
            content = f"Hello from {self.user}, written by tutorial-runner for {lesson.meta.id}.\n"
        if path.is_dir():  # a folder of that name made by a step: the file cannot be there, as for the reader
            return
        path.write_text(content)

    def path(self, name: str) -> Path:
        """`name` inside the working directory (its folders made); a name that leaves it is an error."""
        path = (self.root / name).resolve()
        if self.root.resolve() not in path.parents:
            raise TutorialError(f"file name '{name}' leaves the run's working directory")
        path.parent.mkdir(parents=True, exist_ok=True)
        return path

    def prepared_yaml_of(self, objects: Sequence[K8sObject]) -> str:
        """YAML of objects as this run creates them (a manifest file, a here-document's body)."""
        return dump_all([self.prepared(o.body) for o in objects])

    def prepared(self, body: Mapping[str, Any]) -> dict[str, Any]:
        """A copy of an object as this run creates it: labelled, its images mapped for this cluster, and in the run's
        namespace when it names `default` (the reader's own namespace, as the tutorial's author had it)."""
        out = copy.deepcopy(dict(body))
        meta = out.get("metadata")
        if isinstance(meta, dict) and meta.get("namespace") == READERS_NAMESPACE:
            meta = out["metadata"] = dict(meta)
            del meta["namespace"]
        subjects = out.get("subjects") if out.get("kind") in ("RoleBinding", "ClusterRoleBinding") else None
        for subject in subjects if isinstance(subjects, list) and self.namespace else []:
            # a ServiceAccount of the reader's own namespace is one of the run's (`--serviceaccount=default:x` too)
            if (
                isinstance(subject, dict)
                and subject.get("kind") == "ServiceAccount"
                and subject.get("namespace") == READERS_NAMESPACE
            ):
                subject["namespace"] = self.namespace
        add_labels(out, self.labels)
        for container in pod_containers(out):
            self._map_image(container)
        return out

    def image(self, written: str) -> str:
        """The image this run uses for one the tutorial names (`kubectl run web --image=nginx:1.18`), and notes a
        stand-in."""
        if not self.profile:
            return written
        stand_in = self.profile.stand_in(written)
        if stand_in:
            self.simulated.append(stand_in)
        return self.profile.image_for(written) or written

    def _map_image(self, container: Container) -> None:
        if not self.profile or container.image is None:
            return
        stand_in = self.profile.stand_in(container.image)
        if stand_in:
            self.simulated.append(stand_in)
        body: dict[str, Any] = container.body  # type: ignore[assignment]  # a part of the copy `prepared` made
        mapped = self.profile.image_for(container.image)
        if mapped and mapped != container.image:
            body["image"] = mapped
        if self.profile.pull_policy:
            body["imagePullPolicy"] = self.profile.pull_policy
        if "nvidia" in container.image and self.profile.gpu_simulated:
            self.simulated.append(GPU_SIMULATED)
        if self.profile.gpu_simulated and any("nvidia.com/gpu" in r for r in (container.limits, container.requests)):
            self.simulated.append(GPU_SIMULATED)
