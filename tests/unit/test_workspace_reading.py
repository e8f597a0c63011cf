"""How a workshop page sets up its reader's shell: aliases, a namespace of their own, a project folder, fill-ins a
maintainer names with --set, and files named in prose of any language."""

from __future__ import annotations

import textwrap
from pathlib import Path

from runner.effects import Effects
from runner.lesson import prose
from runner.lesson.parser import parse_lesson
from runner.lesson.render import render, unused_sets
from runner.plan.build import build_plan
from runner.plan.facts import ClusterFacts
from runner.plan.operation import Operation
from runner.syntax import bash, kubectl

FACTS = ClusterFacts(network=False, namespace="ws", objects_known=True)

WORKSHOP = """\
    ```
    $ kubectl create namespace YOUR_NAME
    $ alias k="kubectl -n YOUR_NAME"
    ```

    Unpack the project into `$WORKSPACE/app`:

    ```
    $ cd $WORKSPACE/app
    ```

    ```
    mkdir -p deploy/manifests
    ```

    Create the file deploy/manifests/app-pod.yaml as follows:

    > Note: use your own image

    ```
    apiVersion: v1
    kind: Pod
    metadata:
      name: app
    spec:
      containers:
      - name: app
        image: busybox
    ```

    ```
    $ k apply -f deploy/manifests/app-pod.yaml
    $ k logs -f app
    ```
    """


def plan(md: str, values: dict[str, str]) -> dict[int, tuple[Operation, str]]:
    lesson = render(parse_lesson(textwrap.dedent(md), "t.md"), values).lesson
    return {a.step.line: (a.do, a.reason or "") for a in build_plan(lesson, FACTS).actions}


def test_an_alias_is_expanded_as_bash_expands_it():
    aliases = bash.alias_definitions('alias k="kubectl -n team" # from now on')
    assert aliases == {"k": "kubectl -n team"}
    assert bash.expand_aliases("k get pods && k apply -f x.yaml | grep k\necho k", aliases) == (
        "kubectl -n team get pods && kubectl -n team apply -f x.yaml | grep k\necho k"
    )


def test_what_an_aliased_kubectl_applies_is_known_like_kubectls():
    lesson = render(parse_lesson(textwrap.dedent(WORKSHOP), "t.md"), {"YOUR_NAME": "ws"}).lesson
    apply = next(s for s in lesson.steps if "apply" in (s.command or ""))
    assert apply.command.startswith("kubectl -n ws apply")
    assert any(m.name == "app" and m.of == "Pod" for m in Effects(lesson).io(apply).makes)


def test_a_mask_of_one_capital_letter_is_filled_inside_a_word():
    """`host: voteapp.app.stuXX.steven.asia # CHANGE THE XX to your student number`, `--set XX=07`: the mask stands
    inside the host name; `XXL` and `XXX` are other words."""
    md = "```bash\ncurl http://voteapp.stuXX.example.org\necho XXL XXX\n```\n"
    lesson = parse_lesson(md, "t.md")
    steps = render(lesson, {"XX": "07"}).lesson.steps
    assert steps[0].command == "curl http://voteapp.stu07.example.org"
    assert steps[1].command == "echo XXL XXX"


def test_a_bare_fill_in_named_by_set_is_replaced_as_a_whole_word():
    lesson = parse_lesson(textwrap.dedent(WORKSHOP), "t.md")
    first = render(lesson, {"YOUR_NAME": "ws"}).lesson.steps[0]
    assert first.command == "kubectl create namespace ws"
    assert unused_sets(lesson, {"YOUR_NAME": "ws", "yunlong": "x"}) == ["yunlong"]  # an ordinary word: not replaced
    assert render(lesson, {"app": "x"}).lesson.steps[-2].command.endswith("-f deploy/manifests/app-pod.yaml")


def test_the_own_namespace_is_there_and_a_folder_of_files_the_tutorial_writes_is_the_runs_own():
    p = plan(WORKSHOP, {"YOUR_NAME": "ws"})
    assert p[2][0] is Operation.SKIP and "the run's own namespace" in p[2][1]
    assert p[9][0] is Operation.SKIP and "WORKSPACE" in p[9][1]  # the project folder: a value nobody gives
    assert p[13][0] is Operation.COMMAND  # `mkdir -p deploy/manifests` in the run's folder
    assert p[32][0] is Operation.COMMAND, p[32]  # applies the file the text shows, with the namespace it was given
    assert p[33][0] is Operation.COMMAND  # `logs -f`: follow, not a file


