"""Each lint rule on small Markdown snippets: the finding at the exact line, and the look-alike that stays quiet."""

from __future__ import annotations

import pytest
from test_lint_support import hits, job, line, lint, md, messages, pod


def rules_at(source: str) -> set[tuple[int, str]]:
    return {(f.line, f.rule) for f in lint(source) if f.severity != "info"}


# ---- placeholders -----------------------------------------------------------------------------


def test_placeholder_near_miss_is_an_error_with_a_suggestion():
    src = pod() + "\n```bash\nkubectl logs p-<usernam>\n```\n"
    assert hits(src, "placeholders") == [(line(src, "<usernam>"), "error")]
    assert messages(src, "placeholders") == ["placeholder `<usernam>` is not declared: did you mean `<username>`?"]


def test_placeholder_left_after_rendering_in_a_command_and_a_manifest():
    src = "---\nid: t\ntitle: T\n---\n```bash\nkubectl create configmap c-<username> --from-literal=bucket=<bucket>\n```\n" + pod(
        "p-<username>"
    ).replace("image: busybox", "image: <registry>/busybox")
    found = hits(src, "placeholders")
    assert found == [(line(src, "<bucket>"), "error"), (line(src, "<registry>"), "error")]
    assert "stays in the manifest" in messages(src, "placeholders")[1]


def test_placeholder_for_the_reader_in_a_published_tutorial_is_a_warning():
    # no front matter: a tutorial as published, whose reader fills `<nodename>` by hand
    src = "```bash\nkubectl get node <nodename> -o yaml\nkubectl get pod <podname>\n```\n"
    assert hits(src, "placeholders") == [(2, "warning"), (3, "warning")]
    assert hits(src, "references") == []  # a name nothing fills is not looked up


def test_a_spelling_of_the_user_name_is_an_info_once_per_spelling_at_its_first_line():
    src = (
        pod("p-<yourUsername>")
        + "\n```bash\nkubectl logs p-<yourUsername>\nkubectl label pod p-<YOUR_USERNAME> by=<yourUsername>\n"
        + 'echo "hello <your username>"\n```\n'
    )
    found = [f for f in lint(src) if f.rule == "placeholders"]
    assert [(f.line, f.severity, f.message) for f in found] == [
        (line(src, "p-<yourUsername>"), "info", "`<yourUsername>` is read as the user name (filled by --user)"),
        (line(src, "<YOUR_USERNAME>"), "info", "`<YOUR_USERNAME>` is read as the user name (filled by --user)"),
        (line(src, "<your username>"), "info", "`<your username>` is read as the user name (filled by --user)"),
    ]
    # the user name, so the shared namespace is fine and the pod the commands name is the one created
    assert hits(src, "shared-namespace") == [] and hits(src, "references") == []


def test_a_near_miss_of_a_spelled_user_name_is_still_a_typo():
    src = pod("p-<yourUsername>") + "\n```bash\nkubectl logs p-<yourUsernam>\n```\n"
    assert hits(src, "placeholders") == [(line(src, "p-<yourUsername>"), "info"), (line(src, "<yourUsernam>"), "error")]
    assert messages(src, "placeholders")[1] == "placeholder `<yourUsernam>` is not declared: did you mean `<username>`?"


def test_a_name_that_only_may_be_the_user_name_is_a_value_of_its_own():
    src = "```bash\nkubectl logs pod-<name>\nkubectl get pod <user>\n```\n"
    assert hits(src, "placeholders") == [(1 + 1, "warning"), (1 + 2, "warning")]  # not filled: the reader's to fill


def test_placeholders_declared_runtime_and_in_output_blocks_are_quiet():
    src = (
        md("""
    ---
    placeholders:
      bucket: data
    ---
    # T

    ```bash
    kubectl logs j-<username>-<hash>
    kubectl create configmap c-<username> --from-literal=b=<bucket>
    ```

    ```text
    NAME   <none>   <whatever>
    ```
    """)
        + job()
    )
    assert hits(src, "placeholders") == []


