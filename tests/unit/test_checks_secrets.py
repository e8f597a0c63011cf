"""Secrets-lesson checks and git-output parsing, on logs recorded from the local git server and from GitHub."""

from __future__ import annotations

import base64

import pytest
from check_support import FakeProbe, job, pod, terminated

from checks.parsing import parse_git_output
from checks.secrets import clone_denied, clone_with_secret, init_clone, secret_has_keys

# --- recorded git output -------------------------------------------------------------------------------
LOCAL_NO_CREDS = (
    "Cloning into 'code'...\nfatal: could not read Username for 'http://10.244.0.1:8418': No such device or address\n"
)
GITHUB_NO_PROMPT = (
    "Cloning into 'PEARC23-code-private'...\nfatal: could not read Username for 'https://github.com': terminal prompts disabled\n"
)
LOCAL_BAD_TOKEN = "Cloning into 'code'...\nfatal: Authentication failed for 'http://10.244.0.1:8418/PEARC23-code-private.git/'\n"
GITHUB_BAD_TOKEN = (
    "Cloning into 'PEARC23-code-private'...\nremote: Invalid username or token. Password authentication is not supported "
    "for Git operations.\nfatal: Authentication failed for 'https://github.com/PRP-Workshop/PEARC23-code-private.git/'\n"
)
GITHUB_NO_ACCESS = (
    "Cloning into 'PEARC23-code-private'...\nremote: Repository not found.\n"
    "fatal: repository 'https://github.com/PRP-Workshop/PEARC23-code-private.git/' not found\n"
)
NO_DNS = "Cloning into 'code'...\nfatal: unable to access 'https://github.com/PRP-Workshop/PEARC23-code-private.git/': Could not resolve host: github.com\n"
REFUSED = "Cloning into 'code'...\nfatal: unable to access 'http://10.244.0.1:8418/PEARC23-code-private.git/': Failed to connect to 10.244.0.1 port 8418 after 0 ms: Couldn't connect to server\n"
EXISTS = "fatal: destination path 'code' already exists and is not an empty directory.\n"
OK_CLONE = "Cloning into 'code'...\n3.1415927369231227\n"  # recorded: kubectl logs job/clone-token-eng6a
INIT_OK = "Cloning into '/opt/repo/code'...\n"  # recorded: kubectl logs ... -c clone
INIT_ELSEWHERE = "Cloning into '/opt/repo/PEARC23-code-private'...\n"
MAIN_NO_FILE = "python: can't open file '/opt/repo/code/pi.py': [Errno 2] No such file or directory\n"


@pytest.mark.parametrize(
    "text,kind",
    [
        (LOCAL_NO_CREDS, "auth-missing"),
        (GITHUB_NO_PROMPT, "auth-missing"),
        (LOCAL_BAD_TOKEN, "auth-failed"),
        (GITHUB_BAD_TOKEN, "auth-failed"),
        (GITHUB_NO_ACCESS, "not-found"),
        (NO_DNS, "network"),
        (REFUSED, "network"),
        (EXISTS, "exists"),
        (OK_CLONE, None),
        ("fatal: early EOF\n", "other"),
    ],
)
def test_git_output_kinds(text, kind):
    out = parse_git_output(text)
    assert out.kind == kind
    if kind:
        assert out.line and out.line in text


def test_git_output_where_it_cloned():
    assert parse_git_output(INIT_OK).cloned_into == "/opt/repo/code"
    assert parse_git_output("Cloning into bare repository 'x.git'...\n").cloned_into == "x.git"


def _secret(data: dict[str, str]) -> dict:
    return {"type": "Opaque", "data": {k: base64.b64encode(v.encode()).decode() for k, v in data.items()}}


def test_secret_has_keys_never_shows_values():
    p = FakeProbe(objects={("Secret", "git-creds-bob"): _secret({"username": "tutorial", "token": "tut-local-3f9a1c7e5b2d4086"})})
    r = secret_has_keys(probe=p, args={"secret": "git-creds-bob", "keys": "username,token", "username": "tutorial"})
    assert r.status == "passed"
    shown = " ".join(l for e in r.evidence for l in e.lines) + r.summary
    assert "tut-local" not in shown and "26 characters" in shown


