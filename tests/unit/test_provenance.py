"""Provenance of every input: a step whose producer did not run is skipped naming it; an input nothing makes is judged."""

from __future__ import annotations

import dataclasses
import textwrap

from runner.effects import Effects
from runner.lesson.parser import parse_lesson
from runner.lesson.render import render
from runner.plan.build import build_plan
from runner.plan.facts import ClusterFacts
from runner.plan.operation import Operation

LOCAL = ClusterFacts(network=False, namespace="ws", objects_known=True, missing_programs=frozenset({"helm"}))


def lesson_of(md: str):
    """A tutorial written in the test, parsed and rendered for user bob."""
    return render(parse_lesson(textwrap.dedent(md), "t.md"), {"username": "bob"}).lesson


def plan(md: str, facts: ClusterFacts = LOCAL) -> dict[int, tuple[Operation, str]]:
    lesson = lesson_of(md)
    return {a.step.line: (a.do, a.reason or "") for a in build_plan(lesson, facts).actions}


def test_a_variable_set_by_a_skipped_step():
    p = plan("""\
        ```bash
        helm install nfs nfs/server
        export NFS_IP=$(kubectl get svc nfs -o jsonpath='{.spec.clusterIP}')
        cat <<EOF | kubectl apply -f -
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: c
        data:
          server: $NFS_IP
        EOF
        ```
        """)
    assert p[2] == (Operation.SKIP, "needs `helm`, which is not installed here")
    assert p[3][0] is Operation.SKIP and p[3][1].startswith("depends on service/nfs, which no step names: the step at line 2")
    assert p[4][0] is Operation.SKIP and p[4][1].startswith("depends on $NFS_IP, which the step at line 3 would have set")


def test_files_from_a_skipped_download_an_editor_and_an_unpacked_archive():
    p = plan("""\
        ```bash
        curl -sLO https://example.org/x.gz
        gunzip x.gz
        nano my_file.md
        cat my_file.md
        ```
        """)
    assert p[3][1].startswith("depends on x.gz, which the step at line 2 would have written (needs example.org")
    assert p[5][1].startswith("depends on my_file.md, which the step at line 4 would have written (interactive: opens an editor")


def test_a_file_the_text_nearly_shows_names_or_never_mentions():
    p = plan("""\
        Save this as `check_pvc.yaml`:

        ```yaml
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: c
        ```

        ```bash
        kubectl apply -f pvc_bind.yaml
        kubectl apply -f check_pvc.yml
        kubectl apply -f ~/container.training/k8s/x.yaml
        kubectl apply -f ollama-rag.yaml
        ```

        Change the username in the pod-awscli.yaml file, then:

        ```bash
        kubectl apply -f pod-awscli.yaml
        ```
        """)
    assert p[11] == (
        Operation.FAIL,
        "applies pvc_bind.yaml, which the tutorial never shows: the manifest at line 3 is check_pvc.yaml",
    )
    assert p[12][0] is Operation.FAIL and "check_pvc.yaml" in p[12][1]
    assert p[13][0] is Operation.SKIP and "a file outside the tutorial's folder: a prerequisite" in p[13][1]
    assert p[14][0] is Operation.SKIP and "never shows or names" in p[14][1]  # beside it in its repository, maybe
    assert p[20] == (Operation.FAIL, "applies pod-awscli.yaml, which the text names but never shows or makes")


def test_an_object_made_as_another_kind_or_by_generate_name_is_a_defect_even_when_the_run_cannot_go_on():
    facts = ClusterFacts(namespace="ws", objects_known=True, image_for=lambda i: None if "nvcr" in i else i)
    p = plan(
        """\
        ```bash
        kubectl run nginx --image=nvcr.io/nginx
        kubectl expose deployment nginx --port=80
        ```

        ```yaml
        apiVersion: batch/v1
        kind: Job
        metadata:
          generateName: lightweight-job-
        spec:
          template:
            spec:
              restartPolicy: Never
              containers:
              - name: c
                image: busybox
        ```

        ```bash
        kubectl delete job lightweight-job
        ```
        """,
        facts,
    )
    assert p[2][0] is Operation.SKIP  # the image: this cluster's business
    assert p[3] == (Operation.FAIL, "deployment/nginx is never made: the step at line 2 makes pod/nginx, not a Deployment")
    assert p[21][0] is Operation.FAIL and "named from generateName `lightweight-job-`" in p[21][1]


def test_what_this_cluster_lacks_is_a_skip_that_names_it():
    p = plan(
        """\
        ```bash
        kubectl create configmap c -n argo
        kubectl get pods -n kube-system
        kubectl taint node gpu-node-7 k=v:NoSchedule
        gcloud compute disks create d
        terraform apply -auto-approve
        terraform -version
        echo $PROJECT_ID
        curl -s http://localhost:8080/metrics
        ```

        ```bash
        cat <<EOF | kubectl apply -f -
        apiVersion: batch.volcano.sh/v1alpha1
        kind: Job
        metadata:
          name: vj
        EOF
        ```
        """,
        ClusterFacts(network=False, namespace="ws", served=frozenset(), nodes=(), image_for=lambda i: None if "nvcr" in i else i),
    )
    assert "write in namespace argo, not this run's (ws)" in p[2][1]
    assert p[3][0] is Operation.COMMAND  # reading another namespace is fine
    assert p[4] == (Operation.SKIP, "needs node gpu-node-7, which this cluster does not have")
    assert p[5][1].startswith("needs a Google Cloud account (`gcloud` makes cloud infrastructure)")
    assert p[6][1].startswith("needs a cloud account (Terraform's providers)")  # infrastructure as code, the same
    assert p[7][0] is not Operation.SKIP or "account" not in p[7][1]  # its version says nothing of an account
    assert p[8][1] == "needs $PROJECT_ID, which no step of the tutorial sets: give it with --set PROJECT_ID=…"
    assert p[9][1] == "needs something listening on localhost:8080, which no step of the tutorial starts here"
    assert p[13][1].startswith("needs kind Job (batch.volcano.sh/v1alpha1), which this cluster does not serve")


def test_a_folder_entered_an_alias_defined_and_a_port_forward_are_made_by_their_step():
    p = plan("""\
        ```bash
        git clone https://github.com/org/repo.git
        cd repo
        kubectl apply -f k8s/job.yaml
        alias k=kubectl
        k version
        kubectl port-forward svc/web 8080:80
        curl localhost:8080
        ```
        """)
    assert p[3][1].startswith("depends on repo/, which the step at line 2 would have written (needs github.com")
    assert p[4][1].startswith("depends on the folder repo, which the step at line 3 would have entered (depends on repo/")
    assert p[5][0] is Operation.COMMAND and p[6][0] is Operation.COMMAND  # no files of the folder; `k` is the alias
    assert p[8][1].startswith("depends on localhost:8080, which the step at line 7 would have opened (")


def test_a_producer_that_runs_is_enough():
    p = plan("""\
        ```bash
        cat <<EOF > job.yaml
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: from-heredoc
        EOF
        curl -sLO https://example.org/job.yaml
        kubectl apply -f job.yaml
        kubectl get configmap from-heredoc
        ```
        """)
    assert p[8][0] is Operation.SKIP  # the download: no network here
    assert p[9][0] is Operation.COMMAND  # the here-document wrote job.yaml already
    assert p[10][0] is Operation.COMMAND  # its ConfigMap is made by the apply (the file's objects are known)


def test_a_file_never_shown_in_a_tutorial_that_gets_no_files_from_elsewhere_is_a_defect():
    """No clone, archive or checkout anywhere: the reader has only what the text shows, so `pod1.yaml` cannot be there."""
    p = plan("""\
        ```bash
        curl -LO https://example.org/kubectl
        kubectl --kubeconfig /custom/path/kube.config get pods
        ```

        Save this as `alpine.yaml`:

        ```yaml
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: c
        ```

        ```bash
        kubectl apply -f alpine.yaml
        kubectl get configmap c
        ```

        ## Clean up

        ```bash
        kubectl delete -f pod1.yaml
        ```
        """)
    assert p[2][0] is Operation.SKIP  # the download: no network
    assert p[3] == (
        Operation.SKIP,
        "needs /custom/path/kube.config, a file outside the tutorial's folder: a prerequisite the tutorial does not make here",
    )
    assert p[23] == (
        Operation.FAIL,
        "deletes with pod1.yaml, which the tutorial never shows, and it gets no files from elsewhere (no clone, download or "
        "archive)",
    )
    # the same tutorial after a clone: the file may be in the repository
    cloned = plan("""\
        ```bash
        git clone https://example.org/r.git
        ```

        ```bash
        kubectl delete -f pod1.yaml
        ```
        """)
    assert cloned[6][0] is Operation.SKIP and "never shows or names" in cloned[6][1]


def test_what_a_published_page_means_by_its_unnamed_blocks_kinds_and_contexts():
    """Read on held-out tutorials: each of these was a step run or judged wrongly before."""
    p = plan(
        """\
        ## Volumes

        ```yaml
        apiVersion: v1
        kind: PersistentVolume
        metadata:
          name: task-pv
        spec:
          storageClassName: manual
          capacity: {storage: 1Gi}
          accessModes: [ReadWriteOnce]
          hostPath: {path: /tmp/data}
        ```

        ```yaml
        apiVersion: v1
        kind: PersistentVolumeClaim
        metadata:
          name: task-pvc
        spec:
          storageClassName: manual
          accessModes: [ReadWriteOnce]
          resources: {requests: {storage: 1Gi}}
        ```

        ## Apps

        ```yaml
        apiVersion: v1
        kind: Pod
        metadata:
          name: myapp-pod
        spec:
          containers:
          - name: c
            image: busybox
            command: ["sh", "-c", "echo $(date)'<br />' && sleep 3600"]
        ```

        ```yaml
        apiVersion: v1
        kind: Service
        metadata:
          name: myservice
        spec:
          ports: [{port: 80}]
        ```

        ```bash
        kubectl apply -f myapp.yaml
        kubectl apply -f services.yaml
        kubectl config use-context minidev
        kubectl config view
        kubectl delete pod,service myapp-pod
        ```
        """,
        ClusterFacts(network=False, namespace="ws", storage_classes=frozenset({"local-path"})),
    )
    # a claim of the class its PersistentVolume carries binds to it: no StorageClass object is needed
    assert p[15][0] is Operation.APPLY
    # `<br />` is HTML, not a placeholder; each block is the file a command names (by its object's name, by its kind)
    assert p[28] == (Operation.WRITE, "applied by the tutorial's own command (kubectl ... -f myapp.yaml)")
    assert p[40] == (Operation.WRITE, "applied by the tutorial's own command (kubectl ... -f services.yaml)")
    assert (p[50][0], p[51][0]) == (Operation.COMMAND, Operation.COMMAND)
    assert p[52] == (
        Operation.SKIP,
        "changes the kubeconfig (`kubectl config use-context`): a run keeps its own cluster, context and namespace",
    )
    assert p[53][0] is Operation.COMMAND
    # `pod,service NAME`: each of the kinds, and kubectl fails on the one never made
    assert p[54] == (Operation.FAIL, "service/myapp-pod is never made: the step at line 50 makes pod/myapp-pod, not a Service")


