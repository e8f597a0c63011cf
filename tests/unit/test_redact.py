"""Secrets never appear in output."""

from runner.core import redact as r


def test_from_literal_values_are_masked():
    text = "kubectl create secret generic s --from-literal=username=dimm0 --from-literal=token=github_pat_11ABC"
    out = r.redact(text)
    assert "dimm0" not in out and "github_pat" not in out and out.count("***") == 2
    assert "--from-literal=token=" in out


def test_url_credentials_masked_but_env_references_kept():
    assert r.redact("git clone https://me:s3cret@github.com/x.git") == "git clone https://me:***@github.com/x.git"
    kept = "git clone https://$GH_USERNAME:$GH_TOKEN@github.com/x.git"
    assert r.redact(kept) == kept


def test_secret_manifest_values_masked():
    text = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\nstringData:\n  token: abcdef\n  user: me\ntype: Opaque\n"
    out = r.redact(text)
    assert "abcdef" not in out and "  token: ***" in out and "type: Opaque" in out


def test_remembered_values_masked_anywhere():
    redactor = r.Redactor()
    redactor.remember("tok-123456")
    assert redactor("Authorization: tok-123456") == "Authorization: ***"


def test_what_one_run_learnt_is_its_own():
    """Redactors are per run: a value remembered by one does not leak into (or depend on) another's state."""
    one, other = r.Redactor(), r.Redactor()
    one.remember("run-one-secret")
    assert one("x run-one-secret") == "x ***"
    assert other("x run-one-secret") == "x run-one-secret"


def test_values_inside_values_are_read_once_and_still_masked():
    """A flag, header or login inside the value of another is masked with it (each part of the text is read once)."""
    cases = {
        "x --token=--token=tk1234 y": "x --token=*** y",
        "kubectl create secret generic s --from-literal=a--from-literal=b=pw1234 z": (
            "kubectl create secret generic s --from-literal=a--from-literal=*** z"
        ),
        "docker login docker login -u u -p pw1234; ls -p x": "docker login docker login -u u -p ***; ls -p x",
        "curl curl -u me:pw1234 https://h": "curl curl -u me:*** https://h",
        "mysql mysql -ppw1234": "mysql mysql -p***",
        "-H 'Authorization: Bearer Authorization: ab12' -H 'X-Api-Key: k9'": (
            "-H 'Authorization: Bearer ***' -H 'X-Api-Key: ***'"
        ),
    }
    for text, masked in cases.items():
        assert r.redact(text) == masked, text
    nested = "kind: Secret\ndata:\n  token: |\n    data:\n      k: v1\n    token: |\n      v2\n"
    out = r.redact(nested)
    assert "v1" not in out and "v2" not in out and out.startswith("kind: Secret\ndata:\n")


def test_a_remembered_answer_is_forgotten_when_a_value_is_learnt():
    from runner.core.redact import Redactor

    r = Redactor()
    text = "clone with hunter2hunter2 failed"
    assert r.text(text) == text  # nothing known yet: remembered as it is
    r.remember("hunter2hunter2")
    assert "hunter2hunter2" not in r.text(text)  # the value learnt later is masked in the same text
    long = "x " * 400 + "hunter2hunter2"  # longer than the memo's texts: masked, not remembered
    assert "hunter2hunter2" not in r.text(long) and long not in r._memo
