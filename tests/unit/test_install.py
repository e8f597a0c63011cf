"""Installable anywhere: lessons and profiles found by precedence, where each comes from, the wheel's content,
`--version`, the kubectl plugin and shell completion."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from runner import KUBERNETES_VERSION, __version__
from runner.cli.complete import cobra_completions
from runner.cli.main import main
from runner.core.errors import UsageError
from runner.lesson.catalog import BUILTIN, Catalog, LessonSource, builtin_lessons_dir, default_sources
from runner.plan.profile import builtin_profiles_dir, load_profile

REPO = Path(__file__).resolve().parents[2]

LESSON = """---
id: {id}
title: {title}
---

# {title}

```bash
kubectl get pods
```
"""


def invoke(*args: str, env: dict[str, str] | None = None):
    return CliRunner().invoke(main, list(args), env=env, prog_name="tutorial")


def _lesson(folder: Path, name: str, lesson_id: str, title: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.md"
    path.write_text(LESSON.format(id=lesson_id, title=title))
    return path


def test_builtin_lessons_and_profiles_are_package_data():
    assert builtin_lessons_dir() == REPO / "runner" / "data" / "lessons"
    assert {p.stem for p in builtin_lessons_dir().glob("*.md")} >= {"storage", "basics", "data", "secrets", "gpu", "workflow"}
    assert (builtin_profiles_dir() / "local.yaml").is_file()
    # the repository's lessons/ and profiles/ are the same folders (for CI lint and `pytest --lessons`)
    assert (REPO / "lessons").resolve() == builtin_lessons_dir().resolve()
    assert (REPO / "profiles").resolve() == builtin_profiles_dir().resolve()


def test_search_order_and_overrides(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    _lesson(tmp_path / "lessons", "storage", "storage", "Our own storage")
    _lesson(tmp_path / "env", "mine", "mine", "From the environment")
    _lesson(tmp_path / "flag", "mine", "mine", "From the flag")
    monkeypatch.setenv("TUTORIAL_LESSONS", str(tmp_path / "env"))
    catalog = Catalog.with_folders([tmp_path / "flag"])
    assert [s.origin for s in catalog.sources] == ["--lessons", "$TUTORIAL_LESSONS", "./lessons", BUILTIN]
    by_id = {e.id: e for e in catalog.entries()}
    assert by_id["mine"].lesson.meta.title == "From the flag"
    assert [s.origin for s in by_id["mine"].hides] == ["$TUTORIAL_LESSONS"]
    assert by_id["storage"].lesson.meta.title == "Our own storage" and by_id["storage"].source.origin == "./lessons"
    assert [s.origin for s in by_id["storage"].hides] == [BUILTIN]
    assert by_id["basics"].source.origin == BUILTIN  # the built-in ones not overridden stay


def test_a_folder_reached_twice_is_searched_once(monkeypatch):
    monkeypatch.chdir(REPO)  # ./lessons here is the link to the built-in folder
    sources = default_sources(env={})
    assert [s.origin for s in sources] == ["./lessons"]
    assert sources[0].folder.resolve() == builtin_lessons_dir().resolve()


def test_list_shows_where_each_lesson_comes_from(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    _lesson(tmp_path / "lessons", "storage", "storage", "Our own storage")
    res = invoke("list", env={"TUTORIAL_LESSONS": ""})
    assert res.exit_code == 0, res.output
    assert f"./lessons ({tmp_path / 'lessons'}):" in res.stdout
    assert f"{BUILTIN} ({builtin_lessons_dir()}):" in res.stdout
    assert "(storage overrides the one in built-in)" in res.stdout
    data = json.loads(invoke("list", "--format", "json", env={"TUTORIAL_LESSONS": ""}).stdout)
    origins = {l["id"]: l["source"]["origin"] for l in data["lessons"]}
    assert origins["storage"] == "./lessons" and origins["basics"] == BUILTIN


def test_show_and_lint_find_lessons_of_a_folder_given_with_lessons(tmp_path):
    _lesson(tmp_path / "mine", "hello", "hello", "Hello")
    res = invoke("show", "hello", "--lessons", str(tmp_path / "mine"))
    assert res.exit_code == 0 and "kubectl get pods" in res.stdout
    res = invoke("lint", "storage")
    assert res.exit_code == 0 and "1 file checked" in res.stdout


def test_nothing_found_says_where_it_looked(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    catalog = Catalog([LessonSource("./lessons", tmp_path / "lessons"), LessonSource("--lessons", tmp_path / "empty")])
    (tmp_path / "empty").mkdir()
    with pytest.raises(UsageError) as exc:
        catalog.require_some()
    assert f"looked in ./lessons ({tmp_path / 'lessons'}, no such folder); --lessons ({tmp_path / 'empty'})" in str(exc.value)
    res = invoke("show", "nosuch")
    assert res.exit_code == 2
    assert "no lesson 'nosuch'" in res.stderr and "looked in" in res.stderr and str(builtin_lessons_dir()) in res.stderr


def test_profile_by_builtin_name_local_folder_or_path(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TUTORIAL_PROFILES", raising=False)
    assert load_profile("local").gpu_simulated
    (tmp_path / "profiles").mkdir()
    (tmp_path / "profiles" / "local.yaml").write_text("namespace: ours\n")
    (tmp_path / "lab.yaml").write_text("namespace: lab\nstorage_classes: [fast]\n")
    assert load_profile("local").namespace == "ours"  # ./profiles overrides the built-in one
    assert load_profile(str(tmp_path / "lab.yaml")).storage_classes == ("fast",)
    assert load_profile("./lab.yaml").namespace == "lab"
    with pytest.raises(UsageError) as exc:
        load_profile("nosuch")
    message = str(exc.value)
    assert "no profile 'nosuch' (built-in: local)" in message
    assert str(tmp_path / "profiles" / "nosuch.yaml") in message and str(builtin_profiles_dir() / "nosuch.yaml") in message
    with pytest.raises(UsageError, match=r"no profile file \./missing\.yaml"):
        load_profile("./missing.yaml")


def test_version_names_the_kubernetes_it_targets():
    res = invoke("--version")
    assert res.exit_code == 0
    assert res.stdout.strip() == f"tutorial {__version__} (targets Kubernetes {KUBERNETES_VERSION})"
    assert KUBERNETES_VERSION == "v1.34"


def test_kubectl_plugin_runs_the_same_commands():
    code = "import sys; sys.argv = ['kubectl-tutorial', '--version']; from runner.cli import kubectl_plugin; kubectl_plugin()"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0 and out.stdout.startswith(f"kubectl tutorial {__version__}")


def test_click_completion_of_commands_lessons_and_profiles():
    env = {"COMP_WORDS": "tutorial show st", "COMP_CWORD": "2", "_TUTORIAL_COMPLETE": "bash_complete"}
    out = subprocess.run(
        [sys.executable, "-m", "runner.cli"], capture_output=True, text=True, env={**_base_env(), **env}, timeout=60
    )
    assert out.stdout.split() == ["plain,storage"]
    assert cobra_completions(["show", "st"])[0].startswith("storage\t")
    assert cobra_completions(["show", "st"])[-1] == ":4"
    assert "local" in [l.split("\t")[0] for l in cobra_completions(["run", "storage", "--profile", ""])]
    assert {"run", "list", "new"} <= {l.split("\t")[0] for l in cobra_completions([""])}


def _base_env() -> dict[str, str]:
    import os

    return {k: v for k, v in os.environ.items() if not k.startswith("_TUTORIAL")}


@pytest.mark.skipif(
    importlib.util.find_spec("setuptools") is None or importlib.util.find_spec("wheel") is None,
    reason="building the wheel needs setuptools and wheel (pip install -e '.[test]')",
)
def test_the_wheel_carries_lessons_profiles_and_entry_points(tmp_path):
    res = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(tmp_path), str(REPO)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert res.returncode == 0, res.stderr
    (wheel,) = tmp_path.glob("tutorial_runner-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    ours = sorted(p.name for p in builtin_lessons_dir().glob("*.md"))
    assert sorted(n.rsplit("/", 1)[1] for n in names if n.startswith("runner/data/lessons/")) == ours
    assert "runner/data/profiles/local.yaml" in names
    entry_points = zipfile.ZipFile(wheel).read(next(n for n in names if n.endswith("entry_points.txt"))).decode()
    assert "kubectl-tutorial = runner.cli:kubectl_plugin" in entry_points
    assert "tutorial = runner.cli:run" in entry_points


@pytest.mark.skipif(importlib.util.find_spec("setuptools") is None, reason="building the sdist needs setuptools")
def test_the_sdist_carries_lessons_and_profiles(tmp_path):
    code = "import sys; from setuptools import build_meta; print(build_meta.build_sdist(sys.argv[1]))"
    res = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True, cwd=REPO, timeout=60)
    assert res.returncode == 0, res.stderr
    (sdist,) = tmp_path.glob("tutorial_runner-*.tar.gz")
    with tarfile.open(sdist) as tar:
        names = [n.split("/", 1)[1] for n in tar.getnames() if "/" in n]
    assert {f"runner/data/lessons/{p.name}" for p in builtin_lessons_dir().glob("*.md")} <= set(names)
    assert any(n.endswith("runner/data/profiles/local.yaml") for n in names)