def test_a_command_the_text_says_fails_a_bare_host_a_service_made_by_run_expose_and_a_webhook_nobody_makes():
    p = plan("""\
        ```bash
        kubectl run web --image=busybox --expose --port 80
        kubectl delete pod,service web
        curl ingress-example.minikube
        kubectl delete validatingwebhookconfiguration ingress-nginx-admission
        ```

        ```bash
        kubectl exec web -- sh -c "echo x >> /etc/ro/file"
        ```

        It should error out and complain about the file being read only.
        """)
    assert p[3][0] is Operation.COMMAND  # the Service is the one `--expose` made
    assert p[4] == (Operation.SKIP, "needs ingress-example.minikube, which is not reachable from here (profile network)")
    assert p[5][0] is Operation.SKIP and "which no step makes and this cluster does not have" in p[5][1]
    lesson = parse_lesson(textwrap.dedent("```bash\nkubectl exec web -- touch /ro/f\n```\n\nIt should error out.\n"), "t.md")
    assert lesson.steps[0].expect_failure


def test_a_command_kubectl_refuses_as_written_is_a_defect_of_its_line_whatever_else_happens():
    """A removed flag, `exec POD CMD` without `--`, `delete NAME` without a type: kubectl's syntax, not the cluster's."""
    p = plan("""\
        ```bash
        kubectl run --generator=run-pod/v1 lookup --image=registry.example.org/lookup
        kubectl exec -it lookup bash
        kubectl delete lookup
        kubectl exec -it lookup -- bash
        kubectl autoscale deploy web --min=2 --max=5 --cpu-percent=50
        kubectl version --client
        kubectl autoscale deploy web --mn=2 --max=5
        kubectl drain node-1 --delete-local-data --ignore-daemonsets
        kubectl taint nodes node-1 key=value:NoSchedule --overwrite
        ```
        """)
    assert p[2] == (Operation.FAIL, "kubectl refuses this as written: `kubectl run` has no flag --generator")  # not the image
    assert p[3][0] is Operation.FAIL and "kubectl exec lookup -- bash" in p[3][1]  # an interactive step, still a defect
    assert p[4][0] is Operation.FAIL and "names a resource type but no object" in p[4][1]
    assert p[5][0] is not Operation.FAIL and p[6][0] is not Operation.FAIL and p[7][0] is not Operation.FAIL
    assert p[8] == (Operation.FAIL, "kubectl refuses this as written: `kubectl autoscale` has no flag --mn")
    assert p[9] == (Operation.FAIL, "kubectl refuses this as written: `kubectl drain` has no flag --delete-local-data")
    assert p[10][0] is not Operation.FAIL  # its flags are all kubectl's
    q = plan("```bash\nkubectl exec -it web n production -- /bin/bash\n```\n")
    assert q[2][0] is Operation.FAIL and "kubectl ignores `n production` between the pod and `--`" in q[2][1]


def test_a_slip_in_a_built_in_resource_type_is_a_defect_whatever_the_cluster_serves():
    """`kubectl describe deployemnt web`: the server has no such type, in any cluster; a CRD's own name (`ingressroutes`,
    `rayservices`) is no slip for a built-in one, and a plural or short name kubectl accepts is none either."""
    p = plan("""\
        ```bash
        kubectl describe deployemnt nginx-v1
        kubectl get pods,sercet
        kubectl delete statfulset/db
        kubectl get ingressroutes
        kubectl get rayservices
        kubectl get deploy,svc
        ```
        """)
    assert p[2] == (
        Operation.FAIL,
        'kubectl refuses this as written: the server doesn\'t have a resource type "deployemnt" (a slip for `deployment`?)',
    )
    assert p[3][0] is Operation.FAIL and "(a slip for `secret`?)" in p[3][1]
    assert p[4][0] is Operation.FAIL and "(a slip for `statefulset`?)" in p[4][1]
    assert all(p[n][0] is not Operation.FAIL for n in (5, 6, 7)), p


def test_a_variable_the_readers_shell_expands_in_a_double_quoted_script_that_sets_it_is_a_defect():
    """`sh -c "for i in …; do echo $i; done"`: the reader's shell fills `$i` (empty) before kubectl runs; in single
    quotes, or set by the reader's own loop, it is fine; a variable the script does not set is only a missing value."""
    p = plan("""\
        ```bash
        kubectl create job count --image=busybox -- sh -c "for i in $(seq 1 10); do echo $i; done"
        kubectl create job count2 --image=busybox -- sh -c 'for i in $(seq 1 10); do echo $i; done'
        for n in 1 2; do kubectl exec web -- sh -c "echo $n"; done
        kubectl exec web -- bash -c "X=1; echo $X $HOME_DIR"
        ```
        """)
    assert p[2][0] is Operation.FAIL and p[2][1].startswith("`$i` is expanded by the reader's shell before the command runs")
    assert p[3][0] is not Operation.FAIL and p[4][0] is not Operation.FAIL
    assert p[5][0] is Operation.FAIL and p[5][1].startswith("`$X` is expanded")  # HOME_DIR alone would be a --set


def test_a_claim_of_a_class_only_a_shown_volume_carries_depends_on_that_volume():
    """`storageClassName: manual`: the claim binds to the volume of that class the text made just before, and to
    nothing else; when that volume's step does not run, the claim would wait forever."""
    p = plan("""\
        ```yaml
        apiVersion: v1
        kind: PersistentVolume
        metadata:
          name: nfs-pv
        spec:
          storageClassName: manual
          capacity: {storage: 1Gi}
          accessModes: [ReadWriteMany]
          nfs: {server: nfs.example.org, path: /export}
        ```

        ```yaml
        apiVersion: v1
        kind: PersistentVolumeClaim
        metadata:
          name: data
        spec:
          storageClassName: manual
          accessModes: [ReadWriteMany]
          resources: {requests: {storage: 1Gi}}
        ```
        """)
    assert p[1][0] is Operation.SKIP and "nfs.example.org" in p[1][1]
    assert p[13][0] is Operation.SKIP and p[13][1].startswith("depends on persistentvolume/nfs-pv"), p[13]


def test_an_object_a_command_uses_before_the_command_that_makes_it_is_a_defect_of_that_line():
    """`kubectl rollout history deployment/web` above `kubectl create deployment web`: "not found" for a reader who
    follows the text. A delete first ("if it already exists"), and a manifest shown further down ("the original
    ConfigMap", maybe there already), stay prerequisites."""
    p = plan("""\
        ```bash
        kubectl rollout history deployment/web
        kubectl delete namespace lab
        kubectl describe configmap style
        kubectl create deployment web --image=nginx
        kubectl create namespace lab
        ```

        ```yaml
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: style
        ```
        """)
    assert p[2] == (Operation.FAIL, "deployment/web is used before it is made: only a later step makes it (line 5)")
    assert p[3][0] is Operation.SKIP and "only a later step makes (line 6)" in p[3][1]
    assert p[4][0] is Operation.SKIP and "only a later step makes (line 9)" in p[4][1]


def test_a_pod_named_with_the_random_suffix_it_had_in_the_authors_cluster_needs_the_readers_own_name():
    p = plan("""\
        ```bash
        kubectl create job counter --image=busybox -- echo hi
        kubectl logs counter-z6kdj
        kubectl create deployment mysql --image=mysql
        kubectl logs mysql-774b959dc4-bcrqn
        kubectl logs counter-alpha
        ```
        """)
    assert p[3][0] is Operation.SKIP and p[3][1].startswith("needs the reader's own pod name: counter-z6kdj is the name")
    assert p[5][0] is Operation.SKIP and "mysql-774b959dc4-bcrqn is the name a pod of mysql had" in p[5][1]
    assert "reader's own pod name" not in p[6][1]  # vowels: no suffix Kubernetes makes


def test_a_removed_version_in_a_shown_file_is_the_defect_of_its_block_and_what_applies_it_depends_on_it():
    served = frozenset({"apps/v1/Deployment", "v1/Pod", "v1/ConfigMap"})
    facts = ClusterFacts(network=False, namespace="ws", objects_known=True, served=served)
    p = plan(
        """\
        Save this as `web.yaml`:

        ```yaml
        apiVersion: extensions/v1beta1
        kind: Deployment
        metadata:
          name: web
        spec:
          template:
            spec:
              containers:
              - name: c
                image: busybox
        ```

        ```bash
        kubectl apply -f web.yaml
        kubectl get deployment web
        ```
        """,
        facts,
    )
    assert p[3] == (
        Operation.FAIL,
        "Deployment is not served as extensions/v1beta1 (Kubernetes serves it as apps/v1): the API server refuses this manifest",
    )
    assert p[17][0] is Operation.SKIP and p[17][1].startswith(
        "depends on web.yaml, which the step at line 3 would have written (Deployment is not"
    )
    assert p[18][0] is Operation.SKIP and "line 17" in p[18][1]


def test_a_pod_whose_init_containers_wait_for_what_a_later_step_makes_is_not_awaited_ready():
    md = textwrap.dedent("""\
        ```yaml
        apiVersion: v1
        kind: Pod
        metadata:
          name: myapp-pod
        spec:
          initContainers:
          - name: init-myservice
            image: busybox
            command: ['sh', '-c', "until nslookup myservice.$(cat /var/run/secrets/kubernetes.io/serviceaccount/namespace).svc.cluster.local; do sleep 2; done"]
          containers:
          - name: app
            image: busybox
        ```

        ```yaml
        apiVersion: v1
        kind: Service
        metadata:
          name: myservice
        spec:
          ports: [{port: 80}]
        ```
        """)
    lesson = render(parse_lesson(md, "t.md"), {"username": "bob"}).lesson
    waits = {a.step.line: [(w.kind, w.condition) for w in a.waits] for a in build_plan(lesson, LOCAL).actions}
    assert waits[1] == [("Pod", "exists")]  # it stays initializing until the Service exists: the text means that
    without = render(parse_lesson(md.split("\n\n```yaml\napiVersion: v1\nkind: Service")[0] + "\n", "t.md"), {}).lesson
    assert [(w.kind, w.condition) for a in build_plan(without, LOCAL).actions for w in a.waits] == [("Pod", "ready")]


