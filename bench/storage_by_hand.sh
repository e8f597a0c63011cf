#!/usr/bin/env bash
# The storage lesson's steps as a participant would script them with kubectl, for bench/run_vs_kubectl.py.
# Usage: storage_by_hand.sh USER NAMESPACE WORKDIR (WORKDIR holds s1.yaml, pvc.yaml, s3.yaml rendered for USER)
set -euo pipefail
u=$1; ns=$2; cd "$3"
k() { kubectl -n "$ns" "$@"; }
k create -f s1.yaml
k wait --for=condition=Ready "pod/s1-$u" --timeout=120s
k exec "s1-$u" -- df -h / /mnt/myscratch /tmp /mytmp /dev/shm >/dev/null
k exec "s1-$u" -- ls -la /mnt/myscratch /mytmp >/dev/null
k exec "s1-$u" -- df -P / /mnt/myscratch /dev/shm >/dev/null
k exec "s1-$u" -- df -P / /mytmp /dev/shm >/dev/null
k delete pod "s1-$u" --wait=true
k create -f pvc.yaml
k wait --for=jsonpath='{.status.phase}'=Bound "pvc/vol-$u" --timeout=120s
k get pvc "vol-$u" >/dev/null
k create -f s3.yaml
k wait --for=condition=Complete "job/s3-$u" --timeout=180s
k delete job "s3-$u" --wait=true
k create -f s3.yaml
k wait --for=condition=Complete "job/s3-$u" --timeout=180s
k run "inspect-$u" --image=busybox --restart=Never --overrides="{\"spec\":{\"volumes\":[{\"name\":\"d\",\"persistentVolumeClaim\":{\"claimName\":\"vol-$u\"}}],\"containers\":[{\"name\":\"i\",\"image\":\"busybox\",\"command\":[\"ls\",\"/data\"],\"volumeMounts\":[{\"name\":\"d\",\"mountPath\":\"/data\"}]}]}}" >/dev/null
k wait --for=jsonpath='{.status.phase}'=Succeeded "pod/inspect-$u" --timeout=120s
k logs "inspect-$u" | wc -l >/dev/null
k delete pod "inspect-$u" --wait=true
k delete job "s3-$u" --wait=true
k delete pvc "vol-$u" --wait=true