# ---- yaml -------------------------------------------------------------------------------------


def test_yaml_error_at_the_line_of_the_error():
    src = """
    # T

    ```yaml
    apiVersion: v1
    kind: Pod
    metadata:
      name: x-<username>
     spec: {}
    ```
    """
    assert hits(src, "yaml") == [(line(src, " spec: {}"), "error")]


def test_yaml_duplicate_key_at_the_second_key():
    src = pod().replace("    image: busybox\n", "    image: busybox\n    image: alpine\n")
    assert hits(src, "yaml") == [(line(src, "image: alpine"), "error")]
    assert "spec.containers[0].image" in messages(src, "yaml")[0]


def test_yaml_valid_blocks_are_quiet():
    assert hits(pod() + job(), "yaml") == []


# ---- schema -----------------------------------------------------------------------------------


def test_schema_unknown_field_at_its_line_with_suggestion():
    src = pod().replace("    resources:\n", "    resource:\n")
    assert hits(src, "schema") == [(line(src, "resource:"), "error")]
    assert "did you mean `resources`?" in messages(src, "schema")[0]


def test_schema_wrong_type_and_enum():
    src = (
        job()
        .replace("restartPolicy: Never", "restartPolicy: Sometimes")
        .replace("spec:\n  template", "spec:\n  completions: four\n  template")
    )
    assert sorted(hits(src, "schema")) == [(line(src, "completions: four"), "error"), (line(src, "Sometimes"), "error")]


def test_schema_removed_api_version():
    src = job().replace("batch/v1", "batch/v1beta1")
    assert hits(src, "schema") == [(line(src, "apiVersion"), "error")]
    assert "serves Job as batch/v1" in messages(src, "schema")[0]


def test_schema_custom_resource_is_info_only():
    src = """
    ```yaml
    apiVersion: kubeflow.org/v1
    kind: PyTorchJob
    metadata:
      name: t-<username>
    spec: {}
    ```
    """
    assert hits(src, "schema") == [(line(src, "kind: PyTorchJob"), "info")]


def test_schema_request_above_limit_at_the_request_line():
    src = pod().replace("requests: {cpu: 100m, memory: 64Mi}", "requests: {cpu: 100m, memory: 1Gi}")
    assert hits(src, "schema") == [(line(src, "requests:"), "error")]
    assert "requests more memory (1Gi) than its limit (128Mi)" in messages(src, "schema")[0]


def test_schema_requests_equal_or_below_limits_and_units_compare_numerically():
    src = pod().replace("requests: {cpu: 100m, memory: 64Mi}", "requests: {cpu: 0.2, memory: 128Mi}")
    assert hits(src, "schema") == []


def test_schema_gpu_request_must_equal_limit_and_bad_quantity():
    src = (
        pod()
        .replace("requests: {cpu: 100m, memory: 64Mi}", "requests: {cpu: 100m, memory: 4GB, nvidia.com/gpu: 1}")
        .replace("limits: {cpu: 200m, memory: 128Mi}", "limits: {cpu: 200m, memory: 128Mi, nvidia.com/gpu: 2}")
    )
    msgs = messages(src, "schema")
    assert any("4GB` is not a Kubernetes quantity" in m for m in msgs)
    assert any("nvidia.com/gpu must equal its limit" in m for m in msgs)


def test_schema_invalid_name_after_rendering():
    src = pod("My_Pod-<username>")
    assert hits(src, "schema") == [(line(src, "My_Pod"), "error")]


def test_schema_quota_needs_resources_only_when_declared():
    bare = pod().replace(
        "    resources:\n      requests: {cpu: 100m, memory: 64Mi}\n      limits: {cpu: 200m, memory: 128Mi}\n", ""
    )
    with_quota = "---\nquota: true\n---\n# T\n" + bare
    assert hits(with_quota, "schema") == [(line(with_quota, "- name: main"), "error")]
    assert hits("# T\n" + bare, "schema") == []
    assert hits("---\nquota: true\n---\n# T\n" + pod(), "schema") == []