def test_a_template_that_marks_the_readers_edits_with_arrows_is_not_a_defect_when_it_does_not_parse():
    p = plan("""\
        Change what the arrows point at, and remove them:

        ```yaml
        apiVersion: batch/v1
        kind: Job
        metadata:
           name: JobName  <------ change here
        spec:
          args: ["a"]        |
            - b              | <----- your program
        ```

        ```yaml
        apiVersion: batch/v1
        kind: Job
        metadata:
           name: broken
        spec:
          args: ["a"]
            - b
        ```
        """)
    assert p[3] == (
        Operation.SKIP,
        "needs the reader's own edits where the text marks them (`name: JobName  <------ change here`)",
    )
    assert p[13][0] is Operation.FAIL


def test_a_built_in_kind_in_a_version_kubernetes_removed_is_a_defect_a_crd_kind_is_a_skip():
    facts = ClusterFacts(network=False, namespace="ws", served=frozenset({"apps/v1/Deployment"}))
    p = plan(
        """\
        ```yaml
        apiVersion: apps/v1beta1
        kind: Deployment
        metadata:
          name: web
        spec:
          template:
            spec:
              containers: [{name: c, image: registry.example.org/web}]
        ```

        ```yaml
        apiVersion: batch.volcano.sh/v1alpha1
        kind: Job
        metadata:
          name: vc
        ```
        """,
        facts,
    )
    assert p[1] == (
        Operation.FAIL,
        "Deployment is not served as apps/v1beta1 (Kubernetes serves it as apps/v1): the API server refuses this manifest",
    )
    assert p[12][0] is Operation.SKIP and "its CRD or API service is not installed" in p[12][1]


def test_a_remote_kustomization_needs_its_host_and_is_no_folder_here():
    p = plan("""\
        ```bash
        kubectl apply -k "github.com/kubeflow/training-operator.git/manifests/overlays/standalone?ref=v1.8.1"
        kubectl apply -k overlays/dev
        ```
        """)
    assert p[2] == (Operation.SKIP, "needs github.com, which is not reachable from here (profile network)")
    assert p[3][0] is Operation.SKIP and "overlays/dev" in p[3][1] and "prerequisite" in p[3][1]


def test_a_command_for_another_kubeconfig_context_is_skipped_naming_it():
    p = plan("""\
        ```bash
        kubectl --context kind-kind get nodes
        ```
        """)
    assert p[2] == (Operation.SKIP, "needs kubeconfig context kind-kind: a run talks to its own cluster, through its own context")


def test_what_a_command_makes_in_another_namespace_is_awaited_there():
    md = textwrap.dedent("""\
        ```bash
        kubectl create ns app-b
        kubectl run backend --image=busybox -n app-b -- sleep 3600
        kubectl run here --image=busybox -- sleep 3600
        kubectl run there --image=busybox -n "$NS" -- sleep 3600
        kubectl run dns-test --image=busybox --restart=Never -- nslookup headless-svc
        ```
        """)
    lesson = render(parse_lesson(md, "t.md"), {"username": "bob"}).lesson
    waits = {a.step.line: [(w.kind, w.name, w.namespace) for w in a.waits] for a in build_plan(lesson, LOCAL).actions}
    assert waits[3] == [("Pod", "backend", "app-b")]
    assert waits[4] == [("Pod", "here", None)]  # the run's own namespace
    assert waits.get(5, []) == []  # only the terminal knows that namespace
    finished = [(w.name, w.condition) for a in build_plan(lesson, LOCAL).actions if a.step.line == 6 for w in a.waits]
    assert finished == [("dns-test", "finished")]  # a pod that runs once: its logs are read next, success or not


def test_a_page_of_a_series_may_use_what_an_earlier_page_made():
    """`kubectl get svc counter` after making only Deployment counter: a defect on a page of its own, a prerequisite from
    an earlier page on one page of an ordered series (a site's `weight:`, or prose naming the previous lab)."""
    body = """\
        ```bash
        kubectl create deployment counter --image=registry.example.org/counter
        kubectl get svc counter
        ```
        """
    alone = plan(body)
    assert alone[3] == (
        Operation.FAIL,
        "service/counter is never made: the step at line 2 makes deployment/counter, not a Service",
    )
    for head in ("---\ntitle: Counter\nweight: 60\n---\n\n", "As in the previous lab, the app runs.\n\n"):
        p = plan(head + textwrap.dedent(body))
        line = 3 + head.count("\n")
        assert p[line][0] is Operation.SKIP and p[line][1].endswith("from an earlier page?"), head


def test_the_files_of_a_tls_secret_are_what_it_reads():
    p = plan("""\
        ```bash
        openssl req -x509 -nodes -newkey rsa:2048 -keyout tls.key -out tls.crt
        kubectl create secret tls web-tls --key tls.key --cert tls.crt
        ```
        """)
    assert p[2][0] is Operation.SKIP and "interactive" in p[2][1]
    assert p[3][0] is Operation.SKIP and "depends on" in p[3][1] and "line 2" in p[3][1]


def test_the_environment_filtered_by_a_pattern_needs_the_variables_earlier_steps_set_under_it():
    p = plan("""\
        ```bash
        helm install db bitnami/postgresql
        export POSTGRES_USER=$(kubectl get configmap db-config -o jsonpath='{.data.user}')
        export OTHER=1
        printenv | grep POST*
        printenv OTHER
        env | grep -i other
        ```
        """)
    assert p[3][0] is Operation.SKIP
    assert p[5][0] is Operation.SKIP and "$POSTGRES_USER" in p[5][1] and "line 3" in p[5][1]
    assert p[6][0] is Operation.COMMAND and p[7][0] is Operation.COMMAND


def test_a_manifest_in_the_namespace_default_goes_where_the_reader_works():
    """`namespace: default` is where the author worked: the run's own namespace, awaited there; another is not written."""
    md = """\
        ```yaml
        apiVersion: v1
        kind: Pod
        metadata:
          name: web
          namespace: default
        spec:
          containers:
          - name: c
            image: busybox
        ```

        ```yaml
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: c
          namespace: prod
        ```
        """
    lesson = lesson_of(md)
    actions = {a.step.line: a for a in build_plan(lesson, LOCAL).actions}
    assert actions[1].do is Operation.APPLY and [(w.name, w.namespace) for w in actions[1].waits] == [("web", None)]
    assert actions[13].do is Operation.SKIP and "namespace prod" in (actions[13].reason or "")


def test_the_run_creates_an_object_of_the_namespace_default_in_its_own(tmp_path):
    from runner.run.workspace import Workspace

    body = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web", "namespace": "default"}}
    prepared = Workspace(tmp_path, {"tutorial-runner.io/run": "r1"}, "bob").prepared(body)
    assert "namespace" not in prepared["metadata"] and body["metadata"]["namespace"] == "default"
    other = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web", "namespace": "prod"}}
    assert Workspace(tmp_path, {}, "bob").prepared(other)["metadata"]["namespace"] == "prod"


def test_a_program_that_is_a_near_miss_of_kubectl_is_a_typo():
    facts = ClusterFacts(
        network=False, namespace="ws", objects_known=True, missing_programs=frozenset({"kubectget", "kubctl", "k9s"})
    )
    p = plan(
        """\
        ```bash
        kubectget pods
        kubctl get pods
        k9s
        ```
        """,
        facts,
    )
    assert p[2] == (Operation.FAIL, "`kubectget` is not a command: did you mean `kubectl get`?")
    assert p[3] == (Operation.FAIL, "`kubctl` is not a command: did you mean `kubectl`?")
    assert p[4][0] is Operation.SKIP  # not installed, and no typo


def test_short_flags_with_their_values_attached_are_kubectls():
    p = plan("""\
        ```bash
        kubectl get pods -lapp=redis,role=master
        kubectl get pods -n=ws -owide
        kubectl get pods -xyz
        ```
        """)
    assert p[2][0] is Operation.COMMAND and p[3][0] is Operation.COMMAND
    assert p[4] == (Operation.FAIL, "kubectl refuses this as written: `kubectl get` has no flag -xyz")


def test_reading_a_file_no_step_makes_is_a_prerequisite_and_a_folder_of_shown_files_is_what_they_hold():
    facts = ClusterFacts(network=False, namespace="ws", objects_known=True, storage_classes=frozenset({"standard"}))
    p = plan(
        """\
        ```bash
        diff manifests/a.yaml manifests/b.yaml
        cat /etc/hosts
        ```

        Save as `app/claim.yaml`:

        ```yaml
        apiVersion: v1
        kind: PersistentVolumeClaim
        metadata:
          name: data
        spec:
          storageClassName: gp3
          accessModes: [ReadWriteOnce]
          resources:
            requests:
              storage: 1Gi
        ```

        ```bash
        kubectl apply -f app/claim.yaml
        kubectl delete -f app
        ```
        """,
        facts,
    )
    assert p[2][0] is Operation.SKIP and "which no step of the tutorial shows or makes: a prerequisite" in p[2][1]
    assert p[3][0] is Operation.COMMAND  # outside the run's folder: may be there
    assert p[22][0] is Operation.SKIP and "StorageClass gp3" in p[22][1]
    assert p[23][0] is Operation.SKIP and p[23][1].startswith("depends on persistentvolumeclaim/data, which the step at line 22")


def test_objects_chosen_by_labels_depend_on_the_steps_that_make_objects_with_those_labels():
    facts = ClusterFacts(network=False, namespace="ws", objects_known=True, missing_programs=frozenset({"helm"}))
    p = plan(
        """\
        ```yaml
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: web
        spec:
          selector:
            matchLabels: {app: s10}
          template:
            metadata:
              labels: {app: s10, tier: front}
            spec:
              containers:
              - name: web
                image: busybox
                envFrom:
                - configMapRef: {name: cfg}
        ```

        ```bash
        POD_IP=$(kubectl get pod -l app=s10,tier=front -o jsonpath='{.items[0].status.podIP}')
        kubectl describe pod -l app=other
        kubectl delete deployment -l app=s10 --ignore-not-found
        kubectl create deployment api --image=busybox
        kubectl get pods -l app=api
        ```
        """,
        facts,
    )
    assert p[1] == (Operation.SKIP, "needs configmap/cfg, which no step makes and this cluster does not have")
    assert p[21][0] is Operation.SKIP
    assert p[21][1].startswith("depends on pods labelled app=s10,tier=front, which the step at line 1 would have made")
    assert p[22][0] is Operation.COMMAND  # nothing here makes them: maybe the cluster has them
    assert p[23][0] is Operation.COMMAND  # the Deployment itself carries no labels: its pods do
    assert p[24][0] is Operation.COMMAND and p[25][0] is Operation.COMMAND  # `create deployment api` labels app=api


