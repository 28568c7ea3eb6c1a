#!/usr/bin/env bash
# Prints the path of the Jaeger binary, building it first if this version is not cached.
# The build takes a few minutes once per machine (it is a large program); progress goes to
# stderr so the path stays alone on stdout.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
version="$(awk '$1 == "github.com/jaegertracing/jaeger" {print $2}' "$root/tools/jaeger/go.mod")"
# Outside the checkout, so fresh clones (CI) on the same machine reuse it.
bin="${XDG_CACHE_HOME:-$HOME/.cache}/novera/jaeger-$version/jaeger"
if [ ! -x "$bin" ]; then
  echo "jaeger: building $version from the Go module proxy into $bin (once per machine; a few minutes)" >&2
  mkdir -p "$(dirname "$bin")"
  (cd "$root/tools/jaeger" && GOWORK=off GOFLAGS=-buildvcs=false go build -o "$bin.tmp" github.com/jaegertracing/jaeger/cmd/jaeger)
  mv "$bin.tmp" "$bin"
fi
echo "$bin"
