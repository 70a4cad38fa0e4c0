/**
 * Issue 16 item 6: no credential reaches reviewable text. Each output path of the review (the text, markdown and
 * JSON renderings, values-file `old → new` lines, rendered manifests, validation errors' `got …`) is fed a planted
 * credential and must not print it.
 */
import { strict as assert } from "node:assert";
import {
    REDACTED,
    hasUserinfo,
    isCredentialKey,
    lastKey,
    redactCredentials,
    stripUserinfo,
} from "../../lib/credentials";
import { TYPES } from "../../lib/plan-document";
import { Problems, ValidationError, formatProblem } from "../../lib/problems";
import { mergeValues, validateAgainstSchema } from "../../components/releases/values";
import { stableStringify } from "../../lib/stable-json";
import { diffPlans } from "../../tools/plan/review/diff";
import { renderMarkdown } from "../../tools/plan/review/render/markdown";
import { renderDiffText } from "../../tools/plan/review/render/text";
import { buildReport, reportJson } from "../../tools/plan/review/report";
import { valuesFileKeyChanges } from "../../tools/plan/review/sections/helm";
import { diffManifests } from "../../tools/plan/review/sections/manifests";
import { composer, doc, release, res } from "./fixtures";

const PLANTED = "PLANTED-hunter2";

describe("Credential redaction", () => {
    const cases: ReadonlyArray<[string, unknown, unknown]> = [
        ["password", PLANTED, REDACTED],
        ["dbPassword", 5, REDACTED],
        ["API_TOKEN", PLANTED, REDACTED],
        ["host", "db.example", "db.example"],
        ["url", `https://user:${PLANTED}@db.example/x`, `https://${REDACTED}@db.example/x`],
        ["cert", "-----BEGIN PRIVATE KEY-----\nabc", REDACTED],
        ["password", "", ""],
        ["credentials", { user: "u", nested: [PLANTED] }, { user: REDACTED, nested: [REDACTED] }],
    ];
    for (const [key, value, shown] of cases)
        it(`shows ${key}=${JSON.stringify(value)} as ${JSON.stringify(shown)}`, () =>
            assert.deepEqual(redactCredentials(value, key), shown));

    it("redacts a credential-named env entry's value, and nested credential keys", () => {
        assert.deepEqual(
            redactCredentials({
                env: [
                    { name: "DB_PASSWORD", value: PLANTED },
                    { name: "LOG_LEVEL", value: "info" },
                ],
                db: { password: PLANTED, user: "app" },
            }),
            {
                env: [
                    { name: "DB_PASSWORD", value: REDACTED },
                    { name: "LOG_LEVEL", value: "info" },
                ],
                db: { password: REDACTED, user: "app" },
            },
        );
    });

    it("strips every URL's userinfo and tells a credential from ssh's git user", () => {
        assert.equal(
            stripUserinfo(`clone https://x:${PLANTED}@github.com/o/r and oci://robot@r.example/c`),
            `clone https://${REDACTED}@github.com/o/r and oci://${REDACTED}@r.example/c`,
        );
        assert.equal(hasUserinfo("ssh://git@github.com/o/r"), false);
        assert.equal(hasUserinfo("https://ghp_abc@github.com/o/r"), true);
        assert.equal(hasUserinfo("mailto:a@b.example"), false);
    });

    it("names the last key of a path", () => {
        assert.equal(lastKey("values.db.password"), "password");
        assert.equal(lastKey("env[0]"), "env");
        assert.equal(lastKey("$.db.password"), "password");
        assert.equal(lastKey("/db/password"), "password");
        assert.equal(isCredentialKey(lastKey("config.softwareConfig.envVariables.API_TOKEN")!), true);
    });
});

describe("Every review output path redacts credentials", () => {
    // GIVEN a change that sets a password inline, in an env variable and in a chart repository URL
    const base = doc("test", [
        release("test", "web", {
            chart: "web",
            version: "1.0.0",
            values: { db: { password: "old-" + PLANTED } },
        }),
        composer("test", { envVariables: { WAREHOUSE_TOKEN: "old-" + PLANTED } }),
    ]);
    const head = doc("test", [
        release("test", "web", {
            chart: "web",
            version: "1.0.0",
            repositoryOpts: { repo: `https://robot:${PLANTED}@charts.example` },
            values: { db: { password: "new-" + PLANTED } },
        }),
        composer("test", { envVariables: { WAREHOUSE_TOKEN: "new-" + PLANTED } }),
        res("test", TYPES.kustomize, "site", { directory: `https://${PLANTED}@github.com/o/r//k8s` }),
    ]);
    const report = buildReport(diffPlans(base, head, { base: "main", head: "pr" }));
    const outputs: ReadonlyArray<[string, () => string]> = [
        ["text", () => renderDiffText(report)],
        ["markdown", () => renderMarkdown(report)],
        ["json", () => stableStringify(reportJson(report))],
    ];
    for (const [format, render] of outputs)
        it(`${format}: shows that the password changed, never its value`, () => {
            const out = render();
            assert.ok(!out.includes(PLANTED), out);
            assert.ok(out.includes("password"), "the changed key is still named");
        });

    it("values files: a password's old → new is redacted, other keys shown", () => {
        const lines = valuesFileKeyChanges(
            "v.yaml",
            `replicas: 1\ndb:\n  password: old-${PLANTED}\n`,
            `replicas: 2\ndb:\n  password: new-${PLANTED}\n`,
        );
        assert.deepEqual(lines, [
            { key: "db.password", kind: `"${REDACTED}" → "${REDACTED}" in v.yaml` },
            { key: "replicas", kind: "1 → 2 in v.yaml" },
        ]);
    });

    it("rendered manifests: a credential-named env value and ConfigMap key are redacted", () => {
        const objects = diffManifests(
            `kind: ConfigMap\nmetadata: {name: c}\ndata: {API_TOKEN: old-${PLANTED}, LEVEL: info}`,
            `kind: ConfigMap\nmetadata: {name: c}\ndata: {API_TOKEN: new-${PLANTED}, LEVEL: debug}`,
            "ns",
        );
        assert.deepEqual(
            objects.map((o) => o.diff),
            [
                `@@ -1,6 +1,6 @@\n data:\n   API_TOKEN: "${REDACTED}"\n-  LEVEL: info\n+  LEVEL: debug\n kind: ConfigMap\n metadata:\n   name: c`,
            ],
        );
    });

    it("validation errors: got … of a credential-named key is redacted, URL userinfo stripped", () => {
        const problems = new Problems();
        problems.add("data-infra:releases[0].values.dbPassword", "must be a string", 12345);
        problems.add("data-infra:releases[0].repo", "must be https", `http://u:${PLANTED}@charts.example`);
        assert.deepEqual(problems.list.map(formatProblem), [
            `data-infra:releases[0].values.dbPassword: must be a string (got "${REDACTED}")`,
            `data-infra:releases[0].repo: must be https (got "http://${REDACTED}@charts.example")`,
        ]);
        assert.ok(!new ValidationError("t", problems.list).message.includes(PLANTED));
    });

    it("chart schema violations: got … of a credential-named key is redacted", () => {
        const schema = {
            type: "object",
            properties: {
                db: { type: "object", properties: { password: { type: "string", minLength: 20 } } },
            },
        };
        const found = validateAgainstSchema(
            schema,
            mergeValues([{ label: "v.yaml", values: { db: { password: PLANTED } } }]),
        );
        assert.deepEqual(
            found.map((v) => `${v.path}: ${v.problem}`),
            [`$.db.password: must NOT have fewer than 20 characters (got "${REDACTED}")`],
        );
    });
});