def test_a_file_read_after_a_script_ran_may_be_the_scripts():
    p = plan("""\
        ```bash
        python3 generate.py
        cat out/report.txt
        ```
        """)
    assert p[3][0] is Operation.COMMAND


def test_a_program_that_is_not_installed_is_no_typo_of_kubectl_verbs():
    facts = ClusterFacts(network=False, namespace="ws", objects_known=True, missing_programs=frozenset({"kustomize"}))
    p = plan("```bash\nkustomize build overlays/dev\n```\n", facts)
    assert p[2][0] is Operation.SKIP and "not installed" in p[2][1]


def test_pointing_kubectl_at_another_kubeconfig_is_not_done_by_a_run():
    p = plan("```bash\nexport KUBECONFIG=/path/to/the/kubeconfig.yaml\nkubectl get pods\n```\n")
    assert p[2] == (
        Operation.SKIP,
        "changes the kubeconfig (`KUBECONFIG=…`): a run keeps its own cluster, context and namespace",
    )
    assert p[3][0] is Operation.COMMAND


def test_a_pod_kubectl_run_starts_is_awaited_as_what_it_runs():
    """A server (`--restart=Never`, no command) until ready; a command once, until finished or, restarted, run once."""
    md = textwrap.dedent("""\
        ```bash
        kubectl run web --image=nginx --restart=Never --labels=app=v1
        kubectl run dns --image=busybox --restart=Never -- nslookup kubernetes
        kubectl run echo --image=busybox --command -- echo "Hello world"
        kubectl run box --image=busybox
        ```
        """)
    lesson = render(parse_lesson(md, "t.md"), {"username": "bob"}).lesson
    waits = {a.step.line: [(w.name, w.condition) for w in a.waits] for a in build_plan(lesson, LOCAL).actions}
    assert waits[2] == [("web", "ready")] and waits[3] == [("dns", "finished")]
    assert waits[4] == [("echo", "ran")] and waits[5] == [("box", "ready")]


def test_kubectl_top_needs_the_metrics_api():
    served = frozenset({"v1/Pod"})
    facts = ClusterFacts(network=False, namespace="ws", objects_known=True, served=served)
    p = plan("```bash\nkubectl top pods\nkubectl top node\n```\n", facts)
    assert p[2][0] is Operation.SKIP and "PodMetrics (metrics.k8s.io/v1beta1)" in p[2][1]
    assert p[3][0] is Operation.SKIP and "NodeMetrics" in p[3][1]


def test_a_folder_the_text_enters_but_never_makes_is_a_place_and_what_is_read_there_is_judged():
    """`cd lab/configmaps` in the author's checkout: the run makes the folder; files written there (into its own
    `manifests/` too) are the text's, files only read or run there are prerequisites, one by one."""
    md = """\
        ```bash
        cd lab/configmaps
        cat > manifests/cm.yaml <<'EOF'
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: c
        EOF
        kubectl apply -f manifests/cm.yaml
        kubectl apply -f manifests/other.yaml
        ./scripts/check.sh
        rm manifests/cm.yaml
        ```
        """
    p = plan(md)
    assert [p[n][0] for n in (2, 3, 9)] == [Operation.COMMAND] * 3, p
    assert p[10][0] is Operation.SKIP and "other.yaml" in p[10][1] and "prerequisite" in p[10][1]
    assert p[11][0] is Operation.SKIP and "scripts/check.sh" in p[11][1]
    assert p[12][0] is Operation.COMMAND
    lesson = lesson_of(md)
    assert build_plan(lesson, LOCAL).folders == ("lab/configmaps/", "lab/configmaps/manifests/")


def test_rm_needs_its_files_and_a_program_nobody_makes_is_a_defect_without_a_checkout():
    p = plan(
        """\
        ```bash
        openssl req -x509 -nodes -newkey rsa:2048 -keyout tls.key -out tls.crt -subj "/CN=x"
        rm tls.key tls.crt
        rm -f never-made.txt
        ./deploy.sh
        ```
        """,
        ClusterFacts(network=False, namespace="ws", objects_known=True, missing_programs=frozenset({"openssl"})),
    )
    assert p[3][0] is Operation.SKIP and p[3][1].startswith("depends on tls.key, which the step at line 2")
    assert p[4][0] is Operation.COMMAND  # -f: nothing is needed
    assert p[5][0] is Operation.FAIL and "deploy.sh, which the tutorial never shows" in p[5][1]


def test_a_file_of_the_readers_home_is_a_prerequisite_but_the_systems_files_are_read():
    p = plan("""\
        ```bash
        cat ~/.kube/config | grep server
        cat /etc/os-release
        ```
        """)
    assert p[2][0] is Operation.SKIP and "~/.kube/config, a file in the reader's home" in p[2][1]
    assert p[3][0] is Operation.COMMAND


def test_a_label_selector_over_objects_of_a_file_the_text_does_not_show_depends_on_that_step():
    p = plan("""\
        The files are in [the workshop's repository](https://github.com/example/workshop).

        ```bash
        kubectl apply -f manifests/postgres.yaml
        POD=$(kubectl get pod -l app=postgres -o jsonpath='{.items[0].metadata.name}')
        ```
        """)
    assert p[4][0] is Operation.SKIP and "prerequisite" in p[4][1]
    assert p[5][0] is Operation.SKIP and p[5][1].startswith("depends on ") and "line 4" in p[5][1]


def test_files_in_a_folder_the_page_never_shows_are_its_defect_unless_it_says_where_files_come_from():
    """A page that applies `volumes/pv.yaml` and says nowhere where its files come from leaves every reader
    without them; a link to a repository, a clone, or a path into another part of a series says where they are."""
    body = """\
        ```bash
        kubectl create -f volumes/pv.yaml
        ```
        """
    assert plan(body)[2] == (
        Operation.FAIL,
        "applies volumes/pv.yaml, which the tutorial never shows, and it gets no files from elsewhere (no clone, "
        "download or archive)",
    )
    sources = [
        "The files are in https://gitlab.com/example/k8s-labs, clone it first.\n\n",
        "See <https://example.org/labs.git> for the files.\n\n",
        "```bash\nkubectl apply -f ../module-03/manifests/svc.yaml\n```\n\n",
    ]
    for source in sources:
        p = plan(source + textwrap.dedent(body))
        verdict = next(v for v in p.values() if "volumes/pv.yaml" in (v[1] or ""))
        assert verdict[0] is Operation.SKIP and "prerequisite" in verdict[1], source
    tool = plan("We use [kind](https://github.com/kubernetes-sigs/kind) as the cluster.\n\n" + textwrap.dedent(body))
    assert tool[4][0] is Operation.FAIL  # a tool's project page is not where the tutorial's files are


def test_kubectl_usage_notation_is_a_synopsis_not_a_command():
    p = plan("""\
        ```
        kubectl apply --help
        kubectl apply -f FILE
        kubectl logs POD -c CONTAINER
        kubectl get pods
        ```
        """)
    assert p[2][0] is Operation.COMMAND and p[5][0] is Operation.COMMAND
    assert p[3] == (
        Operation.SKIP,
        "a usage synopsis: `FILE` stands for what the reader gives (kubectl's own notation), not runnable as written",
    )
    assert p[4][0] is Operation.SKIP and "`POD`" in p[4][1]


def test_a_file_piped_into_kubectl_apply_is_the_file_it_applies():
    """`envsubst < f | kubectl apply -f -`, `cat f | …`, `sed … f | …`: the pipeline applies f. The block shown as f
    is written for it (not applied on its own), its image decides the command, and a later consumer of f names the
    block as its producer."""
    md = """\
        ```yaml
        # web.yaml
        apiVersion: v1
        kind: Pod
        metadata:
          name: web
        spec:
          containers:
          - name: c
            image: example.org/big:1
        ```

        ```bash
        envsubst < web.yaml | kubectl apply -f -
        kubectl get pod web
        sed 's/a/b/' web.yaml | kubectl delete -f -
        ```
        """
    p = plan(md)
    assert p[1][0] is Operation.WRITE and "applied by the tutorial's own command" in p[1][1]
    assert p[14][0] is Operation.COMMAND
    no_image = ClusterFacts(network=False, namespace="ws", objects_known=True, image_for=lambda i: None)
    p = plan(md, no_image)
    assert p[1][0] is Operation.SKIP and p[1][1].startswith("needs image example.org/big:1")
    assert p[14][0] is Operation.SKIP and p[14][1].startswith("needs image example.org/big:1")
    assert p[15][1].startswith("depends on pod/web, which the step at line 14 would have made")
    assert p[16][1].startswith("depends on web.yaml, which the step at line 1 would have written")


def test_what_reaches_kubectl_through_a_pipeline():
    from runner.syntax.shell import piped

    def stdin(text: str) -> str | None:
        return piped(text)[-1][1]

    assert stdin("envsubst < app.yaml | kubectl apply -f -") == "app.yaml"
    assert stdin("cat ./app.yaml | kubectl create -f -") == "./app.yaml"
    assert stdin("sed -e 's/a/b/' -e 's/c/d/' app.yaml | envsubst | kubectl apply -f -") == "app.yaml"
    assert stdin("sed 's/a/b/' app.yaml | kubectl apply -f -") == "app.yaml"
    assert stdin("cat <<EOF | kubectl apply -f -\nkind: Pod\nEOF") is None  # a here-document: its own model
    assert stdin("python gen.py < app.yaml | kubectl apply -f -") is None  # a program's own output
    assert stdin("cat a.yaml b.yaml | kubectl apply -f -") is None  # not one file
    assert stdin("helm template x ./chart | kubectl apply -f -") is None


def test_a_yaml_block_names_its_file_in_a_comment_on_its_first_line():
    from runner.lesson import prose

    assert prose.comment_file("# web.yaml\napiVersion: v1\n") == "web.yaml"
    assert prose.comment_file("# File: deploy/web.yml\nkind: Pod\n") == "deploy/web.yml"
    assert prose.comment_file("# a web.yaml for the demo\nkind: Pod\n") is None
    assert prose.comment_file("apiVersion: v1\n# web.yaml\n") is None


