import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { formatProblem } from "../../lib/problems";
import type { ReleaseConfig } from "../../components/releases/types";
import {
    CHART_HASH_KEY,
    helmInputs,
    namespacesOf,
    plannedSecrets,
    validateReleases,
} from "../../components/releases/inputs";
import { mergeValues, originOf, parseValues, validateAgainstSchema } from "../../components/releases/values";
import { RE2_CASES } from "./re2-cases";
import { tempTree } from "./temp-tree";
import { helm } from "./helm-release";

const SCHEMA = JSON.stringify({
    type: "object",
    additionalProperties: false,
    required: ["schedule"],
    properties: {
        schedule: { type: "string" },
        replicas: { type: "integer", minimum: 1 },
        image: { type: "string" },
        backup: { type: "object", properties: { bucket: { type: "string" } }, required: ["bucket"] },
        [CHART_HASH_KEY]: { type: "string" },
    },
});

describe("Helm values", () => {
    it("merges layers like Helm: later wins, maps merge, null deletes, and remembers who set what", () => {
        const merged = mergeValues([
            { label: "chart", values: { a: 1, m: { x: 1, y: 2 }, gone: true } },
            { label: "one.yaml", values: { m: { y: 3 }, gone: null } },
            { label: "inline", values: { a: 2 } },
        ]);
        assert.deepEqual(merged.values, { a: 2, m: { x: 1, y: 3 } });
        assert.equal(originOf(merged, "/a"), "inline");
        assert.equal(originOf(merged, "/m/y"), "one.yaml");
        assert.equal(originOf(merged, "/m/x"), "chart");
    });

    it("fails when a values file is not a YAML map", () => {
        assert.deepEqual(parseValues(""), { values: {} });
        assert.match(parseValues("- a\n- b\n").problem ?? "", /must be a YAML map of values, not a list/);
        assert.match(parseValues("a: [").problem ?? "", /not valid YAML/);
    });

    it("reports schema violations with the layer and JSON path", () => {
        const merged = mergeValues([
            { label: "v.yaml", values: { schedule: 5, backup: {} } },
            { label: "inline values", values: { replicas: 0, extra: 1 } },
        ]);
        const found = validateAgainstSchema(JSON.parse(SCHEMA), merged).map(
            (v) => `${v.source}: ${v.path}: ${v.problem}`,
        );
        assert.deepEqual(found.sort(), [
            "inline values: $.extra: unknown key (the chart's schema does not allow it)",
            "inline values: $.replicas: must be >= 1 (got 0)",
            "v.yaml: $.backup: missing required key bucket",
            "v.yaml: $.schedule: must be string (got 5)",
        ]);
    });

    // A chart's schema may name itself (`$id`); helm validates each chart on its own. One process validates a chart
    // again and again: each release of it, each stack of a plan (`--stack test --stack prod`), and a review's head
    // and base (planned in one process). ajv kept each compiled `$id` and refused the second ("schema with key or
    // id ... already exists"), which failed the plan of the second stack and a review of one stack.
    const selfNamed: Array<{ what: string; $id: string; $ref?: string; value: unknown; expected: string[] }> =
        [
            { what: "valid values", $id: "https://example.com/app.schema.json", value: 2, expected: [] },
            {
                what: "invalid values",
                $id: "https://example.com/app.schema.json",
                value: 0,
                expected: ["v.yaml: $.replicas: must be >= 1 (got 0)"],
            },
            {
                what: "a reference to itself by its $id",
                $id: "https://example.com/ref.schema.json",
                $ref: "https://example.com/ref.schema.json#/definitions/count",
                value: 0,
                expected: ["v.yaml: $.replicas: must be >= 1 (got 0)"],
            },
        ];
    for (const c of selfNamed)
        it(`validates with a self-named schema ($id) every time, not once: ${c.what}`, () => {
            const text = JSON.stringify({
                $id: c.$id,
                type: "object",
                definitions: { count: { type: "integer", minimum: 1 } },
                properties: { replicas: c.$ref ? { $ref: c.$ref } : { $ref: "#/definitions/count" } },
            });
            const merged = mergeValues([{ label: "v.yaml", values: { replicas: c.value } }]);
            // each time parsed anew, as each release of each stack reads the chart's file
            for (let i = 0; i < 3; i++)
                assert.deepEqual(
                    validateAgainstSchema(JSON.parse(text) as object, merged).map(
                        (v) => `${v.source}: ${v.path}: ${v.problem}`,
                    ),
                    c.expected,
                );
        });

    it("compiles schema patterns with RE2 (linear time): a backtracking bomb is answered, lookaround refused", () => {
        // GIVEN the pattern that took 104 s with JavaScript's RegExp on 34 characters (security review L1)
        const bomb = { type: "object", properties: { name: { type: "string", pattern: "^(a+)+$" } } };
        const merged = mergeValues([{ label: "v.yaml", values: { name: `${"a".repeat(5000)}!` } }]);
        // THEN it is a plain violation
        assert.deepEqual(
            validateAgainstSchema(bomb, merged).map(
                (v) => `${v.source}: ${v.path}: ${v.problem.split(" (got")[0]}`,
            ),
            ['v.yaml: $.name: must match pattern "^(a+)+$"'],
        );
    });

    for (const c of RE2_CASES) {
        it(`RE2 pattern ${JSON.stringify(c.pattern)} on ${JSON.stringify(c.value)}: ${c.re2}${c.js ? ` (RegExp: ${c.js})` : ""}`, () => {
            const schema = { type: "object", properties: { v: { type: "string", pattern: c.pattern } } };
            const merged = mergeValues([{ label: "v.yaml", values: { v: c.value } }]);
            if (c.re2 === "refused") {
                assert.throws(() => validateAgainstSchema(schema, merged), /error parsing regexp: invalid/);
                return;
            }
            assert.equal(validateAgainstSchema(schema, merged).length === 0 ? "match" : "no match", c.re2);
            if (c.js) assert.equal(new RegExp(c.pattern, "u").test(c.value) ? "match" : "no match", c.js);
        });
    }

    it("keeps each pattern of a schema apart (ajv keys compiled patterns by their printed form)", () => {
        // GIVEN two different patterns in one schema; a shared matcher would test both values with the first
        const schema = {
            type: "object",
            properties: {
                path: { type: "string", pattern: "^/" },
                bucket: { type: "string", pattern: "^[a-z]+$" },
            },
        };
        const ok = mergeValues([{ label: "v.yaml", values: { path: "/", bucket: "backups" } }]);
        assert.deepEqual(validateAgainstSchema(schema, ok), []);
        const bad = mergeValues([{ label: "v.yaml", values: { path: "x", bucket: "/" } }]);
        assert.deepEqual(
            validateAgainstSchema(schema, bad).map((v) => `${v.path}: ${v.problem}`),
            [
                '$.path: must match pattern "^/" (got "x")',
                '$.bucket: must match pattern "^[a-z]+$" (got "/")',
            ],
        );
    });
});

