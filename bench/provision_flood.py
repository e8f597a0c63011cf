"""How long one participant's claim waits for a volume while someone else floods the shared provisioner.

The local cluster is shared: a graded cohort creates (then deletes) hundreds of
claims at once in its namespace. Meanwhile a lesson's claim must still bind
well within the lesson's 120 s. This script floods one namespace with N claims,
then deletes them all, and during each flood times a probe claim in another
namespace from creation to Bound. It prints the figures beside the idle case
(the same probe with no flood).

    python bench/provision_flood.py --claims 200

Before the fix in runner/cluster/agent.py every deleted claim made the agent
list every PV (about 1 s for 1000 PVs on this machine, measured), one after
the other, so a deletion flood of N claims held every other claim Pending for
about N seconds.
"""

from __future__ import annotations

import argparse
import time
import uuid

from kubernetes import client, config, watch

from runner.cluster import paths


def claim(name: str) -> dict:
    return {
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": {"name": name, "labels": {"bench": "provision-flood"}},
        "spec": {
            "storageClassName": "rook-cephfs",
            "accessModes": ["ReadWriteMany"],
            "resources": {"requests": {"storage": "1Gi"}},
        },
    }


def time_to_bound(core: client.CoreV1Api, ns: str, timeout: float = 600) -> tuple[float, float]:
    """(seconds until the probe claim was Bound, seconds until its volume existed: the provisioner's share)."""
    name = f"probe-{uuid.uuid4().hex[:5]}"
    t0 = time.monotonic()
    created = core.create_namespaced_persistent_volume_claim(ns, claim(name))
    provisioned = None
    w = watch.Watch()
    for ev in w.stream(
        core.list_namespaced_persistent_volume_claim, ns, field_selector=f"metadata.name={name}", timeout_seconds=int(timeout)
    ):
        if (ev["object"].status.phase or "") == "Bound":
            w.stop()
            break
    seconds = time.monotonic() - t0
    try:
        pv = core.read_persistent_volume(f"pvc-{created.metadata.uid}")
        provisioned = (pv.metadata.creation_timestamp - created.metadata.creation_timestamp).total_seconds()
    except client.ApiException:
        provisioned = float("nan")
    core.delete_namespaced_persistent_volume_claim(name, ns)
    return seconds, provisioned


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--claims", type=int, default=200)
    args = ap.parse_args()
    api = config.new_client_from_config(config_file=str(paths.admin_kubeconfig()))
    core = client.CoreV1Api(api)
    flood, probe = f"flood-{uuid.uuid4().hex[:5]}", f"probe-{uuid.uuid4().hex[:5]}"
    for ns in (flood, probe):
        core.create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(name=ns)))
    try:
        idle = time_to_bound(core, probe)
        for i in range(args.claims):
            core.create_namespaced_persistent_volume_claim(flood, claim(f"c{i:04d}"))
        during_create = time_to_bound(core, probe)
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:  # all bound, so that the deletion frees N volumes
            phases = [c.status.phase for c in core.list_namespaced_persistent_volume_claim(flood).items]
            if phases.count("Bound") == args.claims:
                break
            time.sleep(1)  # a bench polls the count: no object to watch for "all of them"
        core.delete_collection_namespaced_persistent_volume_claim(flood)
        during_delete = time_to_bound(core, probe)
    finally:
        for ns in (flood, probe):
            core.delete_namespace(ns)
    print(f"{'probe claim (seconds)':<52} {'to Bound':>9} {'to its PV':>10}")
    for what, (bound, pv) in (
        ("idle cluster", idle),
        (f"while {args.claims} claims are created elsewhere", during_create),
        (f"while {args.claims} claims are deleted elsewhere", during_delete),
    ):
        print(f"{what:<52} {bound:9.1f} {pv:10.0f}")
    print("(to its PV: from the claim's creation to its volume's, whole seconds; the rest is the PV controller's binding)")


if __name__ == "__main__":
    main()
