"""Data-lesson checks on output recorded from the local cluster (and the learner's typical mistakes)."""

from __future__ import annotations

import pytest
from check_support import FakeProbe, job, pod

from checks import data as data_checks
from checks.data import configmap_dir, configmap_file, configmap_live_update, env_changes_result, job_result
from runner.kube.exec import ExecResult

M = "@@tutorial-runner"
HELLO = "Hello from eng6a, written by tutorial-runner for data.\n"
WORLD = "Hello from eng6a, written by tutorial-runner for data.\n"
UPDATED = HELLO + "updated by tutorial-runner run 7ab0d5a9 at 2026-11-29T10:15:28.663829+00:00\n"

# recorded: the check's exec in cfg-one-eng6a (subPath mount, GNU coreutils touch)
FILE_OK = f"{M} file /tmp/hello.txt\n{HELLO}{M} write\ntouch: cannot touch '/tmp/hello.txt': Read-only file system\n"
# busybox prints its errors differently
FILE_OK_BUSYBOX = f"{M} file /tmp/hello.txt\n{HELLO}{M} write\ntouch: /tmp/hello.txt: Read-only file system\n"
# the volumeMount without subPath: /tmp/hello.txt is the ConfigMap directory
FILE_IS_DIR = (
    f"{M} file /tmp/hello.txt\n{M} isdir\nhello.txt\n{M} write\ntouch: cannot touch '/tmp/hello.txt': Read-only file system\n"
)
# the file was baked into a writable place (not the ConfigMap volume)
FILE_WRITABLE = f"{M} file /tmp/hello.txt\n{HELLO}{M} write\n{M} writable\n"
DIR_OK = (
    f"{M} file /tmp/myconfig/hello.txt\n{HELLO}{M} file /tmp/myconfig/world.txt\n{WORLD}{M} write\n"
    "touch: cannot touch '/tmp/myconfig/.tutorial-runner-write-test': Read-only file system\n"
)
DIR_MISSING = (
    f"{M} file /tmp/myconfig/hello.txt\n{HELLO}{M} file /tmp/myconfig/world.txt\n"
    f"cat: /tmp/myconfig/world.txt: No such file or directory\n{M} missing\n{M} write\n"
    "touch: cannot touch '/tmp/myconfig/.tutorial-runner-write-test': Read-only file system\n"
)


def _cm(name: str, data: dict, created="2026-11-29T10:15:25Z", writes=()) -> dict:
    fields = [{"manager": "kubectl-create", "operation": "Update", "time": created}]
    fields += [{"manager": "kubectl-client-side-apply", "operation": "Update", "time": t} for t in writes]
    return {"metadata": {"name": name, "creationTimestamp": created, "managedFields": fields}, "data": data}


def _probe(stdout: str, cm: dict, pod_name="cfg-one-bob") -> FakeProbe:
    return FakeProbe(
        objects={("ConfigMap", cm["metadata"]["name"]): cm, ("Pod", pod_name): pod(pod_name)},
        on_exec=lambda p, cmd, c: ExecResult(cmd, stdout, "", 0),
    )


def test_configmap_file_passes_on_recorded_output_gnu_and_busybox():
    cm = _cm("cfg-one-bob", {"hello.txt": HELLO})
    args = {"pod": "cfg-one-bob", "path": "/tmp/hello.txt", "configmap": "cfg-one-bob", "key": "hello.txt"}
    r = configmap_file(probe=_probe(FILE_OK, cm), args=args)
    assert r.status == "passed" and "Read-only file system" in r.summary
    assert configmap_file(probe=_probe(FILE_OK_BUSYBOX, cm), args=args).status == "passed"


