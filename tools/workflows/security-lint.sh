#!/usr/bin/env bash
# Static security checks of the rendered workflows: actionlint (GitHub's workflow schema, expressions, shell) and
# zizmor (template injection, excessive permissions, dangerous triggers, unpinned actions, ...).
#
# Both tools are installed on first use and cached outside the repository, so a second run is instant:
#   ${XDG_CACHE_HOME:-$HOME/.cache}/data-infra/actionlint-<version>/actionlint   (built from the Go module proxy)
#   ${XDG_CACHE_HOME:-$HOME/.cache}/data-infra/zizmor-<version>/bin/zizmor       (a venv from PyPI)
# Findings we accept are justified one by one in .github/zizmor.yml; there are none for actionlint.
#
#   --install-only   install the tools (if missing) and exit
#   --if-installed   run only when both tools are already cached (what `npm test` does), else say so and exit 0
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
ACTIONLINT_VERSION=v1.7.12
ZIZMOR_VERSION=1.32.0
cache="${XDG_CACHE_HOME:-$HOME/.cache}/data-infra"
actionlint="$cache/actionlint-$ACTIONLINT_VERSION/actionlint"
zizmor="$cache/zizmor-$ZIZMOR_VERSION/bin/zizmor"

mode="${1:-}"
if [ "$mode" = "--if-installed" ]; then
    if [ ! -x "$actionlint" ] || [ ! -x "$zizmor" ]; then
        echo "workflow security lint: actionlint/zizmor not installed, skipped here (CI runs npm run test:workflows-security)"
        exit 0
    fi
fi

if [ ! -x "$actionlint" ]; then
    echo "installing actionlint $ACTIONLINT_VERSION into $(dirname "$actionlint") (first run only)" >&2
    rm -rf "$actionlint.tmp" && mkdir -p "$actionlint.tmp"
    GOBIN="$actionlint.tmp" GOFLAGS=-mod=mod go install "github.com/rhysd/actionlint/cmd/actionlint@$ACTIONLINT_VERSION" >&2
    mkdir -p "$(dirname "$actionlint")" && mv "$actionlint.tmp/actionlint" "$actionlint" && rm -rf "$actionlint.tmp"
fi
if [ ! -x "$zizmor" ]; then
    venv="$cache/zizmor-$ZIZMOR_VERSION"
    echo "installing zizmor $ZIZMOR_VERSION into $venv (first run only)" >&2
    # bin/zizmor appears only when pip finished, so an interrupted install is redone from scratch.
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check "zizmor==$ZIZMOR_VERSION" >&2
fi
[ "$mode" = "--install-only" ] && exit 0

cd "$root"
shopt -s nullglob
files=(.github/workflows/*.yml)
[ ${#files[@]} -gt 0 ] || { echo "no rendered workflows under .github/workflows" >&2; exit 1; }
echo "actionlint $ACTIONLINT_VERSION on ${#files[@]} workflows"
# Without shellcheck on PATH actionlint skips its shell checks; say so rather than pretend.
command -v shellcheck >/dev/null || echo "  (shellcheck not on PATH: run: scripts are checked for syntax only)"
"$actionlint" -no-color "${files[@]}"
echo "zizmor $ZIZMOR_VERSION on ${#files[@]} workflows"
# --offline: no GitHub API here; the online audits (impostor commits, known-vulnerable actions) need a token.
"$zizmor" --offline --no-progress --config .github/zizmor.yml --min-severity informational "${files[@]}"
echo "workflow security lint: 0 findings"
