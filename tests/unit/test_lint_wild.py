"""`tutorial lint` on the real tutorials of ../shared/wild, as published: their real defects, and the lines that are fine."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from runner.cli.main import main
from runner.lint import lint_paths


@pytest.fixture(scope="module")
def storage(storage_wild):
    return lint_paths([str(storage_wild)]).findings


@pytest.fixture(scope="module")
def data(data_wild):
    return lint_paths([str(data_wild)]).findings


def at(findings, *severities):
    return {(f.line, f.rule) for f in findings if f.severity in severities}


def test_storage_tutorial_errors_and_warnings(storage):
    assert at(storage, "error") == {(210, "references")}  # kubectl apply -f pod-awscli.yaml: no such block
    assert at(storage, "warning") == {
        (215, "references"),
        (220, "references"),  # pod-username: made by the unseen pod-awscli.yaml at best
        (215, "shared-namespace"),
        (220, "shared-namespace"),  # `pod-username` written literally
    }


def test_storage_tutorial_infos_for_docs_ci(storage):
    assert at(storage, "info") == {
        (150, "network"),  # image from nvcr.io
        (157, "network"),
        (158, "network"),  # wget in the Job's command, each at its own line of the folded scalar
        (220, "interactive"),  # kubectl exec -it ... -- /bin/bash
        (227, "network"),
        (237, "network"),  # wget raw.githubusercontent.com in the pod
    }


def test_storage_tutorial_messages(storage):
    by_key = {(f.line, f.rule): f for f in storage}
    assert (
        by_key[(210, "references")].message == "`kubectl apply -f pod-awscli.yaml`: no block of the tutorial is `pod-awscli.yaml`"
    )
    assert "pod-awscli.yaml" in by_key[(210, "references")].hint
    assert by_key[(215, "shared-namespace")].hint == "write `pod-<username>`"
    assert (
        "(unless `pod-awscli.yaml` at line 210, whose content the tutorial does not show, makes it)"
        in by_key[(220, "references")].message
    )


def test_storage_tutorial_fine_lines_stay_quiet(storage):
    lines = {f.line for f in storage}
    # df of /tmp beside the /mytmp mount; the PVC and its claim; kubectl get pvc/events; ls of the mounted PVC
    for fine in (20, 24, 41, 43, 57, 88, 92, 107, 117, 123, 127, 147, 169, 188):
        assert fine not in lines, fine


def test_data_tutorial_errors(data):
    assert at(data, "error") == {
        (171, "placeholders"),
        (206, "placeholders"),  # kubectl logs c3-<usernam>-<hash>
        (254, "secrets"),  # --from-literal=token=github_pat_...
        (304, "references"),
        (305, "references"),  # kubectl delete pod c4p(t)-<username>: they are Jobs
    }
    assert at(data, "warning") == set()


def test_data_tutorial_infos(data):
    assert at(data, "info") == {
        (166, "network"),
        (201, "network"),
        (244, "network"),
        (297, "network"),
        (428, "network"),  # git clone github.com
        (595, "references"),  # claimName: cvmfs, never created: must pre-exist
    }


def test_data_tutorial_messages(data):
    by_key = {(f.line, f.rule): f for f in data}
    assert by_key[(171, "placeholders")].message == "placeholder `<usernam>` is not declared: did you mean `<username>`?"
    assert by_key[(304, "references")].message == "`c4p-<username>` is a Job, not a pod"
    assert by_key[(304, "references")].hint == "`kubectl delete job c4p-<username>`"
    assert by_key[(305, "references")].hint == "`kubectl delete job c4pt-<username>`"
    secret = by_key[(254, "secrets")]
    assert "`--from-literal=token=…`" in secret.message and "GitHub token" in secret.message
    assert "PersistentVolumeClaim `cvmfs`" in by_key[(595, "references")].message


def test_data_tutorial_fine_lines_stay_quiet(data):
    rules_by_line: dict[int, set[str]] = {}
    for f in data:
        rules_by_line.setdefault(f.line, set()).add(f.rule)
    # $GH_TOKEN / $(GH_TOKEN) URL credentials are references, not secrets
    assert "secrets" not in rules_by_line.get(297, set()) and "secrets" not in rules_by_line.get(428, set())
    # create --dry-run | replace -f - is not a second create; the logs of a Job's pods (<hash>) with -c of real containers
    for fine in (14, 19, 24, 70, 71, 80, 122, 131, 132, 213, 214, 359, 441, 447, 491, 501, 545, 610):
        assert fine not in rules_by_line, (fine, rules_by_line.get(fine))
    # the secret's username key is not a secret; the token is reported once
    assert [f.line for f in data if f.rule == "secrets"] == [254]


def test_the_token_is_never_printed(data_wild):
    token = data_wild.read_text().split("token=")[1].split()[0]
    assert token.startswith("github_pat_")
    for fmt in ("text", "json"):
        res = CliRunner().invoke(main, ["lint", str(data_wild), "--format", fmt])
        assert res.exit_code == 1
        assert token not in res.output and token[:20] not in res.output
    data = json.loads(CliRunner().invoke(main, ["lint", str(data_wild), "--format", "json"]).stdout)
    assert {(f["line"], f["rule"]) for f in data["findings"] if f["severity"] == "error"} >= {(254, "secrets")}


def test_wild_folder_at_once(wild):
    """Linting the folder is linting each of its Markdown files: the count follows the folder as it grows."""
    files = sorted(wild.glob("*.md"))
    report = lint_paths([str(wild)])
    assert len(report.files) + len(report.unusable) == len(files) >= 2 and report.failed
    each = [lint_paths([str(f)]) for f in files]
    assert report.count("error") == sum(r.count("error") for r in each) >= 6
    assert sorted(report.files) == sorted(f for r in each for f in r.files)


def _findings(path):
    found = lint_paths([str(path)]).findings
    return {sev: at(found, sev) for sev in ("error", "warning", "info")}


def test_nrp_beginner_track_findings(wild):
    f = _findings(wild / "nrp-beginner-track.md")
    assert f["error"] == {(1159, "kubectl")}  # `kubectl exec -it ... -n -- /bin/bash`: -n has no namespace
    assert f["warning"] == {
        (144, "kubectl"),  # `kubectl oidc-login`: a plugin
        (441, "placeholders"),
        (846, "placeholders"),
        (855, "placeholders"),
        (857, "placeholders"),
        (864, "placeholders"),
        (870, "placeholders"),  # <pod-name>, <service-account-name>: the reader fills them
        (846, "shared-namespace"),
        (851, "shared-namespace"),
        (870, "shared-namespace"),
        # `ollama-username` for `ollama-<username>`: rendered, as the prose says to replace "username"; still a warning
        (1028, "references"),
        (1033, "references"),
        (1149, "references"),
        (1159, "references"),
        (1173, "references"),
        (1028, "shared-namespace"),
        (1033, "shared-namespace"),
        (1149, "shared-namespace"),
        (1159, "shared-namespace"),
        (1173, "shared-namespace"),
    }
    assert {line for line, rule in f["info"] if rule == "network"} == {96, 125, 134, 1012, 1040, 1096, 1161}
    assert {line for line, rule in f["info"] if rule == "references"} == {
        1108,
        1113,
        1118,
        1123,
        1128,
        1133,
    }  # Secrets of the site


def test_k8s_secret_config_file_findings(wild):
    f = _findings(wild / "k8s-secret-config-file.md")
    assert f["error"] == set() and f["info"] == set()
    assert f["warning"] == {
        (57, "secrets"),
        (58, "secrets"),
        (106, "secrets"),
        (107, "secrets"),  # a value of the Secret's config.yaml (what the Redactor masks, lint reports)
        (150, "secrets"),
        (152, "secrets"),  # values in the manifests
        (108, "placeholders"),
        (109, "placeholders"),  # <user>, <password>
        (67, "shared-namespace"),
        (103, "shared-namespace"),
        (147, "shared-namespace"),  # `mysecret` for everyone
    }


def test_jetstream2_volumes_findings(wild):
    assert _findings(wild / "jetstream2-volumes.md") == {
        "error": set(),
        "warning": {(44, "shared-namespace"), (59, "shared-namespace")},
        "info": set(),
    }


def test_pearc24_basic_findings(wild):
    assert _findings(wild / "pearc24-basic.md") == {
        "error": {(66, "references"), (132, "references"), (259, "references")},  # pod1.yaml, badjob1.yaml: never shown
        "warning": set(),
        "info": {(86, "interactive"), (146, "interactive")},
    }
