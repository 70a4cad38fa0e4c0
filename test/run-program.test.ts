import { strict as assert } from "node:assert";
import { REPO_ROOT } from "./harness";
import { ProgramRunError, runProgram } from "../runtime/run-program";
import { readEngineConfig } from "../runtime/stack-files";

describe("runProgram", () => {
    it("fails naming the resource when an apply throws (a Secret Manager payload of the wrong shape)", async () => {
        // GIVEN the test channel's secrets read as whole manifests, and a payload that is a ConfigMap
        const engine = readEngineConfig(REPO_ROOT, "test");
        const releases = JSON.parse(engine.config["data-infra:releases"]) as Array<{
            secrets?: Array<Record<string, unknown>>;
        }>;
        for (const r of releases)
            for (const s of r.secrets ?? []) {
                s.format = "manifest";
                delete s.key;
            }
        const config = {
            ...engine,
            config: { ...engine.config, "data-infra:releases": JSON.stringify(releases) },
        };
        // WHEN the program runs
        const run = runProgram({
            stack: "test",
            config,
            invokes: {
                "gcp:secretmanager/getSecretVersion:getSecretVersion": (i) => ({
                    secret: i.secret,
                    version: "1",
                    secretData: "kind: ConfigMap\n",
                }),
            },
        });
        // THEN the run fails, naming the Secret and the release that depends on it, with the error
        await assert.rejects(run, (e: unknown) => {
            assert.ok(e instanceof ProgramRunError);
            const lines = e.message.split("\n");
            const why =
                'error serializing property "data": Secret Manager secret metabase-database-password: payload is a ConfigMap, not a Secret manifest';
            assert.ok(
                lines.includes(
                    `kubernetes:core/v1:Secret releases-secret-metabase/metabase-database: not registered: ${why}`,
                ),
                e.message,
            );
            assert.ok(
                lines.includes(
                    `kubernetes:helm.sh/v3:Release releases-postgresql-backup-metabase: not registered: ${why}`,
                ),
                e.message,
            );
            return true;
        });
    });
});
