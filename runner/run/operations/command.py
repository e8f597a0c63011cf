"""Run a host command of the tutorial (`kubectl apply -f -`, `kubectl create job …`, a script) in the working directory.

Before: placeholders checked, `<hash>` pod names resolved, a here-document's
objects prepared as the runner would create them, and the lease told which
named objects the command may make (a killed run's are swept by the next).
After, whatever happened: the objects it created get our labels and are
tracked for cleanup; objects that were there before it are never touched.
"""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime

from runner.core.results import SKIPPED
from runner.effects import Effects
from runner.kube.errors import kubectl_unreachable, translate
from runner.kube.labels import RUN_LABEL
from runner.kube.objects import ObjectRef, get, patch_labels
from runner.lesson.model import Step
from runner.plan.build import Action
from runner.run.operations.base import Done, OperationContext, StepFailed, judge_exit, refuse_unresolved
from runner.run.operations.jobpods import await_logged_jobs, resolve_hashes
from runner.run.operations.shell import run_shell
from runner.run.session import ShellSession
from runner.run.signals import Interrupted, interrupts_ignored
from runner.syntax import bash, kubectl
from runner.syntax.k8s import CLUSTER_SCOPED, READERS_NAMESPACE, pod_containers, timestamp
from runner.syntax.kubeconfig import context_namespace_lines
from runner.syntax.shell import heredoc, segments

# `-n default`, `-ndefault`, `--namespace=default`, `--namespace default` as words of a command line
_DEFAULT_NAMESPACE = re.compile(r"(?<![^\s;|&(])((?:-n|--namespace)(?:[ \t]+|=)?)['\"]?default['\"]?(?=[\s;|&)]|$)")


# a ServiceAccount of `default` named in kubectl's flags: `--serviceaccount=default:developer`,
# `--as=system:serviceaccount:default:developer`
_DEFAULT_ACCOUNT = re.compile(r"(?<![\w-])((?:--serviceaccount[= ]['\"]?)|system:serviceaccount:)default:(?=[a-z0-9])")


def in_namespace(kubectl_line: str, namespace: str) -> str:
    """One kubectl command with its `-n default` made `-n NAMESPACE`, and a ServiceAccount of `default` named in its
    flags made one of NAMESPACE: kubectl's own flags, not the words after `--`
    (`kubectl exec -n default web -- grep -n default f`)."""
    head, dash, tail = kubectl_line.partition(" -- ")
    head = _DEFAULT_ACCOUNT.sub(rf"\g<1>{namespace}:", _DEFAULT_NAMESPACE.sub(rf"\g<1>{namespace}", head))
    return head + dash + tail


