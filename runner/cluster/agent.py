"""The cluster agent: one host process that runs the storage provisioner and GPU stand-in.

Started detached with the cluster (pidfile ``agent.pid``). It watches PVCs so that claims
are Bound within about a second, re-applies the node's simulated GPU capacity every few
seconds (a kubelet restart resets it), and every half minute re-reconciles every claim and
Released volume, so a missed event is repaired without anyone noticing. Errors are logged
and retried, never fatal.

The cluster is shared: one user's flood (a graded cohort of 1000 claims created or
deleted at once) must not starve another's claim. So a deleted claim costs one read of
its own volume (never a listing of all of them), and the watch resumes from where it
was (no replay of every claim every few seconds).
"""

from __future__ import annotations

import argparse
import time
import traceback

from kubernetes import client, config, watch

from runner.cluster import gpu, storage

WATCH_SECONDS = 5  # the longest a watch runs before the GPU capacity is checked again
RESYNC_SECONDS = 30  # a full pass over every claim and volume


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--kubeconfig", required=True)
    ap.add_argument("--node", required=True)
    a = ap.parse_args()
    api = config.new_client_from_config(config_file=a.kubeconfig)
    core = client.CoreV1Api(api)
    print("agent started", flush=True)
    while True:
        try:
            storage.ensure_storage_classes(api)
            break
        except Exception as e:  # apiserver not ready yet
            print(f"storage classes: {e}", flush=True)
            time.sleep(2)
    version: str | None = None
    resync_at = 0.0
    released: set[str] = set()  # volumes of deleted claims that were not Released yet when we looked
    while True:
        try:
            if version is None or time.monotonic() >= resync_at:
                version = storage.reconcile_all(api)
                resync_at = time.monotonic() + RESYNC_SECONDS
                released.clear()
            try:
                if gpu.ensure_gpu(api, a.node):
                    print("node GPU capacity/labels (re)applied", flush=True)
            except client.ApiException as e:
                if e.status != 404:  # node not registered yet
                    raise
            released = {name for name in released if not storage.reclaim_volume(api, name)}
            w = watch.Watch()
            for ev in w.stream(
                core.list_persistent_volume_claim_for_all_namespaces,
                resource_version=version,
                timeout_seconds=WATCH_SECONDS,
            ):
                pvc = ev["object"]
                version = pvc.metadata.resource_version
                if ev["type"] in ("ADDED", "MODIFIED"):
                    pv = storage.provision(api, pvc)
                    if pv:
                        print(f"provisioned {pv} for {pvc.metadata.namespace}/{pvc.metadata.name}", flush=True)
                elif ev["type"] == "DELETED" and pvc.spec.volume_name and not storage.reclaim_volume(api, pvc.spec.volume_name):
                    released.add(pvc.spec.volume_name)  # the PV controller marks it Released in a moment
        except client.ApiException as e:
            if e.status == 410:  # our place in the history is gone: list again
                version = None
                continue
            traceback.print_exc()
            time.sleep(2)
        except Exception:
            traceback.print_exc()
            version = None
            time.sleep(2)


if __name__ == "__main__":
    main()
