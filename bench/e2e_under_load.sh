#!/usr/bin/env bash
# The e2e suite N times in a row (default 3) on the local cluster, with a CPU hog busy on one core
# the whole time, and without it for comparison (HOG=0): issue 14's "no flakes" measurement.
# Prints one line per run (passed/failed/seconds) and the failing tests; the log of each run
# stays in $OUT (default .test-output/e2e-under-load/).
#   bash bench/e2e_under_load.sh [RUNS]
set -uo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-3}
OUT=${OUT:-.test-output/e2e-under-load}
mkdir -p "$OUT"
hog_pid=""
if [ "${HOG:-1}" = 1 ]; then
  taskset -c 0 sh -c 'while :; do :; done' &
  hog_pid=$!
  trap 'kill $hog_pid 2>/dev/null' EXIT
  echo "cpu hog: pid $hog_pid busy on core 0 of $(nproc)"
fi
python -m runner.cli cluster up >/dev/null || { echo "cluster up failed"; exit 1; }
for i in $(seq 1 "$RUNS"); do
  t0=$(date +%s)
  python -m pytest tests/e2e -q -p no:cacheprovider >"$OUT/run-$i.log" 2>&1
  rc=$?
  t1=$(date +%s)
  summary=$(grep -E "(passed|failed|error).* in [0-9.]+s" "$OUT/run-$i.log" | tail -1 | tr -d '=')
  echo "run $i: exit $rc, $((t1 - t0)) s:$summary"
  grep -E "^(FAILED|ERROR) " "$OUT/run-$i.log" | sed 's/^/    /'
done
