#!/usr/bin/env bash
# Creates a virtualenv with a pinned pip in the shared tool cache and prints its python's path. A second run finds it
# and returns at once. Used by .ci/run (issue 20: the PyPI preflight's real-resolver tests). pip 25.3 is the pip the
# requirements parser is checked against (issue 17's block); `pip install --dry-run --report` with --python-version
# and --platform needs pip >= 24.1 (older pips demand --target).
set -euo pipefail
PIP_VERSION="${PIP_VERSION:-25.3}"
dir="${XDG_CACHE_HOME:-$HOME/.cache}/data-infra/pip-${PIP_VERSION}"
if [ ! -x "$dir/bin/python" ] || [ "$("$dir/bin/python" -m pip --version | cut -d' ' -f2)" != "$PIP_VERSION" ]; then
    python3 -m venv "$dir" >&2
    "$dir/bin/python" -m pip install --quiet --disable-pip-version-check "pip==${PIP_VERSION}" >&2
fi
echo "$dir/bin/python"
