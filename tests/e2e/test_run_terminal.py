"""A published tutorial's shell as a reader's terminal runs it, on the real local cluster.

Variables, the folder and `$USER` carry from one command to the next; a loop
over four lines is one step; a console transcript runs only its prompted
lines; an output line is never run; what a failed step was to make blocks
what needs it, naming that step; a manifest the API server refuses is the
defect of its own block, not of the command that applies it.
"""

from __future__ import annotations

import json
import textwrap
import uuid

import pytest
from test_run import leftovers, tutorial

pytestmark = pytest.mark.e2e

TERMINAL = """\
# A terminal

```bash
mkdir -p work && cd work
export CM=term-$USER
for f in one two
do
  echo "$f" > "$f.txt"
done
kubectl create configmap $CM --from-file=one.txt --from-file=two.txt && kubectl get configmap $CM || { echo "no configmap"; exit 1; }
```

```console
$ KEYS=$(kubectl get configmap term-$(whoami) -o jsonpath='{.data}')
$ echo "$KEYS" | grep -q one && pwd | grep -q /work$
configmap/term-someone created
NAME          DATA   AGE
```

```bash
export NONE=$(kubectl get configmap term-$USER -o jsonpath='{.metadata.annotations.absent}')
kubectl annotate configmap term-$USER note="$NONE"
```

Save this as `bad.yaml`:

```yaml
apiVersion: v1
kind: ConfigMap
metadata:
  name: bad-<username>
  app: misplaced
data:
  k: v
```

```bash
kubectl apply -f bad.yaml
kubectl get configmap bad-<username>
```
"""


def test_a_tutorials_shell_runs_as_a_readers_terminal(kube_api, namespace, tmp_path):
    user = f"term-{uuid.uuid4().hex[:5]}"
    lesson = tmp_path / "terminal.md"
    lesson.write_text(textwrap.dedent(TERMINAL))
    res = tutorial(
        "run", str(lesson), "--user", user, "-n", namespace, "--profile", "local", "--keep-going", "--format", "json", timeout=300
    )
    assert res.returncode == 1, res.stdout[-3000:] + res.stderr[-2000:]
    steps = {s["line"]: s for s in json.loads(res.stdout)["steps"]}
    assert [steps[n]["status"] for n in (4, 5, 6, 10)] == ["passed"] * 4, steps  # the loop is one step, at line 6
    assert 7 not in steps and 8 not in steps
    assert steps[14]["status"] == "passed" and steps[15]["status"] == "passed"  # $USER, whoami and the folder held
    assert 16 not in steps and 17 not in steps  # what the transcript printed is never run
    assert steps[22]["status"] == "skipped" and steps[22]["message"].startswith(
        "depends on $NONE, which the step at line 21 left empty"
    )
    # the API server refuses the block (metadata.app): its defect, at its line; what applies it is skipped, naming it
    assert steps[27]["status"] == "failed" and "refuses configmap/bad-" in steps[27]["message"]
    assert steps[38]["status"] == "skipped" and steps[38]["message"].startswith(
        "depends on work/bad.yaml, which the step at line 27"
    )
    assert steps[39]["status"] == "skipped" and "line 38" in steps[39]["message"]
    assert leftovers(kube_api, namespace, user) == []