def test_configmap_file_mistakes():
    cm = _cm("cfg-one-bob", {"hello.txt": HELLO})
    args = {"pod": "cfg-one-bob", "path": "/tmp/hello.txt", "configmap": "cfg-one-bob"}
    as_dir = configmap_file(probe=_probe(FILE_IS_DIR, cm), args=args)
    assert as_dir.status == "failed" and "subPath: hello.txt" in as_dir.hint
    writable = configmap_file(probe=_probe(FILE_WRITABLE, cm), args=args)
    assert writable.status == "failed" and "not read-only" in writable.summary
    other = configmap_file(probe=_probe(FILE_OK, _cm("cfg-one-bob", {"hello.txt": "something else\n"})), args=args)
    assert other.status == "failed" and "does not hold" in other.summary
    no_key = configmap_file(probe=_probe(FILE_OK, _cm("cfg-one-bob", {"world.txt": WORLD})), args=args)
    assert no_key.status == "failed" and "--from-file=hello.txt" in no_key.hint
    no_cm = configmap_file(probe=FakeProbe(), args=args)
    assert no_cm.status == "failed" and "kubectl create configmap" in no_cm.hint


def test_configmap_dir_every_key_and_read_only():
    cm = _cm("cfg-dir-bob", {"hello.txt": HELLO, "world.txt": WORLD})
    args = {"pod": "cfg-dir-bob", "path": "/tmp/myconfig", "configmap": "cfg-dir-bob"}
    ok = configmap_dir(probe=_probe(DIR_OK, cm, "cfg-dir-bob"), args=args)
    assert ok.status == "passed" and "2 keys" in ok.summary
    missing = configmap_dir(probe=_probe(DIR_MISSING, cm, "cfg-dir-bob"), args=args)
    assert missing.status == "failed" and "world.txt" in missing.summary and "no subPath" in missing.hint
    one_key = configmap_dir(
        probe=_probe(DIR_OK, _cm("cfg-dir-bob", {"hello.txt": HELLO}), "cfg-dir-bob"),
        args={**args, "keys": "hello.txt,world.txt"},
    )
    assert one_key.status == "failed" and "--from-file=world.txt" in one_key.hint


def _dir_output(hello: str) -> str:
    return f"{M} file /tmp/myconfig/hello.txt\n{hello}{M} file /tmp/myconfig/world.txt\n{WORLD}"


@pytest.fixture
def no_sleep(monkeypatch):
    monkeypatch.setattr(data_checks.time, "sleep", lambda s: None)


def test_live_update_seen_after_a_refresh(no_sleep):
    cm = _cm("cfg-dir-bob", {"hello.txt": UPDATED, "world.txt": WORLD}, writes=["2026-11-29T10:15:28Z"])
    outputs = iter([_dir_output(HELLO), _dir_output(UPDATED)])
    p = FakeProbe(
        objects={("ConfigMap", "cfg-dir-bob"): cm, ("Pod", "cfg-dir-bob"): pod("cfg-dir-bob")},
        on_exec=lambda pd, cmd, c: ExecResult(cmd, next(outputs), "", 0),
    )
    r = configmap_live_update(
        probe=p, args={"pod": "cfg-dir-bob", "path": "/tmp/myconfig", "configmap": "cfg-dir-bob", "timeout": "30"}
    )
    assert r.status == "passed" and "2 read(s)" in r.summary
    assert any("updated by tutorial-runner" in l for e in r.evidence for l in e.lines)


def test_live_update_mistakes(no_sleep):
    args = {"pod": "cfg-dir-bob", "path": "/tmp/myconfig", "configmap": "cfg-dir-bob", "timeout": "0"}
    never = _cm("cfg-dir-bob", {"hello.txt": HELLO, "world.txt": WORLD})
    r = configmap_live_update(probe=_probe(_dir_output(HELLO), never, "cfg-dir-bob"), args=args)
    assert r.status == "failed" and "never changed" in r.summary and "kubectl apply" in r.hint
    recreated = _cm("cfg-dir-bob", {"hello.txt": UPDATED, "world.txt": WORLD}, created="2026-11-29T10:16:00Z")
    r = configmap_live_update(probe=_probe(_dir_output(UPDATED), recreated, "cfg-dir-bob"), args=args)
    assert r.status == "failed" and "re-created" in r.summary
    stale = _cm("cfg-dir-bob", {"hello.txt": UPDATED, "world.txt": WORLD}, writes=["2026-11-29T10:15:28Z"])
    r = configmap_live_update(probe=_probe(_dir_output(HELLO), stale, "cfg-dir-bob"), args=args)
    assert r.status == "failed" and "old content of hello.txt" in r.summary
    sub = pod(
        "cfg-dir-bob",
        containers=[{"name": "main", "volumeMounts": [{"name": "c", "mountPath": "/tmp/myconfig", "subPath": "hello.txt"}]}],
    )
    p = FakeProbe(objects={("ConfigMap", "cfg-dir-bob"): stale, ("Pod", "cfg-dir-bob"): sub})
    r = configmap_live_update(probe=p, args=args)
    assert r.status == "failed" and "subPath" in r.hint


