"""The cluster agent: one host process that runs the storage provisioner and GPU stand-in.

Started detached with the cluster (pidfile ``agent.pid``). It watches PVCs so that claims
are Bound within about a second, and every few seconds re-reconciles everything (PVCs,
Released PVs, the node's simulated GPU capacity) so a missed event or a kubelet restart
is repaired without anyone noticing. Errors are logged and retried, never fatal.
"""

from __future__ import annotations

import argparse
import time
import traceback

from kubernetes import client, config, watch

from runner.cluster import gpu, storage


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
    while True:
        try:
            storage.reconcile_all(api)
            try:
                if gpu.ensure_gpu(api, a.node):
                    print("node GPU capacity/labels (re)applied", flush=True)
            except client.ApiException as e:
                if e.status != 404:  # node not registered yet
                    raise
            w = watch.Watch()
            for ev in w.stream(core.list_persistent_volume_claim_for_all_namespaces, timeout_seconds=4):
                if ev["type"] in ("ADDED", "MODIFIED"):
                    pv = storage.provision(api, ev["object"])
                    if pv:
                        print(f"provisioned {pv} for {ev['object'].metadata.namespace}/{ev['object'].metadata.name}", flush=True)
                elif ev["type"] == "DELETED":
                    storage.reclaim(api)
        except Exception:
            traceback.print_exc()
            time.sleep(2)


if __name__ == "__main__":
    main()
