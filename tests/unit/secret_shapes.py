"""A corpus of the shapes secrets take in tutorials, each with the values that must never be printed.

Every value carries a marker (`qz` + a number + `leak`) so that a leak is
found however an output spells it: as written, lower-cased in a step id, in
base64 in a Secret's data. Used by tests/unit/test_secret_leaks.py (show,
lint, list, grade renderers, the progress file, evidence) and by the e2e
test of run reports (tests/e2e/test_run_secrets.py).
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Shape:
    id: str
    markdown: str  # a piece of a lesson
    secrets: tuple[str, ...]  # values that must not appear in any output


def _b64(value: str) -> str:
    return base64.b64encode(value.encode()).decode()


def _bash(*lines: str) -> str:
    return "```bash\n" + "\n".join(lines) + "\n```\n\n"


def _yaml(body: str) -> str:
    return "```yaml\n" + body + "```\n\n"


SECRET_HEAD = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: {name}-<username>\n"
POD_HEAD = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {name}-<username>\nspec:\n  containers:\n  - name: main\n    image: busybox\n    command: [sleep, '600']\n"

SHAPES: tuple[Shape, ...] = (
    Shape(
        "from-literal",
        _bash("kubectl create secret generic s01-<username> --from-literal=token=qz01leakValue"),
        ("qz01leakValue",),
    ),
    Shape(
        "from-literal-single-quoted-words",
        _bash("kubectl create secret generic s02-<username> --from-literal=password='qz02leak qz02two qz02words'"),
        ("qz02leak qz02two qz02words",),
    ),
    Shape(
        "from-literal-whole-word-quoted",
        _bash('kubectl create secret generic s03-<username> "--from-literal=api-key=qz03leak qz03gamma"'),
        ("qz03leak qz03gamma",),
    ),
    Shape(
        "from-literal-double-quoted-value",
        _bash(
            'kubectl create secret generic s04-<username> --from-literal=username=qz04leakuser --from-literal=pw="qz04leak qz04x"'
        ),
        ("qz04leakuser", "qz04leak qz04x"),
    ),
    Shape(
        "from-literal-escaped-spaces",
        _bash("kubectl create secret generic s05-<username> --from-literal=pw=qz05leak\\ qz05with\\ qz05spaces"),
        ("qz05leak qz05with qz05spaces",),
    ),
    Shape(
        "from-literal-space-separated",
        _bash("kubectl create secret generic s06-<username> --from-literal token=qz06leakValue"),
        ("qz06leakValue",),
    ),
    Shape(
        "from-env-file-shown-file",
        "Create a file named `creds07.env`:\n\n```\nTOKEN=qz07leakToken\nDB_USER=qz07leakUser\nquoted='qz07leak qz07quoted'\n```\n\n"
        + _bash("kubectl create secret generic s07-<username> --from-env-file=creds07.env"),
        ("qz07leakToken", "qz07leakUser", "qz07leak qz07quoted"),
    ),
    Shape(
        "from-env-file-heredoc",
        _bash(
            "cat > db08.env <<EOF",
            "DB_USER=qz08leakUser",
            'DB_PASS="qz08leak qz08spaced"',
            "EOF",
            "kubectl create secret generic s08-<username> --from-env-file=./db08.env",
        ),
        ("qz08leakUser", "qz08leak qz08spaced"),
    ),
    Shape(
        "url-user-password",
        _bash("git ls-remote https://alice:qz09leakPass@example.invalid/x.git || true"),
        ("qz09leakPass",),
    ),
    Shape(
        "url-token-only",
        _bash("git ls-remote https://ghp_qz10leakTokenABCDEFGH@example.invalid/x.git || true"),
        ("ghp_qz10leakTokenABCDEFGH",),
    ),
    Shape(
        "url-oauth2-token",
        _bash("echo cloning https://oauth2:glpat-qz11leakToken@gitlab.invalid/x.git"),
        ("glpat-qz11leakToken",),
    ),
    Shape(
        "password-flag-quoted-words",
        _bash('echo helm repo add r https://charts.invalid --username u --password "qz12leak qz12pass qz12word"'),
        ("qz12leak qz12pass qz12word",),
    ),
    Shape(
        "password-flag-equals",
        _bash("kubectl config set-credentials u13-<username> --username=u --password=qz13leakPass --kubeconfig=./kc13"),
        ("qz13leakPass",),
    ),
    Shape(
        "docker-login-p",
        _bash("echo docker login -u bob -p qz14leakPass registry.invalid"),
        ("qz14leakPass",),
    ),
    Shape(
        "kubectl-token-flag",
        _bash("kubectl --token=qz15leakToken --kubeconfig=./none15 version --client"),
        ("qz15leakToken",),
    ),
    Shape(
        "docker-password-flag",
        _bash(
            "kubectl create secret docker-registry reg16-<username> --docker-server=r.invalid "
            "--docker-username=u --docker-password=qz16leakPass"
        ),
        ("qz16leakPass",),
    ),
    Shape(
        "authorization-bearer",
        _bash('echo curl -H "Authorization: Bearer qz17leakBearer" https://api.invalid'),
        ("qz17leakBearer",),
    ),
    Shape(
        "auth-token-header",
        _bash("echo curl -H 'X-Auth-Token: qz18leakHeader' https://api.invalid"),
        ("qz18leakHeader",),
    ),
    Shape(
        "export-github-token",
        _bash("export GITHUB_TOKEN=qz19leakGithub", 'echo "token is set: ${#GITHUB_TOKEN} characters"'),
        ("qz19leakGithub",),
    ),
    Shape(
        "env-prefix-secret-key",
        _bash("AWS_SECRET_ACCESS_KEY=qz20leakAws env | grep -c AWS_SECRET || true"),
        ("qz20leakAws",),
    ),
    Shape(
        "pod-env-value-block",
        _yaml(POD_HEAD.format(name="p21") + "    env:\n    - name: GIT_TOKEN\n      value: qz21leakGit\n"),
        ("qz21leakGit",),
    ),
    Shape(
        "pod-env-value-flow",
        _yaml(POD_HEAD.format(name="p22") + '    env: [{name: API_KEY, value: "qz22leakApi"}]\n'),
        ("qz22leakApi",),
    ),
    Shape(
        "pod-env-value-before-name",
        _yaml(POD_HEAD.format(name="p23") + "    env:\n    - value: qz23leakDb\n      name: DB_PASSWORD\n"),
        ("qz23leakDb",),
    ),
    Shape(
        "secret-stringdata-block-scalar",
        _yaml(SECRET_HEAD.format(name="s24") + "stringData:\n  token: |\n    qz24leakLineOne\n    qz24leakLineTwo\n"),
        ("qz24leakLineOne", "qz24leakLineTwo"),
    ),
    Shape(
        "secret-quoted-keys",
        _yaml(SECRET_HEAD.format(name="s25") + 'stringData:\n  "password": "qz25leakQuoted"\n  \'user\': qz25leakUser\n'),
        ("qz25leakQuoted", "qz25leakUser"),
    ),
    Shape(
        "secret-flow-style",
        _yaml(SECRET_HEAD.format(name="s26") + "stringData: {token: qz26leakFlow, user: qz26leakUser}\n"),
        ("qz26leakFlow", "qz26leakUser"),
    ),
    Shape(
        "secret-kind-quoted-data",
        _yaml(f'apiVersion: v1\nkind: "Secret"\nmetadata:\n  name: s27-<username>\ndata:\n  token: {_b64("qz27leakData")}\n'),
        (_b64("qz27leakData"), "qz27leakData"),
    ),
    Shape(
        "secret-kind-comment",
        _yaml(
            "apiVersion: v1\nkind: Secret # holds the token\nmetadata:\n  name: s28-<username>\nstringData:\n  token: qz28leakComment\n"
        ),
        ("qz28leakComment",),
    ),
    Shape(
        "secret-heredoc",
        _bash(
            "kubectl apply -f - <<EOF",
            "apiVersion: v1",
            "kind: Secret",
            "metadata:",
            "  name: s29-<username>",
            "stringData:",
            "  password: qz29leakHeredoc",
            "EOF",
        ),
        ("qz29leakHeredoc",),
    ),
    Shape(
        "secret-json-heredoc",
        _bash(
            "kubectl apply -f - <<EOF",
            '{"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s30-<username>"}, "stringData": {"blob": "qz30leakJson"}}',
            "EOF",
        ),
        ("qz30leakJson",),
    ),
    Shape(
        "check-argument-url",
        "<!-- check: leaky url=https://user:qz31leakCheckPw@git.invalid/x.git -->\n\n",
        ("qz31leakCheckPw",),
    ),
    Shape(
        "check-argument-token",
        "<!-- check: leaky token=qz32leakCheckTok -->\n\n",
        ("qz32leakCheckTok",),
    ),
    Shape(
        "set-secret-placeholder",
        _bash('echo "using <git_token>"'),
        ("qz33leakSetValue",),
    ),
    Shape(
        "secret-placeholder-default",
        _bash("echo helm registry login r.invalid --username u --password <api_password>"),
        ("qz34leakDefault",),
    ),
    Shape(
        "sshpass-and-mysql",
        _bash("echo sshpass -p qz35leakSsh ssh host", "echo mysql -u root -pqz35leakMysql db"),
        ("qz35leakSsh", "qz35leakMysql"),
    ),
    Shape(
        "curl-user-password",
        _bash("echo curl -u admin:qz36leakCurl https://api.invalid"),
        ("qz36leakCurl",),
    ),
    Shape(
        "helm-set-password",
        _bash("echo helm install db bitnami/postgresql --set auth.password=qz37leakHelm"),
        ("qz37leakHelm",),
    ),
    Shape(
        "configmap-secret-looking-key",
        _yaml("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c38-<username>\ndata:\n  DB_PASSWORD: qz38leakConfig\n"),
        ("qz38leakConfig",),
    ),
    Shape(
        "kubeconfig-token-fragment",
        _yaml("users:\n- name: u\n  user:\n    token: qz39leakKubeconfig\n"),
        ("qz39leakKubeconfig",),
    ),
    Shape(
        "skip-reason",
        '<!-- step: skip="needs GITHUB_TOKEN=qz40leakSkip" -->\n' + _bash("ls"),
        ("qz40leakSkip",),
    ),
    Shape(
        "step-id-of-a-learnt-value",
        _yaml(SECRET_HEAD.format(name="s41") + "stringData:\n  api: qz41leakLearnt\n") + _bash("echo qz41leakLearnt | base64"),
        ("qz41leakLearnt",),
    ),
)

FRONT_MATTER = """---
id: leaks
title: Secrets in every shape
placeholders:
  git_token: {required: false, description: a token given with --set}
  api_password: {default: qz34leakDefault}
---

# Secrets in every shape

"""
SETS = {"git_token": "qz33leakSetValue"}


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower())


def lesson(shapes: tuple[Shape, ...] = SHAPES) -> str:
    return FRONT_MATTER + "".join(f"## {s.id}\n\n{s.markdown}" for s in shapes)


def all_secrets(shapes: tuple[Shape, ...] = SHAPES) -> list[str]:
    return [v for s in shapes for v in s.secrets]


def leaks(text: str, shapes: tuple[Shape, ...] = SHAPES) -> list[str]:
    """The secrets of `shapes` that `text` shows, or any word of them: as written, lower-cased (step ids), in base64."""
    low = text.lower()
    slugged = _slug(text)
    found = []
    for s in shapes:
        for v in s.secrets:
            if any(w.lower() in low or _slug(w) in slugged for w in v.split()) or _b64(v) in text:
                found.append(f"{s.id}: {v}")
    return found


def leaking_lines(text: str, shapes: tuple[Shape, ...] = SHAPES) -> list[str]:
    """The lines of `text` that show a secret (for a failure's message)."""
    return [line for line in text.splitlines() if leaks(line, shapes)]
