"""Cluster profiles: the facts about a cluster a lesson run needs (a built-in name, ./profiles/<name>.yaml, or a path).

Storage classes, the image map (lesson image name -> image that runs there;
a key with `*`, such as `nginx:*`, stands for every tag a lesson may write, and
`image_stand_ins` says what the mapped images are, so reports name each
stand-in a run used), the git server and its credentials, GPU availability (and whether it is
simulated), network access, the default namespace. `tutorial run --profile
local` uses the local cluster's; without a profile the runner asks the
cluster itself what it can.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

from runner.core.errors import UsageError
from runner.core.packagedata import package_data
from runner.syntax.yaml import YamlInvalid
from runner.syntax.yaml import load as yaml_load


@dataclass(frozen=True)
class Profile:
    name: str
    namespace: str | None = None
    kubeconfig: str | None = None
    storage_classes: tuple[str, ...] = ()
    default_storage_class: str | None = None
    image_map: Mapping[str, str] = field(default_factory=dict)
    registry_access: bool = True  # can images outside the map be pulled?
    image_stand_ins: str | None = None  # what every mapped image is ("built from Debian packages"); None: the real ones
    network: bool = True  # can pods and commands reach hosts outside this machine? (`network: none | all | [hosts]`)
    reachable: tuple[str, ...] | None = None  # `network: [hosts]`: only these (and their subdomains); None: all
    gpu: bool = False
    gpu_simulated: bool = False
    values: Mapping[str, str] = field(default_factory=dict)  # placeholder values (git server URL, ...)
    secrets: tuple[str, ...] = ()  # keys of `values` that are credentials (never printed)
    pull_policy: str | None = None  # e.g. IfNotPresent for clusters without a registry
    kubectl: str | None = None  # directory of the kubectl matching the cluster
    # container runtime handlers the nodes offer (`runtime_handlers: [runc]`), for a runtime that does not report them
    # in the node's status (containerd before 2.0); None: unknown
    runtime_handlers: tuple[str, ...] | None = None
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, hash=False)

    def image_for(self, image: str) -> str | None:
        """The image to run for a lesson's image name, or None when it cannot run here."""
        mapped = self.mapped_image(image)
        if mapped is not None:
            return mapped
        return image if self.registry_access else None

    def mapped_image(self, image: str) -> str | None:
        """What the image map says for a lesson's image name: an exact key in any spelling, else the most specific pattern."""
        names = _image_names(image)
        for candidate in names:
            if candidate in self.image_map:
                return self.image_map[candidate]
        patterns = sorted((k for k in self.image_map if "*" in k), key=len, reverse=True)
        for pattern in patterns:
            if any(fnmatchcase(candidate, pattern) for candidate in names):
                return self.image_map[pattern]
        return None

    def stand_in(self, image: str) -> str | None:
        """What a report says of a lesson's image that runs here as a stand-in: `nginx: stand-in built from Debian packages`."""
        mapped = self.mapped_image(image)
        if mapped is None or not self.image_stand_ins:
            return None
        return f"{image_repository(mapped)}: stand-in {self.image_stand_ins}"


def image_repository(image: str) -> str:
    """`docker.io/library/nginx:latest` -> `nginx`, `docker.io/nvidia/cuda:12.2.0` -> `nvidia/cuda`: the name lessons write."""
    name = image.split("@", 1)[0]
    if ":" in name.split("/")[-1]:
        name = name.rsplit(":", 1)[0]
    return name.removeprefix("docker.io/").removeprefix("library/")


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


PROFILES_ENV = "TUTORIAL_PROFILES"


def builtin_profiles_dir() -> Path:
    """The profiles shipped in the package (`runner/data/profiles`)."""
    return package_data("profiles")


def profiles_dir() -> Path:
    """The built-in profiles folder (the search in `profile_candidates` also looks elsewhere)."""
    return builtin_profiles_dir()


def profile_candidates(name: str, env: Mapping[str, str] | None = None, cwd: Path | None = None) -> list[Path]:
    """Where a profile NAME is looked for, first found wins: ./profiles, $TUTORIAL_PROFILES, the built-in ones."""
    environ = os.environ if env is None else env
    folders = [(cwd or Path.cwd()) / "profiles"]
    folders += [Path(d) for d in (environ.get(PROFILES_ENV) or "").split(os.pathsep) if d]
    folders.append(builtin_profiles_dir())
    return [folder / f"{name}.yaml" for folder in folders]


def is_profile_path(name_or_path: str) -> bool:
    return name_or_path.endswith((".yaml", ".yml")) or os.sep in name_or_path or "/" in name_or_path


def builtin_profile_names() -> list[str]:
    return sorted(p.stem for p in builtin_profiles_dir().glob("*.yaml"))


def load_profile(name_or_path: str) -> Profile:
    """A profile by built-in name, by ./profiles/NAME.yaml (or $TUTORIAL_PROFILES), or by path."""
    if is_profile_path(name_or_path):
        path = Path(name_or_path)
        if not path.is_file():
            raise UsageError(f"no profile file {name_or_path}")
        return _read_profile(path, path.read_text(encoding="utf-8"))
    candidates = profile_candidates(name_or_path)
    for path in candidates:
        if path.is_file():
            return _read_profile(path, path.read_text(encoding="utf-8"))
    looked = ", ".join(str(p) for p in candidates)
    raise UsageError(
        f"no profile '{name_or_path}' (built-in: {', '.join(builtin_profile_names()) or 'none'}); looked in {looked}"
    )


def _read_profile(path: Path, text: str) -> Profile:
    try:
        data = yaml_load(text) or {}
    except YamlInvalid as exc:
        raise UsageError(f"not valid YAML: {exc.message}", str(path), exc.line) from None
    if not isinstance(data, dict):
        raise UsageError(f"{path}: a profile is a mapping of keys (see the built-in local.yaml)")
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
        image_stand_ins=str(data["image_stand_ins"]) if data.get("image_stand_ins") else None,
        network=_network(data.get("network", "all"))[0],
        reachable=_network(data.get("network", "all"))[1],
        gpu=bool(gpu.get("available", False)) if isinstance(gpu, dict) else bool(gpu),
        gpu_simulated=bool(gpu.get("simulated", False)) if isinstance(gpu, dict) else False,
        values=values,
        secrets=tuple(secrets),
        pull_policy=data.get("pull_policy"),
        kubectl=data.get("kubectl"),
        runtime_handlers=_names(data.get("runtime_handlers")),
        raw=dict(data),
    )


def _names(value: Any) -> tuple[str, ...] | None:
    """A list of names in a profile (`[runc]`), or None when the profile does not say."""
    if isinstance(value, (list, tuple)):
        return tuple(str(v) for v in value)
    return (str(value),) if isinstance(value, str) and value else None


def _network(value: Any) -> tuple[bool, tuple[str, ...] | None]:
    """`network: none | all | [hosts]` (or true/false) -> (any network at all, the only hosts reachable)."""
    if value in (None, True, "all", "any"):
        return True, None
    if value in (False, "none", "off", "no"):
        return False, None
    if isinstance(value, list):
        return bool(value), tuple(str(h).lower() for h in value)
    raise UsageError(f"profile network: must be none, all or a list of hosts, not {value!r}")
