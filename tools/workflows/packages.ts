/**
 * `build-<package>.yml` for the in-repository Python packages listed in `packages/packages.yaml` (issue 19, item 1).
 */
import { DEFAULT_BRANCH } from "../../components/github/naming";
import { Problems } from "../../lib/problems";
import { actions, expr, RUNNER, timeoutMinutes, type Job, type Step, type Workflow } from "./common";

/** One Python package under `packages/<name>/` (an entry of `packages/packages.yaml`). */
export interface PackageSpec {
    /** Folder under `packages/` and distribution name in its `pyproject.toml`. */
    readonly name: string;
    /** The Python CI runs it on (`3.<minor>`): the lower bound of its `requires-python`. */
    readonly python: string;
    /** Whether CI type checks it (mypy, configured in its `pyproject.toml`). */
    readonly mypy: boolean;
    /** `pypi` (trusted publishing to PyPI) or another index: its upload URL and its simple (PEP 503) URL. */
    readonly index: "pypi" | { readonly upload: string; readonly simple: string };
}

/** The pinned `build` frontend the publish job builds the sdist and wheel with. */
export const BUILD_VERSION = "1.6.1";

const PYPI_SIMPLE = "https://pypi.org/simple/";

/** The GitHub environment the publish job runs in; PyPI's trusted publisher names it (and only this workflow). */
export const publishEnvironment = (name: string): string => `pypi-${name}`;

/** Problems with `packages/packages.yaml` (raw, parsed YAML): each as `<where>: <what> (got <value>)`. */
export function validatePackages(raw: unknown, hasPyproject: (name: string) => boolean): Problems {
    const problems = new Problems();
    const where = "packages/packages.yaml";
    if (!Array.isArray(raw)) {
        problems.add(where, "must be a list of packages", raw);
        return problems;
    }
    const seen = new Set<string>();
    raw.forEach((p: Record<string, unknown>, i) => {
        const at = `${where}[${i}]`;
        const name = p?.name;
        if (typeof name !== "string" || !/^[a-z][a-z0-9-]*[a-z0-9]$/.test(name)) {
            problems.add(
                `${at}.name`,
                "must be a lowercase folder name under packages/ (letters, digits, -)",
                name,
            );
        } else {
            if (seen.has(name)) problems.add(`${at}.name`, "duplicate", name);
            seen.add(name);
            if (!hasPyproject(name))
                problems.add(`${at}.name`, `packages/${name}/pyproject.toml not found`, name);
        }
        if (typeof p?.python !== "string" || !/^3\.\d+$/.test(p.python))
            problems.add(`${at}.python`, 'must be a Python version "3.<minor>" (quoted)', p?.python);
        if (p?.mypy !== undefined && typeof p.mypy !== "boolean")
            problems.add(`${at}.mypy`, "must be true or false", p.mypy);
        const index = p?.index ?? "pypi";
        const https = (u: unknown) => typeof u === "string" && /^https:\/\/[^\s@]+$/.test(u);
        if (
            index !== "pypi" &&
            !(
                typeof index === "object" &&
                https((index as Record<string, unknown>).upload) &&
                https((index as Record<string, unknown>).simple)
            )
        )
            problems.add(
                `${at}.index`,
                "must be pypi or {upload: https://…, simple: https://…} (no credentials in URLs)",
                index,
            );
        for (const key of Object.keys(p ?? {}).sort())
            if (!["name", "python", "mypy", "index"].includes(key))
                problems.add(`${at}.${key}`, "unknown key (name, python, mypy, index)");
    });
    return problems;
}

/** Reads `version` and `name` of the checked-out package's pyproject.toml into the step's outputs. */
const READ_VERSION = `python - <<'PY' >> "$GITHUB_OUTPUT"
import tomllib
with open("pyproject.toml", "rb") as f:
    project = tomllib.load(f)["project"]
print(f"name={project['name']}")
print(f"version={project['version']}")
PY`;

/**
 * A pull request that changes the package must bump its version: the publish job only publishes a version the
 * index does not have, and airflow/requirements.txt pins the version, so unchanged versions would ship stale code.
 */
const REQUIRE_BUMP = `set -euo pipefail
if git diff --quiet "$BASE_SHA" HEAD -- .; then echo "package unchanged"; exit 0; fi
base="$(git show "$BASE_SHA:./pyproject.toml" 2>/dev/null | python -c 'import sys, tomllib; print(tomllib.loads(sys.stdin.read())["project"]["version"])' || true)"
now="$(python -c 'import tomllib; print(tomllib.load(open("pyproject.toml", "rb"))["project"]["version"])')"
if [ -n "$base" ] && [ "$base" = "$now" ]; then
  echo "::error file=$PACKAGE_DIR/pyproject.toml::the package changed but its version is still $now: bump it"
  exit 1
fi
echo "version $base -> $now"`;

/** Whether the index already has this version: \`new=true|false\`. */
const IS_NEW = `set -euo pipefail
if python -m pip index versions "$NAME" --index-url "$SIMPLE" --disable-pip-version-check 2>/dev/null | grep -E "^Available versions: " | tr -d ' ' | cut -d: -f2 | tr ',' '\\n' | grep -qx "$VERSION"; then
  echo "$NAME $VERSION is already on the index: nothing to publish"
  echo "new=false" >> "$GITHUB_OUTPUT"
else
  echo "new=true" >> "$GITHUB_OUTPUT"
fi`;

