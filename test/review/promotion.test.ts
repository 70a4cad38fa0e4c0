import { strict as assert } from "node:assert";
import {
    checkPromotion,
    renderPromotionMarkdown,
    renderPromotionText,
} from "../../tools/plan/review/promotion";
import { composer, dagObject, doc, release, res } from "./fixtures";
import { TYPES, type DiffableResource } from "../../lib/plan-document";

const digest = (c: string) => `sha256:${c.repeat(64)}`;

/** A channel as the program declares it; channel parameters (names, sizes, replicas) differ per channel. */
function channel(
    stack: string,
    over: {
        chartVersion?: string;
        chartHash?: string;
        image?: string;
        pypi?: Record<string, string>;
        dag?: string;
    } = {},
): DiffableResource[] {
    const size =
        stack === "prod"
            ? { environmentSize: "ENVIRONMENT_SIZE_MEDIUM", replicas: 3 }
            : { environmentSize: "ENVIRONMENT_SIZE_SMALL", replicas: 1 };
    return [
        composer(
            stack,
            {
                imageVersion: "composer-3-airflow-2.10.5-build.36",
                pypiPackages: over.pypi ?? { requests: "==2.32.3" },
            },
            { environmentSize: size.environmentSize },
        ),
        dagObject(stack, "dags/gtfs.py", over.dag ?? "1".repeat(64)),
        release(stack, `metabase-${stack}`, {
            chart: "metabase",
            version: over.chartVersion ?? "2.10.4",
            repositoryOpts: { repo: "https://charts.example" },
            values: {
                replicaCount: size.replicas,
                image: { repository: "r/metabase", digest: over.image ?? digest("a") },
            },
        }),
        release(stack, "backup", {
            chart: "/repo/charts/postgresql-backup",
            values: {
                chartHash: over.chartHash ?? "h1",
                schedule: stack === "prod" ? "0 2 * * *" : "0 3 * * *",
            },
        }),
    ];
}

