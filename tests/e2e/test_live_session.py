"""A live workshop as a test: both boards run while participants do the storage lesson at once, in one namespace.

Four participants on the roster, at the same time: one does the whole lesson,
one only its first section (`tutorial run --section`), one makes a mistake
from the sabotage variants (the RAM disk without `medium: Memory`), one does
nothing. Their runs delete their pods and claims as the lesson says, while
the terminal board (on a real pseudo terminal) and the web board grade them.
Neither board may exit; the final grade from each board's progress file
gives exactly the expected scores; `tutorial clean --roster` then removes
only the roster's objects.
"""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import yaml
from boards import OUTPUT, REPO, TerminalBoard, WebBoard, free_port, kube_env, kubectl, manifests, tutorial, wait_until

from runner.cli.main import crashed

pytestmark = pytest.mark.e2e
SABOTAGE = Path(__file__).with_name("sabotage") / "ramdisk-without-medium.yaml"

# storage's rubric: scratch-on-disk 2, ramdisk-is-tmpfs 2, pvc-bound 2, pvc-data-survives 4, no-running-pods 1
EXPECTED = {"full": 11, "part": 4, "oops": 9, "none": 0}


def _sabotaged(tmp_path: Path) -> Path:
    spec = yaml.safe_load(SABOTAGE.read_text())
    text = (REPO / "lessons" / "storage.md").read_text()
    for r in spec["replace"]:
        assert text.count(r["old"]) == 1
        text = text.replace(r["old"], r["new"])
    path = tmp_path / "storage-oops.md"
    path.write_text(text)
    return path


def _run(lesson: str, user: str, namespace: str, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "runner.cli", "run", lesson, "--user", user, "-n", namespace, "--profile", "local", *extra],
        cwd=REPO,
        capture_output=True,
        text=True,
        env=kube_env(),
        timeout=900,
        stdin=subprocess.DEVNULL,
    )


def _final(roster: Path, namespace: str, progress: Path) -> dict:
    res = tutorial(
        "grade",
        "storage",
        "--roster",
        str(roster),
        "-n",
        namespace,
        "--profile",
        "local",
        "--progress",
        str(progress),
        "--format",
        "json",
    )
    assert res.returncode == 0, res.stderr
    return json.loads(res.stdout)


def test_live_session_with_both_boards(kube_api, namespace, tmp_path):
    tag = uuid.uuid4().hex[:4]
    who = {role: f"{role}-{tag}" for role in EXPECTED}
    roster = tmp_path / "roster.csv"
    roster.write_text(
        "username,name,email,section,student id\n"
        + "".join(
            f"{u},{role.title()} {tag},{u}@example.org,S{i % 2 + 1},{1000 + i}\n" for i, (role, u) in enumerate(who.items())
        )
    )
    progress_term, progress_web = tmp_path / "term.json", tmp_path / "web.json"
    common = ["grade", "storage", "--roster", str(roster), "-n", namespace, "--profile", "local"]
    term = TerminalBoard([*common, "--watch", "--progress", str(progress_term)], rows=50, cols=190)
    port = free_port()
    web = WebBoard([*common, "--progress", str(progress_web)], port)
    OUTPUT.mkdir(parents=True, exist_ok=True)
    try:
        wait_until(lambda: progress_term.exists() and progress_web.exists() and web.state(), 180, "both boards started")

        oops = _sabotaged(tmp_path)
        with ThreadPoolExecutor(3) as pool:  # three participants at once; the fourth does nothing
            runs = {
                "full": pool.submit(_run, "storage", who["full"], namespace),
                "part": pool.submit(_run, "storage", who["part"], namespace, "--section", "Two kinds of scratch space"),
                "oops": pool.submit(_run, str(oops), who["oops"], namespace),
            }
            results = {role: f.result() for role, f in runs.items()}
        assert results["full"].returncode == 0, results["full"].stdout[-3000:]
        assert results["part"].returncode == 0, results["part"].stdout[-3000:]
        assert results["oops"].returncode == 1 and "ramdisk-is-tmpfs" in results["oops"].stdout, results["oops"].stdout[-3000:]

        # the boards saw it all, and are still there
        want = {who[r]: s for r, s in EXPECTED.items()}
        wait_until(lambda: web.scores() == want, 120, f"the web board shows {want} (it shows {web.scores()})")
        assert term.alive(), f"the terminal board exited: {term.text[-3000:]}"
        assert web.proc.poll() is None, "the web board exited"
        screen = wait_until(
            lambda: (s := term.last_screen()) and f"{who['full']}" in s and "11/11" in s and s, 60, "terminal shows 11/11"
        )
        assert not crashed(term.text) and "cluster unreachable" not in term.text
        (OUTPUT / "live-session-terminal.txt").write_text(screen)

        # the final grade from each board's record: exactly the expected scores
        for progress in (progress_term, progress_web):
            report = _final(roster, namespace, progress)
            assert {p["user"]: p["score"] for p in report["participants"]} == want, progress.name
            by = {p["user"]: {c["name"]: c for c in p["checks"]} for p in report["participants"]}
            assert (
                by[who["oops"]]["ramdisk-is-tmpfs"]["status"] == "failed"
                and "tmpfs" in by[who["oops"]]["ramdisk-is-tmpfs"]["summary"]
            )
            assert by[who["full"]]["no-running-pods"]["first_passed_at"]
            assert by[who["part"]]["no-running-pods"]["status"] == "failed"  # never reached the end of the lesson
            assert {p["user"] for p in report["participants"] if p.get("standing") == "not-started"} == {who["none"]}
            assert report["participants"][0]["info"]["student_id"] == "1000"
    finally:
        term_code = term.stop()
        web_code, _, web_err = web.stop()
    assert term_code == 0 and web_code == 0 and not crashed(web_err), web_err

    # leftovers: two of the roster's, one of someone not on it; clean removes exactly the roster's
    zed = f"zed-{tag}"
    kubectl("-n", namespace, "create", "-f", "-", input=manifests(who["none"])["pvc.yaml"])
    kubectl("-n", namespace, "create", "-f", "-", input=manifests(who["part"])["pvc.yaml"])
    kubectl("-n", namespace, "create", "-f", "-", input=manifests(zed)["pvc.yaml"])
    clean = tutorial("clean", "storage", "--roster", str(roster), "-n", namespace, "-y")
    assert clean.returncode == 0, clean.stdout + clean.stderr
    left = kubectl("-n", namespace, "get", "pods,pvc,jobs", "-o", "name").stdout.split()
    assert not [x for x in left if any(x.endswith(f"-{u}") for u in who.values())], left
    assert f"persistentvolumeclaim/vol-{zed}" in left
    assert not [x for x in left if "inspect-grade" in x], "the boards deleted their inspector pods"
    kubectl("-n", namespace, "delete", "pvc", f"vol-{zed}", "--wait=true", check=False)