class HostCommand:
    def __init__(self, ctx: OperationContext, effects: Effects, session: ShellSession, kubectl_dir: str | None = None) -> None:
        """`effects`: what each step creates (and its here-documents); `session`: the reader's terminal, kept between
        commands; `kubectl_dir`: the profile's kubectl, first on PATH."""
        self.ctx = ctx
        self.effects = effects
        self.session = session
        self.kubectl_dir = kubectl_dir

    def perform(self, action: Action) -> Done:
        step, command = action.step, action.command or ""
        refuse_unresolved(command)
        theirs = self._deletes_what_others_made(step)
        if theirs is not None:
            return Done(theirs, status=SKIPPED)
        command = self._mapped_images(self._written_images(step, self._prepared_heredoc(step, command)))
        command = self._own_namespace(command)
        command = self._own_kubeconfig(command)
        command = resolve_hashes(command, step, self.ctx)
        await_logged_jobs(command, step, self.ctx, self.session.expand)
        created = self._created_names(step)
        if created:
            self.ctx.lease.intend(created)  # if we die before labelling them, the next run still finds them
        started = datetime.now(UTC)
        env = self.session.environment({**os.environ, **self.ctx.cluster.kubectl_env()})
        if self.kubectl_dir:
            env["PATH"] = f"{self.kubectl_dir}{os.pathsep}{env.get('PATH', '')}"
        try:
            code, stdout, stderr = self._run(command, env)
            if code != 0 and kubectl_unreachable(stderr) and self._api_came_back():
                # kubectl found no API server (a control-plane restart) and did nothing: the same command once more
                code, stdout, stderr = self._run(command, env)
        except (Interrupted, StepFailed):
            with interrupts_ignored():  # interrupted or timed out: what it made so far is ours to clean up
                self._label_created(step, started)
            raise
        self._label_created(step, started)
        return judge_exit(step, self.ctx.redact, command, code, stdout, stderr)

    def _run(self, command: str, env: dict[str, str]) -> tuple[int, str, str]:
        return run_shell(
            self.session.script(command),
            self.ctx.workspace.root,
            env,
            self.ctx.request.command_timeout,
            self.ctx.cancel,
            alive=self._api_still_there,
        )

    def _api_still_there(self) -> None:
        """While a tutorial's command runs: the API server it talks to is still there, or comes back within
        --outage-timeout (runner.kube.outage, as for the run's own requests); else `ClusterError` (exit 3) stops it."""
        from kubernetes import client

        try:
            client.VersionApi(self.ctx.cluster.api).get_code(_request_timeout=5)
        except Exception as exc:
            err = translate(exc, "reaching the API server while the tutorial's command runs")
            if err.exit_code == 3:
                raise err from exc

    def _api_came_back(self) -> bool:
        """Ride out the outage kubectl ran into (runner.kube.outage); False if it outlasted --outage-timeout."""
        cluster = self.ctx.cluster
        if cluster.outage.timeout <= 0:
            return False
        from kubernetes import client

        try:  # a cheap read, through the cluster's client: it waits while the server is away (up to --outage-timeout)
            client.VersionApi(cluster.api).get_code(_request_timeout=10)
        except Exception:
            return False
        return True

    def _deletes_what_others_made(self, step: Step) -> str | None:
        """A cluster-scoped object the step deletes that is there but was not made by this run (the tutorial's
        `kubectl apply -f ns.yaml` found namespace `demo` already there: "unchanged"): someone else's. Not run."""
        tracked = {r.uid for r in self.ctx.cleaner.tracked}
        for e in self.effects.of_step(step):
            if e.action != "delete" or e.kind not in CLUSTER_SCOPED or e.name == "*" or "$" in e.name:
                continue
            obj = get(self.ctx.cluster, ObjectRef(e.kind, e.name, None))
            meta = (obj or {}).get("metadata") or {}
            if (
                obj is not None
                and meta.get("uid") not in tracked
                and (meta.get("labels") or {}).get(RUN_LABEL) != self.ctx.run_id
            ):
                return (
                    f"deletes {e.kind.lower()}/{e.name}, which was there before this run ({e.kind} is cluster-wide): "
                    "a run deletes only what it made"
                )
        return None

    def _own_namespace(self, command: str) -> str:
        """`kubectl logs web -n default`: `default` is the reader's own namespace, which is the run's (a manifest's
        `namespace: default` is created there too), so kubectl is given the run's."""
        own = self.ctx.cluster.namespace
        if not own or own == READERS_NAMESPACE:
            return command
        for c in bash.parse(command).commands:
            call = kubectl.parse(list(c.words)) if c.words and c.words[0] in ("kubectl", "oc") else None
            if (
                call is not None
                and c.text in command
                and (call.flag("-n", "--namespace") == READERS_NAMESPACE or _DEFAULT_ACCOUNT.search(c.text))
            ):
                command = command.replace(c.text, in_namespace(c.text, own), 1)
        return command

    def _own_kubeconfig(self, command: str) -> str:
        """`cat > developer-kubeconfig.yaml <<EOF` of a kubeconfig whose context has `namespace: default`: the reader's
        own namespace, which is the run's (as in a manifest or `-n default`)."""
        own = self.ctx.cluster.namespace
        doc = heredoc(command) if "kind: Config" in command else None
        if not own or own == READERS_NAMESPACE or doc is None:
            return command
        lines = command.split("\n")
        for line in context_namespace_lines(doc.text, READERS_NAMESPACE):
            at = doc.first_line + line
            if 0 <= at < len(lines):
                lines[at] = re.sub(rf"(:\s*)['\"]?{READERS_NAMESPACE}['\"]?(\s*)$", rf"\g<1>{own}\g<2>", lines[at])
        return "\n".join(lines)

    def _mapped_images(self, command: str) -> str:
        """`kubectl run web --image=nginx:1.18`, `kubectl create deployment … --image …`: the image this cluster uses
        for it, as for the images of a manifest."""
        for words in segments(command):
            call = kubectl.parse(words) if words and words[0] in ("kubectl", "oc") else None
            for image in call.images if call is not None else ():
                if "$" in image or "<" in image:
                    continue
                mapped = self.ctx.workspace.image(image)
                if mapped != image:  # `--image=nginx:1.18`, `--image nginx`, `set image deploy/web nginx=nginx:1.9.1`
                    pattern = rf"((?:--image[= ]|[\w*.-]+=)(['\"]?)){re.escape(image)}\2(?=\s|$)"
                    command = re.sub(pattern, rf"\g<1>{mapped}\g<2>", command, count=1)
        return command

    def _written_images(self, step: Step, command: str) -> str:
        """`cat > deploy.yaml <<'EOF' … image: nginx:1.25-alpine … EOF`: the file a here-document writes names the images
        this cluster uses for them, as a manifest block's file does (the rest of the body stays as written)."""
        written = self.effects.written.get(step.index)
        if written is None or command != step.command:
            return command
        for m in written[1]:
            for container in pod_containers(m.obj.body or {}):
                image = container.image
                mapped = self.ctx.workspace.image(image) if image and "$" not in image and "<" not in image else image
                if image and mapped != image:
                    pattern = rf"(\bimage:[ \t]*)(['\"]?){re.escape(image)}\2(?=[ \t]*(?:#.*)?$)"
                    command = re.sub(pattern, rf"\g<1>{mapped}", command, flags=re.M)
        return command

    def _prepared_heredoc(self, step: Step, command: str) -> str:
        """`kubectl apply -f - <<EOF ... EOF`: the here-document's objects as this run creates them (labelled, images mapped)."""
        manifests = self.effects.heredocs.get(step.index)
        doc = heredoc(command)
        if not manifests or doc is None or command != step.command:
            return command
        body = self.ctx.workspace.prepared_yaml_of([m.obj for m in manifests]).rstrip("\n").split("\n")
        lines = command.split("\n")
        head = "\n".join(lines[: doc.first_line])
        if not doc.quoted and not doc.expands:
            # `echo item \$ITEM` was read as bash gives it (`$ITEM`, literally): the prepared body is quoted, so bash
            # leaves it as it is
            head = re.sub(rf"<<(-?)\s*{re.escape(doc.delimiter)}\b", rf"<<\1'{doc.delimiter}'", head, count=1)
        return "\n".join([head, *body, doc.delimiter])

    def _created_names(self, step: Step) -> list[tuple[str, str]]:
        """(kind, name) of every named object the step's command may create; `cm-$USER` as the terminal expands it now."""
        names = [(e.kind, e.name) for e in self.effects.of_step(step) if e.creates and e.kind and e.name and not e.generated]
        expanded = self.session.expand(name for _, name in names)
        out = [(kind, expanded.get(name, name)) for kind, name in names]
        return list(dict.fromkeys((kind, name) for kind, name in out if "$" not in name))

    def _label_created(self, step: Step, started: datetime) -> None:
        """Objects the command created or replaced get our labels and are tracked for cleanup."""
        cluster, cleaner, run_id = self.ctx.cluster, self.ctx.cleaner, self.ctx.run_id
        tracked_uids = {r.uid for r in cleaner.tracked}
        for kind, name in self._created_names(step):
            ref = ObjectRef(kind, name, cluster.namespace)
            obj = get(cluster, ref)
            if obj is None:
                continue
            meta = obj.get("metadata") or {}
            created_at = meta.get("creationTimestamp")
            ours = meta.get("uid") in tracked_uids or (meta.get("labels") or {}).get(RUN_LABEL) == run_id
            fresh = created_at and _parse_time(created_at).timestamp() >= started.timestamp() - 2
            if not (ours or fresh):
                continue  # an object this run did not make: never label (and so never delete) it
            if (meta.get("labels") or {}).get(RUN_LABEL) != run_id:
                patch_labels(cluster, ref, self.ctx.workspace.labels)
            cleaner.track(ObjectRef(kind, name, cluster.namespace, ref.version, meta.get("uid")))


def _parse_time(value: str) -> datetime:
    return timestamp(value) or datetime.min.replace(tzinfo=UTC)