def test_schema_kube_version_option_selects_the_schema():
    # `resourceClaims` in a container's resources exists since 1.26: 1.25 rejects it
    src = pod().replace(
        "      limits: {cpu: 200m, memory: 128Mi}\n", "      limits: {cpu: 200m, memory: 128Mi}\n      claims: []\n"
    )
    assert hits(src, "schema", kube_version="1.34") == []
    assert hits(src, "schema", kube_version="1.25") == [(line(src, "claims: []"), "error")]


# ---- references -------------------------------------------------------------------------------


def test_references_object_never_created():
    src = (
        pod()
        + "\n```bash\nkubectl logs other-<username>\nkubectl delete pod other-<username>\nkubectl get pod p-<username>\n```\n"
    )
    assert hits(src, "references") == [
        (line(src, "kubectl logs other"), "error"),
        (line(src, "kubectl delete pod other"), "error"),
    ]


def test_references_wrong_kind_job_deleted_as_pod():
    src = job() + "\n```bash\nkubectl delete pod j-<username>\nkubectl delete job j-<username>\n```\n"
    assert hits(src, "references") == [(line(src, "delete pod j-"), "error")]
    f = next(f for f in lint(src) if f.rule == "references")
    assert f.message == "`j-<username>` is a Job, not a pod" and f.hint == "`kubectl delete job j-<username>`"


def test_references_hash_pods_of_a_job_are_fine_but_not_of_a_pod():
    src = job() + pod() + "\n```bash\nkubectl logs j-<username>-<hash>\nkubectl logs p-<username>-<hash>\n```\n"
    assert hits(src, "references") == [(line(src, "kubectl logs p-"), "error")]


def test_references_pods_of_an_indexed_job():
    src = (
        job().replace("spec:\n  template", "spec:\n  completionMode: Indexed\n  completions: 2\n  template")
        + "\n```bash\nkubectl logs j-<username>-<index>-<hash>\nkubectl logs j-<username>-0-<hash>\n```\n"
    )
    assert hits(src, "references") == [] and hits(src, "state") == []


def test_references_services_made_by_expose_and_create_service():
    src = """
    ```bash
    kubectl create deployment web-<username> --image=nginx
    kubectl expose deployment/web-<username> --port 80
    kubectl port-forward svc/web-<username> 8080:80
    kubectl create service clusterip db-<username> --tcp=5432:5432
    kubectl get svc db-<username>
    kubectl expose deployment web-<username> --port 81 --name web2-<username> --dry-run=client -o yaml
    kubectl get svc web2-<username>
    ```
    """
    assert hits(src, "references") == [(line(src, "get svc web2"), "error")]


def test_references_generate_name_prefix():
    src = (
        job().replace("  name: j-<username>", "  generateName: j-<username>-")
        + "\n```bash\nkubectl delete job j-<username>-\nkubectl get jobs\n```\n"
    )
    assert hits(src, "references") == [(line(src, "kubectl delete job"), "error")]
    assert "generateName prefix" in messages(src, "references")[0]


def test_references_file_applied_but_never_shown():
    src = (
        md("""
    # T

    Save this as `pod.yaml`:
    """)
        + pod()
        + md("""
    ```bash
    kubectl create -f pod.yaml
    kubectl apply -f other.yaml
    kubectl apply -f https://example.org/x.yaml
    ```
    """)
    )
    assert hits(src, "references") == [(line(src, "other.yaml"), "error")]


def test_references_file_made_by_an_earlier_command_is_known():
    src = "```bash\nkubectl get pod p-<username> -o yaml > saved.yaml\nkubectl apply -f saved.yaml\n```\n" + pod()
    assert (line(src, "apply -f saved.yaml"), "references") not in rules_at(src)


