/**
 * Release inputs read from files: paths stay inside the repository, every file-system fault is one problem naming
 * the release and the path (collected with the rest), and Chart.yaml is checked as Helm checks it.
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { formatProblem } from "../../lib/problems";
import type { ReleaseConfig } from "../../components/releases/types";
import { chartMetadataProblems, validateReleases } from "../../components/releases/inputs";
import { tempTree } from "./temp-tree";
import { helm } from "./helm-release";

describe("release files: paths, faults, Chart.yaml", () => {
    const root = tempTree({
        "repo/charts/app/Chart.yaml": "apiVersion: v2\nname: app\nversion: 0.1.0\n",
        "repo/charts/bad-meta/Chart.yaml": "name: bad\nversion: 1.0\n",
        "repo/charts/bad-yaml/Chart.yaml": "apiVersion: v2\nname: [\n",
        "repo/values/ok.yaml": "a: 1\n",
        "repo/values/dir.yaml/inner.yaml": "a: 1\n",
        "repo/overlays/k/kustomization.yaml": "resources: []\n",
        "outside.yaml": "SECRET-LOOKING-LINE: 1\n",
    });
    const repo = path.join(root, "repo");
    fs.symlinkSync("loop-b", path.join(repo, "charts", "loop-a"));
    fs.symlinkSync("loop-a", path.join(repo, "charts", "loop-b"));
    fs.symlinkSync("gone", path.join(repo, "charts", "dangling"));
    fs.symlinkSync(path.join(root, "outside.yaml"), path.join(repo, "values", "escape.yaml"));
    const problems = (releases: ReleaseConfig[]) =>
        validateReleases(releases, { rootDir: repo, managedImages: [] }).list.map(formatProblem);

    // release → problems
    const table: Array<[string, ReleaseConfig, string[]]> = [
        ["a valid chart and values file", helm({ valuesFiles: ["values/ok.yaml"] }), []],
        [
            "a values path that is a directory",
            helm({ valuesFiles: ["values/dir.yaml"] }),
            ["app: values/dir.yaml: is a directory, not a file (EISDIR)"],
        ],
        [
            "a chart symlink loop",
            helm({ chart: "charts/loop-a" }),
            ["app: chart charts/loop-a: is a symbolic link loop (ELOOP)"],
        ],
        [
            "a dangling chart link",
            helm({ chart: "charts/dangling" }),
            ["app: chart charts/dangling: is a symbolic link to nothing (dangling link)"],
        ],
        [
            "a chart outside the repository",
            helm({ chart: "../charts/app" }),
            ["app: chart ../charts/app: is outside the repository; local charts must be inside it"],
        ],
        [
            "a values file outside the repository",
            helm({ valuesFiles: ["../outside.yaml"] }),
            ["app: ../outside.yaml: values file is outside the repository"],
        ],
        // A committed link is the repository's own choice (the legacy layout links charts); only config paths are confined.
        ["a committed values link leading elsewhere", helm({ valuesFiles: ["values/escape.yaml"] }), []],
        [
            "a kustomize folder outside the repository",
            { name: "k", driver: "kustomize", kustomizeDir: "../overlays/k", secrets: [], dependsOn: [] },
            ["k: kustomizeDir ../overlays/k: is outside the repository; kustomize folders must be inside it"],
        ],
        [
            "an invalid Chart.yaml",
            helm({ chart: "charts/bad-meta" }),
            [
                "app: charts/bad-meta/Chart.yaml: apiVersion is required (v2)",
                "app: charts/bad-meta/Chart.yaml: version must be a SemVer 2 string such as 0.1.0 (got 1)",
            ],
        ],
        [
            "a Chart.yaml that is not YAML",
            helm({ chart: "charts/bad-yaml" }),
            [
                "app: charts/bad-yaml/Chart.yaml: not valid YAML: Flow sequence in block collection must be sufficiently indented and end with a ] at line 3, column 1:",
            ],
        ],
    ];
    for (const [what, release, expected] of table) {
        it(`${expected.length ? "fails on" : "accepts"} ${what}`, () =>
            assert.deepEqual(problems([release]), expected));
    }

    it("collects every fault of several releases in one run, never echoing file content", () => {
        const found = problems([
            helm({ name: "a", chart: "charts/loop-a" }),
            helm({ name: "b", valuesFiles: ["values/dir.yaml", "../outside.yaml"] }),
        ]);
        assert.deepEqual(found, [
            "a: chart charts/loop-a: is a symbolic link loop (ELOOP)",
            "b: values/dir.yaml: is a directory, not a file (EISDIR)",
            "b: ../outside.yaml: values file is outside the repository",
        ]);
        assert.ok(!found.join("\n").includes("SECRET-LOOKING-LINE"));
    });

    const meta: Array<[Record<string, unknown>, string[]]> = [
        [{ apiVersion: "v2", name: "x", version: "0.1.0" }, []],
        [{ apiVersion: "v1", name: "x", version: "1.2.3-rc.1+build.5" }, []],
        [{ apiVersion: "v3", name: "x", version: "0.1.0" }, ['apiVersion must be v1 or v2 (got "v3")']],
        [{ apiVersion: "v2", version: "0.1.0" }, ["name is required"]],
        [
            { apiVersion: "v2", name: "a/b", version: "0.1.0" },
            ['name must not contain a path separator (got "a/b")'],
        ],
        [{ apiVersion: "v2", name: "x" }, ["version is required"]],
        [
            { apiVersion: "v2", name: "x", version: "one" },
            ['version must be a SemVer 2 string such as 0.1.0 (got "one")'],
        ],
        [
            { apiVersion: "v2", name: "x", version: "0.1.0", type: "app" },
            ['type must be application or library (got "app")'],
        ],
    ];
    for (const [chart, expected] of meta) {
        it(`checks Chart.yaml ${JSON.stringify(chart)}`, () =>
            assert.deepEqual(chartMetadataProblems(chart), expected));
    }
});
