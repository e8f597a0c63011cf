"""Workflow-lesson checks: Jobs found by their generateName, and the files they left on the claim."""

from __future__ import annotations

from check_support import FakeProbe, job, pod

from checks.workflow import claim_has_files, generated_job_complete

LOAD_LOG = "wrote 3 parameter values to /data/input/steps.txt\n"  # recorded: kubectl logs -l app=wf-load-eng6a
# recorded: the check's script in the inspector pod on claim wf-data-eng6a
CLAIM_OK = """ok input/steps.txt 18 bytes
ok results/pi-1000.txt 33 bytes
ok results/pi-100000.txt 35 bytes
--- ls
/data:
input
results

/data/input:
steps.txt

/data/results:
pi-1000.txt
pi-10000.txt
pi-100000.txt
"""
# the loading Job wrote into an emptyDir: the claim is empty
CLAIM_EMPTY = "missing input/steps.txt\nmissing results/pi-1000.txt\n--- ls\n/data:\n"


def _generated(names_states: list[tuple[str, str, str]], log: str = LOAD_LOG) -> FakeProbe:
    objects, pods, logs = {}, {}, {}
    for name, state, created in names_states:
        objects[("Job", name)] = job(name, state, generate_name="wf-load-bob-", created=created)
        pods[name] = [pod(f"{name}-2nmh7", phase="Succeeded" if state == "complete" else "Failed")]
        logs[(f"{name}-2nmh7", None)] = log
    objects[("Job", "wf-load-alice-zzzzz")] = job("wf-load-alice-zzzzz", "failed", generate_name="wf-load-alice-")
    return FakeProbe(objects=objects, job_pods=pods, pod_logs=logs)


def test_generated_job_found_by_prefix_in_grade_mode():
    p = _generated([("wf-load-bob-wvglg", "complete", "2026-11-29T10:16:00Z")])
    r = generated_job_complete(probe=p, args={"generate-name": "wf-load-bob-", "text": "wrote 3 parameter values"}, mode="grade")
    assert r.status == "passed" and "wf-load-bob-wvglg" in r.summary
    assert r.evidence[0].lines == ("wf-load-bob-wvglg",)


def test_generated_job_newest_run_counts():
    p = _generated(
        [("wf-load-bob-aaaaa", "failed", "2026-11-29T10:00:00Z"), ("wf-load-bob-bbbbb", "complete", "2026-11-29T10:05:00Z")]
    )
    assert generated_job_complete(probe=p, args={"generate-name": "wf-load-bob-"}, mode="grade").status == "passed"
    p = _generated(
        [("wf-load-bob-aaaaa", "complete", "2026-11-29T10:00:00Z"), ("wf-load-bob-bbbbb", "failed", "2026-11-29T10:05:00Z")],
        log="sh: line 2: /data/input/steps.txt: Permission denied\n",
    )
    r = generated_job_complete(probe=p, args={"generate-name": "wf-load-bob-"}, mode="grade")
    assert r.status == "failed" and "wf-load-bob-bbbbb" in r.summary and "Permission denied" in r.hint


def test_generated_job_missing_explains_create_versus_apply():
    r = generated_job_complete(probe=FakeProbe(), args={"generate-name": "wf-load-bob-"}, mode="grade")
    assert r.status == "failed" and "kubectl create -f" in r.hint and "apply" in r.hint


def test_claim_has_files():
    claim = {("PersistentVolumeClaim", "wf-data-bob"): {"status": {"phase": "Bound"}}}
    ok = claim_has_files(
        probe=FakeProbe(objects=claim, claim_output=CLAIM_OK),
        args={"claim": "wf-data-bob", "files": "input/steps.txt,results/pi-1000.txt,results/pi-100000.txt"},
    )
    assert ok.status == "passed"
    empty = claim_has_files(
        probe=FakeProbe(objects=claim, claim_output=CLAIM_EMPTY),
        args={"claim": "wf-data-bob", "files": "input/steps.txt,results/pi-1000.txt"},
    )
    assert empty.status == "failed" and "input/steps.txt" in empty.summary and "not an emptyDir" in empty.hint
    gone = claim_has_files(probe=FakeProbe(), args={"claim": "wf-data-bob", "files": "input/steps.txt"})
    assert gone.status == "failed" and "no PersistentVolumeClaim" in gone.summary