def test_references_volume_sources_never_created_are_info():
    src = (
        pod()
        .replace("    resources:", "    volumeMounts:\n    - {name: d, mountPath: /data}\n    resources:")
        .replace(
            "limits: {cpu: 200m, memory: 128Mi}\n```",
            "limits: {cpu: 200m, memory: 128Mi}\n  volumes:\n  - name: d\n    persistentVolumeClaim:\n      claimName: shared-data\n```",
        )
    )
    assert hits(src, "references") == [(line(src, "claimName: shared-data"), "info")]
    assert messages(src, "references") == [
        "PersistentVolumeClaim `shared-data` is not created by the tutorial: it must already exist in the namespace"
    ]


def test_references_volume_source_created_by_the_tutorial_is_quiet():
    src = "```bash\nkubectl create configmap cfg-<username> --from-literal=a=b\n```\n" + pod().replace(
        "    resources:", "    envFrom:\n    - configMapRef: {name: cfg-<username>}\n    resources:"
    )
    assert hits(src, "references") == []


def test_references_unknown_container():
    src = pod() + "\n```bash\nkubectl logs p-<username> -c sidecar\nkubectl logs p-<username> -c main\n```\n"
    assert hits(src, "references") == [(line(src, "-c sidecar"), "error")]
    src = job() + "\n```bash\nkubectl logs j-<username>-<hash> -c init\nkubectl exec j-<username>-<hash> -c main -- ls\n```\n"
    assert hits(src, "references") == [(line(src, "-c init"), "error")]


def test_references_near_miss_name_reported_once_by_placeholders():
    src = job() + "\n```bash\nkubectl logs j-<usernam>-<hash>\n```\n"
    assert {f.rule for f in lint(src) if f.severity == "error"} == {"placeholders"}


# ---- state ------------------------------------------------------------------------------------


def test_state_create_twice_without_delete():
    src = "```bash\nkubectl create configmap c-<username> --from-literal=a=b\nkubectl create configmap c-<username> --from-literal=a=c\n```\n"
    assert hits(src, "state") == [(3, "error")]


def test_state_create_after_delete_and_dry_run_are_fine():
    src = """
    ```bash
    kubectl create configmap c-<username> --from-literal=a=b
    kubectl create configmap c-<username> --from-literal=a=c --dry-run=client -o yaml | kubectl replace -f -
    kubectl delete configmap c-<username>
    kubectl create configmap c-<username> --from-literal=a=b
    ```
    """
    assert hits(src, "state") == []


def test_state_create_f_file_twice():
    src = "Save it as `p.yaml`:\n" + pod() + "\n```bash\nkubectl create -f p.yaml\nkubectl create -f p.yaml\n```\n"
    assert hits(src, "state") == [(line(src, "kubectl create -f p.yaml", 2), "error")]


def test_state_use_after_delete_and_delete_twice():
    src = (
        pod() + "\n```bash\nkubectl delete pod p-<username>\nkubectl logs p-<username>\nkubectl delete pod p-<username>\n"
        "kubectl delete pod p-<username> --ignore-not-found\n```\n"
    )
    assert hits(src, "state") == [(line(src, "kubectl logs"), "error"), (line(src, "kubectl delete pod p-", 2), "error")]


def test_state_reference_before_creation():
    src = "```bash\nkubectl get pod p-<username>\n```\n" + pod()
    assert hits(src, "state") == [(2, "error")]


def test_state_here_document_creates():
    src = """
    ```bash
    kubectl create -f - <<EOF
    apiVersion: v1
    kind: ConfigMap
    metadata:
      name: h-<username>
    EOF
    kubectl create -f - <<EOF
    apiVersion: v1
    kind: ConfigMap
    metadata:
      name: h-<username>
    EOF
    kubectl get configmap h-<username>
    ```
    """
    assert hits(src, "state") == [(line(src, "kubectl create -f -", 2), "error")]
    assert hits(src, "references") == []


# ---- paths ------------------------------------------------------------------------------------

