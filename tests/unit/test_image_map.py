"""Which image names the local cluster serves, and how a run reports the stand-ins it used.

The profile's image map (exact names, and one `REPO:*` pattern per served repository) is
what the planner and the run's image rewriting consult; `runner/cluster/images.py` writes
it and the registry serves its exact names. Pure: no cluster, no registry.
"""

from __future__ import annotations

import json
import os
import stat

import pytest
import yaml

from runner.cluster import images, standins
from runner.plan.facts import ClusterFacts
from runner.plan.profile import builtin_profiles_dir, image_repository, load_profile, profile_from_dict
from runner.run.workspace import Workspace

LOCAL = load_profile("local")


@pytest.mark.parametrize(
    "written, runs",
    [
        ("nginx:1.14.2", "docker.io/library/nginx:1.14.2"),  # a served tag is itself
        ("nginx", "docker.io/library/nginx:latest"),
        ("nginx:1.25.3", "docker.io/library/nginx:latest"),  # a tag nobody listed: the repository's pattern
        ("docker.io/library/nginx:1.25.3", "docker.io/library/nginx:latest"),
        ("docker.io/nginx:mainline-alpine", "docker.io/library/nginx:latest"),
        ("httpd:alpine", "docker.io/library/httpd:alpine"),
        ("httpd:2.4.62-bookworm", "docker.io/library/httpd:latest"),
        ("redis:7.2", "docker.io/library/redis:latest"),
        ("postgres:16-alpine", "docker.io/library/postgres:latest"),
        ("python:3.10-slim", "docker.io/library/python:3.10-slim"),
        ("python:3.13-slim-bookworm", "docker.io/library/python:latest"),
        ("python:3.12-slim", "docker.io/library/python:3.12-slim"),
        ("centos:7", "docker.io/library/centos:7"),
        ("centos:stream9", "docker.io/library/centos:latest"),
        ("busybox:1.28", "docker.io/library/busybox:1.28"),
        ("busybox", "docker.io/library/busybox:latest"),
    ],
)
def test_local_profile_serves_published_names_and_any_tag_of_their_repositories(written, runs):
    assert LOCAL.image_for(written) == runs


@pytest.mark.parametrize(
    "written",
    [
        "gcr.io/your-project/your-image",
        "nvcr.io/hpc/lammps:patch_4May2022",
        "nginxinc/nginx-unprivileged:1.25",  # a repository whose name starts like a served one
        "bitnami/redis:7.2",
        "quay.io/centos/centos:stream9",  # same name, another registry
        "nginx@sha256:" + "0" * 64,  # a digest names exact bytes, which no stand-in has
        "nvidia/cuda:12.4.1-cudnn-devel-ubuntu22.04",  # a CUDA tag names libraries the stand-in lacks
        "alpine:3.2",  # the older stand-ins serve their listed tags only (images.py says why)
    ],
)
def test_an_unknown_image_stays_unknown_and_is_reported_as_not_served(written):
    assert LOCAL.image_for(written) is None and LOCAL.stand_in(written) is None
    reason = ClusterFacts(image_for=LOCAL.image_for).unmet(f"image:{written}")
    assert reason is not None and reason.startswith(f"needs image {written}, which this cluster cannot pull")


def test_the_most_specific_pattern_wins_whatever_the_order():
    prof = profile_from_dict(
        "p", {"images": {"python:*": "reg/python:full", "python:*-slim": "reg/python:slim", "python:3.11": "reg/python:3.11"}}
    )
    assert prof.image_for("python:3.9-slim") == "reg/python:slim"
    assert prof.image_for("python:3.9") == "reg/python:full"
    assert prof.image_for("python:3.11") == "reg/python:3.11"  # an exact key before any pattern
    assert prof.image_for("ruby:3") is None  # a map without registry access pulls nothing else


def test_a_stand_in_is_named_in_what_a_run_reports():
    assert LOCAL.stand_in("nginx:1.14.2") == "nginx: stand-in built from Debian packages"
    assert LOCAL.stand_in("docker.io/library/postgres:16") == "postgres: stand-in built from Debian packages"
    assert LOCAL.stand_in("nvidia/cuda:12.2.0-base-ubuntu22.04") == "nvidia/cuda: stand-in built from Debian packages"
    real = profile_from_dict("mirror", {"images": {"nginx:*": "mirror.example/nginx:1.27"}})
    assert real.image_for("nginx:1.14.2") == "mirror.example/nginx:1.27" and real.stand_in("nginx:1.14.2") is None


def test_a_run_rewrites_the_image_and_lists_the_stand_in_as_simulated(tmp_path):
    workspace = Workspace(tmp_path, {"tutorial-runner.io/user": "bob"}, "bob", LOCAL)
    deployment = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web-bob"},
        "spec": {
            "template": {
                "spec": {
                    "initContainers": [{"name": "wait", "image": "busybox:1.28"}],
                    "containers": [{"name": "web", "image": "nginx:1.25.3"}, {"name": "cache", "image": "redis"}],
                }
            }
        },
    }
    out = workspace.prepared(deployment)
    spec = out["spec"]["template"]["spec"]
    assert [c["image"] for c in spec["containers"]] == ["docker.io/library/nginx:latest", "docker.io/library/redis:latest"]
    assert spec["initContainers"][0]["image"] == "docker.io/library/busybox:1.28"
    assert set(workspace.simulated) == {
        "nginx: stand-in built from Debian packages",
        "redis: stand-in built from Debian packages",
        "busybox: stand-in built from Debian packages",
    }


def test_image_repository_is_the_name_lessons_write():
    assert image_repository("docker.io/library/nginx:latest") == "nginx"
    assert image_repository("docker.io/nvidia/cuda:12.2.0-base-ubuntu22.04") == "nvidia/cuda"
    assert image_repository("127.0.0.1:5000/x/y") == "127.0.0.1:5000/x/y"  # a port is not a tag