function checkoutAndPython(p: PackageSpec, fetchDepth?: number): Step[] {
    return [
        {
            name: "Check out",
            uses: actions.checkout,
            with: {
                "persist-credentials": false,
                ...(fetchDepth === undefined ? {} : { "fetch-depth": fetchDepth }),
            },
        },
        // No pip cache: a cache entry written by another run would reach the job that builds what we publish.
        {
            name: `Set up Python ${p.python}`,
            uses: actions.setupPython,
            with: { "python-version": p.python },
        },
    ];
}

/**
 * `build-<name>.yml`: on pull requests touching the package, lint (ruff), type check (mypy when configured) and test
 * (pytest) with the tools pinned in its `dev` extra, and require a version bump when it changed; on `main`, build
 * the sdist and wheel once (a job without credentials) and publish them with trusted publishing (OIDC, no token) in
 * the environment `pypi-<name>`, only when the index does not have that version yet.
 */
export function buildPackageWorkflow(p: PackageSpec): Workflow {
    const dir = `packages/${p.name}`;
    const paths = [`${dir}/**`, `.github/workflows/build-${p.name}.yml`];
    const inDir = { run: { "working-directory": dir } };
    const check: Job = {
        name: `build (${p.name})`,
        "runs-on": RUNNER,
        "timeout-minutes": timeoutMinutes.build,
        permissions: { contents: "read" },
        defaults: inDir,
        steps: [
            ...checkoutAndPython(p, 0),
            {
                name: "Install the package and its pinned tools",
                run: 'python -m pip install --disable-pip-version-check -e ".[dev]"',
            },
            { name: "Lint", run: "ruff check --no-cache .\nruff format --no-cache --check ." },
            ...(p.mypy ? [{ name: "Type check", run: "mypy" }] : []),
            { name: "Test", run: "pytest -p no:cacheprovider" },
            {
                name: "Require a version bump when the package changed",
                if: "github.event_name == 'pull_request'",
                env: { BASE_SHA: expr("github.event.pull_request.base.sha"), PACKAGE_DIR: dir },
                run: REQUIRE_BUMP,
            },
        ],
    };
    const simple = p.index === "pypi" ? PYPI_SIMPLE : p.index.simple;
    const build: Job = {
        name: `build dist (${p.name})`,
        needs: ["check"],
        if: "github.event_name == 'push'",
        "runs-on": RUNNER,
        "timeout-minutes": timeoutMinutes.build,
        permissions: { contents: "read" },
        defaults: inDir,
        outputs: { new: expr("steps.new.outputs.new"), version: expr("steps.version.outputs.version") },
        steps: [
            ...checkoutAndPython(p),
            { name: "Read name and version", id: "version", run: READ_VERSION },
            {
                name: "Check the index does not have this version",
                id: "new",
                env: {
                    NAME: expr("steps.version.outputs.name"),
                    VERSION: expr("steps.version.outputs.version"),
                    SIMPLE: simple,
                },
                run: IS_NEW,
            },
            {
                name: "Build the sdist and wheel",
                if: "steps.new.outputs.new == 'true'",
                run: `python -m pip install --disable-pip-version-check "build==${BUILD_VERSION}"\npython -m build --outdir dist .`,
            },
            {
                name: "Upload the distributions",
                if: "steps.new.outputs.new == 'true'",
                uses: actions.uploadArtifact,
                with: {
                    name: `dist-${p.name}`,
                    path: `${dir}/dist/`,
                    "retention-days": 5,
                    "if-no-files-found": "error",
                },
            },
        ],
    };
    const publish: Job = {
        name: `publish (${p.name})`,
        needs: ["build"],
        if: "needs.build.outputs.new == 'true'",
        "runs-on": RUNNER,
        "timeout-minutes": timeoutMinutes.build,
        // Trusted publishing: the index exchanges this job's OIDC token (repository, workflow, environment) for a
        // short-lived upload token; there is no index password anywhere.
        permissions: { "id-token": "write" },
        environment: publishEnvironment(p.name),
        steps: [
            {
                name: "Download the distributions",
                uses: actions.downloadArtifact,
                with: { name: `dist-${p.name}`, path: "dist/" },
            },
            {
                name: `Publish ${p.name} ${expr("needs.build.outputs.version")}`,
                uses: actions.pypiPublish,
                with: {
                    "packages-dir": "dist/",
                    ...(p.index === "pypi" ? {} : { "repository-url": p.index.upload }),
                },
            },
        ],
    };
    return {
        name: `build-${p.name}`,
        on: {
            pull_request: { types: ["opened", "synchronize", "reopened"], paths },
            push: { branches: [DEFAULT_BRANCH], paths },
        },
        permissions: {},
        concurrency: {
            group: `build-${p.name}-${expr("github.event.pull_request.number || github.ref")}`,
            // A newer commit supersedes a pull request's checks; never cancel a publish on main.
            "cancel-in-progress": expr("github.event_name == 'pull_request'"),
        },
        jobs: { check, build, publish },
    };
}