describe("Promotion check", () => {
    it("passes when the target differs only by channel parameters", () => {
        const result = checkPromotion(doc("test", channel("test")), doc("prod", channel("prod")));
        assert.deepEqual(result.findings, []);
        assert.match(renderPromotionText(result), /^Promotion test → prod: OK/);
    });

    const cases: Array<[string, Parameters<typeof channel>[1], string]> = [
        ["an untested chart version", { chartVersion: "2.11.0" }, "chart version"],
        ["an untested local chart content", { chartHash: "h2" }, "chart content"],
        ["an untested image digest", { image: digest("b") }, "image digest"],
        ["an untested requirements set", { pypi: { requests: "==2.33.0" } }, "requirements"],
        ["an untested DAG file content", { dag: "2".repeat(64) }, "dag content"],
    ];
    for (const [what, over, kind] of cases) {
        it(`fails when the target carries ${what}`, () => {
            const result = checkPromotion(doc("test", channel("test")), doc("prod", channel("prod", over)));
            assert.deepEqual(
                result.findings.map((f) => f.kind),
                [kind],
            );
            assert.match(
                renderPromotionText(result),
                new RegExp(`1 artifact\\(s\\) in prod that test does not run:\\n\\n- ${kind}: `),
            );
        });
    }

    it("compares the DAG files of manifest resources one by one, ignoring the channel's bucket", () => {
        // GIVEN test and prod each syncing dags/ through a manifest into their own bucket, prod with one file test
        // does not run (b.py's bytes differ) and one file it does not have at all (c.py)
        const manifest = (stack: string, files: Record<string, string>) =>
            res(stack, TYPES.prefixManifest, "dags/", {
                bucket: `${stack}-bucket`,
                prefix: "dags/",
                source: "./airflow/dags",
                files,
            });
        const test = manifest("test", {
            "dags/a.py": "AAA= 1 text/x-python",
            "dags/b.py": "BBB= 1 text/x-python",
        });
        const prod = manifest("prod", {
            "dags/a.py": "AAA= 1 text/x-python",
            "dags/b.py": "XXX= 1 text/x-python",
            "dags/c.py": "CCC= 1 text/x-python",
        });
        // WHEN checked THEN exactly the two untested files are findings, each named by its object name
        const result = checkPromotion(doc("test", [test]), doc("prod", [prod]));
        assert.deepEqual(
            result.findings.map((f) => [f.kind, f.artifact, f.subject]),
            [
                ["dag content", "dags/b.py md5:XXX=", "dags/b.py"],
                ["dag content", "dags/c.py md5:CCC=", "dags/c.py"],
            ],
        );
        // AND the same files in another bucket pass
        assert.deepEqual(
            checkPromotion(
                doc("test", [test]),
                doc("prod", [manifest("prod", test.inputs.files as Record<string, string>)]),
            ).findings,
            [],
        );
    });

    it("counts a local chart's sha256 content hash as chart content, never as an image digest", () => {
        const result = checkPromotion(
            doc("test", channel("test", { chartHash: digest("c") })),
            doc("prod", channel("prod", { chartHash: digest("d") })),
        );
        assert.deepEqual(
            result.findings.map((f) => [f.kind, f.artifact]),
            [["chart content", `/repo/charts/postgresql-backup ${digest("d")}`]],
        );
    });

    it("renders markdown for --format markdown: a heading and a table", () => {
        const ok = checkPromotion(doc("test", channel("test")), doc("prod", channel("prod")));
        assert.equal(
            renderPromotionMarkdown(ok),
            "### Promotion `test` → `prod`\n\n✅ `prod` deploys nothing that `test` does not run.",
        );
        const bad = checkPromotion(
            doc("test", channel("test")),
            doc("prod", channel("prod", { chartVersion: "2.11.0" })),
        );
        assert.deepEqual(renderPromotionMarkdown(bad).split("\n").slice(2, 7), [
            "❌ 1 artifact(s) in `prod` that `test` does not run:",
            "",
            "| kind | where | artifact |",
            "|---|---|---|",
            "| chart version | Release metabase-prod | `https://charts.example metabase@2.11.0` |",
        ]);
    });
});

describe("promotion check: images in values files (issue 15, H6c)", () => {
    const site = (stack: string, files: string[]) =>
        doc(stack, [
            release(stack, "reports-site", {
                chart: "./charts/web-service",
                valueYamlFiles: files.map((path) => ({ asset: "file", path, sha256: "0".repeat(64) })),
                values: { replicas: 1 },
            }),
        ]);
    const files: Record<string, string> = {
        "v/site.yaml": "image: nginxinc/nginx-unprivileged:1.27.3-alpine\n",
        "v/site-prod.yaml": "image: nginxinc/nginx-unprivileged:1.28.0-alpine\n",
        "v/nested.yaml": "backup:\n  image:\n    repository: r/backup\n    tag: '1.2'\n",
    };
    const read = (p: string) => files[p];

    it("fails when prod's own values file sets an image test does not run", () => {
        const result = checkPromotion(
            site("test", ["v/site.yaml"]),
            site("prod", ["v/site.yaml", "v/site-prod.yaml"]),
            read,
        );
        assert.deepEqual(result.findings, [
            {
                kind: "image reference",
                subject: "Release reports-site",
                artifact: "nginxinc/nginx-unprivileged:1.28.0-alpine",
            },
        ]);
        // Without reading the files (before issue 15) the same promotion passed.
        assert.deepEqual(
            checkPromotion(site("test", ["v/site.yaml"]), site("prod", ["v/site-prod.yaml"])).findings,
            [],
        );
    });

    it("passes when both channels resolve the same images, including {repository, tag} objects", () => {
        const a = site("test", ["v/site.yaml", "v/nested.yaml"]);
        const b = site("prod", ["v/nested.yaml", "v/site.yaml"]);
        assert.deepEqual(checkPromotion(a, b, read).findings, []);
    });
});