def test_a_switch_is_not_a_file():
    assert kubectl.parse(["kubectl", "logs", "-f", "p"]).files == ()
    assert kubectl.parse(["kubectl", "-n", "x", "apply", "-f", "a.yaml"]).files == ("a.yaml",)


def test_a_file_named_in_prose_in_a_folder_in_any_language():
    assert prose.prose_file("创建文件deploy/manifests/kube-app-pod.yaml,内容如下：") == "deploy/manifests/kube-app-pod.yaml"
    assert prose.prose_file("在项目根目录下创建`entrypoint.sh`，内容如下：") == "entrypoint.sh"
    assert prose.prose_file("Créez le fichier `pod.yaml` :") == "pod.yaml"
    assert prose.prose_file("Erstellen Sie die Datei `pod.yaml`:") == "pod.yaml"
    # a plain name in code wins over a path the text points at for comparison
    assert prose.prose_file("Use `examples/service.yml` as an example and add it to `backend.yml`. The file:") == "backend.yml"
    assert prose.files_named("see deploy/x.yaml") == ["deploy/x.yaml", "x.yaml"]


def test_rbac_objects_are_named_by_path_segments():
    md = """\
        ```yaml
        apiVersion: rbac.authorization.k8s.io/v1
        kind: ClusterRole
        metadata:
          name: cloud:service
        rules: []
        ```
        """
    lesson = render(parse_lesson(textwrap.dedent(md), "t.md"), {}).lesson
    assert lesson.steps[0].type.value == "manifest"
    bad = render(parse_lesson(textwrap.dedent(md.replace("cloud:service", "a/b")), "t.md"), {}).lesson
    assert bad.steps[0].type.value == "invalid" and "path segment" in (bad.steps[0].error or "")


def test_kubectls_fully_qualified_resource_names_name_their_kind():
    assert kubectl.kind_of("deployment.v1.apps") == "Deployment"
    assert kubectl.kind_of("cronjob.batch") == "CronJob"
    assert kubectl.kind_of("deployment.v1.batch") is None  # not the kind's group: kubectl finds no such resource


def test_a_kubeconfig_the_tutorial_builds_with_kubectl_config_is_its_file_not_the_readers():
    md = """\
        ```
        kubectl config set-credentials sa --token=abc --kubeconfig=sa-config.yaml
        kubectl config use-context ctx --kubeconfig=sa-config.yaml
        kubectl get pods --kubeconfig=sa-config.yaml
        kubectl config use-context other
        ```

        We use the file `writer.yaml` from exercise 2:

        ```
        kubectl apply -f writer.yaml
        ```
        """
    p = plan(md, {})
    assert [p[n][0] for n in (2, 3, 4)] == [Operation.COMMAND] * 3
    assert p[5][0] is Operation.SKIP and "changes the kubeconfig" in p[5][1]
    assert p[11][0] is Operation.SKIP and "from an earlier part" in p[11][1]


def test_the_head_of_an_object_whose_spec_is_left_empty_is_a_piece_to_fill_in():
    md = """\
        Add these lines at the very top of the file:

        ```
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: web
        spec:
        ```
        """
    lesson = render(parse_lesson(textwrap.dedent(md), "t.md"), {}).lesson
    assert lesson.steps[0].type.value == "fragment"
    assert "spec:` is left empty" in (lesson.steps[0].reason or "")


def test_files_applied_together_after_their_unnamed_blocks_are_those_blocks_in_order():
    md = """\
        ```yaml
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: person
        ```

        ```yaml
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: pet
        ```

        ```
        kubectl apply -f crd/person.yaml,crd/pet.yaml
        kubectl apply -f example/alice.yaml
        ```
        """
    lesson = render(parse_lesson(textwrap.dedent(md), "t.md"), {}).lesson
    assert [s.file for s in lesson.steps[:2]] == ["crd/person.yaml", "crd/pet.yaml"]
    assert kubectl.parse(["kubectl", "apply", "-f", "a.yaml,b.yaml"]).files == ("a.yaml", "b.yaml")
    p = plan(md, {})
    assert sorted(p) == [1, 8, 16, 17], p
    assert p[16][0] is Operation.COMMAND
    assert p[17][0] is Operation.FAIL and "crd/pet.yaml" not in p[17][1]  # not a slip for a block already applied