def test_secret_has_keys_mistakes():
    args = {"secret": "git-creds-bob", "keys": "username,token"}
    wrong_key = FakeProbe(objects={("Secret", "git-creds-bob"): _secret({"user": "tutorial", "token": "t"})})
    r = secret_has_keys(probe=wrong_key, args=args)
    assert r.status == "failed" and "no key username" in r.summary and "--from-literal=username=" in r.hint
    empty = FakeProbe(objects={("Secret", "git-creds-bob"): _secret({"username": "tutorial", "token": ""})})
    assert "empty" in secret_has_keys(probe=empty, args=args).summary
    newline = FakeProbe(objects={("Secret", "git-creds-bob"): _secret({"username": "tutorial", "token": "abc\n"})})
    assert "whitespace" in secret_has_keys(probe=newline, args=args).summary
    assert "no Secret" in secret_has_keys(probe=FakeProbe(), args=args).summary


def _job_probe(name: str, state: str, log: str, containers=None) -> FakeProbe:
    p = pod(f"{name}-abcde", phase="Failed" if state == "failed" else "Succeeded")
    return FakeProbe(
        objects={("Job", name): job(name, state, containers=containers)},
        job_pods={name: [p]},
        pod_logs={(f"{name}-abcde", None): log},
    )


def test_clone_denied_needs_an_auth_failure():
    assert (
        clone_denied(probe=_job_probe("clone-anon-bob", "failed", LOCAL_NO_CREDS), args={"job": "clone-anon-bob"}).status
        == "passed"
    )
    assert (
        clone_denied(probe=_job_probe("clone-anon-bob", "failed", GITHUB_NO_PROMPT), args={"job": "clone-anon-bob"}).status
        == "passed"
    )
    ok = clone_denied(probe=_job_probe("clone-anon-bob", "complete", OK_CLONE), args={"job": "clone-anon-bob"})
    assert ok.status == "failed" and "without credentials" in ok.summary
    dns = clone_denied(probe=_job_probe("clone-anon-bob", "failed", NO_DNS), args={"job": "clone-anon-bob"})
    assert dns.status == "failed" and "not reachable" in dns.hint
    retrying = clone_denied(
        probe=_job_probe("clone-anon-bob", "running", LOCAL_NO_CREDS), args={"job": "clone-anon-bob", "timeout": "0"}
    )
    assert retrying.status == "failed" and "backoffLimit: 0" in retrying.hint


SECRET_ENV = [
    {
        "name": "pi",
        "env": [
            {"name": "GIT_USERNAME", "valueFrom": {"secretKeyRef": {"name": "git-creds-bob", "key": "username"}}},
            {"name": "GIT_TOKEN", "valueFrom": {"secretKeyRef": {"name": "git-creds-bob", "key": "token"}}},
        ],
    }
]


def test_clone_with_secret_passes_and_names_the_wrong_token():
    args = {"job": "clone-token-bob", "secret": "git-creds-bob"}
    r = clone_with_secret(probe=_job_probe("clone-token-bob", "complete", OK_CLONE, SECRET_ENV), args=args)
    assert r.status == "passed" and "3.1415927369231227" in r.summary
    for log in (LOCAL_BAD_TOKEN, GITHUB_BAD_TOKEN):
        bad = clone_with_secret(probe=_job_probe("clone-token-bob", "failed", log, SECRET_ENV), args=args)
        assert bad.status == "failed" and "Authentication failed" in bad.summary and "is the token right?" in bad.hint
    no_ref = clone_with_secret(probe=_job_probe("clone-token-bob", "complete", OK_CLONE, [{"name": "pi"}]), args=args)
    assert no_ref.status == "failed" and "secretKeyRef" in no_ref.hint
    unsent = clone_with_secret(probe=_job_probe("clone-token-bob", "failed", LOCAL_NO_CREDS, SECRET_ENV), args=args)
    assert unsent.status == "failed" and "sent no credentials" in unsent.hint