describe("which layer is to blame", () => {
    const schema = JSON.parse(SCHEMA);
    // layers (chart defaults first) → the violations, each `<layer>: <path>: <problem>`
    const table: Array<[string, Array<[string, Record<string, unknown>]>, string[]]> = [
        [
            "a later file deletes a required key with null: that file, not the last layer",
            [
                ["charts/app/values.yaml", { schedule: "@daily", backup: { bucket: "b" } }],
                ["values/delete.yaml", { backup: { bucket: null } }],
                ["values/last.yaml", { backup: { other: 1 } }],
                ["inline values", { replicas: 2 }],
            ],
            [
                "values/delete.yaml: $.backup.bucket: deletes required key bucket (null removes it from the merged values)",
            ],
        ],
        [
            "a top-level required key deleted",
            [
                ["charts/app/values.yaml", { schedule: "@daily" }],
                ["values/a.yaml", { schedule: null }],
                ["inline values", { replicas: 2 }],
            ],
            [
                "values/a.yaml: $.schedule: deletes required key schedule (null removes it from the merged values)",
            ],
        ],
        [
            "deleted, then set again by a later file: no problem",
            [
                ["charts/app/values.yaml", { schedule: "@daily" }],
                ["values/a.yaml", { schedule: null }],
                ["values/b.yaml", { schedule: "@hourly" }],
            ],
            [],
        ],
        [
            "a whole map deleted, then re-created without the key: the re-creating layer",
            [
                ["charts/app/values.yaml", { schedule: "@daily", backup: { bucket: "b" } }],
                ["values/a.yaml", { backup: null }],
                ["values/b.yaml", { backup: {} }],
            ],
            ["values/b.yaml: $.backup: missing required key bucket"],
        ],
        [
            "a key never set: the layer that made the map",
            [
                ["charts/app/values.yaml", { schedule: "@daily" }],
                ["values/a.yaml", { backup: {} }],
                ["inline values", { replicas: 2 }],
            ],
            ["values/a.yaml: $.backup: missing required key bucket"],
        ],
    ];
    for (const [what, layers, expected] of table) {
        it(what, () => {
            const merged = mergeValues(layers.map(([label, values]) => ({ label, values })));
            const found = validateAgainstSchema(schema, merged).map(
                (v) => `${v.source}: ${v.path}: ${v.problem}`,
            );
            assert.deepEqual(found, expected);
        });
    }
});