def test_set_image_names_the_images_it_puts_into_a_template():
    from runner.effects.environment import host_requirements

    call = kubectl.parse(["kubectl", "set", "image", "deployment.v1.apps/web", "nginx=nginx:1.9.1", "--record"])
    assert call.images == ("nginx:1.9.1",)
    assert kubectl.parse(["kubectl", "run", "web", "--image", "nginx"]).images == ("nginx",)
    assert "image:nvcr.io/x:1" in host_requirements("kubectl set image deploy/web app=nvcr.io/x:1")
    assert not any(r.startswith("image:") for r in host_requirements("kubectl run web --image=nginx --dry-run=client"))


def test_a_value_left_as_a_comment_asking_for_it_is_the_readers_to_fill():
    md = """\
        Create nginx-pod.yml with this content:

        ```yaml
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: ## Replace here by a suitable name ##
        data: # Change data
          a: b
        ```

        ```
        kubectl apply -f nginx-pod.yml
        ```
        """
    p = plan(md, {})
    assert p[13][0] is Operation.SKIP and "Replace here by a suitable name" in p[13][1]
    assert "Change data" not in p[13][1]  # a remark over a nested mapping is no blank


def test_a_value_written_as_a_name_in_braces_is_the_readers_to_fill():
    """`request: {BASE64_csr}` reads as a mapping of one key with no value, which no field takes: a fill-in; `{}` and
    `{a: 1}` and a quoted `"{x}"` are values."""
    from runner.syntax.yaml import read_yaml

    md = """\
        ```yaml
        apiVersion: certificates.k8s.io/v1
        kind: CertificateSigningRequest
        metadata:
          name: petya-csr
        spec:
          request: {BASE64_csr}
          signerName: kubernetes.io/kube-apiserver-client
          usages:
          - client auth
        ```
        """
    p = plan(md, {})
    assert p[1][0] is Operation.SKIP and "`{BASE64_csr}`" in p[1][1]
    text = 'a:\n  x: {}\n  y: {a: 1}\n  z: "{q}"\n  l:\n  - {YOUR_IP}\n  e: {"quoted": }\n'
    assert read_yaml(text, 1).braced == ("{YOUR_IP}",)


def test_a_file_named_after_the_one_object_of_an_unnamed_block_earlier_is_that_block():
    md = """\
        ## Deployment

        ```yaml
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: mongodb-config
        ```

        ## Secret

        ```yaml
        apiVersion: v1
        kind: Secret
        metadata:
          name: mongodb-secret
        ```

        ## Apply

        ```
        kubectl apply -f mongodb-secret.yaml
        kubectl apply -f mongodb-config.yaml
        ```
        """
    p = plan(md, {})
    assert p[22][0] is Operation.COMMAND and p[23][0] is Operation.COMMAND, p


def test_commands_that_run_until_stopped_and_a_kubeconfig_for_one_command():
    from runner.effects.environment import host_requirements
    from runner.lesson import classify

    assert "until stopped" in (classify.interactive_reason([["ping", "10.0.0.1"]]) or "")
    assert classify.interactive_reason([["ping", "-c", "3", "10.0.0.1"]]) is None
    assert "until stopped" in (classify.interactive_reason([["tail", "-f", "/var/log/x"]]) or "")
    assert not any(r.startswith("kubeconfig") for r in host_requirements("KUBECONFIG=./viewer.kubeconfig kubectl get pods"))
    assert "kubeconfig:KUBECONFIG=…" in host_requirements("export KUBECONFIG=./viewer.kubeconfig")


def test_exec_with_a_terminal_of_a_command_that_ends_runs_and_a_shell_is_entered():
    """`kubectl exec -it web -- cat /opt/db-port` prints and ends (kubectl runs it without a terminal too, as a reader
    sees it); `-- sh`, `-- /bin/bash -l` and `-- bash --login` open a shell the next lines are typed in."""
    from runner.lesson import classify

    def call(*inner):
        return [["kubectl", "exec", "-it", "web", "--", *inner]]

    for ends in (("cat", "/opt/db-port"), ("sh", "-c", "ls /"), ("bash", "-lc", "env"), ("bash", "script.sh")):
        assert classify.interactive_reason(call(*ends)) is None, ends
        assert classify.exec_pod(call(*ends)) is None, ends
    for shell in (("sh",), ("/bin/bash", "-l"), ("bash", "--login"), ()):
        assert classify.interactive_reason(call(*shell)) == "opens an interactive shell in web", shell
        assert classify.exec_pod(call(*shell)) == "web", shell
    assert "reads what is typed next" in (classify.interactive_reason(call("mysql", "-uroot")) or "")


