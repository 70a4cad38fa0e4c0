/**
 * The handed cases of issue 17 (`test/fixtures/cases/<slug>/`, each with its EXPECT.md): every one planned through
 * the real program with the case's file in place, asserting the result its EXPECT.md names.
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { plan, stackConfig } from "./harness";

const CASES = path.join("test", "fixtures", "cases");
const ENV = "gcp:composer/environment:Environment";

/** `data-infra:<key>` of a case's stack file. */
function caseConfig(slug: string, key: string): unknown {
    const doc = parse(fs.readFileSync(path.join(CASES, slug, "Pulumi.test.yaml"), "utf8")) as {
        config: Record<string, unknown>;
    };
    return doc.config[`data-infra:${key}`];
}

function releasesWith(patch: (r: Array<Record<string, unknown>>) => void): unknown {
    const releases = JSON.parse(stackConfig("test").config["data-infra:releases"]) as Array<
        Record<string, unknown>
    >;
    patch(releases);
    return releases;
}

function composerWith(patch: Record<string, unknown>): Record<string, unknown> {
    return { ...JSON.parse(stackConfig("test").config["data-infra:composer"]), ...patch };
}

describe("issue 17 handed cases", () => {
    it("requirements-utf16: a UTF-16 LE file with a byte-order mark is decoded as pip does", async () => {
        const run = await plan("test", {
            composer: composerWith({
                requirementsFile: path.posix.join(CASES, "requirements-utf16", "requirements.txt"),
            }),
        });
        const env = run.recorder.get(ENV, "composer").inputs as {
            config: { softwareConfig: { pypiPackages: unknown } };
        };
        assert.deepEqual(env.config.softwareConfig.pypiPackages, {
            backoff: "==2.2.1",
            partridge: "==1.1.2",
            requests: "==2.32.3",
        });
    });

    it("requirements-comment-backslash: an inline comment ending in \\ fails at that line, nothing declared", async () => {
        const file = path.posix.join(CASES, "requirements-comment-backslash", "requirements.txt");
        await assert.rejects(
            plan("test", { composer: composerWith({ requirementsFile: file }) }),
            (e: Error) => {
                assert.match(
                    e.message,
                    new RegExp(
                        `${file.replace(/[.]/g, "\\.")}:1: the inline comment ends in "\\\\", so pip joins line 2 into the comment and never installs it; remove the backslash`,
                    ),
                );
                assert.match(e.message, /: 1 problem\n/);
                return true;
            },
        );
    });

    it("values-merge-key: a values file using an anchor and << passes schema validation as Helm reads it", async () => {
        const file = path.posix.join(CASES, "values-merge-key", "postgresql-backup-metabase.yaml");
        const run = await plan("test", {
            releases: releasesWith((r) => {
                (r[0].valuesFiles as string[])[0] = file;
            }),
        });
        const release = run.recorder.get(
            "kubernetes:helm.sh/v3:Release",
            "releases-postgresql-backup-metabase",
        );
        assert.match(JSON.stringify(release.inputs), /values-merge-key\/postgresql-backup-metabase\.yaml/);
    });

    it("secret-dockerconfigjson-key: an image-pull Secret under config.json fails the plan at that key", async () => {
        await assert.rejects(
            plan("test", { releases: caseConfig("secret-dockerconfigjson-key", "releases") }),
            (e: Error) => {
                assert.match(
                    e.message,
                    /data-infra:releases\[0\]\.secrets\[1\]\.key: a kubernetes\.io\/dockerconfigjson Secret keeps its payload under "\.dockerconfigjson" \(got "config\.json"\)/,
                );
                assert.match(e.message, /: 1 problem\n/);
                return true;
            },
        );
    });

    it("composer-override-limits: Composer 3 limits on the two timeouts fail the plan, both named", async () => {
        await assert.rejects(
            plan("test", { composer: caseConfig("composer-override-limits", "composer") }),
            (e: Error) => {
                assert.match(
                    e.message,
                    /data-infra:composer\.airflowConfigOverrides\.core-dag_file_processor_timeout: must be at most 600 on Composer 3 \(got "900"\)/,
                );
                assert.match(
                    e.message,
                    /data-infra:composer\.airflowConfigOverrides\.core-dagbag_import_timeout: must be at least core-dag_file_processor_timeout \(900\) on Composer 3 \(got "300"\)/,
                );
                return true;
            },
        );
    });

    describe("dags-airflowignore", () => {
        const source = path.posix.join(CASES, "dags-airflowignore", "airflow", "dags");
        const folders = [
            { source, prefix: "dags/" },
            { source: "airflow/plugins", prefix: "plugins/" },
        ];
        it("ships .airflowignore by default, next to the helper modules it hides", async () => {
            const run = await plan("test", { dags: { folders } });
            const names = run.recorder
                .ofType("gcsmanifest:index:PrefixManifest")
                .flatMap((r) => Object.keys(r.inputs.files as Record<string, string>));
            assert.deepEqual(
                names.filter((n) => n.startsWith("dags/")),
                ["dags/.airflowignore", "dags/transform/lib/dbt_args.py", "dags/transform/lib/profiles.py"],
            );
        });
        it("fails loudly when an exclude glob drops it", async () => {
            await assert.rejects(
                plan("test", { dags: { folders, exclude: ["**/__pycache__", "**/.*"] } }),
                (e: Error) => {
                    assert.match(
                        e.message,
                        /dags-airflowignore\/airflow\/dags\/\.airflowignore: is excluded by "\*\*\/\.\*"/,
                    );
                    return true;
                },
            );
        });
    });
});
