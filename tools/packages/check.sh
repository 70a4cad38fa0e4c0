#!/usr/bin/env bash
# Lint, type check and test every in-repository Python package (packages/<name>/pyproject.toml), as its
# build-<name>.yml does on GitHub: ruff check, ruff format --check, mypy (when the pyproject has [tool.mypy]), pytest.
# Tools come from the package's pinned `dev` extra, installed into a venv under .tmp/packages/<name>/ (reused while
# pyproject.toml is unchanged). Exits non-zero on the first failing package step.
#
#   bash tools/packages/check.sh [packages/<name> ...]      (default: every package)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
dirs=("$@")
if [ ${#dirs[@]} -eq 0 ]; then
    for f in packages/*/pyproject.toml; do dirs+=("$(dirname "$f")"); done
fi
[ ${#dirs[@]} -gt 0 ] || { echo "no packages under packages/" >&2; exit 1; }
for dir in "${dirs[@]}"; do
    name=$(basename "$dir")
    venv="$root/.tmp/packages/$name"
    stamp="$venv/.pyproject.sha256"
    want=$(sha256sum "$dir/pyproject.toml" | cut -d' ' -f1)
    if [ ! -x "$venv/bin/pytest" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
        echo "package $name: installing $dir[dev] into .tmp/packages/$name"
        rm -rf "$venv"
        python3 -m venv "$venv"
        "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -e "$dir[dev]"
        echo "$want" > "$stamp"
    fi
    echo "package $name: $("$venv/bin/python" --version), ruff $("$venv/bin/ruff" --version | cut -d' ' -f2)"
    (
        cd "$dir"
        "$venv/bin/ruff" check --no-cache .
        "$venv/bin/ruff" format --no-cache --check .
        if grep -q '^\[tool\.mypy\]' pyproject.toml; then "$venv/bin/mypy" --cache-dir "$venv/.mypy_cache"; fi
        "$venv/bin/pytest" -p no:cacheprovider -q
    )
done