MOUNTED = (
    pod()
    .replace("    resources:", "    volumeMounts:\n    - {name: d, mountPath: /mnt/mylogs}\n    resources:")
    .replace(
        "limits: {cpu: 200m, memory: 128Mi}\n```",
        "limits: {cpu: 200m, memory: 128Mi}\n  volumes:\n  - {name: d, emptyDir: {}}\n```",
    )
)


def test_paths_typo_of_a_mount_in_exec_and_in_pod():
    src = (
        MOUNTED
        + """
```bash
kubectl exec p-<username> -- ls /mnt/mylog
kubectl exec p-<username> -- ls /mnt/mylogs/run1 /tmp /etc/hosts
```

Log into the pod p-<username> with kubectl exec.

```
echo hi > /mnt/mylgs/out.txt
```
"""
    )
    found = hits(src, "paths")
    assert (line(src, "ls /mnt/mylog\n".strip()), "warning") in found
    assert found == [(line(src, "-- ls /mnt/mylog"), "warning"), (line(src, "/mnt/mylgs"), "warning")]


def test_paths_root_level_mount_does_not_flag_standard_dirs():
    src = MOUNTED.replace("/mnt/mylogs", "/mytmp") + "\n```bash\nkubectl exec p-<username> -- df -h /tmp /mytmp /dev/shm\n```\n"
    assert hits(src, "paths") == []


def test_paths_in_container_command():
    src = MOUNTED.replace('command: ["sleep", "3600"]', 'command: ["sh", "-c", "date > /mnt/mylog/out"]')
    assert hits(src, "paths") == [(line(src, "date > /mnt/mylog"), "warning")]


# ---- kubectl syntax ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "command, fragment",
    [
        ("kubectl exec p-<username> -it bash", "must follow `--`"),
        ("kubectl logs p-<username> --folow", "did you mean `--follow`?"),
        ("kubectl get pods --foo", "`--foo` is not a flag of `kubectl get`"),
        ("kubectl delete p-<username>", "names no resource type"),
        ("kubectl run p-<username> -- sleep 1", "needs `--image`"),
        ("kubectl dscribe pod p-<username>", "did you mean `kubectl describe`?"),
        ("kubectl logs -c main", "needs a pod name"),
        ("kubectl create", "needs `-f FILE`"),
        ("kubectl apply -f", "needs a value"),
        ("kubectl describe deployemnt p-<username>", "`deployemnt` is not a resource type"),
        ("kubectl get pods,sercet", "`sercet` is not a resource type"),
        ("kubectl exec -it p-<username> n production -- /bin/bash", "kubectl ignores `n production`"),
    ],
)
def test_kubectl_syntax_rejected(command, fragment):
    src = pod() + f"\n```bash\n{command}\n```\n"
    found = [f for f in lint(src) if f.rule == "kubectl"]
    assert [f.line for f in found] == [line(src, command)], found
    assert fragment in found[0].message


@pytest.mark.parametrize(
    "command",
    [
        "kubectl exec -it p-<username> -- bash",
        "kubectl exec p-<username> -c main -- ls /",
        "kubectl logs -p p-<username>",
        "kubectl logs -f p-<username> --tail=10 --timestamps",
        "kubectl get pods -o wide -w",
        "kubectl get pod p-<username> -o jsonpath='{.status.phase}'",
        "kubectl -n default get pods",
        "kubectl delete pod p-<username> --grace-period=0 --force",
        "kubectl create configmap c-<username> --from-file=a.txt --dry-run=client -o yaml",
        "kubectl run t-<username> --image=busybox --restart=Never --rm -it -- sh",
        "kubectl wait --for=condition=Ready pod/p-<username> --timeout=60s",
        "kubectl top pod --containers",
        "kubectl rollout status deployment/d-<username>",
        "kubectl port-forward pod/p-<username> 8888:8888",
        "kubectl cp p-<username>:/tmp/x ./x -c main",
    ],
)
def test_kubectl_syntax_accepted(command):
    src = pod() + f"\n```bash\n{command}\n```\n"
    assert [f for f in lint(src) if f.rule == "kubectl"] == []


