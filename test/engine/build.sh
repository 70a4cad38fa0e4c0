#!/usr/bin/env bash
# Finds or builds the engine tier's Pulumi CLI and Node.js language host; prints the directory that holds both.
#
# - A `pulumi` on PATH at the version of @pulumi/pulumi in package-lock.json is used as is (with the
#   pulumi-language-nodejs shipped next to it).
# - Otherwise the CLI is built from the Go module proxy through the wrapper module test/engine/go (the pkg/v3 version
#   required there), together with our language host (test/engine/go/langhost). The binaries are cached outside the
#   repository, keyed by that version and a hash of the wrapper module, so a second run is instant:
#   ${XDG_CACHE_HOME:-$HOME/.cache}/data-infra/pulumi-<version>-<hash>/. Build output goes to /tmp/engine-build-*.log.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)

pinned=v$(node -p 'require(process.argv[1]).packages["node_modules/@pulumi/pulumi"].version' "$root/package-lock.json")
if command -v pulumi >/dev/null 2>&1 && [ "$(pulumi version 2>/dev/null)" = "$pinned" ]; then
    dirname "$(command -v pulumi)"
    exit 0
fi

version=$(awk '$1 == "github.com/pulumi/pulumi/pkg/v3" { print $2 }' "$here/go/go.mod")
key=$(cat "$here/go/go.mod" "$here/go/go.sum" "$here/go/langhost/main.go" "$0" | sha256sum | cut -c1-12)
dir="${XDG_CACHE_HOME:-$HOME/.cache}/data-infra/pulumi-$version-$key"
if [ -x "$dir/pulumi" ] && [ -x "$dir/pulumi-language-nodejs" ]; then
    echo "$dir"
    exit 0
fi

log="/tmp/engine-build-$version-$key.log"
echo "engine tier: building the Pulumi CLI $version and the language host (first run only; log: $log)" >&2
start=$(date +%s)
rm -rf "$dir.tmp"
mkdir -p "$dir.tmp"
if ! (
    cd "$here/go"
    export GOFLAGS=-mod=readonly
    go build -trimpath -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$version" \
        -o "$dir.tmp/pulumi" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
    go build -trimpath -ldflags "-s -w -X main.version=$version" -o "$dir.tmp/pulumi-language-nodejs" ./langhost
) >"$log" 2>&1; then
    tail -40 "$log" >&2
    echo "engine tier: building the Pulumi CLI failed; full log: $log" >&2
    exit 1
fi
rm -rf "$dir"
mv "$dir.tmp" "$dir"
echo "engine tier: built in $(($(date +%s) - start)) s into $dir" >&2
echo "$dir"
