/**
 * The policy pack and the promotion check against the shipped stacks, planned with the real program: the shipped
 * channels pass, and a prod-only remote chart with a plaintext password fails both.
 */
import { strict as assert } from "node:assert";
import { evaluateDocument } from "../../policy/catalog";
import { parseStackConfig } from "../../config";
import { buildPlanDocument } from "../../tools/plan/document/build";
import { checkPromotion } from "../../tools/plan/review/promotion";
import { REPO_ROOT, plan, stackConfig } from "../harness";

async function planDoc(stack: string, overrides: Record<string, unknown> = {}) {
    const run = await plan(stack, overrides);
    const doc = buildPlanDocument(run, { root: REPO_ROOT });
    const cfg = stackConfig(stack, overrides);
    return { doc, policy: parseStackConfig(stack, cfg.config, cfg.secretKeys).policy };
}

const prodReleases = () => JSON.parse(stackConfig("prod").config["data-infra:releases"]) as unknown[];
const remoteRelease = (extra: Record<string, unknown>) => ({
    name: "metabase",
    driver: "helm",
    namespace: "metabase",
    chart: "metabase",
    repo: "https://pmint93.github.io/helm-charts",
    ...extra,
});

describe("Policy on the shipped stacks", () => {
    let test: Awaited<ReturnType<typeof planDoc>>;
    let prod: Awaited<ReturnType<typeof planDoc>>;
    before(async () => {
        test = await planDoc("test");
        prod = await planDoc("prod");
    });

    it("finds no violation in the shipped channels and lets test promote to prod", () => {
        assert.deepEqual(evaluateDocument(test.doc, test.policy), []);
        assert.deepEqual(
            evaluateDocument(prod.doc, prod.policy).filter((v) => v.level === "mandatory"),
            [],
        );
        assert.equal(prod.policy.enforcement, "mandatory");
        assert.deepEqual(checkPromotion(test.doc, prod.doc).findings, []);
    });

    it("fails prod with a plaintext password in inline values, and the promotion of a prod-only chart version", async () => {
        // GIVEN prod gains a remote chart release that test does not run, with a plaintext password in its values
        const edited = await planDoc("prod", {
            releases: [
                ...prodReleases(),
                remoteRelease({ version: "2.20.1", values: { database: { password: "hunter2" } } }),
            ],
        });
        // THEN the policy names the release and the input path, and blocks (mandatory in prod)
        const violations = evaluateDocument(edited.doc, edited.policy).filter((v) => v.level === "mandatory");
        assert.deepEqual(
            violations.map((v) => [v.rule, v.level, v.path]),
            [["no-plaintext-credentials", "mandatory", "values.database.password"]],
        );
        assert.match(violations[0].name, /metabase/);
        // AND the promotion check lists the untested chart version
        assert.deepEqual(
            checkPromotion(test.doc, edited.doc).findings.map((f) => [f.kind, f.artifact]),
            [["chart version", "https://pmint93.github.io/helm-charts metabase@2.20.1"]],
        );
    });

    it("fails prod with two violations for an unpinned remote chart and a plaintext password", async () => {
        // GIVEN prod gains a remote chart pinned only to a range, with a plaintext password in its inline values
        const edited = await planDoc("prod", {
            releases: [
                ...prodReleases(),
                remoteRelease({ version: "^2.20.0", values: { database: { password: "hunter2" } } }),
            ],
        });
        // THEN both block, each naming the release and the input path
        assert.deepEqual(
            evaluateDocument(edited.doc, edited.policy)
                .filter((v) => v.level === "mandatory")
                .map((v) => [v.rule, v.name, v.path]),
            [
                ["helm-chart-pinned", "releases-metabase", "version"],
                ["no-plaintext-credentials", "releases-metabase", "values.database.password"],
            ],
        );
    });

    it("blocks an unpinned remote chart in test too, where other rules only advise", async () => {
        const edited = await planDoc("test", { releases: [remoteRelease({ version: "2.x" })] });
        assert.equal(edited.policy.enforcement, "advisory");
        assert.deepEqual(
            evaluateDocument(edited.doc, edited.policy)
                .filter((v) => v.rule === "helm-chart-pinned")
                .map((v) => v.level),
            ["mandatory"],
        );
    });

    it("rejects a remote chart without any version already in the config, naming the release's key", async () => {
        await assert.rejects(
            planDoc("prod", { releases: [...prodReleases(), remoteRelease({})] }),
            /data-infra:releases\[3\]\.version: required with repo/,
        );
    });
});