def test_kubectl_bare_dry_run_is_a_deprecation_warning():
    src = "```bash\nkubectl create configmap c-<username> --from-literal=a=b --dry-run -o yaml\n```\n"
    assert hits(src, "kubectl") == [(2, "warning")]


# ---- secrets ----------------------------------------------------------------------------------

TOKEN = "ghp_" + "A1b2C3d4" * 5


def test_secret_from_literal_token_never_echoes_the_value():
    src = f"```bash\nkubectl create secret generic g-<username> --from-literal=username=bob --from-literal=token={TOKEN}\n```\n"
    found = [f for f in lint(src) if f.rule == "secrets"]
    assert [(f.line, f.severity) for f in found] == [(2, "error")]
    assert "`--from-literal=token=…`" in found[0].message and "GitHub token" in found[0].message
    assert all(TOKEN not in (f.message + (f.hint or "")) and "bob" not in f.message for f in lint(src))


def test_secret_url_credentials_but_not_env_references():
    src = md("""
    ```bash
    git clone https://bob:Sup3rS3cretPassw0rd2024@github.com/x/y.git
    git clone https://$GH_USER:$GH_TOKEN@github.com/x/y.git
    git clone https://${GH_USER}:${GH_TOKEN}@github.com/x/y.git
    ```
    """) + job().replace(
        "image: busybox", 'image: alpine/git\n        args: ["clone", "https://$(GH_USER):$(GH_TOKEN)@github.com/x/y.git"]'
    )
    assert hits(src, "secrets") == [(line(src, "bob:"), "error")]
    assert "Sup3r" not in " ".join(messages(src, "secrets")) and "bob" not in " ".join(messages(src, "secrets"))


def test_secret_manifest_string_data_and_data():
    src = """
    ```yaml
    apiVersion: v1
    kind: Secret
    metadata:
      name: s-<username>
    stringData:
      user: admin
      password: hunter2hunter2
      token: <token>
    data:
      apikey: c2VjcmV0LWtleS0xMjM0NTY3ODkw
    ```
    """
    found = hits(src, "secrets")
    assert sorted(l for l, _ in found) == [line(src, "user: admin"), line(src, "password:"), line(src, "apikey:")]
    assert all("hunter2" not in m and "c2VjcmV0" not in m for m in messages(src, "secrets"))


def test_secret_env_value_and_known_token_in_a_manifest():
    src = job().replace(
        "image: busybox",
        f"image: busybox\n        env:\n        - name: API_TOKEN\n          value: plainvalue\n"
        f"        - name: OTHER\n          value: {TOKEN}\n        - name: MODE\n          value: fast",
    )
    assert sorted(hits(src, "secrets")) == [(line(src, "value: plainvalue"), "warning"), (line(src, f"value: {TOKEN}"), "error")]


def test_secret_from_literal_plain_key_is_quiet():
    src = "```bash\nkubectl create configmap c-<username> --from-literal=mode=fast --from-literal=token=$TOKEN\n```\n"
    assert hits(src, "secrets") == []


# ---- shared namespace -------------------------------------------------------------------------


def test_shared_namespace_names_without_username():
    src = pod("mypod") + "\n```bash\nkubectl create configmap settings --from-literal=a=b\nkubectl get pod mypod\n```\n"
    assert hits(src, "shared-namespace") == [
        (line(src, "name: mypod"), "warning"),
        (line(src, "create configmap settings"), "warning"),
    ]


def test_shared_namespace_literal_username():
    src = pod("pod-username") + "\n```bash\nkubectl logs pod-username\n```\n"
    found = [f for f in lint(src) if f.rule == "shared-namespace"]
    assert [(f.line, f.hint) for f in found] == [
        (line(src, "name: pod-username"), "write `pod-<username>`"),
        (line(src, "kubectl logs pod-username"), "write `pod-<username>`"),
    ]


