"""Provenance of every input: a step whose producer did not run is skipped naming it; an input nothing makes is judged."""

from __future__ import annotations

import textwrap

from runner.lesson.parser import parse_lesson
from runner.lesson.render import render
from runner.plan.build import build_plan
from runner.plan.facts import ClusterFacts
from runner.plan.operation import Operation

LOCAL = ClusterFacts(network=False, namespace="ws", objects_known=True, missing_programs=frozenset({"helm"}))


def plan(md: str, facts: ClusterFacts = LOCAL) -> dict[int, tuple[Operation, str]]:
    lesson = render(parse_lesson(textwrap.dedent(md), "t.md"), {"username": "bob"}).lesson
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
    assert p[6][1] == "needs $PROJECT_ID, which no step of the tutorial sets: give it with --set PROJECT_ID=…"
    assert p[7][1] == "needs something listening on localhost:8080, which no step of the tutorial starts here"
    assert p[11][1].startswith("needs kind Job (batch.volcano.sh/v1alpha1), which this cluster does not serve")


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
