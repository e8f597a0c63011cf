"""Cluster profiles: the facts about a cluster a lesson run needs (profiles/<name>.yaml).

Storage classes, the image map (lesson image name -> image that runs there),
the git server and its credentials, GPU availability (and whether it is
simulated), network access, the default namespace. `tutorial run --profile
local` uses the local cluster's; without a profile the runner asks the
cluster itself what it can.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from runner.core.errors import UsageError


@dataclass(frozen=True)
class Profile:
    name: str
    namespace: str | None = None
    kubeconfig: str | None = None
    storage_classes: tuple[str, ...] = ()
    default_storage_class: str | None = None
    image_map: Mapping[str, str] = field(default_factory=dict)
    registry_access: bool = True  # can images outside the map be pulled?
    network: bool = True  # can pods and commands reach hosts outside this machine? (`network: none | all | [hosts]`)
    reachable: tuple[str, ...] | None = None  # `network: [hosts]`: only these (and their subdomains); None: all
    gpu: bool = False
    gpu_simulated: bool = False
    values: Mapping[str, str] = field(default_factory=dict)  # placeholder values (git server URL, ...)
    secrets: tuple[str, ...] = ()  # keys of `values` that are credentials (never printed)
    pull_policy: str | None = None  # e.g. IfNotPresent for clusters without a registry
    kubectl: str | None = None  # directory of the kubectl matching the cluster
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, hash=False)

    def image_for(self, image: str) -> str | None:
        """The image to run for a lesson's image name, or None when it cannot run here."""
        for candidate in _image_names(image):
            if candidate in self.image_map:
                return self.image_map[candidate]
        return image if self.registry_access else None


def _image_names(image: str) -> list[str]:
    """`rockylinux:8`, `docker.io/library/rockylinux:8` ... the spellings of one image."""
    names = [image]
    name, tag = (image.rsplit(":", 1) + ["latest"])[:2] if ":" in image.split("/")[-1] else (image, "latest")
    names.append(f"{name}:{tag}")
    if "/" not in name:
        names += [f"docker.io/library/{name}:{tag}", f"library/{name}:{tag}"]
    elif name.count("/") == 1 and "." not in name.split("/")[0]:
        names.append(f"docker.io/{name}:{tag}")
    elif name.startswith("docker.io/library/"):
        names.append(f"{name[len('docker.io/library/') :]}:{tag}")
    elif name.startswith("docker.io/"):
        names.append(f"{name[len('docker.io/') :]}:{tag}")
    return names


def profiles_dir() -> Path:
    env = os.environ.get("TUTORIAL_PROFILES")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[2] / "profiles"


def load_profile(name_or_path: str) -> Profile:
    path = Path(name_or_path)
    if not path.suffix:
        path = profiles_dir() / f"{name_or_path}.yaml"
    if not path.is_file():
        known = sorted(p.stem for p in profiles_dir().glob("*.yaml"))
        raise UsageError(f"no profile '{name_or_path}' (known: {', '.join(known) or 'none'})")
    try:
        data = yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError as exc:
        raise UsageError(f"{path}: not valid YAML: {exc}") from None
    return profile_from_dict(path.stem, data)


def profile_from_dict(name: str, data: Mapping[str, Any]) -> Profile:
    raw_storage = data.get("storage")
    storage_block: dict[str, Any] = raw_storage if isinstance(raw_storage, dict) else {}
    storage = data.get("storage_classes") or storage_block.get("classes") or {}
    classes = tuple(storage) if isinstance(storage, (dict, list)) else ()
    default = data.get("default_storage_class") or storage_block.get("default_class")
    if not default and isinstance(storage, dict):
        default = next((k for k, v in storage.items() if isinstance(v, dict) and v.get("default")), None)
    gpu = data.get("gpu") or {}
    git = data.get("git") or {}
    values = {str(k): str(v) for k, v in (data.get("values") or {}).items()}
    secrets = []
    if isinstance(git, dict):
        for key, placeholder in (("url", "git-server"), ("username", "git-username"), ("token", "git-token")):
            if git.get(key):
                values.setdefault(placeholder, str(git[key]).rstrip("/") if key == "url" else str(git[key]))
        if git.get("token"):
            secrets.append("git-token")
    images = data.get("image_map") or data.get("images") or {}
    return Profile(
        name=name,
        namespace=data.get("namespace"),
        kubeconfig=data.get("kubeconfig"),
        storage_classes=tuple(str(c) for c in classes),
        default_storage_class=default,
        image_map={str(k): str(v) for k, v in images.items()} if isinstance(images, dict) else {},
        registry_access=bool(data.get("registry_access", not images)),
        network=_network(data.get("network", "all"))[0],
        reachable=_network(data.get("network", "all"))[1],
        gpu=bool(gpu.get("available", False)) if isinstance(gpu, dict) else bool(gpu),
        gpu_simulated=bool(gpu.get("simulated", False)) if isinstance(gpu, dict) else False,
        values=values,
        secrets=tuple(secrets),
        pull_policy=data.get("pull_policy"),
        kubectl=data.get("kubectl"),
        raw=dict(data),
    )


def _network(value: Any) -> tuple[bool, tuple[str, ...] | None]:
    """`network: none | all | [hosts]` (or true/false) -> (any network at all, the only hosts reachable)."""
    if value in (None, True, "all", "any"):
        return True, None
    if value in (False, "none", "off", "no"):
        return False, None
    if isinstance(value, list):
        return bool(value), tuple(str(h).lower() for h in value)
    raise UsageError(f"profile network: must be none, all or a list of hosts, not {value!r}")