describe("validateReleases", () => {
    const root = tempTree({
        "charts/app/Chart.yaml": "apiVersion: v2\nname: app\nversion: 0.1.0\n",
        "charts/app/values.yaml": "schedule: '@daily'\nbackup:\n  bucket: b\n",
        "charts/app/values.schema.json": SCHEMA,
        "charts/app/templates/a.yaml": "kind: ConfigMap\n",
        "charts/plain/Chart.yaml": "apiVersion: v2\nname: plain\nversion: 0.1.0\n",
        "values/ok.yaml": "replicas: 2\n",
        "values/bad-replicas.yaml": "replicas: 0\n",
        "values/list.yaml": "- 1\n",
        "values/tagged.yaml": "sidecar: us-docker.pkg.dev/p/r/backup:1.2.3\n",
        "values/image.yaml": "image: anything\n",
        "overlays/app/kustomization.yaml": "resources: []\n",
    });
    const ctx = { rootDir: root, managedImages: ["backup"] };
    const problems = (releases: ReleaseConfig[]) => validateReleases(releases, ctx).list.map(formatProblem);

    it("accepts valid releases", () => {
        assert.deepEqual(
            problems([
                helm({ valuesFiles: ["values/ok.yaml"], images: { image: "backup" } }),
                { name: "k", driver: "kustomize", kustomizeDir: "overlays/app", secrets: [], dependsOn: [] },
            ]),
            [],
        );
    });

    const cases: Array<[string, ReleaseConfig, string[]]> = [
        [
            "the chart folder is missing",
            helm({ chart: "charts/nope" }),
            ["app: chart charts/nope: chart folder not found"],
        ],
        [
            "a values file is missing",
            helm({ valuesFiles: ["values/nope.yaml"] }),
            ["app: values/nope.yaml: values file not found"],
        ],
        [
            "a values file is not a map",
            helm({ valuesFiles: ["values/list.yaml"] }),
            ["app: values/list.yaml: must be a YAML map of values, not a list"],
        ],
        [
            "a values file violates the chart's schema",
            helm({ valuesFiles: ["values/ok.yaml", "values/bad-replicas.yaml"] }),
            ["app: values/bad-replicas.yaml: $.replicas: must be >= 1 (got 0)"],
        ],
        [
            "inline values violate the chart's schema",
            helm({ values: { schedule: 1 } }),
            ["app: inline values: $.schedule: must be string (got 1)"],
        ],
        [
            "the kustomize folder is missing",
            { name: "k", driver: "kustomize", kustomizeDir: "overlays/nope", secrets: [], dependsOn: [] },
            ["k: kustomizeDir overlays/nope: folder not found"],
        ],
        [
            "a release references an unknown image",
            helm({ chart: "charts/plain", images: { image: "nope" } }),
            ['app: images.image: unknown image; managed images: backup (got "nope")'],
        ],
        [
            "a values file pins a managed image by hand at its wired path",
            helm({ valuesFiles: ["values/image.yaml"], images: { image: "backup" } }),
            [
                "app: values/image.yaml: $.image: hand-written value for managed image backup; remove it, images.image wires the digest",
            ],
        ],
        [
            "a values file tags a managed image by hand",
            helm({ chart: "charts/plain", valuesFiles: ["values/tagged.yaml"] }),
            [
                'app: values/tagged.yaml: $.sidecar: hand-written tag for managed image backup; reference it in the release\'s images instead (got "us-docker.pkg.dev/p/r/backup:1.2.3")',
            ],
        ],
    ];
    for (const [what, release, expected] of cases) {
        it(`fails when ${what}`, () => assert.deepEqual(problems([release]), expected));
    }

    it("fails when two releases declare one Kubernetes Secret differently in one namespace", () => {
        const a = helm({
            chart: "charts/plain",
            secrets: [{ secret: "s", format: "value", key: "k", name: "x" }],
        });
        const b = helm({
            name: "b",
            chart: "charts/plain",
            secrets: [{ secret: "t", format: "map", name: "x" }],
        });
        assert.deepEqual(problems([a, b]), [
            "b: secrets t: declares the Kubernetes Secret x in namespace apps differently from release app; declare it the same way",
        ]);
    });

    it("copies one Secret Manager secret into two differently named Secrets, with names that cannot collide", () => {
        const a = helm({ secrets: [{ secret: "s", format: "value", key: "k", name: "x" }] });
        const b = helm({ name: "b", secrets: [{ secret: "s", format: "value", key: "k", name: "y" }] });
        // A namespace "a-b" with secret "c" and a namespace "a" with secret "b-c" stay apart too.
        const c = helm({ name: "c", namespace: "a-b", secrets: [{ secret: "c", format: "manifest" }] });
        const d = helm({ name: "d", namespace: "a", secrets: [{ secret: "b-c", format: "manifest" }] });
        assert.deepEqual(problems([a, b, c, d]), []);
        assert.deepEqual(
            plannedSecrets([a, b, c, d]).map((p) => p.key),
            ["apps/x", "apps/y", "a-b/c", "a/b-c"],
        );
    });

    it("shares one Secret and one Namespace between releases of a namespace", () => {
        const ref = { secret: "s", format: "manifest" as const };
        const releases = [
            helm({ secrets: [ref] }),
            helm({ name: "b", secrets: [ref] }),
            helm({ name: "c", namespace: "other" }),
        ];
        assert.deepEqual(namespacesOf(releases), ["apps", "other"]);
        assert.deepEqual(plannedSecrets(releases), [
            { key: "apps/s", namespace: "apps", ref, releases: ["app", "b"] },
        ]);
    });
});

