import { strict as assert } from "node:assert";
import { TYPES } from "../../lib/plan-document";
import { compareValues, diffPlans, groupOf } from "../../tools/plan/review/diff";
import { buildReport, reportJson } from "../../tools/plan/review/report";
import { renderDiffText } from "../../tools/plan/review/render/text";
import { renderMarkdown } from "../../tools/plan/review/render/markdown";
import { compareChannels } from "../../tools/plan/review/compare";
import { composer, dagObject, doc, res } from "./fixtures";

const labels = { base: "main", head: "working tree" };

describe("Plan diff", () => {
    it("lists resources added, removed and changed by URN, with each changed input path old → new", () => {
        // GIVEN a base with two DAG files and a head that changes one, removes one and adds one
        const base = doc("test", [dagObject("test", "dags/a.py", "1"), dagObject("test", "dags/b.py", "2")]);
        const head = doc("test", [dagObject("test", "dags/a.py", "9"), dagObject("test", "dags/c.py", "3")]);
        // WHEN diffed
        const diff = diffPlans(base, head, labels);
        // THEN each change is there, sorted by URN, with the changed path
        assert.deepEqual(
            diff.resources.map((r) => [r.name, r.kind]),
            [
                ["dags/a.py", "change"],
                ["dags/b.py", "remove"],
                ["dags/c.py", "add"],
            ],
        );
        assert.deepEqual(diff.resources[0].changes, [
            { path: "source.sha256", kind: "changed", old: "1", new: "9" },
        ]);
        assert.equal(diff.resources[0].group, "airflow:DagSync");
        assert.equal(diff.unchanged, 0);
    });

    it("counts a secret only the cloud knows as changed exactly when the resource's known inputs change", () => {
        // GIVEN a Kubernetes Secret whose data is a Secret Manager payload (unknown offline)
        const secret = (source: string) =>
            res(
                "test",
                TYPES.k8sSecret,
                "db",
                { metadata: { annotations: { "data-infra/secret-source": source } }, stringData: "[secret]" },
                { secrets: { stringData: "(computed)" } },
            );
        // WHEN the version pin changes THEN the secret is reported changed, with no fingerprint claimed
        const pinned = diffPlans(doc("test", [secret("db@latest")]), doc("test", [secret("db@4")]), labels);
        assert.deepEqual(pinned.resources[0].secrets, [
            {
                path: "stringData",
                status: "changed",
                oldFingerprint: "(computed)",
                newFingerprint: "(computed)",
            },
        ]);
        const text = renderDiffText(buildReport(pinned, []));
        assert.match(
            text,
            /stringData: secret changed \(read at deploy from changed inputs; unknown offline\)/,
        );
        // AND nothing changed means no change at all
        const same = diffPlans(doc("test", [secret("db@4")]), doc("test", [secret("db@4")]), labels);
        assert.deepEqual(same.resources, []);
        assert.equal(same.unchanged, 1);
    });

    it("treats a missing base (new channel) as everything added", () => {
        const diff = diffPlans(undefined, doc("test", [dagObject("test", "dags/a.py", "1")]), labels);
        assert.deepEqual(
            diff.resources.map((r) => r.kind),
            ["add"],
        );
    });

    it("reports added, removed and changed leaves including array elements and options", () => {
        const changes = compareValues(
            { a: { b: 1, c: [1, 2] }, gone: true },
            { a: { b: 2, c: [1] }, new: "x" },
            {},
            {},
        );
        assert.deepEqual(changes, [
            { path: "a.b", kind: "changed", old: 1, new: 2 },
            { path: "a.c[1]", kind: "removed", old: 2 },
            { path: "gone", kind: "removed", old: true },
            { path: "new", kind: "added", new: "x" },
        ]);
        const base = doc("prod", [composer("prod", { imageVersion: "x" })]);
        const head = doc("prod", [
            res("prod", base.resources[0].type, base.resources[0].name, base.resources[0].inputs, {
                options: { protect: true },
            }),
        ]);
        assert.deepEqual(diffPlans(base, head, labels).resources[0].optionChanges, [
            { path: "protect", kind: "added", new: true },
        ]);
    });

    it("compares secrets only by fingerprint: changed, unchanged, no longer secret", () => {
        const table: Array<[unknown, unknown, Record<string, string>, Record<string, string>, string]> = [
            ["[secret]", "[secret]", { p: "aaaaaaaaaaaa" }, { p: "bbbbbbbbbbbb" }, "changed"],
            ["[secret]", "[secret]", { p: "aaaaaaaaaaaa" }, { p: "aaaaaaaaaaaa" }, "unchanged"],
            ["[secret]", "[secret]", {}, {}, "changed"],
            ["[secret]", undefined, { p: "aaaaaaaaaaaa" }, {}, "removed"],
            [undefined, "[secret]", {}, { p: "aaaaaaaaaaaa" }, "added"],
            ["plain", "[secret]", {}, { p: "aaaaaaaaaaaa" }, "now-secret"],
            ["[secret]", "plain", { p: "aaaaaaaaaaaa" }, {}, "no-longer-secret"],
        ];
        for (const [o, n, os, ns, expected] of table) {
            const [change] = compareValues(
                o === undefined ? {} : { p: o },
                n === undefined ? {} : { p: n },
                os,
                ns,
            );
            assert.equal(change.kind, "secret");
            assert.equal(change.kind === "secret" && change.secret, expected, `${String(o)} → ${String(n)}`);
        }
        // A plaintext map that became a secret as a whole shows no leaf of the old plaintext.
        const folded = compareValues(
            { data: { password: "hunter2" } },
            { data: "[secret]" },
            {},
            { data: "cccccccccccc" },
        );
        assert.deepEqual(folded, [
            { path: "data", kind: "secret", secret: "now-secret", newFingerprint: "cccccccccccc" },
        ]);
    });

    it("never shows a planted secret value in text, JSON or markdown", () => {
        // GIVEN documents rendered by the plan (secrets as [secret] + fingerprints), and a plaintext value that the
        // head turns into a secret
        const planted = "s3cr3t-PLANTED-value";
        const base = doc("test", [
            res(
                "test",
                TYPES.k8sSecret,
                "db",
                { data: "[secret]", metadata: { name: "db" } },
                { secrets: { data: "0123456789ab" } },
            ),
            res("test", TYPES.k8sSecret, "api", { stringData: { token: planted } }),
        ]);
        const head = doc("test", [
            res(
                "test",
                TYPES.k8sSecret,
                "db",
                { data: "[secret]", metadata: { name: "db" } },
                { secrets: { data: "ba9876543210" } },
            ),
            res(
                "test",
                TYPES.k8sSecret,
                "api",
                { stringData: "[secret]" },
                { secrets: { stringData: "111111111111" } },
            ),
        ]);
        const report = buildReport(diffPlans(base, head, labels));
        const outputs = [renderDiffText(report), JSON.stringify(reportJson(report)), renderMarkdown(report)];
        for (const out of outputs) {
            assert.ok(!out.includes(planted), out);
            assert.match(out, /secret changed|"secret":"changed"/);
            assert.match(out, /0123456789ab/);
            assert.match(out, /ba9876543210/);
        }
    });

    it("renders an unchanged tree as no changes", () => {
        const d = doc("test", [dagObject("test", "dags/a.py", "1"), composer("test", { imageVersion: "i" })]);
        const report = buildReport(diffPlans(d, d, labels));
        assert.equal(report.diff.resources.length, 0);
        assert.equal(report.diff.unchanged, 2);
        assert.match(renderDiffText(report), /^No changes \(2 resources unchanged\)\.$/m);
        assert.match(renderMarkdown(report), /\*\*No changes\.\*\*/);
    });

    it("groups resources by their top-level component", () => {
        assert.equal(
            groupOf(
                "urn:pulumi:t::data-infra::data-infra:airflow:DagSync$gcp:storage/bucketObject:BucketObject::x",
            ),
            "airflow:DagSync",
        );
        assert.equal(groupOf("urn:pulumi:t::data-infra::pulumi:providers:gcp::gcp"), "stack");
    });

    it("compares two channels normalized by the channel name", () => {
        // GIVEN test and prod that differ only by names embedding the channel, plus one prod-only DAG and a size
        const test = doc("test", [
            composer("test", { imageVersion: "i" }, { size: "S" }),
            dagObject("test", "dags/a.py", "1"),
        ]);
        const prod = doc("prod", [
            composer("prod", { imageVersion: "i" }, { size: "L" }),
            dagObject("prod", "dags/a.py", "1"),
            dagObject("prod", "dags/extra.py", "2"),
        ]);
        // WHEN compared
        const diff = compareChannels(test, prod);
        // THEN only the real differences remain, by URN (the ComposerEnvironment component sorts before DagSync)
        assert.deepEqual(
            diff.resources.map((r) => [r.name, r.kind, r.changes.map((c) => c.path)]),
            [
                ["composer-<channel>", "change", ["size"]],
                ["dags/extra.py", "add", []],
            ],
        );
        assert.equal(diff.baseLabel, "test");
        assert.equal(diff.headLabel, "prod");
    });
});
