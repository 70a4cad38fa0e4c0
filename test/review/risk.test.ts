import { strict as assert } from "node:assert";
import { diffPlans } from "../../tools/plan/review/diff";
import { buildReport } from "../../tools/plan/review/report";
import { highestTier, reachesTier, type Tier } from "../../tools/plan/review/risk";
import { composer, dagObject, doc, release, res } from "./fixtures";
import { TYPES, type DiffableResource } from "../../lib/plan-document";

describe("Risk tiers", () => {
    const cases: Array<[what: string, base: DiffableResource[], head: DiffableResource[], tier: Tier]> = [
        ["Composer environment deleted", [composer("test", { imageVersion: "a" })], [], "critical"],
        [
            "Composer environment replaced (region changed)",
            [composer("test", { imageVersion: "a" })],
            [composer("test", { imageVersion: "a" }, { region: "europe-west1" })],
            "critical",
        ],
        ["bucket deleted", [res("test", TYPES.bucket, "dags", { name: "b" })], [], "critical"],
        [
            "namespace deleted",
            [res("test", TYPES.namespace, "metabase", { metadata: { name: "metabase" } })],
            [],
            "critical",
        ],
        [
            "Composer image change",
            [composer("test", { imageVersion: "a" })],
            [composer("test", { imageVersion: "b" })],
            "high",
        ],
        ["Kubernetes secret removed", [res("test", TYPES.k8sSecret, "s", { data: "[secret]" })], [], "high"],
        ["DAG file deleted", [dagObject("test", "dags/x.py", "1")], [], "medium"],
        [
            "chart major bump",
            [release("test", "m", { chart: "m", version: "1.2.0", repositoryOpts: { repo: "r" } })],
            [release("test", "m", { chart: "m", version: "2.0.0", repositoryOpts: { repo: "r" } })],
            "medium",
        ],
        ["plugin file deleted", [dagObject("test", "plugins/x.py", "1")], [], "low"],
        [
            "chart minor bump",
            [release("test", "m", { chart: "m", version: "1.2.0", repositoryOpts: { repo: "r" } })],
            [release("test", "m", { chart: "m", version: "1.3.0", repositoryOpts: { repo: "r" } })],
            "low",
        ],
    ];
    for (const [what, base, head, tier] of cases) {
        it(`classifies ${what} as ${tier}`, () => {
            const report = buildReport(
                diffPlans(doc("test", base), doc("test", head), { base: "b", head: "h" }),
            );
            assert.equal(report.highestTier, tier);
        });
    }

    it("gates --fail-on at the given tier or above", () => {
        const entries = [{ tier: "medium" as Tier, urn: "u", subject: "s", reason: "r" }];
        assert.equal(highestTier(entries), "medium");
        assert.equal(reachesTier(entries, "low"), true);
        assert.equal(reachesTier(entries, "medium"), true);
        assert.equal(reachesTier(entries, "high"), false);
        assert.equal(highestTier([]), undefined);
    });
});