def test_the_pid_of_a_background_job_is_made_by_the_step_that_starts_it():
    p = plan("""\
        ```bash
        helm install web ./chart
        kubectl port-forward svc/web 8080:80 >/dev/null 2>&1 &
        PF_PID=$!
        kill $PF_PID
        ```

        ```bash
        echo $!
        ```
        """)
    assert p[4][1].startswith("depends on $!, which the step at line 3 would have set")
    assert p[5][1].startswith("depends on $PF_PID, which the step at line 4 would have set")
    p = plan("""\
        ```bash
        kill $!
        ```
        """)
    assert p[2] == (
        Operation.SKIP,
        "needs $!, the process id of a command started in the background (`&`), and no step before it starts one",
    )


def test_an_object_printed_by_a_dry_run_and_piped_into_apply_is_created():
    """`kubectl create namespace x --dry-run=client -o yaml | kubectl apply -f -`: the idiom creates x (or keeps it)."""
    p = plan(
        """\
        ```bash
        kubectl create namespace training --dry-run=client -o yaml | kubectl apply -f -
        kubectl create secret generic db --from-literal=a=b --dry-run=client -o yaml | kubectl apply -f -
        kubectl get pods -n training
        kubectl get secret db
        kubectl delete namespace training
        kubectl create namespace training
        ```
        """,
        ClusterFacts(network=False, namespace="ws", objects_known=True, namespaces=frozenset()),
    )
    assert [p[line][0] for line in (2, 3, 4, 5, 6, 7)] == [Operation.COMMAND] * 6


def test_searching_kubectls_listing_for_an_object_needs_that_object():
    """`kubectl get events | grep s2-bob`: grep finds the name only once the pod exists (exit 1: nothing found)."""
    p = plan(
        """\
        ```yaml
        apiVersion: v1
        kind: Pod
        metadata:
          name: s2-<username>
        spec:
          containers:
          - name: c
            image: example.org/big:1
        ```

        ```bash
        kubectl get events --sort-by=.metadata.creationTimestamp | grep s2-<username>
        kubectl get pods | grep -v s2-<username>
        kubectl get pods | grep unrelated
        ```
        """,
        ClusterFacts(network=False, namespace="ws", objects_known=True, image_for=lambda i: None),
    )
    assert p[13][1].startswith("depends on pod/s2-bob, which the step at line 1 would have made (needs image example.org/big:1")
    assert p[14][0] is Operation.COMMAND and p[15][0] is Operation.COMMAND


def test_a_statefulsets_claim_templates_need_their_storage_class():
    p = plan(
        """\
        ```yaml
        apiVersion: apps/v1
        kind: StatefulSet
        metadata:
          name: web
        spec:
          serviceName: web
          selector: {matchLabels: {app: web}}
          template:
            metadata: {labels: {app: web}}
            spec:
              containers:
              - name: web
                image: nginx
          volumeClaimTemplates:
          - metadata: {name: www}
            spec:
              storageClassName: standard
              accessModes: [ReadWriteOnce]
              resources: {requests: {storage: 1Gi}}
        ```
        """,
        ClusterFacts(network=False, namespace="ws", objects_known=True, storage_classes=frozenset({"local-path"})),
    )
    assert p[1] == (Operation.SKIP, "needs StorageClass standard, which this cluster does not have")


def test_a_pod_the_text_says_will_crash_is_awaited_to_exist_not_to_be_ready():
    """ "At this time, you may see the pod in `CrashLoopBackOff` state. Try debugging …": the text shows a failure to
    debug; the pod must exist, and nobody waits for it to be ready."""
    md = """\
        ```bash
        kubectl apply -f db.yaml
        kubectl get pods
        ```

        At this time, you may see the pod in ```CrashLoopBackOff``` state. Try debugging the issue.

        ```bash
        kubectl apply -f web.yaml
        ```

        The pod should be running now.
        """
    lesson = lesson_of(md)
    assert [s.wait for s in lesson.steps] == ["exists", "exists", None]


def test_a_file_the_text_has_the_reader_look_at_but_never_shows_is_from_elsewhere():
    """`cat manifests/pod.yaml` ("examine the manifest"): the author takes the file to be there, so the page's other
    unshown files are the course's too (prerequisites), not its defects."""
    p = plan("""\
        ```bash
        cat manifests/pod.yaml
        kubectl apply -f manifests/pod.yaml
        kubectl apply -f manifests/pvc.yaml
        ```
        """)
    assert p[2][0] is Operation.SKIP and "prerequisite" in p[2][1]
    assert p[4][0] is Operation.SKIP and "prerequisite" in p[4][1]


def test_a_file_a_later_command_writes_is_not_there_before_it():
    """Lab 32 applies pod.yaml; the text writes pod.yaml first in lab 39 (`kubectl run … -o yaml > pod.yaml`). The
    YAML shown after `vi pod_liveness.yaml` is that file as the reader leaves it, not output."""
    p = plan("""\
        ## Lab 32

        ```bash
        kubectl run web --image=nginx --dry-run=client -o yaml > pod_liveness.yaml
        vi pod_liveness.yaml
        ```

        ```yaml
        apiVersion: v1
        kind: Pod
        metadata:
          name: web
        spec:
          containers:
          - name: web
            image: nginx
        ```

        ```bash
        kubectl apply -f pod.yaml
        ```

        ## Lab 39

        ```bash
        kubectl run other --image=busybox --dry-run=client -o yaml > pod.yaml
        ```

        ```bash
        kubectl apply -f pod.yaml
        ```
        """)
    assert p[20] == (
        Operation.FAIL,
        "applies pod.yaml, which the text first makes at line 26, after this step: the manifest at line 8 is pod_liveness.yaml",
    )
    assert p[8][0] is Operation.APPLY and p[30][0] is Operation.COMMAND


def test_kubectl_apply_of_an_object_named_only_by_generate_name_is_the_tutorials_defect():
    p = plan("""\
        ```yaml
        apiVersion: v1
        kind: Pod
        metadata:
          generateName: hello-
        spec:
          containers:
          - name: c
            image: busybox
        ```

        ## Deploy the Pod

        ```bash
        kubectl apply -f hello-pod.yaml
        ```
        """)
    assert p[15][0] is Operation.FAIL and "generateName" in p[15][1] and "kubectl create" in p[15][1]


def test_a_block_captioned_under_one_folder_and_applied_from_another_is_one_file():
    p = plan("""\
        Create the volume with `manifests/vol.yaml`.

        **manifest/vol.yaml**
        ```yaml
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: vol
        ```

        ```bash
        kubectl create -f manifests/vol.yaml
        ```
        """)
    assert p[12][0] is Operation.COMMAND
    assert p[4][1].startswith("applied by the tutorial's own command")


def test_kubectl_refuses_object_names_and_a_selector_together():
    p = plan("""\
        ```shell
        kubectl get pod/backend --selector=bar=foo
        kubectl get pods --selector=bar=foo
        ```
        """)
    assert p[2][0] is Operation.FAIL and "name cannot be provided when a selector is specified" in p[2][1]
    assert p[3][0] is Operation.COMMAND


def test_a_block_with_numbered_callouts_is_a_figure_not_a_file():
    p = plan("""\
        ```yaml
        apiVersion: v1 <- 1
        kind: Pod <- 2
        metadata:
          name: app <- 3
        ```

        1. `apiVersion`: the version.
        """)
    assert p[1][0] is Operation.SKIP and "annotated manifest" in p[1][1] and "`<- 1`" in p[1][1]


def test_a_template_with_bracketed_names_to_set_is_the_readers_to_edit():
    p = plan("""\
        Create `pvc.yaml` and set `[pvc-name]` and `[capacity]`:

        ```yaml
        apiVersion: v1
        kind: PersistentVolumeClaim
        metadata:
          name: [pvc-name]
        spec:
          resources:
            requests:
              storage: [capacity]Gi
        ```
        """)
    assert p[3][0] is Operation.SKIP and "reader's own edits" in p[3][1]


def test_lines_at_a_named_prompt_that_never_runs_kubectl_are_typed_elsewhere_when_bare_lines_do():
    p = plan("""\
        ```bash
        kubectl get pods
        ```

        From the notebook terminal:

        ```bash
        jovyan@jupyter-bob:~$ touch /share/test
        jovyan@jupyter-bob:~$ mount | grep nfs
        ```
        """)
    assert p[2][0] is Operation.COMMAND
    assert p[8][0] is Operation.SKIP and "jovyan@jupyter-bob" in p[8][1] and "another machine" in p[8][1]
    assert p[9][0] is Operation.SKIP


def test_describe_output_with_prefixed_annotation_keys_is_not_run():
    p = plan("""\
        ```bash
        kubectl describe pod web
        Annotations:  cni.projectcalico.org/podIP: 10.42.2.25/32
                      kubernetes.io/psp: global-restricted-psp
        ```
        """)
    assert p[3][0] is Operation.SKIP and p[4][0] is Operation.SKIP


def test_an_nfs_volume_needs_its_server_and_a_claim_of_that_volume_depends_on_it():
    p = plan("""\
        ```yaml
        apiVersion: v1
        kind: PersistentVolume
        metadata:
          name: pv-nfs
        spec:
          capacity:
            storage: 1Gi
          accessModes: [ReadWriteMany]
          nfs:
            server: 10.135.0.7
            path: /export
        ```

        ```yaml
        apiVersion: v1
        kind: PersistentVolumeClaim
        metadata:
          name: claim
        spec:
          storageClassName: ""
          volumeName: pv-nfs
          accessModes: [ReadWriteMany]
          resources:
            requests:
              storage: 1Gi
        ```
        """)
    assert p[1][0] is Operation.SKIP and "10.135.0.7" in p[1][1]
    assert p[15][0] is Operation.SKIP and p[15][1].startswith("depends on persistentvolume/pv-nfs")


def test_a_storage_class_without_provisioner_or_volume_is_the_defect_and_its_claims_wait_for_nothing():
    p = plan("""\
        ```yaml
        apiVersion: storage.k8s.io/v1
        kind: StorageClass
        metadata:
          name: hostpath
        provisioner: kubernetes.io/no-provisioner
        volumeBindingMode: WaitForFirstConsumer
        ```

        ```yaml
        apiVersion: v1
        kind: PersistentVolumeClaim
        metadata:
          name: data
        spec:
          storageClassName: hostpath
          accessModes: [ReadWriteOnce]
          resources:
            requests:
              storage: 1Gi
        ```
        """)
    assert p[1][0] is Operation.FAIL and "no provisioner" in p[1][1]
    assert p[10][0] is Operation.SKIP and p[10][1].startswith("depends on the block at line 1")


