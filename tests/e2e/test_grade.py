"""Grading a cohort of simulated participants who used kubectl by hand, then instructor cleanup (real cluster)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e
REPO = Path(__file__).resolve().parents[2]


def kubeconfig() -> str:
    from runner.cluster import paths

    return str(paths.admin_kubeconfig())


def kubectl_bin() -> str:
    from runner.cluster import paths

    return str(Path(paths.k8s_bin_dir()) / "kubectl")


def sh(*args, input=None, check=True):
    return subprocess.run(
        [kubectl_bin(), *args],
        input=input,
        capture_output=True,
        text=True,
        check=check,
        env={**os.environ, "KUBECONFIG": kubeconfig()},
        timeout=300,
    )


def tutorial(*args):
    return subprocess.run(
        [sys.executable, "-m", "runner.cli", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        env={**os.environ, "KUBECONFIG": kubeconfig()},
        timeout=600,
        stdin=subprocess.DEVNULL,
    )


def manifests(user: str) -> dict[str, str]:
    res = tutorial("show", "storage", "--user", user, "--format", "json")
    plan = json.loads(res.stdout)
    return {s["file"]: s["text"] for s in plan["steps"] if s["type"] == "manifest"}


def scores(report: dict) -> dict[str, float]:
    return {p["user"]: p["score"] for p in report["participants"]}


def test_cohort_grades_and_clean(kube_api, namespace, tmp_path):
    ns = ["-n", namespace]
    m = {u: manifests(u) for u in ("ann", "ben", "cat", "dan", "zed", "fin")}
    # pods first (they need time to start), as participants would create them
    for u in ("ann", "cat", "dan", "zed", "fin"):
        sh(*ns, "create", "-f", "-", input=m[u]["s1.yaml"])
    for u in ("ann", "ben", "cat", "dan", "zed"):
        sh(*ns, "create", "-f", "-", input=m[u]["pvc.yaml"])
    for u in ("ann", "cat", "dan", "zed", "fin"):
        sh(*ns, "wait", "--for=condition=Ready", f"pod/s1-{u}", "--timeout=180s")
    sh(*ns, "delete", "pod", "s1-fin", "--wait=true")  # fin did the first part and cleaned up before anyone graded
    sh(*ns, "wait", "--for=jsonpath={.status.phase}=Bound", "pvc/vol-ann", "pvc/vol-ben", "pvc/vol-cat", "--timeout=120s")
    roster = tmp_path / "roster.csv"
    roster.write_text(
        "username,name,email\nann,Ann A,ann@example.org\nben,Ben B,ben@example.org\ncat,Cat C,c@example.org\n"
        "dan,Dan D,d@example.org\neve,Eve E,e@example.org\nfin,Fin F,f@example.org\n"
    )
    progress = tmp_path / "progress.json"
    mid = tutorial(
        "grade", "storage", "--roster", str(roster), *ns, "--profile", "local", "--progress", str(progress), "--format", "json"
    )
    assert mid.returncode == 0, mid.stderr
    assert scores(json.loads(mid.stdout))["ann"] >= 6  # scratch, ramdisk, pvc seen while her pod ran

    # ann finishes the lesson; cat's Job claims a volume whose name she mistyped
    sh(*ns, "delete", "pod", "s1-ann", "s1-cat", "--wait=true")
    for _ in range(2):
        sh(*ns, "create", "-f", "-", input=m["ann"]["s3.yaml"])
        sh(*ns, "wait", "--for=condition=Complete", "job/s3-ann", "--timeout=180s")
        sh(*ns, "delete", "job", "s3-ann", "--wait=true")
    sh(*ns, "create", "-f", "-", input=m["cat"]["s3.yaml"].replace("claimName: vol-cat", "claimName: vol-cta"))
    # a grade while ann's claim still holds the files records that check; then she does the lesson's clean-up
    late = tutorial(
        "grade", "storage", "--users", "ann", *ns, "--profile", "local", "--progress", str(progress), "--format", "json"
    )
    assert late.returncode == 0 and scores(json.loads(late.stdout))["ann"] == 10, late.stdout[-2000:]  # not at the end yet
    sh(*ns, "delete", "pvc", "vol-ann", "--wait=true")

    final = tutorial(
        "grade", "storage", "--roster", str(roster), *ns, "--profile", "local", "--progress", str(progress), "--format", "json"
    )
    assert final.returncode == 0, final.stderr
    report = json.loads(final.stdout)
    # ben made only his claim: "nothing running" does not count before the lesson's end (its Job) is reached
    assert scores(report) == {"ann": 11, "ben": 2, "cat": 6, "dan": 6, "eve": 0, "fin": 0}
    by_user = {p["user"]: {c["name"]: c for c in p["checks"]} for p in report["participants"]}
    assert by_user["dan"]["no-running-pods"]["status"] == "failed" and "s1-dan" in by_user["dan"]["no-running-pods"]["summary"]
    assert by_user["cat"]["pvc-data-survives"]["hint"]
    assert "not started" in by_user["eve"]["pvc-bound"]["summary"]
    assert "job/s3-ben has existed" in by_user["ben"]["no-running-pods"]["summary"]
    # fin's objects are gone, but the cluster's events remember them: graded too late, not "not started", not zero
    fin = next(p for p in report["participants"] if p["user"] == "fin")
    assert fin["standing"] == "gone" and {c["status"] for c in fin["checks"]} == {"not-gradable"}
    assert "objects existed and are gone" in fin["checks"][0]["summary"] and report["summary"]["gone"] == ["fin"]
    assert report["participants"][0]["info"]["email"] == "ann@example.org"

    csv_out = tutorial(
        "grade", "storage", "--roster", str(roster), *ns, "--profile", "local", "--progress", str(progress), "--format", "csv"
    )
    assert csv_out.stdout.splitlines()[0].startswith("username,email,name,scratch-on-disk")
    assert "ann,ann@example.org,Ann A,2,2,2,4,1,11,11," in csv_out.stdout
    canvas = tutorial(
        "grade", "storage", "--roster", str(roster), *ns, "--profile", "local", "--progress", str(progress), "--format", "canvas"
    )
    assert canvas.returncode == 0, canvas.stderr
    assert "Ann A,,,ann@example.org,,2,2,2,4,1,11" in canvas.stdout and "Fin F,,,f@example.org,,,,,,," in canvas.stdout

    clean = tutorial("clean", "storage", "--roster", str(roster), *ns, "-y")
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "s1-dan" in clean.stdout and "RUNNING" in clean.stdout
    left = sh(*ns, "get", "pods,pvc,jobs", "-o", "name").stdout.split()
    roster_users = ("ann", "ben", "cat", "dan", "eve", "fin")
    assert [x for x in left if any(x.endswith(f"-{u}") or f"-{u}-" in x for u in roster_users)] == []
    assert {"persistentvolumeclaim/vol-zed", "pod/s1-zed"} <= set(left)  # someone not on the roster keeps everything
    sh(*ns, "delete", "pod/s1-zed", "pvc/vol-zed", "--wait=true")


def test_watch_board_records_when_a_check_first_passes(kube_api, namespace, tmp_path):
    import signal
    import time

    progress = tmp_path / "progress.json"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "runner.cli",
            "grade",
            "storage",
            "--users",
            "wat",
            "-n",
            namespace,
            "--profile",
            "local",
            "--watch",
            "--progress",
            str(progress),
        ],
        cwd=REPO,
        env={**os.environ, "KUBECONFIG": kubeconfig()},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        stdin=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while not progress.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert progress.exists(), "the board saves its progress file at start"
        assert "pvc-bound" not in json.loads(progress.read_text())["participants"].get("wat", {})
        sh("-n", namespace, "create", "-f", "-", input=manifests("wat")["pvc.yaml"])
        deadline = time.monotonic() + 90
        seen = {}
        while time.monotonic() < deadline:
            seen = json.loads(progress.read_text())["participants"].get("wat", {})
            if "pvc-bound" in seen:
                break
            time.sleep(0.5)
        assert "pvc-bound" in seen and seen["pvc-bound"]["at"]  # driven by the PVC's watch events
    finally:
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=60)
        sh("-n", namespace, "delete", "pvc", "vol-wat", "--ignore-not-found", check=False)
