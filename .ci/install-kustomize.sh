#!/usr/bin/env bash
# Builds kustomize from its Go module at a pinned v5 tag into the shared tool cache and prints the binary's path.
# A second run finds the binary and returns at once. Used by .ci/run (issue 16: rendered kustomize manifests in the
# review). v5.5.0 is the kustomize that kubectl v1.32 embeds (`kubectl version --client`), so `kubectl kustomize`
# on a runner and this binary render alike.
set -euo pipefail
KUSTOMIZE_VERSION="${KUSTOMIZE_VERSION:-v5.5.0}"
dir="${XDG_CACHE_HOME:-$HOME/.cache}/data-infra/kustomize-${KUSTOMIZE_VERSION}"
if [ ! -x "$dir/kustomize" ]; then
    mkdir -p "$dir"
    # CGO off: a static binary that does not depend on the runner's libc.
    CGO_ENABLED=0 GOBIN="$dir" GOFLAGS=-mod=mod go install "sigs.k8s.io/kustomize/kustomize/v5@${KUSTOMIZE_VERSION}" >&2
fi
echo "$dir/kustomize"