def test_shared_namespace_off_by_front_matter_and_fine_names():
    assert hits("---\nshared_namespace: false\n---\n# T\n" + pod("mypod"), "shared-namespace") == []
    assert hits(pod() + job(), "shared-namespace") == []


# ---- interactive / network --------------------------------------------------------------------


def test_interactive_steps_are_info():
    src = pod() + "\n```bash\nkubectl exec -it p-<username> -- bash\nkubectl get pods\n```\n"
    assert hits(src, "interactive") == [(line(src, "exec -it"), "info")]


def test_interactive_with_instead_says_so():
    src = (
        pod()
        + '\n<!-- step: instead="kubectl exec p-<username> -- ls" -->\n```bash\nkubectl exec -it p-<username> -- bash\n```\n'
    )
    assert "instead" in messages(src, "interactive")[0]


def test_network_commands_images_and_container_downloads():
    src = md("""
    ```bash
    wget https://example.org/data.tar.gz
    curl http://my-svc.default.svc.cluster.local:8080/
    pip install torch
    ls /tmp
    ```
    """) + pod().replace("image: busybox", "image: nvcr.io/nvidia/pytorch:24.01").replace(
        'command: ["sleep", "3600"]', 'command: ["sh", "-c", "git clone https://github.com/x/y && sleep 3600"]'
    )
    assert hits(src, "network") == [
        (line(src, "wget"), "info"),
        (line(src, "pip install"), "info"),
        (line(src, "image: nvcr.io"), "info"),
        (line(src, "git clone"), "info"),
    ]


def test_network_docker_hub_images_and_local_commands_are_quiet():
    src = pod() + "\n```bash\nkubectl get pods\ncurl localhost:8080\n```\n"
    assert hits(src, "network") == []


# ---- noqa -------------------------------------------------------------------------------------


def test_noqa_silences_only_the_named_rules_on_that_step():
    src = (
        job() + "\n<!-- step: noqa=references -->\n```bash\nkubectl delete pod j-<username>\n```\n"
        "\n```bash\nkubectl delete pod j-<username>\n```\n"
    )
    assert hits(src, "references") == [(line(src, "kubectl delete pod j-", 2), "error")]


def test_noqa_with_an_unknown_rule_is_a_warning():
    src = "<!-- step: noqa=refs -->\n```bash\nkubectl get pods\n```\n"
    assert hits(src, "noqa") == [(3, "warning")]  # at the step's line


# ---- regressions from published tutorials (see docs/lint.md, "False alarms") -------------------


def test_references_file_name_near_miss_gets_a_suggestion():
    src = "###### lammps.yaml:\n" + job("lammps-<username>") + "\n```bash\nkubectl apply -f test-lammps.yaml\n```\n"
    f = [f for f in lint(src) if f.rule == "references"]
    assert [(x.line, x.severity) for x in f] == [(line(src, "test-lammps.yaml"), "error")]
    assert f[0].message.endswith("did you mean `lammps.yaml`?") and f[0].hint == "`kubectl apply -f lammps.yaml`"


def test_references_author_username_left_in_a_pod_name():
    src = job("lammps-<username>") + "\n```bash\nkubectl logs lammps-mahidhar-cj25r\n```\n"
    f = [f for f in lint(src) if f.rule == "references"]
    assert [(x.line, x.severity) for x in f] == [(line(src, "kubectl logs"), "error")]
    assert "`mahidhar` written for `<username>`" in f[0].message and f[0].hint == "write `lammps-<username>-<hash>`"


def test_helm_install_makes_objects_we_cannot_see_but_not_files():
    src = """
    ```bash
    helm install h2o-<username> helm/chart -f values.yaml
    kubectl port-forward service/h2o-<username>-web 16002:80
    kubectl apply -f missing.yaml
    ```
    """
    assert hits(src, "references") == [(line(src, "port-forward"), "warning"), (line(src, "missing.yaml"), "error")]


