#!/usr/bin/env bash
# Prints the directory holding kube-apiserver and etcd, building them first if this version is
# not cached. They let make test-k8s check the manifests against a real API server on a machine
# with no cluster and no way to download release binaries. The first build is long (tens of
# minutes on two busy cores: kube-apiserver is a very large program); progress goes to stderr
# so the directory stays alone on stdout.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
src="$root/tools/kube"
version="$(awk '$1 == "k8s.io/kubernetes" {print $2}' "$src/go.mod" | head -n1)"
etcd_version="$(grep -oE "go.etcd.io/etcd/server/v3 v[0-9.]+" "$src/etcd/go.mod" | head -n1 | cut -d" " -f2)"
# Outside the checkout, so fresh clones (CI) on the same machine reuse it.
dir="${XDG_CACHE_HOME:-$HOME/.cache}/novera/kube-$version"
# The directory is named by the Kubernetes version; the stamp also covers etcd's version and the
# mains, so changing either rebuilds instead of silently testing against a stale binary.
stamp="$(cat "$src/go.mod" "$src/go.sum" "$src/etcd/go.mod" "$src/etcd/go.sum" \
  "$src/cmd/kube-apiserver/main.go" "$src/etcd/cmd/etcd/main.go" | sha256sum | cut -d' ' -f1)"
fresh() { [ -x "$dir/kube-apiserver" ] && [ -x "$dir/etcd" ] && [ "$(cat "$dir/stamp" 2>/dev/null)" = "$stamp" ]; }
mkdir -p "$dir"
# One build at a time per machine: a second caller (another checkout, a parallel make) waits
# for the first and then finds the binaries fresh.
exec 9>"$dir/.lock"
fresh || flock -n 9 || { echo "kube: another build holds $dir/.lock; waiting for it" >&2; flock 9; }
if ! fresh; then
  rm -f "$dir/stamp"
  # Static, without VCS stamping (the checkout may be shared or dirty); the version variables are
  # what upstream's release build sets, so /version answers like a released binary.
  pkg=k8s.io/component-base/version
  minor="$(echo "$version" | cut -d. -f2)"
  ldflags="-s -w -X $pkg.gitVersion=$version -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor -X $pkg.gitTreeState=clean"
  export GOWORK=off GOFLAGS=-buildvcs=false CGO_ENABLED=0
  echo "kube: building etcd $etcd_version into $dir (once per machine)" >&2
  (cd "$src/etcd" && nice -n 10 go build -trimpath -ldflags "-s -w" -o "$dir/etcd.tmp" ./cmd/etcd)
  mv "$dir/etcd.tmp" "$dir/etcd"
  echo "kube: building kube-apiserver $version into $dir (once per machine; this is the long one)" >&2
  start=$SECONDS
  (cd "$src" && nice -n 10 go build -trimpath -ldflags "$ldflags" -o "$dir/kube-apiserver.tmp" ./cmd/kube-apiserver)
  mv "$dir/kube-apiserver.tmp" "$dir/kube-apiserver"
  echo "kube: kube-apiserver built in $((SECONDS - start))s" >&2
  echo "$stamp" > "$dir/stamp"
fi
echo "$dir"
