#!/usr/bin/env bash
# Builds helm from its Go module at a pinned v3 tag into the shared tool cache and prints the binary's path.
# A second run finds the binary and returns at once. Used by .ci/run (issue 16: rendered manifests in the review).
set -euo pipefail
HELM_VERSION="${HELM_VERSION:-v3.19.5}"
dir="${XDG_CACHE_HOME:-$HOME/.cache}/data-infra/helm-${HELM_VERSION}"
if [ ! -x "$dir/helm" ]; then
    mkdir -p "$dir"
    # CGO off: a static binary that does not depend on the runner's libc.
    CGO_ENABLED=0 GOBIN="$dir" GOFLAGS=-mod=mod go install "helm.sh/helm/v3/cmd/helm@${HELM_VERSION}" >&2
fi
echo "$dir/helm"
