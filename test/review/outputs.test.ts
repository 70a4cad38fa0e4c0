/**
 * Stack outputs in the review: other stacks read them (StackReference) and so do the workflows, so an output that
 * moves is a change even when no resource changes. Before this, a blue/green `serve` switch reviewed as "No changes".
 */
import { strict as assert } from "node:assert";
import type { DiffableDocument } from "../../lib/plan-document";
import { buildPlanDocument } from "../../tools/plan/document/build";
import { diffPlans } from "../../tools/plan/review/diff";
import { buildReport, reportJson } from "../../tools/plan/review/report";
import { renderMarkdown } from "../../tools/plan/review/render/markdown";
import { renderDiffText } from "../../tools/plan/review/render/text";
import { runProgram } from "../../runtime/run-program";
import { REPO_ROOT, stackConfig } from "../harness";

const withOutputs = (outputs: Record<string, unknown>): DiffableDocument => ({
    project: "data-infra",
    stack: "prod",
    resources: [],
    outputs,
});

describe("Review: stack outputs", () => {
    const cases: Array<[string, Record<string, unknown>, Record<string, unknown>, string[], string[]]> = [
        ["equal outputs", { a: "x", b: "(computed)" }, { a: "x", b: "(computed)" }, [], []],
        [
            "a changed leaf",
            { a: { serving: true } },
            { a: { serving: false } },
            ["a.serving: true → false"],
            ["medium"],
        ],
        ["an added output", {}, { images: "(computed)" }, ['images: added "(computed)"'], ["medium"]],
        [
            "a removed output (a StackReference reading it breaks)",
            { images: "(computed)" },
            {},
            ['images: removed (was "(computed)")'],
            ["high"],
        ],
        [
            "a secret on both sides (no fingerprints): not reported",
            { k: "[secret]" },
            { k: "[secret]" },
            [],
            [],
        ],
        ["a secret that appears", {}, { k: "[secret]" }, ["k: secret added"], ["medium"]],
        [
            "a credential-named output is redacted",
            { password: "a" },
            { password: "b" },
            ["password: "],
            ["medium"],
        ],
    ];
    for (const [name, before, after, lines, tiers] of cases) {
        it(name, () => {
            const diff = diffPlans(withOutputs(before), withOutputs(after), { base: "main", head: "tree" });
            const report = buildReport(diff);
            const text = renderDiffText(report);
            const section = text.split("Stack outputs (read by other stacks and the workflows):\n")[1] ?? "";
            const outputLines = section
                .split("\n")
                .filter((l) => l.startsWith("  "))
                .map((l) => l.trim());
            assert.equal(outputLines.length, lines.length, text);
            lines.forEach((l, i) =>
                assert.ok(outputLines[i].startsWith(l), `${outputLines[i]}\n  expected ${l}`),
            );
            assert.deepEqual(
                report.risks.filter((r) => r.subject.startsWith("stack output")).map((r) => r.tier),
                tiers,
            );
            if (!lines.length) {
                assert.match(text, /No changes/);
                assert.match(renderMarkdown(report), /\*\*No changes\.\*\*/);
            } else {
                assert.doesNotMatch(text, /No changes/);
                assert.match(renderMarkdown(report), new RegExp(`Stack outputs \\(${lines.length}\\)`));
            }
            if (name.includes("credential")) {
                const json = JSON.stringify(reportJson(report));
                assert.ok(!/"(a|b)"/.test(json.split('"outputs"')[1] ?? ""), json);
            }
        });
    }

    it("gives one risk entry per output name, however many of its leaves differ (a retire removes four)", () => {
        const env = { airflowUri: "(computed)", bucket: "(computed)", name: "a", serving: false };
        const diff = diffPlans(
            withOutputs({
                composerEnvironments: { current: env, next: { ...env, name: "b", serving: true } },
            }),
            withOutputs({ composerEnvironments: { next: { ...env, name: "b", serving: true } } }),
            { base: "main", head: "retire" },
        );
        const risks = buildReport(diff).risks.filter((r) => r.subject.startsWith("stack output"));
        assert.deepEqual(
            risks.map((r) => [r.tier, r.subject, r.reason]),
            [
                [
                    "high",
                    "stack output composerEnvironments",
                    "composerEnvironments.current.airflowUri, composerEnvironments.current.bucket, composerEnvironments.current.name, … (4): removed; every StackReference or workflow reading them breaks",
                ],
            ],
        );
    });

    it("the real program: a blue/green serve switch is reviewed as the outputs moving, with no resource change", async () => {
        const fingerprintKey = Buffer.alloc(32, 7); // one key for both sides, as the review does
        const plan = async (serve: string) => {
            const composer = {
                ...JSON.parse(stackConfig("prod").config["data-infra:composer"]),
                next: { name: "data-infra-prod-c3", imageVersion: "composer-3-airflow-2.10.5-build.5" },
                serve,
            };
            return buildPlanDocument(
                await runProgram({ stack: "prod", config: stackConfig("prod", { composer }) }),
                { root: REPO_ROOT, fingerprintKey },
            );
        };
        const diff = diffPlans(await plan("current"), await plan("next"), { base: "main", head: "switch" });
        assert.equal(diff.resources.length, 0);
        assert.deepEqual(
            diff.outputs?.map((c) => [c.path, c.kind]),
            [
                ["composerEnvironments.current.serving", "changed"],
                ["composerEnvironments.next.serving", "changed"],
            ],
        );
        const md = renderMarkdown(buildReport(diff));
        assert.doesNotMatch(md, /No changes/);
        assert.match(md, /composerEnvironments\.next\.serving: false → true/);
    });
});