def _init_probe(state: str, init_log: str, main_log: str, init_code: int = 0, main_code: int = 0) -> FakeProbe:
    name = "pi-init-bob"
    j = job(name, state, containers=[{"name": "pi"}], init_containers=[{"name": "clone"}])
    p = pod(
        f"{name}-n5tcl",
        phase="Succeeded" if state == "complete" else "Failed",
        init_statuses=[terminated("clone", init_code)],
        statuses=[terminated("pi", main_code)],
    )
    return FakeProbe(
        objects={("Job", name): j},
        job_pods={name: [p]},
        pod_logs={(f"{name}-n5tcl", "clone"): init_log, (f"{name}-n5tcl", "pi"): main_log},
    )


ARGS = {"job": "pi-init-bob", "init": "clone", "path": "/opt/repo/code", "expect": "3.14159"}


def test_init_clone_passes_on_recorded_logs():
    r = init_clone(probe=_init_probe("complete", INIT_OK, "3.1415927369231227\n"), args=ARGS)
    assert r.status == "passed" and "into /opt/repo/code" in r.summary
    assert any("Cloning into '/opt/repo/code'" in l for e in r.evidence for l in e.lines)


def test_init_clone_into_the_wrong_path_says_where():
    r = init_clone(probe=_init_probe("failed", INIT_ELSEWHERE, MAIN_NO_FILE, main_code=2), args=ARGS)
    assert r.status == "failed"
    assert "cloned into /opt/repo/PEARC23-code-private, not /opt/repo/code" in r.summary
    assert "clone into `/opt/repo/code`" in r.hint


def test_init_clone_refused_and_generated_names():
    r = init_clone(probe=_init_probe("failed", LOCAL_BAD_TOKEN, "", init_code=128), args=ARGS)
    assert r.status == "failed" and "token" in r.hint
    gen = _init_probe("complete", INIT_OK, "steps=100000 pi=3.1415926535981615\n")
    gen.objects[("Job", "pi-init-bob")]["metadata"]["generateName"] = "pi-init-"
    r = init_clone(probe=gen, args={"generate-name": "pi-init-", "init": "clone", "path": "/opt/repo/code"}, mode="grade")
    assert r.status == "passed" and "3.1415926535981615" in r.summary
    none = init_clone(probe=FakeProbe(), args={"generate-name": "wf-dev-bob-"}, mode="grade")
    assert none.status == "failed" and "kubectl create -f" in none.hint


def test_an_unreadable_log_is_an_error_not_the_learners_failure():
    """Recorded on the local cluster while the kubelet restarted: the API server could not fetch the log."""
    p = FakeProbe(
        objects={("Job", "clone-anon-bob"): job("clone-anon-bob", "failed")},
        job_pods={"clone-anon-bob": [pod("clone-anon-bob-c5h4b", phase="Failed")]},
    )  # no log recorded: logs() raises
    r = clone_denied(probe=p, args={"job": "clone-anon-bob"})
    assert r.status == "error" and "could not be read" in r.summary
    p.objects[("Job", "clone-token-bob")] = job("clone-token-bob", "complete", containers=SECRET_ENV)
    p.job_pods["clone-token-bob"] = [pod("clone-token-bob-abcde", phase="Succeeded")]
    assert clone_with_secret(probe=p, args={"job": "clone-token-bob", "secret": "git-creds-bob"}).status == "error"


def test_a_wrong_token_is_a_failed_authentication_not_a_missing_one():
    """Recorded: the local git server answers 401 with a body, git prints it as `remote:` and then gives up."""
    text = (
        "Cloning into 'code'...\nremote: authentication required\n"
        "fatal: Authentication failed for 'http://10.244.0.1:8418//PEARC23-code-private.git/'\n"
    )
    out = parse_git_output(text)
    assert out.kind == "auth-failed" and out.line.startswith("fatal: Authentication failed")
