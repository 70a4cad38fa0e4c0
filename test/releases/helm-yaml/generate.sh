#!/usr/bin/env bash
# Regenerates table.json: each corpus file read by Helm's own values reader (helm.sh/helm/v3 pkg/chartutil.ReadValues,
# v3.19.0, i.e. sigs.k8s.io/yaml over its go-yaml v2 fork), as `helm install -f <file>` reads it.
# Needs Go and the Go module proxy; not part of `npm test` (the build fetches ~150 modules).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
grep -v "^//go:build ignore" "$here/reference.go" >"$work/main.go"
cd "$work"
go mod init helmref >/dev/null 2>&1
go get helm.sh/helm/v3@v3.19.0 >/dev/null 2>&1
go mod tidy >/dev/null 2>&1
go build -o helmref .
cd "$here/corpus"
"$work/helmref" *.yaml >"$here/table.json"
