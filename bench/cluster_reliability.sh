#!/usr/bin/env bash
# Bring the local cluster up and down repeatedly, through every kind of stop, and check
# that `up` succeeds every time. Usage: sudo bench/cluster_reliability.sh [ROUNDS]
# Prints one line per step with its duration; exits non-zero on the first failure.
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-2}
T() { python3 -m runner.cli.cluster "$@"; }
step() {  # step NAME CMD...
  local name=$1; shift
  local t0=$(date +%s%N)
  if ! "$@" > /tmp/cluster_reliability.step.log 2>&1; then
    echo "FAIL $name"; tail -30 /tmp/cluster_reliability.step.log; exit 1
  fi
  local ms=$(( ($(date +%s%N) - t0) / 1000000 ))
  printf '%-30s ok %4d.%01ds\n' "$name" $((ms / 1000)) $((ms % 1000 / 100))
}
kill9_all() {
  for f in /var/lib/tutorial-runner/local/run/*.pid; do
    pid=$(python3 -c 'import json,sys;print(json.load(open(sys.argv[1]))["pid"])' "$f") || continue
    kill -9 "$pid" 2>/dev/null || true
  done
}
kill9_world() {  # as at the end of a CI run: everything dies, shims and containers too
  kill9_all
  for p in $(pgrep -f -- "-address /run/tutorial-runner/containerd/containerd.sock" || true); do kill -9 "$p" 2>/dev/null || true; done
  for f in $(find /sys/fs/cgroup/pids/kubepods -name cgroup.procs 2>/dev/null); do
    for p in $(cat "$f"); do kill -9 "$p" 2>/dev/null || true; done
  done
}
workload() {  # a running pod with an emptyDir and a PVC, left behind on purpose
  export KUBECONFIG=/var/lib/tutorial-runner/local/admin.kubeconfig
  K=/var/cache/tutorial-runner/build/k8s-v1.34.4/bin/kubectl
  $K delete pod rel-sleeper --now --ignore-not-found >/dev/null
  $K apply -f - <<'YAML'
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: rel-claim}
spec: {accessModes: [ReadWriteOnce], storageClassName: rook-block, resources: {requests: {storage: 1Gi}}}
---
apiVersion: v1
kind: Pod
metadata: {name: rel-sleeper}
spec:
  terminationGracePeriodSeconds: 0
  containers:
  - {name: s, image: busybox:latest, command: [sh, -c, "date >> /d/log; sleep 3600"], volumeMounts: [{name: d, mountPath: /d}, {name: m, mountPath: /m}]}
  volumes:
  - {name: d, persistentVolumeClaim: {claimName: rel-claim}}
  - {name: m, emptyDir: {medium: Memory}}
YAML
  $K wait --for=condition=Ready pod/rel-sleeper --timeout=90s
}
for i in $(seq 1 "$ROUNDS"); do
  echo "== round $i"
  step "up (from down)" T up
  step "up (already up)" T up
  step "status" T status
  step "workload" workload
  step "down" T down
  step "up (after down)" T up
  step "workload (after down)" workload
  step "kill -9 everything" kill9_all
  step "up (after kill -9)" T up
  step "workload (after kill -9)" workload
  step "kill -9 incl. containers" kill9_world
  step "up (after kill -9 world)" T up
  step "workload (after that)" workload
  step "down --reset" T down --reset
done
step "up (after reset)" T up
step "status" T status
