"""The shell grammar: a block splits into the commands bash reads, and each command into what it runs and touches."""

from __future__ import annotations

import textwrap

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from runner.effects.commands import command_io
from runner.lesson.parser import parse_lesson
from runner.syntax import bash, prompts
from runner.syntax.shell import heredoc, segments, split_commands


def commands(block: str) -> list[tuple[int, str]]:
    return [(c.line, c.text) for c in split_commands(textwrap.dedent(block).lstrip("\n"), 1)]


# ---- a step is one complete command ------------------------------------------------------------


def test_a_loop_over_four_lines_is_one_command():
    assert commands("""
        for i in a b c
        do
          echo $i
        done
        kubectl get pods
        """) == [(1, "for i in a b c\ndo\n  echo $i\ndone"), (5, "kubectl get pods")]


def test_an_and_or_chain_with_a_group_is_one_command():
    assert commands("""
        kubectl get pods && kubectl get svc || { echo failed; exit 1; }
        echo next
        """) == [(1, "kubectl get pods && kubectl get svc || { echo failed; exit 1; }"), (2, "echo next")]


def test_if_while_case_subshell_and_function_each_stay_whole():
    block = """
        if kubectl get ns demo; then
          echo yes
        else
          echo no
        fi
        while ! kubectl get pod p; do
          sleep 1
        done
        case "$X" in
          a) echo a ;;
          *) echo other ;;
        esac
        (cd sub && make)
        wait_for() {
          kubectl wait --for=condition=ready pod/$1
        }
        """
    assert [line for line, _ in commands(block)] == [1, 6, 9, 13, 14]


def test_continuations_pipes_and_open_quotes_join_lines():
    assert commands("""
        kubectl create configmap c \\
          --from-file=a.txt
        kubectl get pods |
          grep Running
        echo "two
        lines"
        """) == [
        (1, "kubectl create configmap c \\\n  --from-file=a.txt"),
        (3, "kubectl get pods |\n  grep Running"),
        (5, 'echo "two\nlines"'),
    ]


def test_statements_typed_on_one_line_are_one_step_and_comments_are_not_commands():
    assert commands("""
        # set up
        cd work; ls   # list it
        sleep 10 &
        """) == [(2, "cd work; ls"), (3, "sleep 10 &")]


def test_a_here_document_is_part_of_its_command():
    cmds = commands("""
        cat <<EOF | kubectl apply -f -
        kind: Pod
        EOF
        kubectl get pods
        """)
    assert cmds == [(1, "cat <<EOF | kubectl apply -f -\nkind: Pod\nEOF"), (4, "kubectl get pods")]


def test_broken_input_keeps_going():
    cmds = commands("""
        kubectl get pods
        echo "never closed
        kubectl get svc
        """)
    assert cmds[0] == (1, "kubectl get pods") and cmds[1][0] == 2  # the open quote takes the rest, as in bash


# ---- transcripts: prompts in every shape ---------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "typed", "machine"),
    [
        ("$ kubectl get pods", "kubectl get pods", None),
        ("# kubectl get pods", None, None),  # a comment, never a prompt
        ("user@host:~/work$ ls", "ls", "user@host"),
        ("jovyan@jupyter-x:~$ touch f", "touch f", "jovyan@jupyter-x"),
        ("[user@login01 ~]$ squeue", "squeue", "user@login01"),
        ("sh-4.2$ ls", "ls", "sh-4.2"),
        ("bash-5.1# ls", "ls", "bash-5.1"),
        ("(venv) $ pip list", "pip list", None),
        ("PS C:\\> kubectl get pods", "kubectl get pods", None),
        (">>> import os", "import os", "python"),
        ("/ # ls /data", "ls /data", "/"),
        ("root@mypod:/# df -h", "df -h", "root@mypod"),
        ("kubectl get pods", None, None),
        ("~> kubectl apply -f configs/configmap.yaml", "kubectl apply -f configs/configmap.yaml", None),  # fish, zsh themes
        ("~/labs> ls", "ls", None),
        ("> still typing", None, None),  # the continuation prompt, not a new command
    ],
)
def test_prompt_shapes(line, typed, machine):
    prompt = prompts.match(line)
    if typed is None:
        assert prompt is None
    else:
        assert prompt is not None and line[len(prompt.text) :] == typed and prompt.machine == machine


def test_in_a_transcript_only_prompted_lines_are_commands():
    assert commands("""
        $ kubectl create deployment web --image=nginx
        deployment.apps/web created
        $ kubectl get pods
        NAME                   READY   STATUS
        web-5d4b9c9d8c-abcde   1/1     Running
        +----------+
        2017-11-30 00:59:54.053227: I tensorflow/core
        $ for i in 1 2
        > do echo $i
        > done
        1
        2
        """) == [
        (1, "kubectl create deployment web --image=nginx"),
        (3, "kubectl get pods"),
        (8, "for i in 1 2\ndo echo $i\ndone"),
    ]


