#!/usr/bin/env bash
# Measure the local cluster: warm `up` after `down`, after `down --reset`, when already up,
# and the resident memory of every component (idle, no workload pods).
# Usage (root): bench/cluster_measure.sh   (the build must already be cached)
set -euo pipefail
cd "$(dirname "$0")/.."
T() { python3 -m runner.cli.cluster "$@"; }
secs() { local t0=$(date +%s%N); "$@" > /dev/null; local ms=$(( ($(date +%s%N) - t0) / 1000000 )); printf '%d.%01d' $((ms / 1000)) $((ms % 1000 / 100)); }
T up -q
echo "up (already up):        $(secs T up -q) s"
T down > /dev/null
echo "up (after down):        $(secs T up -q) s"
T down --reset > /dev/null
echo "up (after down --reset): $(secs T up -q) s"
sleep 20  # let the control plane settle before reading RSS
T status --json > /tmp/cluster_status.json || true
python3 - <<'PY'
import json
d = json.load(open("/tmp/cluster_status.json"))
for c in d["components"]:
    print(f"  {c['name']:<24} {c['rss_mib']:>7} MiB")
print(f"  {'container shims':<24} {d['shims_rss_mib']:>7} MiB")
print(f"  {'total':<24} {d['total_rss_mib']:>7} MiB")
PY