def test_a_script_under_a_caption_that_names_its_file_is_that_file():
    md = """\
        创建`entrypoint.sh`，内容如下：

        ```
        #!/usr/bin/env bash
        java -jar app.jar
        ```
        """
    lesson = render(parse_lesson(textwrap.dedent(md), "t.md"), {}).lesson
    assert lesson.steps[0].type.value == "file" and lesson.steps[0].file == "entrypoint.sh"


def test_the_namespace_a_tutorial_switches_to_is_the_readers_own():
    md = """\
        ```
        kubectl create namespace rbac-lab
        kubectl config set-context --current --namespace=rbac-lab
        kubectl get ns rbac-lab
        kubectl create serviceaccount viewer -n rbac-lab
        kubectl auth can-i get pods --as system:serviceaccount:rbac-lab:viewer -n rbac-lab
        kubectl config set-context --current --namespace=default
        ```

        ```yaml
        apiVersion: rbac.authorization.k8s.io/v1
        kind: RoleBinding
        metadata:
          name: viewer
          namespace: rbac-lab
        subjects:
        - kind: ServiceAccount
          name: viewer
          namespace: rbac-lab
        roleRef:
          kind: ClusterRole
          name: view
          apiGroup: rbac.authorization.k8s.io
        ```
        """
    lesson = render(parse_lesson(textwrap.dedent(md), "t.md"), {}).lesson
    commands = [s.command for s in lesson.steps if s.command]
    assert commands[2] == "kubectl get ns default"
    assert commands[3] == "kubectl create serviceaccount viewer -n default"
    assert "system:serviceaccount:default:viewer -n default" in commands[4]
    binding = lesson.steps[-1].objects[0]
    assert binding.namespace == "default" and binding.body["subjects"][0]["namespace"] == "default"
    p = plan(md, {})
    assert p[2][0] is Operation.SKIP and "the run's own namespace" in p[2][1]
    assert p[5][0] is Operation.COMMAND  # the ServiceAccount is made where the run is
    # the run gives the subject its own namespace, as it does the binding's
    from runner.run.workspace import Workspace

    prepared = Workspace(Path("/tmp"), {}, "bob", namespace="ws").prepared(binding.body)
    assert prepared["subjects"][0]["namespace"] == "ws" and "namespace" not in prepared["metadata"]


def test_a_page_that_moves_between_namespaces_keeps_them_apart():
    md = """\
        ```
        kubectl config set-context --current --namespace=team-a
        kubectl get pods -n team-a
        kubectl config set-context --current --namespace=team-b
        ```
        """
    lesson = render(parse_lesson(textwrap.dedent(md), "t.md"), {}).lesson
    assert lesson.steps[1].command == "kubectl get pods -n team-a"


def test_a_page_that_also_names_default_as_another_namespace_keeps_its_own():
    md = """\
        ```
        kubectl create namespace rbac-lab
        kubectl config set-context --current --namespace=rbac-lab
        # Denied: view pods in other namespaces
        kubectl auth can-i get pods --as system:serviceaccount:rbac-lab:viewer -n default
        ```
        """
    lesson = render(parse_lesson(textwrap.dedent(md), "t.md"), {}).lesson
    assert lesson.steps[0].command == "kubectl create namespace rbac-lab"


def test_a_heading_that_says_its_commands_fail_expects_the_failure():
    from runner.lesson import classify

    md = """\
        ## 3.5 Konfig testen (Fehlschlag erwartet)

        ```
        kubectl get pods --kubeconfig=sa-config.yaml
        ```

        ## 3.8 Erneuter Test (Erfolg erwartet)

        ```
        kubectl get pods --kubeconfig=sa-config.yaml
        ```
        """
    lesson = parse_lesson(textwrap.dedent(md), "t.md")
    assert [s.expect_failure for s in lesson.steps] == [True, False]
    assert classify.failure_heading("Access a secret (expected to fail)")
    assert not classify.failure_heading("Why this should not fail")