def test_lines_typed_in_another_machine_never_run_here():
    md = textwrap.dedent("""\
        # T

        ```console
        $ kubectl apply -f pod.yaml
        $ kubectl exec -it p -- sh
        / # ls /data
        / # exit
        $ kubectl get pods
        ```

        In the notebook's terminal:

        ```
        jovyan@jupyter-x:~$ touch f
        ```

        ```bash
        ssh me@login.example.org
        module load x
        ```

        ```
        >>> import os
        ```
        """)
    steps = {s.line: s for s in parse_lesson(md, "t.md").steps}
    assert steps[6].type.value == "in-pod" and steps[6].pod == "p" and steps[6].command == "ls /data"
    assert steps[7].type.value == "other" and "leaves the shell in pod p" in (steps[7].reason or "")
    assert steps[8].type.value == "command"
    assert steps[14].type.value == "other" and "`jovyan@jupyter-x:~$`, another machine" in (steps[14].reason or "")
    assert steps[19].type.value == "other" and "typed on me@login.example.org (after `ssh`)" in (steps[19].reason or "")
    assert steps[23].type.value == "other" and "Python interpreter" in (steps[23].reason or "")


# ---- what a command runs ---------------------------------------------------------------------------


def test_segments_are_the_simple_commands_in_the_order_bash_runs_them():
    assert segments("X=$(kubectl get svc nfs -o name) && kubectl get pod s1-<username> > out.txt 2>&1") == [
        ["kubectl", "get", "svc", "nfs", "-o", "name"],
        ["kubectl", "get", "pod", "s1-<username>"],
    ]
    assert segments("for f in a b; do kubectl apply -f $f.yaml; done") == [["kubectl", "apply", "-f", "$f.yaml"]]
    assert segments("f() { rm -rf /; }") == []  # a function's body runs only when called


@pytest.mark.parametrize(
    "text",
    [
        "kubectl apply -f - <<EOF\nkind: Pod\nEOF",  # tree-sitter-bash 0.25 drops the `-` before `<<`
        "cat <<EOF | kubectl apply -f -\nkind: Pod\nEOF",
        "cat <<'EOF' 2>/dev/null | kubectl apply -f -\nkind: Pod\nEOF",  # tree-sitter/tree-sitter-bash#346
        "kubectl create -f - << EOF && echo ok\nkind: Pod\nEOF",
    ],
)
def test_the_here_document_a_kubectl_reads(text):
    script = bash.parse(text)
    kubectl = next(i for i, c in enumerate(script.commands) if c.name == "kubectl")
    assert script.commands[kubectl].words[-1] == "-"
    doc = heredoc(text)
    assert doc is not None and doc.text == "kind: Pod\n" and doc.first_line == 1


def test_a_semicolon_after_a_here_document_start_is_read():
    script = bash.parse("cat <<'EOF'; echo done\nhello\nEOF")
    assert [c.words for c in script.commands] == [("cat",), ("echo", "done")]
    assert script.commands[0].heredoc is not None and script.commands[0].heredoc.quoted


def test_variables_set_and_used():
    script = bash.parse(
        'export NFS_IP=$(kubectl get svc nfs -o jsonpath="{.spec.clusterIP}")\nread -p "name: " NAME\necho $NFS_IP ${OTHER:-x} $NAME'
    )
    assert script.assigned == ("NFS_IP", "NAME")
    assert script.reads == ("OTHER",)


def test_a_nul_in_the_command_itself_is_no_crash():
    assert segments("echo \x005\x00 <user>")[0][-1] == "<user>"


# ---- files a command reads and writes ---------------------------------------------------------------


def test_downloads_unpacking_clones_and_redirections():
    assert command_io("curl -sLO https://example.org/data/x.gz && gunzip x.gz").writes == ["x.gz", "x"]
    assert command_io("curl -sLO https://example.org/data/x.gz && gunzip x.gz").reads == ["x.gz"]
    assert command_io("wget -O data.csv https://example.org/d").writes == ["data.csv"]
    assert command_io("git clone https://github.com/org/repo.git").writes == ["repo/"]
    assert command_io("tar xzf a.tgz -C out").writes == ["out/*"]
    assert command_io("kubectl get pod p -o yaml > p.yaml").writes == ["p.yaml"]
    assert command_io("cat <<EOF > job.yaml\nkind: Job\nEOF").writes == ["job.yaml"]
    assert command_io("nano my_file.md").writes == ["my_file.md"]


