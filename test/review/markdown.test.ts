import { strict as assert } from "node:assert";
import { diffPlans } from "../../tools/plan/review/diff";
import { buildReport } from "../../tools/plan/review/report";
import { MARKDOWN_BUDGET, renderMarkdown } from "../../tools/plan/review/render/markdown";
import type { PlanDiff, ResourceDiff } from "../../lib/plan-document";
import { composer, dagObject, dagTree, doc } from "./fixtures";

/** A constructed diff of `n` changed DAG files: the renderer is pure, so no plan of `n` files is needed. */
function syntheticDiff(n: number, kind: ResourceDiff["kind"]): PlanDiff {
    const resources = Array.from({ length: n }, (_, i): ResourceDiff => {
        const name = `dags/generated/team_${i % 50}/pipeline_${String(i).padStart(5, "0")}.py`;
        const r = dagObject("test", name, "f".repeat(64));
        return {
            urn: r.urn,
            type: r.type,
            name,
            kind,
            group: "airflow:DagSync",
            changes:
                kind === "change"
                    ? [{ path: "source.sha256", kind: "changed", old: "a".repeat(64), new: "b".repeat(64) }]
                    : [],
            optionChanges: [],
            secrets: [],
            ...(kind === "add" ? { head: r } : { base: r, head: r }),
        };
    });
    return {
        project: "data-infra",
        stack: "test",
        baseLabel: "origin/main",
        headLabel: "working tree",
        resources,
        unchanged: 12,
    };
}

describe("Markdown comment", () => {
    it("starts with the stack's marker, then the highest risk tier, then the summary table", () => {
        const base = doc("test", [
            composer("test", { imageVersion: "a", pypiPackages: { x: "==1" } }),
            dagObject("test", "dags/a.py", "1"),
        ]);
        const head = doc("test", [composer("test", { imageVersion: "b", pypiPackages: { x: "==2" } })]);
        const md = renderMarkdown(
            buildReport(diffPlans(base, head, { base: "origin/main", head: "working tree" })),
        );
        const lines = md.split("\n");
        assert.equal(lines[0], "<!-- data-infra-plan:test -->");
        const risk = md.indexOf("**Highest risk: 🔴 HIGH**");
        const summary = md.indexOf("#### Summary: test");
        const composerAt = md.indexOf("#### Composer");
        const details = md.indexOf("<details><summary>");
        assert.ok(risk > 0 && risk < summary && summary < composerAt && composerAt < details, md);
        assert.match(md, /\| `airflow:DagSync` \| 0 \| 0 \| 1 \|/);
        assert.match(md, /\[!WARNING\]\n> \*\*`imageVersion` and `pypiPackages` change together/);
        assert.match(md, /\| `x` \| `==1` \| `==2` \|/);
        assert.match(md, /#### Removed DAGs[\s\S]*`dags\/a.py`/);
    });

    it("stays within 60,000 characters for a 10,000-file change, collapsing the longest sections and saying so", () => {
        const md = renderMarkdown(buildReport(syntheticDiff(10_000, "change")));
        assert.ok(md.length <= MARKDOWN_BUDGET, `${md.length}`);
        assert.ok(md.startsWith("<!-- data-infra-plan:test -->\n"));
        assert.match(md, /\| `airflow:DagSync` \| 0 \| 10000 \| 0 \|/);
        assert.match(
            md,
            /Collapsed to counts to stay within 60,000 characters: .*Resource changes \(10000\)/,
        );
        assert.match(md, /`dags\/`: 0 added, 10000 changed, 0 removed/);
    });

    it("keeps the summary and the removed-DAG callout when 2,000 DAG files are added and 2,000 removed", () => {
        const base = doc("test", dagTree("test", 2_000));
        const head = doc(
            "test",
            dagTree("test", 2_000).map((r) => ({
                ...r,
                urn: r.urn.replace("dag_", "new_"),
                name: r.name.replace("dag_", "new_"),
                inputs: { ...r.inputs, name: r.name.replace("dag_", "new_") },
            })),
        );
        const md = renderMarkdown(buildReport(diffPlans(base, head, { base: "b", head: "h" })));
        assert.ok(md.length <= MARKDOWN_BUDGET, `${md.length}`);
        assert.match(md, /\| `airflow:DagSync` \| 2000 \| 0 \| 2000 \|/);
        assert.match(md, /2000 DAG file\(s\) removed/);
        assert.match(md, /…and \d+ more/);
    });

    it("renders a small change in full, without a collapse note", () => {
        const md = renderMarkdown(buildReport(syntheticDiff(20, "add")));
        assert.doesNotMatch(md, /Collapsed to counts/);
        assert.equal((md.match(/<details><summary>\+ /g) ?? []).length, 20);
    });

    it("respects a smaller budget", () => {
        const md = renderMarkdown(buildReport(syntheticDiff(500, "change")), { budget: 5_000 });
        assert.ok(md.length <= 5_000, `${md.length}`);
    });
});