# ---- the map the profile holds is the one images.py writes --------------------------------------


def test_the_builtin_profile_holds_the_map_images_py_writes():
    text = (builtin_profiles_dir() / "local.yaml").read_text()
    assert yaml.safe_load(text)["images"] == images.image_map()


def test_a_stand_in_that_runs_any_tag_has_one_pattern_to_its_default_tag():
    m = images.image_map()
    served = [images.short_name(s.name) for s in images.IMAGES if s.flavor != "pause"]
    for name in served:
        assert m[name] == f"docker.io/{'' if '/' in name else 'library/'}{name}"
    any_tag = {images.short_name(s.name).rsplit(":", 1)[0] for s in images.IMAGES if s.any_tag}
    assert {"nginx", "httpd", "redis", "postgres", "python", "centos"} <= any_tag
    assert {k for k in m if "*" in k} == {f"{r}:*" for r in any_tag}
    assert m["nginx:*"] == "docker.io/library/nginx:latest"  # `latest` when served
    assert images.PAUSE_IMAGE not in m.values()


def test_a_repository_without_latest_sends_other_tags_to_its_first(monkeypatch):
    monkeypatch.setattr(images, "IMAGES", images.tags("library/rockylinux", ("8", "9"), any_tag=True))
    assert images.image_map() == {
        "rockylinux:8": "docker.io/library/rockylinux:8",
        "rockylinux:9": "docker.io/library/rockylinux:9",
        "rockylinux:*": "docker.io/library/rockylinux:8",
    }


# ---- what the images are made of -----------------------------------------------------------------


def _config(name: str) -> dict:
    spec = next(s for s in images.IMAGES if s.name == name)
    return json.loads(images._config_blob(spec, [{"diff_id": "sha256:a"}, {"diff_id": "sha256:b"}]))


def test_service_stand_ins_start_as_the_official_images_do():
    nginx = _config("docker.io/library/nginx:1.14.2")["config"]
    assert nginx["Cmd"] == ["nginx", "-g", "daemon off;"] and nginx["ExposedPorts"] == {"80/tcp": {}}
    assert nginx["StopSignal"] == "SIGQUIT"
    httpd = _config("docker.io/library/httpd:latest")["config"]
    assert httpd["Cmd"] == ["httpd-foreground"] and httpd["WorkingDir"] == "/usr/local/apache2"
    redis = _config("docker.io/library/redis:latest")["config"]
    assert redis["Entrypoint"] == ["docker-entrypoint.sh"] and redis["Cmd"] == ["redis-server"]
    postgres = _config("docker.io/library/postgres:latest")
    env = postgres["config"]["Env"]
    assert [e for e in env if e.startswith("PATH=")] == [
        f"PATH={images.PATH}:/usr/lib/postgresql/{standins.PG_MAJOR}/bin"
    ]  # one PATH: the image's own replaces the default
    assert "PGDATA=/var/lib/postgresql/data" in env and postgres["config"]["ExposedPorts"] == {"5432/tcp": {}}
    assert len(postgres["history"]) == len(postgres["rootfs"]["diff_ids"]) == 2
    assert "postgresql-15" in postgres["history"][1]["created_by"]


def test_every_image_flavor_is_made_somewhere():
    flavors = {s.flavor for s in images.IMAGES}
    assert flavors <= {"base", "gpu", "pause", *standins.RECIPES}
    assert set(standins.RECIPES) <= flavors  # no recipe is built for nothing


def test_a_recipe_layer_is_rebuilt_when_its_base_or_its_files_change(tmp_path, monkeypatch):
    nginx = standins.RECIPES["nginx"]
    assert nginx.key("sha256:base1") == nginx.key("sha256:base1")
    assert nginx.key("sha256:base1") != nginx.key("sha256:base2")
    copy = tmp_path / "assets"
    copy.mkdir()
    for asset in nginx.files:
        (copy / asset.source).write_text((standins.ASSETS / asset.source).read_text() + "# changed\n")
    before = nginx.key("sha256:base1")
    monkeypatch.setattr(standins, "ASSETS", copy)
    assert nginx.key("sha256:base1") != before


def test_every_asset_a_recipe_names_exists():
    for recipe in standins.RECIPES.values():
        for asset in recipe.files:
            assert (standins.ASSETS / asset.source).is_file(), (recipe.name, asset.source)
        assert "path-exclude=/usr/share/doc/*\n" in recipe.dpkg_config()


@pytest.mark.skipif(os.geteuid() != 0, reason="overlay whiteouts are device nodes and trusted xattrs: root only")
def test_overlay_whiteouts_become_oci_whiteouts(tmp_path):
    (tmp_path / "etc").mkdir()
    os.mknod(tmp_path / "etc/gone.conf", stat.S_IFCHR | 0o000, os.makedev(0, 0))
    (tmp_path / "etc/kept.conf").write_text("x")
    (tmp_path / "opt").mkdir()
    os.setxattr(tmp_path / "opt", "trusted.overlay.opaque", b"y")
    os.setxattr(tmp_path / "etc", "trusted.overlay.impure", b"y")
    standins.oci_whiteouts(tmp_path)
    assert sorted(p.name for p in (tmp_path / "etc").iterdir()) == [".wh.gone.conf", "kept.conf"]
    assert (tmp_path / "etc/.wh.gone.conf").stat().st_size == 0
    assert (tmp_path / "opt/.wh..wh..opq").is_file()
    assert not [a for a in os.listxattr(tmp_path / "opt") + os.listxattr(tmp_path / "etc") if a.startswith("trusted.overlay.")]