def test_an_object_made_again_after_its_deletion_was_skipped_is_not_the_tutorials_failure():
    p = plan("""\
        ```bash
        kubectl run busybox --image=busybox --restart=Never -- sleep 3600
        kubectl delete po busybox busybox2
        kubectl run busybox --image=busybox --restart=Never -- sleep 3600
        ```
        """)
    assert p[3][0] is Operation.SKIP and "busybox2" in p[3][1]
    assert p[4][0] is Operation.SKIP and p[4][1].startswith("makes pod/busybox again, which still exists")


def test_a_shown_file_the_reader_then_edits_in_an_editor_is_the_readers_version():
    """Under a later heading (the next exercise) the editor changes the file; under the block's own, it opens it to
    paste what the block shows."""
    pasted = plan("""\
        **pod.yaml**
        ```yaml
        apiVersion: v1
        kind: Pod
        metadata:
          name: busybox
        spec:
          containers:
          - name: c
            image: busybox
        ```

        ```bash
        nano pod.yaml
        kubectl create -f pod.yaml
        ```
        """)
    assert pasted[15][0] is Operation.COMMAND
    p = plan("""\
        **pod.yaml**
        ```yaml
        apiVersion: v1
        kind: Pod
        metadata:
          name: busybox
        spec:
          containers:
          - name: c
            image: busybox
        ```

        ```bash
        kubectl create -f pod.yaml
        ```

        ## A second pod

        ```bash
        vim pod.yaml
        # change 'metadata.name: busybox' to 'metadata.name: busybox2'
        kubectl create -f pod.yaml
        ```
        """)
    assert p[14][0] is Operation.COMMAND
    assert p[22][0] is Operation.SKIP and "line 20" in p[22][1] and "editor" in p[22][1]


def test_a_typo_in_a_kubectl_verb_is_refused_not_a_plugin_to_install():
    p = plan("""\
        ```
        kubectl decribe pod web | grep -i serviceaccount
        kubectl neat get pod web
        ```
        """)
    assert p[2][0] is Operation.FAIL and 'unknown command "decribe"' in p[2][1] and "describe" in p[2][1]
    assert p[3][0] is not Operation.FAIL  # a plugin's name, no near miss of a verb


def test_one_file_copied_to_another_name_is_a_file_and_apply_dot_is_the_working_folder():
    body = """\
        ```shell
        cp 02-alpine.yaml 09-emptydir.yaml
        cp a.yaml b.yaml backup/
        ```

        ```shell
        kubectl apply -f .
        kubectl get pods -l app=web
        ```
        """
    lesson = lesson_of(body)
    effects = Effects(lesson)
    made = [{m.name for m in effects.io(s).makes} for s in lesson.steps]
    assert made[0] == {"09-emptydir.yaml"} and {"backup/a.yaml", "backup/b.yaml"} <= made[1]
    assert not [n for n in effects.io(lesson.steps[2]).needs if n.kind == "file"]  # `.`: always there
    assert ("object", "*") in {(m.kind, m.name) for m in effects.io(lesson.steps[2]).makes}


def test_a_pod_needs_its_service_account_unless_the_same_manifest_makes_it():
    p = plan("""\
        ```yaml
        apiVersion: v1
        kind: ServiceAccount
        metadata:
          name: reader
        ---
        apiVersion: v1
        kind: Pod
        metadata:
          name: a
        spec:
          serviceAccountName: reader
          containers:
          - name: c
            image: busybox
        ```

        ```yaml
        apiVersion: v1
        kind: Pod
        metadata:
          name: b
        spec:
          serviceAccountName: writer
          containers:
          - name: c
            image: busybox
        ```
        """)
    assert p[1][0] is Operation.APPLY
    assert p[18][0] is Operation.SKIP and "serviceaccount/writer" in p[18][1]


def test_files_shown_in_a_folder_a_step_makes_are_written_after_that_step():
    lesson = lesson_of("""\
            ```
            mkdir kata4
            cd kata4
            ```

            Create `pv.yml`:

            ```yaml
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: c
            ```

            ```
            kubectl apply -f pv.yml
            ```
            """)
    built = build_plan(lesson, LOCAL)
    assert "kata4/pv.yml" in built.files and "kata4/pv.yml" not in built.written_first()
    assert built.deferred == {0: ("kata4/pv.yml",)}


def test_a_variable_in_a_file_kubectl_reads_is_the_readers_to_fill():
    """Nothing expands `$username` in a manifest: --user fills it as it fills `<username>`; a whole value nobody gives
    (`metadata: $podMetadata`) leaves a blueprint; `someString` in a command is a sample word to replace."""
    p = plan("""\
        ```yaml
        # replace $username with your username
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: web-$username
        ```

        ```yaml
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: web
        spec:
          template:
            metadata: $podMetadata
            spec: $podSpec
        ```

        ```sh
        echo someBase64EncodedString | base64 -d
        ```
        """)
    assert p[1][0] is Operation.APPLY
    assert p[9][0] is Operation.SKIP and "$podMetadata" in p[9][1]
    assert p[21][0] is Operation.SKIP and "someBase64EncodedString" in p[21][1]
    lesson = lesson_of("""\
        ```yaml
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: web-$username
        ```
        """)
    assert lesson.steps[0].objects[0].name == "web-bob"


def test_a_named_prompt_that_writes_what_kubectl_reads_is_the_readers_machine():
    p = plan("""\
        ```console
        user@laptop:~$ cat > cm.yaml <<EOF
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: c
        EOF
        ```

        ```bash
        kubectl apply -f cm.yaml
        ```
        """)
    assert p[2][0] is Operation.COMMAND and p[11][0] is Operation.COMMAND


def test_a_yaml_flow_list_in_a_broken_block_is_no_edit_mark_and_a_plugin_name_no_typo():
    p = plan("""\
        ```yaml
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: c
          labels: [a-b]
         bad: indentation
        ```

        ```bash
        kubectl konfig merge a b
        ```
        """)
    assert p[1][0] is Operation.FAIL
    assert p[11][0] is not Operation.FAIL


def test_deleting_a_service_is_no_deletion_of_the_deployment_of_that_name():
    p = plan("""\
        ```bash
        kubectl create deployment web --image=nginx
        kubectl expose deployment web --port 80
        kubectl delete deployment web
        kubectl delete svc web --context other
        kubectl create deployment web --image=nginx
        ```
        """)
    assert p[6][0] is Operation.COMMAND


def test_a_secret_value_that_is_no_utf8_is_masked_as_a_command_prints_it():
    import base64

    from runner.lesson.secrets import redactor_for

    value = base64.b64encode("S3crétPassw0rd".encode("latin-1")).decode()
    lesson = parse_lesson(
        textwrap.dedent(f"""\
        ```yaml
        apiVersion: v1
        kind: Secret
        metadata:
          name: s
        data:
          password: {value}
        ```
        """),
        "t.md",
    )
    assert "S3cr" not in redactor_for(lesson).text("the password is S3cr\\xe9tPassw0rd")


def test_a_pod_whose_init_containers_wait_for_a_service_shown_later_is_not_waited_ready():
    """kubernetes.io's init-container pattern: the pod stays Init:0/1 until the Service the text shows further down;
    that block may even be unusable (its `name:` fell out of `metadata:`), it still names what the pod waits for."""
    lesson = lesson_of("""\
            ```yaml
            apiVersion: v1
            kind: Pod
            metadata:
              name: web
            spec:
              containers:
              - name: web
                image: nginx
              initContainers:
              - name: init
                image: busybox
                command: ["sh", "-c", "until nslookup mydb; do sleep 2; done"]
            ```

            ```yaml
            apiVersion: v1
            kind: Service
            metadata:
            name: mydb
            spec:
            ports:
            - port: 80
            ```
            """)
    waits = next(a.waits for a in build_plan(lesson, LOCAL).actions if a.step.line == 1)
    assert [w.condition for w in waits] == ["exists"]


def test_a_block_under_edit_file_is_that_file_and_is_not_applied_by_the_runner():
    p = plan("""\
        Edit `env.yaml`

        ```
        apiVersion: v1
        kind: Pod
        metadata:
          name: busybox
        spec:
          containers:
          - name: b
            image: busybox:1.28
        ```

        ```
        kubectl create -f env.yaml
        ```
        """)
    assert p[3] == (Operation.WRITE, "applied by the tutorial's own command (kubectl ... -f env.yaml)")
    assert p[15][0] is Operation.COMMAND


def test_a_manifest_that_explains_its_fields_after_a_dash_is_a_figure():
    p = plan("""\
        Necessary fields:

        ```
        apiVersion: v1
        kind: Namespace
        metadata:
          name: my-namespace -  the name of the Namespace
        ```

        ```
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: c
        data:
          message: hello - welcome to the lab
        ```
        """)
    assert p[3][0] is Operation.SKIP and "explains a field after a dash" in p[3][1]
    assert p[10][0] is Operation.APPLY  # one plain value with a dash in it is a value


def test_a_macos_form_is_the_authors_platform_not_a_defect():
    p = plan("""\
        ```
        echo -n "YmFy" | base64 -D
        sed -i '' 's/a/b/' f.txt
        echo -n "YmFy" | base64 -d
        ```
        """)
    assert p[2] == (Operation.SKIP, "written for another platform: macOS base64 -D (GNU base64 decodes with -d)")
    assert p[3][0] is Operation.SKIP and "macOS sed -i ''" in p[3][1]
    assert p[4][0] is Operation.COMMAND


def test_commands_under_a_comment_that_says_they_are_denied_are_expected_to_fail():
    lesson = lesson_of("""\
        ```bash
        # Allowed operations
        kubectl get deploy --as system:serviceaccount:lab:viewer

        # Denied operations
        kubectl delete deploy demo --as system:serviceaccount:lab:viewer

        kubectl apply -f role.yaml --as system:serviceaccount:lab:viewer
        # Back to the admin
        kubectl get pods
        ```
        """)
    expected = {s.line: s.expect_failure for s in lesson.steps}
    assert expected == {3: False, 6: True, 8: True, 10: False}


_PREBOUND = """\
    ```yaml
    apiVersion: v1
    kind: PersistentVolume
    metadata:
      name: pv-rwx
    spec:
      capacity:
        storage: 1Gi
      accessModes:
        - ReadWriteMany
      hostPath:
        path: /data/rwx
    ---
    apiVersion: v1
    kind: PersistentVolumeClaim
    metadata:
      name: pvc-rwx
    spec:
      CLASS
      accessModes:
        - ReadWriteMany
      resources:
        requests:
          storage: 1Gi
      volumeName: pv-rwx
    ```

    ```yaml
    apiVersion: v1
    kind: Pod
    metadata:
      name: p
    spec:
      containers:
      - name: c
        image: busybox
      volumes:
      - name: v
        persistentVolumeClaim:
          claimName: pvc-rwx
    ```
    """


