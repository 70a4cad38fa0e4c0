#!/usr/bin/env bash
# Builds (once) the CEL evaluator test/identity/cel with cel-go from the Go module proxy and prints its path. Cached
# outside the repository, keyed by a hash of the module: ${XDG_CACHE_HOME:-$HOME/.cache}/data-infra/celcheck-<hash>/.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
key=$(cat "$here/cel/go.mod" "$here/cel/go.sum" "$here/cel/main.go" "$0" | sha256sum | cut -c1-12)
dir="${XDG_CACHE_HOME:-$HOME/.cache}/data-infra/celcheck-$key"
if [ -x "$dir/celcheck" ]; then
    echo "$dir/celcheck"
    exit 0
fi
log="/tmp/celcheck-build-$key.log"
rm -rf "$dir.tmp"
mkdir -p "$dir.tmp"
if ! (cd "$here/cel" && GOFLAGS=-mod=readonly go build -trimpath -o "$dir.tmp/celcheck" .) >"$log" 2>&1; then
    tail -20 "$log" >&2
    echo "identity CEL check: building the evaluator failed; full log: $log" >&2
    exit 1
fi
rm -rf "$dir"
mv "$dir.tmp" "$dir"
echo "$dir/celcheck"
