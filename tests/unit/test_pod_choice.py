"""A pod named by the lookup that finds it (`kubectl exec -it $(kubectl get pods -l app=web -o name) -- sh`)."""

from __future__ import annotations

import pytest

from runner.kube.probe import _selector_of, chosen_pod
from runner.syntax.shell import PodChoice, pod_choice


@pytest.mark.parametrize(
    ("text", "choice"),
    [
        ("$(kubectl get pods -l app=python-app -o jsonpath='{.items[0].metadata.name}')", PodChoice("app=python-app")),
        ("$(kubectl get pod --selector app=web -o name | head -1)", PodChoice("app=web")),
        ("$(kubectl get po --selector=tier=db,app=x -o name)", PodChoice("tier=db,app=x")),
        ("`kubectl get pods | grep web | awk '{print $1}'`", PodChoice("", "web")),
        ("$(kubectl get pods -n lab --no-headers | grep -i nginx | cut -d' ' -f1)", PodChoice("", "nginx")),
    ],
)
def test_a_lookup_of_pods_is_a_choice_among_them(text, choice):
    assert pod_choice(text) == choice


@pytest.mark.parametrize(
    "text",
    [
        "web-0",  # a name
        "deploy/web",  # a workload: the probe resolves it by its selector
        "$(kubectl get svc -l app=web -o name)",  # not pods
        "$(kubectl get pod web -o name)",  # one named pod: a name already
        "$(cat pod-name.txt)",  # not a lookup
        "$(kubectl get pods | grep -v web)",  # which one is not said
        "$POD",
    ],
)
def test_other_words_are_not_a_choice(text):
    assert pod_choice(text) is None


def _pod(name, created, phase="Running", leaving=False):
    meta = {"name": name, "creationTimestamp": created}
    if leaving:
        meta["deletionTimestamp"] = "2026-12-08T00:00:09Z"
    return {"metadata": meta, "status": {"phase": phase}}


def test_the_chosen_pod_is_the_newest_running_one_not_on_its_way_out():
    pods = [
        _pod("app-old", "2026-12-08T00:00:01Z", leaving=True),  # the rollout's old pod, still Running while it ends
        _pod("app-a", "2026-12-08T00:00:02Z"),
        _pod("app-b", "2026-12-08T00:00:05Z"),
        _pod("app-c", "2026-12-08T00:00:07Z", phase="Pending"),
    ]
    assert chosen_pod(pods, PodChoice("app=x")) == "app-b"
    assert chosen_pod(pods, PodChoice("", "app-a")) == "app-a"
    assert chosen_pod(pods[:1] + pods[3:], PodChoice("app=x")) is None  # none yet: the probe waits


def test_a_workload_names_its_pods_by_its_selector():
    assert _selector_of({"spec": {"selector": {"matchLabels": {"tier": "web", "app": "shop"}}}}) == "app=shop,tier=web"
    assert _selector_of({"spec": {"selector": {"matchExpressions": [{"key": "a", "operator": "Exists"}]}}}) == ""
    assert _selector_of(None) == ""