def test_a_claim_prebound_to_a_volume_of_another_class_never_binds():
    with_default = ClusterFacts(
        network=False,
        namespace="ws",
        objects_known=True,
        storage_classes=frozenset({"local-path"}),
        default_storage_class="local-path",
    )
    p = plan(_PREBOUND.replace("CLASS", "volumeMode: Filesystem"), with_default)
    assert p[1][0] is Operation.FAIL
    assert "gets this cluster's default StorageClass local-path, while the volume has none" in p[1][1]
    assert p[28][0] is Operation.SKIP and "depends on persistentvolumeclaim/pvc-rwx" in p[28][1]
    # an explicit empty class binds it; so does a cluster with no default class; unknown classes are not judged
    assert plan(_PREBOUND.replace("CLASS", 'storageClassName: ""'), with_default)[1][0] is Operation.APPLY
    no_default = dataclasses.replace(with_default, default_storage_class=None)
    assert plan(_PREBOUND.replace("CLASS", "volumeMode: Filesystem"), no_default)[1][0] is Operation.APPLY
    unknown = dataclasses.replace(with_default, storage_classes=None)
    assert plan(_PREBOUND.replace("CLASS", "volumeMode: Filesystem"), unknown)[1][0] is Operation.APPLY
    head, _, tail = _PREBOUND.replace("CLASS", 'storageClassName: ""').rpartition("- ReadWriteMany")
    modes = head + "- ReadWriteOncePod" + tail  # the claim's mode
    assert "asks for ReadWriteOncePod, which the volume does not offer" in plan(modes, with_default)[1][1]


def test_a_page_that_sets_its_commands_as_quotes_runs_them():
    lesson = lesson_of("""\
        A replicaSet can be scaled with an easy command:

        > kubectl scale rs web --replicas 3

        >    watch kubectl get po -l app=demo

        > Open a separate terminal and run `kubectl get pod -w` to watch.

        > kubectl is the tool you will use most.
        """)
    assert [(s.line, s.type.value) for s in lesson.steps] == [(3, "command"), (5, "interactive")]


def test_a_page_that_says_to_clone_its_own_repository_brings_its_files():
    md = """\
        * Clone this repository to your working station and change into the directory for this exercise

        ```shell
        kubectl apply -f php-apache-service.yaml
        ```
        """
    p = plan(md)
    assert p[4][0] is Operation.SKIP and "a prerequisite" in p[4][1]
    assert plan(md.replace("Clone this repository", "Open a terminal"))[4][0] is Operation.FAIL


def test_making_the_runs_own_namespace_is_skipped_and_kept():
    p = plan("""\
        ```shell
        kubectl create namespace ws
        kubectl create namespace other
        ```
        """)
    assert p[2] == (Operation.SKIP, "makes namespace ws, the run's own namespace, which the run is given and keeps")
    assert p[3][0] is Operation.COMMAND


def test_a_sibling_file_is_no_slip_of_the_pen():
    md = """\
        ```yaml
        # php-apache-hpa.yaml
        apiVersion: autoscaling/v2
        kind: HorizontalPodAutoscaler
        metadata:
          name: h
        spec:
          maxReplicas: 2
          scaleTargetRef:
            apiVersion: apps/v1
            kind: Deployment
            name: d
        ```

        Some text.

        ## Later

        ```shell
        kubectl apply -f NAME
        ```
        """
    sibling = plan(md.replace("NAME", "php-apache-pdb.yaml"))[20]
    assert sibling[0] is Operation.FAIL and "did you mean" not in sibling[1]
    slip = plan(md.replace("NAME", "php-apahce-hpa.yaml"))[20]
    assert slip == (
        Operation.FAIL,
        "applies php-apahce-hpa.yaml, which the tutorial never shows: did you mean php-apache-hpa.yaml?",
    )


def test_option_values_are_no_files_and_an_unwritten_read_is_a_defect_where_no_files_come():
    p = plan("""\
        ```bash
        kubectl get all -o yaml | grep -A 10 -B 10 "kind: Role"
        kubectl run --help | head -n 30
        TOKEN=$(cat pod-reader-token.txt)
        curl 10.2.201.117:300<youID>
        ```
        """)
    assert p[2][0] is Operation.COMMAND and p[3][0] is Operation.COMMAND
    assert p[4][0] is Operation.FAIL and p[4][1].startswith("reads pod-reader-token.txt, which no step writes")
    assert p[5][0] is Operation.SKIP and "youID" in p[5][1]


def test_a_bare_fence_under_a_caption_that_is_only_a_file_name_is_that_file():
    p = plan("""\
        ###### hello.c:

        ```
        #include <stdio.h>

        int main() {
          return 0;
        }
        ```

        ```
        kubectl create configmap code --from-file=hello.c
        ```
        """)
    assert p[3][0] is Operation.FILE
    assert p[12][0] is Operation.COMMAND


def test_a_command_expected_to_fail_waits_for_nothing():
    lesson = lesson_of("""\
        ```bash
        # Denied operations
        kubectl delete deploy demo --as system:serviceaccount:lab:viewer
        ```
        """)
    (action,) = build_plan(lesson, LOCAL).actions
    assert action.step.expect_failure and action.do is Operation.COMMAND and action.waits == ()


def test_get_all_is_a_category_not_a_kind_to_discover():
    lesson = lesson_of("""\
        ```bash
        kubectl get all -o yaml | grep -A 10 "kind: ServiceAccount"
        kubectl get mpijob
        ```
        """)
    needs = {s.line: {n.name for n in Effects(lesson).io(s).needs if n.kind == "resource"} for s in lesson.steps}
    assert needs == {2: set(), 3: {"mpijob"}}


def test_a_service_accounts_token_secret_is_read_where_none_is_made_any_more():
    p = plan("""\
        ```bash
        kubectl get secret $(kubectl get serviceaccount pod-reader -o jsonpath='{.secrets[0].name}') -o jsonpath='{.data.token}'
        kubectl get serviceaccount pod-reader -o jsonpath='{.metadata.name}'
        ```
        """)
    assert p[2][0] is Operation.FAIL and "no token Secret since Kubernetes 1.24" in p[2][1]
    assert p[3][0] is not Operation.FAIL


def test_a_script_of_the_tutorials_that_calls_kubectl_is_not_run_and_its_usage_is_no_fill_in():
    p = plan("""\
        ```bash
        cat > add-user.sh <<'SCRIPT'
        #!/bin/bash
        # Usage: ./add-user.sh <username> <role> [namespace]
        USERNAME=$1
        echo "Usage: ./add-user.sh <username> <role>"
        kubectl create serviceaccount $USERNAME -n ${3:-default}
        cat > ${USERNAME}-kubeconfig.yaml <<EOF
        kind: Config
        EOF
        SCRIPT
        chmod +x add-user.sh
        ./add-user.sh alice view
        kubectl --kubeconfig=alice-kubeconfig.yaml get pods
        ```
        """)
    assert p[2][0] is Operation.COMMAND  # the script is written: its usage lines hold no value to fill in
    assert p[13][0] is Operation.SKIP and p[13][1].startswith("runs add-user.sh, a script of the tutorial's that calls kubectl")
    assert p[14][0] is Operation.SKIP and p[14][1].startswith("depends on alice-kubeconfig.yaml, which the step at line 13")


def test_a_service_account_and_a_kubeconfig_context_of_default_are_the_runs_namespace():
    from runner.run.operations.command import in_namespace
    from runner.syntax.kubeconfig import context_namespace_lines

    assert in_namespace("kubectl create rolebinding d --clusterrole=edit --serviceaccount=default:dev", "ws").endswith(
        "--serviceaccount=ws:dev"
    )
    assert "system:serviceaccount:ws:dev" in in_namespace(
        "kubectl auth can-i get pods --as=system:serviceaccount:default:dev", "ws"
    )
    assert "serviceaccount:other:dev" in in_namespace("kubectl get pods --as=system:serviceaccount:other:dev", "ws")
    config = "apiVersion: v1\nkind: Config\ncontexts:\n- context:\n    cluster: c\n    namespace: default\n  name: x\n"
    assert context_namespace_lines(config, "default") == [5]
    assert context_namespace_lines(config.replace("kind: Config", "kind: Pod"), "default") == []
    assert context_namespace_lines("key: [unclosed", "default") == []
    deep = "kind: Config\ncontexts:\n- context:\n    namespace: " + "[" * 5000 + "]" * 5000 + "\n"
    assert context_namespace_lines(deep, "default") == []  # over the YAML limits: no RecursionError, nothing changed


def test_a_live_object_under_a_caption_that_names_its_file_is_that_file():
    p = plan("""\
        ### cm.yaml
        ```
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: cm
          resourceVersion: "847"
          uid: 0b6c2b1e-0000-0000-0000-000000000000
        data:
          a: b
        ```

        ```
        kubectl apply -f cm.yaml
        ```
        """)
    assert p[2] == (Operation.WRITE, "applied by the tutorial's own command (kubectl ... -f cm.yaml)")
    uncaptioned = plan("""\
        ```
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: cm
          resourceVersion: "847"
        ```
        """)
    assert uncaptioned[1][0] is Operation.SKIP and "output of a command" in uncaptioned[1][1]


def test_an_editor_line_then_the_file_as_edited_then_commands_in_one_block():
    lesson = lesson_of("""\
        ```
        kubectl create job myjob --image busybox --dry-run=client -o yaml > myjob.yml -- /bin/sh -c "sleep 1"
        vim myjob.yml
        apiVersion: batch/v1
        kind: Job
        metadata:
          name: myjob
        spec:
          template:
            spec:
              containers:
              - name: myjob
                image: busybox
              restartPolicy: Never
        kubectl apply -f myjob.yml
        ```
        """)
    assert [(s.line, s.type.value, s.file) for s in lesson.steps] == [
        (2, "command", None),
        (3, "interactive", None),
        (4, "manifest", "myjob.yml"),
        (15, "command", None),
    ]


def test_a_killercoda_closing_fence_with_an_action_closes_the_block():
    lesson = lesson_of("""\
        ```bash
        kubectl create namespace lab
        ```{{exec}}

        - Create a runtime class

        ```bash
        kubectl get runtimeclass
        ```{{copy}}
        """)
    assert [(s.line, s.command) for s in lesson.steps] == [(2, "kubectl create namespace lab"), (8, "kubectl get runtimeclass")]