def test_kubectl_files_are_manifests_relative_to_the_working_directory():
    io = command_io("kubectl apply -f k8s/job.yaml -n argo", cwd="repo")
    assert io.manifests == [("repo/k8s/job.yaml", "kubectl apply")] and io.namespaces == [("argo", "kubectl apply")]
    assert command_io("cd repo").cwd == "repo"
    assert command_io("kubectl create -f ~/container.training/k8s/x.yaml").manifests == [
        ("~/container.training/k8s/x.yaml", "kubectl create")
    ]
    assert command_io("cd ~/cra-tutorial").folders == ["~/cra-tutorial/"]
    assert command_io("kubectl port-forward pod/p 8080:80").ports_opened == ["8080"]
    assert command_io("curl -s http://localhost:8080/x").ports_used == ["8080"]
    assert command_io("alias k=kubectl").defines == ["k"] and command_io("f() { ls; }").defines == ["f"]
    assert command_io("kubectl apply -f https://example.org/x.yaml").unknown_objects
    assert command_io("gcloud compute disks create d").clouds == ["gcloud"]
    assert command_io("kubectl taint node node-1 k=v:NoSchedule").nodes == ["node-1"]


# ---- no crash on any compound shell ---------------------------------------------------------------

_WORD = st.sampled_from(
    ["kubectl", "get", "pods", "echo", "$X", '"a b"', "'c'", "s1-<username>", "-n", "ns", "x.yaml", "{", "}", "|"]
)
_SIMPLE = st.lists(_WORD, min_size=1, max_size=5).map(" ".join)


def _compound(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        inner,
        st.tuples(inner, inner).map(lambda p: f"{p[0]} && {p[1]}"),
        st.tuples(inner, inner).map(lambda p: f"{p[0]} || {{ {p[1]}; exit 1; }}"),
        inner.map(lambda b: f"for i in a b\ndo\n  {b}\ndone"),
        inner.map(lambda b: f"if {b}; then\n  echo y\nfi"),
        inner.map(lambda b: f"while false; do {b}; done"),
        inner.map(lambda b: f"( {b} )"),
        inner.map(lambda b: f"X=$({b})"),
        inner.map(lambda b: f"cat <<EOF | kubectl apply -f -\n{b}\nEOF"),
        inner.map(lambda b: f"{b} \\\n  --flag"),
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.recursive(_SIMPLE, _compound, max_leaves=6), min_size=1, max_size=4), st.booleans())
def test_shell_blocks_of_compound_commands_never_crash_show_lint_or_new(parts, console):
    from runner.author.draft import draft
    from runner.lesson.render import render
    from runner.lint.engine import lint_lesson
    from runner.plan.build import build_plan
    from runner.plan.facts import ClusterFacts

    body = "\n".join(("$ " + p.replace("\n", "\n> ")) if console else p for p in parts)
    md = f"# T\n\n```bash\n{body}\n```\n"
    lesson = parse_lesson(md, "t.md")
    build_plan(render(lesson, {"username": "bob"}).lesson, ClusterFacts())
    lint_lesson(lesson)
    draft(md, "t.md", "t")


def test_a_here_document_starts_after_the_whole_command_line_with_its_continuations():
    """bash reads the body after `\\`-continued lines; tree-sitter-bash 0.25 starts it at the first newline."""
    s = bash.parse(
        "cat <<EOF | curl -X PUT \\\n  localhost:8080/api/v1/namespaces/test/finalize \\\n  --data-binary @-\n{}\nEOF\necho done"
    )
    assert [c.words for c in s.commands] == [
        ("cat",),
        ("curl", "-X", "PUT", "localhost:8080/api/v1/namespaces/test/finalize", "--data-binary", "@-"),
        ("echo", "done"),
    ]
    assert s.commands[0].heredoc is not None and s.commands[0].heredoc.text == "{}\n"


def test_an_unquoted_here_document_hands_on_escaped_dollars_literally():
    from runner.syntax.shell import heredoc

    doc = heredoc('kubectl apply -f - <<EOF\ncommand: ["sh", "-c", "echo item \\$ITEM"]\nname: a-$USER\nEOF')
    assert doc is not None and doc.given == 'command: ["sh", "-c", "echo item $ITEM"]\nname: a-$USER\n' and doc.expands
    plain = heredoc('cat <<EOF\nargs: ["\\$HOME"]\nEOF')
    assert plain is not None and plain.given == 'args: ["$HOME"]\n' and not plain.expands
    quoted = heredoc("cat <<'EOF'\nargs: [\"\\$HOME\"]\nEOF")
    assert quoted is not None and quoted.given == quoted.text and not quoted.expands