describe("helmInputs", () => {
    it("hashes a local chart: changed by any chart file, unchanged by a .helmignored file", () => {
        const root = tempTree({
            "charts/app/Chart.yaml": "apiVersion: v2\nname: app\nversion: 0.1.0\n",
            "charts/app/.helmignore": "*.bak\n",
            "charts/app/templates/cm.yaml": "kind: ConfigMap\n",
        });
        const r = helm({ values: { a: 1 }, valuesFiles: ["v/one.yaml", "v/two.yaml"] });
        const first = helmInputs(r, root);
        assert.match(first.chartHash ?? "", /^sha256:[0-9a-f]{64}$/);
        assert.deepEqual(first.values, { a: 1, [CHART_HASH_KEY]: first.chartHash });
        // Project-relative, so state does not depend on where the repository is checked out.
        assert.deepEqual(first.valuesFiles, ["./v/one.yaml", "./v/two.yaml"]);
        assert.equal(helmInputs(r, root).chartHash, first.chartHash, "stable across runs");

        fs.writeFileSync(path.join(root, "charts/app/templates/old.bak"), "ignored");
        assert.equal(helmInputs(r, root).chartHash, first.chartHash, "a .helmignored file does not count");

        fs.writeFileSync(path.join(root, "charts/app/templates/cm.yaml"), "kind: ConfigMap\ndata: {}\n");
        assert.notEqual(helmInputs(r, root).chartHash, first.chartHash, "a template edit changes the hash");
    });

    it("updates dependencies of a local chart that declares them", () => {
        const root = tempTree({
            "charts/app/Chart.yaml":
                "apiVersion: v2\nname: app\nversion: 0.1.0\ndependencies:\n  - name: redis\n",
        });
        assert.equal(helmInputs(helm(), root).dependencyUpdate, true);
    });

    it("passes a remote chart with its pinned version and no hash", () => {
        const r = helm({ chart: "metabase", repo: "https://charts.example.com", version: "2.1.0" });
        assert.deepEqual(helmInputs(r, "/repo"), {
            chart: "metabase",
            version: "2.1.0",
            repo: "https://charts.example.com",
            valuesFiles: [],
            values: {},
        });
    });
});