PI_LOG = "Cloning into 'code'...\n3.1415927369231227\n"  # recorded: kubectl logs job/pi-eng6a
PI_FINE_LOG = "Cloning into 'code'...\n3.1415926535981615\n"  # recorded: PI_STEPS=100000
DNS_FAIL = (
    "Cloning into 'code'...\nfatal: unable to access 'https://github.com/PRP-Workshop/PEARC23-code-public.git/': "
    "Could not resolve host: github.com\n"
)


def _pi_probe(logs: dict[str, str], states: dict[str, str], env: dict[str, str] | None = None) -> FakeProbe:
    objects, pods, pod_logs = {}, {}, {}
    for name, log in logs.items():
        containers = (
            [{"name": "pi", "env": [{"name": k, "value": v} for k, v in (env or {}).get(name, {}).items()]}] if env else None
        )
        objects[("Job", name)] = job(name, states[name], containers=containers)
        p = pod(f"{name}-x1y2z", phase="Succeeded" if states[name] == "complete" else "Failed")
        pods[name] = [p]
        pod_logs[(f"{name}-x1y2z", None)] = log
    return FakeProbe(objects=objects, job_pods=pods, pod_logs=pod_logs)


def test_job_result_reads_pi_from_the_log():
    p = _pi_probe({"pi-bob": PI_LOG}, {"pi-bob": "complete"})
    r = job_result(probe=p, args={"job": "pi-bob", "expect": "3.14159", "tolerance": "0.001"})
    assert r.status == "passed" and "3.1415927369231227" in r.summary


def test_job_result_failed_clone_says_why():
    p = _pi_probe({"pi-bob": DNS_FAIL}, {"pi-bob": "failed"})
    r = job_result(probe=p, args={"job": "pi-bob", "expect": "3.14159"})
    assert r.status == "failed" and "could not reach the git server" in r.hint
    missing = job_result(probe=FakeProbe(), args={"job": "pi-bob"})
    assert missing.status == "failed" and "no Job" in missing.summary


def test_env_changes_result_needs_the_env_and_a_better_result():
    env = {"pi-bob": {}, "pi-fine-bob": {"PI_STEPS": "100000"}}
    p = _pi_probe({"pi-bob": PI_LOG, "pi-fine-bob": PI_FINE_LOG}, {"pi-bob": "complete", "pi-fine-bob": "complete"}, env)
    args = {"base": "pi-bob", "job": "pi-fine-bob", "env": "PI_STEPS", "expect": "3.14159265358979"}
    r = env_changes_result(probe=p, args=args)
    assert r.status == "passed" and "PI_STEPS=100000" in r.summary and "8.4e-12" in r.summary
    # env forgotten: both print the same number
    same = _pi_probe(
        {"pi-bob": PI_LOG, "pi-fine-bob": PI_LOG},
        {"pi-bob": "complete", "pi-fine-bob": "complete"},
        {"pi-bob": {}, "pi-fine-bob": {}},
    )
    r = env_changes_result(probe=same, args=args)
    assert r.status == "failed" and "does not set PI_STEPS" in r.summary
    # env set but the program ignores it (e.g. set on the wrong container name): same result
    ignored = _pi_probe({"pi-bob": PI_LOG, "pi-fine-bob": PI_LOG}, {"pi-bob": "complete", "pi-fine-bob": "complete"}, env)
    r = env_changes_result(probe=ignored, args=args)
    assert r.status == "failed" and "changed nothing" in r.summary
    # fewer steps than the default: a worse result
    worse = _pi_probe({"pi-bob": PI_FINE_LOG, "pi-fine-bob": PI_LOG}, {"pi-bob": "complete", "pi-fine-bob": "complete"}, env)
    r = env_changes_result(probe=worse, args=args)
    assert r.status == "failed" and "larger than the default" in r.hint