def test_kubectl_autoscale_makes_a_horizontal_pod_autoscaler():
    lesson = lesson_of("""\
        ```
        kubectl autoscale deployment hpa-app --cpu-percent=50 --min=1 --max=5
        kubectl autoscale deployment web --name web-hpa --max=3 --dry-run=client -o yaml
        ```
        """)
    effects = Effects(lesson)
    made = [(e.step.line, e.kind, e.name) for e in effects.events if e.creates]
    assert made == [(2, "HorizontalPodAutoscaler", "hpa-app")]


def test_a_file_shown_again_changed_before_its_command_is_its_new_version():
    lesson = lesson_of("""\
        ```bash
        kubectl run nginx --image=nginx --dry-run=client -o yaml > pod.yaml
        ```

        ```yaml
        apiVersion: v1
        kind: Pod
        metadata:
          name: nginx
        spec:
          containers:
          - name: nginx
            image: nginx
        ```

        ```bash
        kubectl create -f pod.yaml
        kubectl delete -f pod.yaml
        ```

        ## 2. Modify the pod.yaml file so that the probe starts after 5 seconds

        ```bash
        kubectl explain pod.spec.containers.livenessProbe
        ```

        ```yaml
        apiVersion: v1
        kind: Pod
        metadata:
          name: nginx
        spec:
          containers:
          - name: nginx
            image: nginx
            livenessProbe:
              initialDelaySeconds: 5
              exec:
                command: [ls]
        ```

        ```bash
        kubectl create -f pod.yaml
        ```
        """)
    manifests = [(s.line, s.file, s.apply) for s in lesson.steps if s.type.value == "manifest"]
    assert manifests == [(5, "pod.yaml", False), (27, "pod.yaml", False)]  # both written, the second at its step
    explain = next(s for s in lesson.steps if (s.command or "").startswith("kubectl explain"))
    assert not [n for n in Effects(lesson).io(explain).needs if n.kind == "resource"]


def test_pods_that_must_each_have_a_node_need_that_many_nodes():
    from runner.plan.facts import NodeShape

    md = """\
        ```yaml
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: web
        spec:
          replicas: 2
          selector:
            matchLabels: {app: web}
          template:
            metadata:
              labels: {app: web}
            spec:
              affinity:
                podAntiAffinity:
                  requiredDuringSchedulingIgnoredDuringExecution:
                  - labelSelector:
                      matchExpressions:
                      - {key: app, operator: In, values: [web]}
                    topologyKey: kubernetes.io/hostname
              containers:
              - name: web
                image: nginx
        ```
        """
    one = dataclasses.replace(LOCAL, nodes=(NodeShape("n1", 2, 4e9),))
    two = dataclasses.replace(LOCAL, nodes=(NodeShape("n1", 2, 4e9), NodeShape("n2", 2, 4e9)))
    assert plan(md, one)[1] == (
        Operation.SKIP,
        "needs 2 nodes (its pods must each run on a node of their own: a required pod anti-affinity on "
        "kubernetes.io/hostname), and this cluster has 1",
    )
    assert plan(md, two)[1][0] is Operation.APPLY


def test_a_cluster_wide_delete_of_what_the_run_did_not_make_is_not_run():
    facts = dataclasses.replace(LOCAL, objects_known=False)
    p = plan(
        """\
        ```sh
        kubectl delete service,deployment,pvc,pv,pod --all
        kubectl delete namespace workshop
        kubectl create namespace mine
        kubectl delete namespace mine
        kubectl delete pod --all
        ```
        """,
        facts,
    )
    assert p[2] == (
        Operation.SKIP,
        "deletes every PersistentVolume of the cluster (PersistentVolume is cluster-wide): a run deletes only what it made",
    )
    assert p[3][0] is Operation.SKIP and p[3][1].startswith("deletes namespace/workshop, which no step makes")
    assert p[5][0] is Operation.COMMAND and p[6][0] is Operation.COMMAND


def test_lines_typed_in_a_pod_the_prose_names_and_short_programs_are_no_typos():
    lesson = lesson_of("""\
        After successful deployment you can enter the bastion pod and bid:

        ```bash
        curl auction
        ```
        """)
    assert [(s.line, s.type.value, s.pod) for s in lesson.steps] == [(4, "in-pod", "bastion")]
    facts = dataclasses.replace(LOCAL, missing_programs=frozenset({"nc", "kubctl"}))
    p = plan(
        """\
        ```bash
        nc redis 6379
        kubctl get pods
        ```
        """,
        facts,
    )
    assert p[2] == (Operation.SKIP, "needs `nc`, which is not installed here")
    assert p[3] == (Operation.FAIL, "`kubctl` is not a command: did you mean `kubectl`?")


def test_a_grep_for_part_of_a_name_the_tutorial_made_needs_that_object():
    lesson = lesson_of("""\
        ```yaml
        apiVersion: batch/v1
        kind: Job
        metadata:
          name: hs-pizza-log-out-pizza-emoji-job
        spec:
          template:
            spec:
              restartPolicy: Never
              containers:
              - name: c
                image: busybox
        ```

        ```
        kubectl get pods | grep pizza-emoji-job
        kubectl get pods | grep -v pizza
        ```
        """)
    needs = {s.line: [n.name for n in Effects(lesson).io(s).needs if n.kind == "object"] for s in lesson.steps}
    assert needs[16] == ["hs-pizza-log-out-pizza-emoji-job"] and needs[17] == []


def test_a_file_the_prose_has_the_reader_open_comes_from_elsewhere():
    md = """\
        Ouvrez le fichier `starter/postgres-statefulset.yaml` et completez le `TODO` :

        ```bash
        kubectl apply -f starter/postgres-statefulset.yaml
        ```
        """
    p = plan(md)
    assert p[4][0] is Operation.SKIP and "a prerequisite" in p[4][1]
    assert plan(md.replace("Ouvrez le fichier", "Regardez"))[4][0] is Operation.FAIL


def test_a_block_applied_with_its_folder_is_not_named_after_the_folder():
    lesson = lesson_of("""\
        ```yaml
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: c
        ```

        ```console
        $ kubectl apply -f kubernetes/
        ```
        """)
    (block,) = [s for s in lesson.steps if s.type.value == "manifest"]
    assert block.file is None and block.apply


def test_a_cd_relative_to_a_folder_a_skipped_step_entered_is_skipped_too():
    p = plan("""\
        ```bash
        cd patient-service && helm install x ./chart
        cd integration-tests && mvn clean verify
        ```
        """)
    assert p[2][0] is Operation.SKIP
    assert p[3][0] is Operation.SKIP and p[3][1].startswith("depends on the folder patient-service, which the step at line 2")


def test_elisions_in_a_shell_block_and_an_elided_here_document_are_not_run():
    p = plan("""\
        ```bash
        kubectl describe pod web

        [...]
        ```

        ```
        cat <<EOF | kubectl apply -f -
        .....
        EOF
        ```
        """)
    assert p[4][0] is Operation.SKIP and "an elision" in p[4][1]
    assert p[8] == (
        Operation.SKIP,
        "needs the reader's own value where the text elides it (`the here-document's whole body`): not runnable as written",
    )


def test_after_review_the_runs_namespace_and_other_namespaces_are_never_deleted():
    facts = dataclasses.replace(LOCAL, namespace="bob", objects_known=False)
    p = plan(
        """\
        ```yaml
        # app.yaml
        apiVersion: v1
        kind: Namespace
        metadata:
          name: <username>
        ---
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: c
          namespace: <username>
        ```

        ```bash
        kubectl apply -f app.yaml
        kubectl delete -f app.yaml
        kubectl delete pods --all -A
        ```
        """,
        facts,
    )
    assert p[17][0] is Operation.SKIP and "the run's own" in p[17][1]
    assert p[18][0] is Operation.SKIP and "across every namespace" in p[18][1]


def test_after_review_heuristics_that_misfired():
    from runner.effects.environment import _spread_replicas
    from runner.lesson import captions, classify
    from runner.lesson.placeholders import to_fill
    from runner.plan.provenance import _a_slip

    said = captions.read("# This should not fail now\nkubectl apply -f d.yaml\n# Denied operations\nkubectl get x\n", 1)
    assert 4 in said.failing and 2 not in said.failing
    assert lesson_of("Copy the file from the nginx pod:\n\n```bash\ncat nginx.conf\n```\n").steps[0].type.value == "command"
    assert [o.name for o in to_fill("kubectl create deployment usage-app --image=<image-name>", 1, shell=True)] == ["image-name"]
    assert not _a_slip("pvc.yaml", "pv.yaml") and not _a_slip("pod-a.yaml", "pod-b.yaml")
    assert (
        classify.explained_fields(
            "kind: ConfigMap\ndata:\n  morning: Hello - have a great day\n  evening: Goodbye - see you\n", True
        )
        is None
    )
    spec = {
        "affinity": {
            "podAntiAffinity": {
                "requiredDuringSchedulingIgnoredDuringExecution": [
                    {"labelSelector": {"matchLabels": {"app": "web", "role": "db"}}, "topologyKey": "kubernetes.io/hostname"}
                ]
            }
        }
    }
    body = {"spec": {"replicas": 2, "template": {"metadata": {"labels": {"app": "web", "role": "frontend"}}, "spec": spec}}}
    assert _spread_replicas(body, spec) == 0
    lesson = lesson_of("""\
        ```yaml
        apiVersion: v1
        kind: Pod
        metadata:
          name: web-app
        spec:
          containers:
          - name: c
            image: nginx
        ```

        ```bash
        kubectl get pods | grep -A 3 web-app
        ```
        """)
    needs = [n.name for s in lesson.steps for n in Effects(lesson).io(s).needs if n.kind == "object"]
    assert needs == ["web-app"]


def test_a_tutorials_script_is_known_under_a_wrapper_and_by_any_word_that_calls_the_cluster():
    p = plan("""\
        ```bash
        cat > a.sh <<'EOF'
        timeout 30 /usr/local/bin/kubectl delete namespace staging
        EOF
        cat > b.sh <<'EOF'
        $KUBECTL delete clusterrole edit
        EOF
        cat > c.sh <<'EOF'
        echo hello
        EOF
        nohup ./a.sh &
        env A=1 bash b.sh
        sh c.sh
        ```
        """)
    assert p[11][0] is Operation.SKIP and p[11][1].startswith("runs a.sh, a script of the tutorial's that calls kubectl")
    assert p[12][0] is Operation.SKIP and p[12][1].startswith("runs b.sh, a script of the tutorial's that calls programs")
    assert p[13][0] is Operation.COMMAND
