"""One secret vocabulary: lint reports a value written in a tutorial exactly when the Redactor would mask it.

Each row is a shape a tutorial writes, the value in it, and whether that value
is a secret. Both sides are asserted on every row: `tutorial lint` has a
`secrets` finding at the value's line (never quoting it) iff the row says
secret, and the Redactor masks the value iff the row says secret.
"""

from __future__ import annotations

import pytest

from runner.core.redact import Redactor
from runner.lint.engine import lint_text

GH = "ghp_" + "Z9y8X7w6" * 5


def bash(line: str) -> str:
    return f"```bash\n{line}\n```\n"


def yaml(body: str) -> str:
    return f"```yaml\n{body}```\n"


def pod_env(name: str, value: str) -> str:
    return yaml(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p-<username>\nspec:\n  containers:\n  - name: main\n    image: busybox\n"
        f"    env:\n    - name: {name}\n      value: {value}\n"
    )


def secret_data(key: str, value: str, field: str = "stringData") -> str:
    return yaml(f"apiVersion: v1\nkind: Secret\nmetadata:\n  name: s-<username>\n{field}:\n  {key}: {value}\n")


def configmap_data(key: str, value: str) -> str:
    return yaml(f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c-<username>\ndata:\n  {key}: {value}\n")


# (id, markdown, the value, secret?)
TABLE = [
    # kubectl create secret: every literal value is the Secret's
    ("secret-token", bash("kubectl create secret generic s --from-literal=token=qzTok1234"), "qzTok1234", True),
    (
        "secret-passphrase",
        bash("kubectl create secret generic s --from-literal=passphrase=hunter2hunter2"),
        "hunter2hunter2",
        True,
    ),
    ("secret-username", bash("kubectl create secret generic s --from-literal=username=alice42"), "alice42", True),
    ("secret-quoted", bash("kubectl create secret generic s --from-literal=pw='two words here'"), "two words here", True),
    ("secret-continued", bash("kubectl create secret generic s \\\n  --from-literal=db=qzDb9876"), "qzDb9876", True),
    ("secret-reference", bash('kubectl create secret generic s --from-literal=token="$GH_TOKEN"'), "$GH_TOKEN", False),
    ("secret-placeholder", bash("kubectl create secret generic s --from-literal=token=<your-token>"), "<your-token>", False),
    ("secret-subst", bash("kubectl create secret generic s --from-literal=token=$(cat tok.txt)"), "$(cat tok.txt)", False),
    # kubectl create configmap: only a secret's name or a credential's shape
    ("cm-author", bash("kubectl create configmap c --from-literal=author=Ann"), "Ann", False),
    ("cm-tokenizer", bash("kubectl create configmap c --from-literal=tokenizer=bert-base"), "bert-base", False),
    ("cm-mode", bash("kubectl create configmap c --from-literal=mode=fast"), "fast", False),
    ("cm-monkey", bash("kubectl create configmap c --from-literal=monkey=banana"), "banana", False),
    ("cm-api-token", bash("kubectl create configmap c --from-literal=api-token=qzApi5555"), "qzApi5555", True),
    ("cm-db-password", bash("kubectl create configmap c --from-literal=db_password=qzPw5555"), "qzPw5555", True),
    ("cm-github-token-shape", bash(f"kubectl create configmap c --from-literal=greeting={GH}"), GH, True),
    # flags
    ("flag-password", bash("helm install db bitnami/postgresql --password qzHelmPw1"), "qzHelmPw1", True),
    ("flag-docker-password", bash("kubectl create secret docker-registry r --docker-password=qzDock3r"), "qzDock3r", True),
    ("flag-token", bash("kubectl --token=qzKubeTok7 get pods"), "qzKubeTok7", True),
    ("flag-token-ref", bash('kubectl --token="$TOKEN" get pods'), "$TOKEN", False),
    ("docker-login-p", bash("docker login -u me -p qzLoginPw2 registry.example.org"), "qzLoginPw2", True),
    ("curl-user", bash("curl -u me:qzCurlPw3 https://api.example.org"), "qzCurlPw3", True),
    ("flag-passwords-file", bash("app --password-file /etc/pw"), "/etc/pw", False),
    # URLs
    ("url-password", bash("git clone https://bob:qzUrlPw44@github.com/x/y.git"), "qzUrlPw44", True),
    ("url-env-refs", bash("git clone https://$GH_USER:$GH_TOKEN@github.com/x/y.git"), "$GH_TOKEN", False),
    ("url-no-credentials", bash("git clone https://github.com/x/y.git"), "github.com", False),
    ("url-token-user", bash("git clone https://qzTokenUser1234567@github.com/x/y.git"), "qzTokenUser1234567", True),
    # headers
    ("header-bearer", bash("curl -H 'Authorization: Bearer qzBearer9' https://api"), "qzBearer9", True),
    ("header-accept", bash("curl -H 'Accept: application/json' https://api"), "application/json", False),
    # assignments
    ("export-token", bash("export GITHUB_TOKEN=qzExport11"), "qzExport11", True),
    ("export-token-path", bash("export TOKEN_PATH=/var/run/token"), "/var/run/token", False),
    ("export-author", bash("export AUTHOR=Annabel"), "Annabel", False),
    ("export-backquote", bash("TOKEN=`kubectl create token sa`"), "kubectl create token sa", False),
    ("export-subst", bash("export TOKEN=$(kubectl create token sa)"), "kubectl create token sa", False),
    ("export-secret-name", bash("export SECRET_NAME=my-secret"), "my-secret", False),
    ("export-api-key", bash("export API_KEY=qzApiKey77"), "qzApiKey77", True),
    # manifests
    ("env-api-token", pod_env("API_TOKEN", "qzEnvTok8"), "qzEnvTok8", True),
    ("env-db-password", pod_env("DB_PASSWORD", "qzEnvPw88"), "qzEnvPw88", True),
    ("env-mode", pod_env("MODE", "fastest"), "fastest", False),
    ("env-password-file", pod_env("PASSWORD_FILE", "/etc/pw"), "/etc/pw", False),
    ("env-token-shape", pod_env("GREETING", GH), GH, True),
    ("secret-stringdata", secret_data("password", "qzSd12345"), "qzSd12345", True),
    ("secret-stringdata-user", secret_data("user", "admin77"), "admin77", True),
    ("secret-data-b64", secret_data("apikey", "cXpCNjQ5OTk=", "data"), "cXpCNjQ5OTk=", True),
    ("secret-stringdata-ref", secret_data("token", "<token>"), "<token>", False),
    ("cm-data-plain", configmap_data("color", "blue"), "blue", False),
    ("cm-data-password", configmap_data("password", "qzCmPw66"), "qzCmPw66", True),
    ("cm-data-tokenizer", configmap_data("tokenizer", "bert-base"), "bert-base", False),
]


def test_the_table_is_large_and_covers_both_answers():
    assert len(TABLE) >= 40 and len({row[0] for row in TABLE}) == len(TABLE)
    assert sum(row[3] for row in TABLE) >= 15 and sum(not row[3] for row in TABLE) >= 15


@pytest.mark.parametrize("markdown, value, secret", [row[1:] for row in TABLE], ids=[row[0] for row in TABLE])
def test_lint_and_the_redactor_agree(markdown, value, secret):
    text = "# T\n\n" + markdown
    line = next(i for i, l in enumerate(text.split("\n"), 1) if value in l)
    found = [f for f in lint_text(text, "t.md") if f.rule == "secrets"]
    assert (line in {f.line for f in found}) == secret, (found, line)
    assert all(value not in f.message + (f.hint or "") for f in found) or not secret
    masked = Redactor().text(markdown)
    assert (value not in masked) == secret, masked