def test_helm_release_names_in_a_shared_namespace():
    src = "```bash\nhelm install h2ogpt-username chart/\nhelm install shared chart/\nhelm install mine-<username> chart/\n```\n"
    assert hits(src, "shared-namespace") == [(2, "warning"), (3, "warning")]


def test_kubectl_unknown_command_without_a_near_miss_may_be_a_plugin():
    src = "```bash\nkubectl check service\nkubectl neat get pod x\n```\n"
    assert hits(src, "kubectl") == [(2, "warning"), (3, "warning")]
    assert "unless a plugin provides it" in messages(src, "kubectl")[0]


def test_state_kubectl_run_twice_unless_rm():
    src = """
    ```bash
    kubectl run -it --rm t-<username> --image=busybox -- sh
    kubectl run -it --rm t-<username> --image=busybox -- sh
    kubectl run x-<username> --image=busybox -- sleep 60
    kubectl run x-<username> --image=busybox -- sleep 60
    ```
    """
    found = [f for f in lint(src) if f.rule == "state"]
    assert [(f.line, f.severity) for f in found] == [(line(src, "run x-", 2), "error")]
    assert found[0].hint == "delete it first, or give it another name"


def test_state_wait_for_delete_and_generate_name_creates():
    src = (
        pod()
        + """
```bash
kubectl delete pod p-<username> --wait=false
kubectl wait --for=delete pod/p-<username> --timeout=60s
```
"""
        + job().replace("  name: j-<username>", "  generateName: j-<username>-").replace("```yaml", "###### j.yaml:\n```yaml")
        + "\n```bash\nkubectl create -f j.yaml\nkubectl create -f j.yaml\n```\n"
    )
    assert hits(src, "state") == [] and hits(src, "references") == []


def test_kubectl_openshift_client_verbs_are_not_flagged():
    src = "```bash\noc login https://api.example.org:6443\noc new-project demo\noc get pods --foo\n```\n"
    assert hits(src, "kubectl") == [(4, "error")]


def test_paths_under_the_mount_other_parents_and_unknown_pods_are_quiet():
    src = (
        MOUNTED
        + """
```bash
kubectl exec p-<username> -- ls /mnt/mylogs/run-1 /mnt/other /opt/mylog
kubectl exec unknown-<username> -- ls /mnt/mylog
```
"""
    )
    assert hits(src, "paths") == []


def test_network_kubectl_apply_of_a_url_and_git_ssh():
    src = "```bash\nkubectl apply -f https://k8s.io/examples/pods/simple-pod.yaml\ngit clone git@github.com:x/y.git\n```\n"
    assert hits(src, "network") == [(2, "info"), (3, "info")]
    assert "k8s.io" in messages(src, "network")[0] and "github.com" in messages(src, "network")[1]


def test_interactive_is_silent_for_unattended_commands():
    src = pod() + "\n```bash\nkubectl exec p-<username> -- ls /\nkubectl logs p-<username> --tail=5\n```\n"
    assert hits(src, "interactive") == []


# ---- waits ------------------------------------------------------------------------------------


def test_a_wait_no_object_of_the_step_can_meet_is_an_error():
    bound_pod = "<!-- step: wait=bound -->\n" + pod()
    assert hits(bound_pod, "waits") == [(line(bound_pod, "```yaml"), "error")]
    assert "only PersistentVolumeClaim can be bound" in messages(bound_pod, "waits")[0]
    assert hits("<!-- step: wait=ready -->\n" + pod(), "waits") == []
    assert hits("<!-- step: wait=complete -->\n" + job(), "waits") == []
    deleted = "<!-- step: wait=deleted -->\n```bash\nkubectl get pods\n```\n"
    assert hits(deleted, "waits") == [(line(deleted, "kubectl get pods"), "error")]
    assert hits("<!-- step: wait=deleted -->\n```bash\nkubectl delete pod p-<username>\n```\n", "waits") == []
    assert hits("<!-- step: wait=complete -->\n```bash\n./make-things.sh\n```\n", "waits") == []  # makes nothing we can see
