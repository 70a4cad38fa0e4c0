/**
 * The rendered-manifest review and the chart-schema engine against the real tools (`npm run test:helm`; `.ci/run`
 * builds helm v3.19.5 and kustomize v5.5.0 and puts them on PATH): a values change to a local chart shows the
 * manifest diff per object, Secrets and credentials masked; a kustomize edit shows its objects' diff; and our RE2
 * pattern table agrees with helm's own schema validation. Kept out of `npm test`, because it needs the binaries.
 */
import { strict as assert } from "node:assert";
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { DiffableResource } from "../../lib/plan-document";
import { KUSTOMIZE_HASH_KEY, TYPES } from "../../lib/plan-document";
import { diffPlans } from "../../tools/plan/review/diff";
import { renderMarkdown } from "../../tools/plan/review/render/markdown";
import { buildReport } from "../../tools/plan/review/report";
import { findRenderers, renderReleases, reviewManifests } from "../../tools/plan/review/sections/manifests";
import { copyCheckout } from "../harness";
import { RE2_CASES } from "../releases/re2-cases";
import { doc, release } from "./fixtures";

const tools = findRenderers();

/** A project folder with a small local chart and one values file. */
function project(replicas: number, password: string): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "review-helm-"));
    const chart = path.join(dir, "charts", "web");
    fs.mkdirSync(path.join(chart, "templates"), { recursive: true });
    fs.writeFileSync(path.join(chart, "Chart.yaml"), "apiVersion: v2\nname: web\nversion: 0.1.0\n");
    fs.writeFileSync(
        path.join(chart, "templates", "deployment.yaml"),
        [
            "apiVersion: apps/v1",
            "kind: Deployment",
            "metadata:",
            "  name: {{ .Release.Name }}",
            "spec:",
            "  replicas: {{ .Values.replicas }}",
            "  template:",
            "    spec:",
            "      containers:",
            "        - name: web",
            "          env:",
            "            - name: DB_PASSWORD",
            "              value: {{ .Values.password | quote }}",
            "",
        ].join("\n"),
    );
    fs.writeFileSync(
        path.join(chart, "templates", "secret.yaml"),
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: {{ .Release.Name }}-db\nstringData:\n  password: {{ .Values.password | quote }}\n",
    );
    fs.mkdirSync(path.join(dir, "values"));
    fs.writeFileSync(path.join(dir, "values", "web.yaml"), `replicas: ${replicas}\npassword: ${password}\n`);
    return dir;
}

const webRelease = (sha256: string): DiffableResource =>
    release("test", "web", {
        name: "web",
        namespace: "reports",
        chart: "./charts/web",
        valueYamlFiles: [{ asset: "file", path: "values/web.yaml", sha256 }],
        values: {},
    });

describe("Rendered manifests with helm", function () {
    before(function () {
        if (!tools.helm) this.skip();
    });

    it("shows the manifest diff per object of a values change to a local chart, Secrets and credentials masked", () => {
        const baseDir = project(1, "old-PLANTED-secret");
        const headDir = project(3, "new-PLANTED-secret");
        const base = doc("test", [webRelease("a")]);
        const head = doc("test", [webRelease("b")]);
        const diff = diffPlans(base, head, { base: "main", head: "pr" });
        const manifests = reviewManifests(diff, tools, renderReleases(tools, base, baseDir), headDir);
        assert.equal(manifests.rendered, true);
        assert.deepEqual(
            manifests.releases.map((r) => [r.release, r.objects.map((o) => `${o.kind} ${o.object}`)]),
            [["reports/web", ["changed Deployment reports/web"]]],
        );
        assert.match(manifests.releases[0].objects[0].diff, /^- {2}replicas: 1\n\+ {2}replicas: 3$/m);
        const md = renderMarkdown(buildReport(diff, [], undefined, { manifests }));
        assert.match(
            md,
            /#### Rendered manifests \(helm template, kustomize build; Secret and credential values masked\)/,
        );
        assert.match(md, /changed <code>Deployment reports\/web<\/code>/);
        assert.ok(!md.includes("PLANTED"), "a Secret or credential value reached the comment");
    });

    it("checks schema patterns as helm does: every row of the RE2 table, with helm template itself", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "review-re2-"));
        for (const c of RE2_CASES) {
            fs.writeFileSync(path.join(dir, "Chart.yaml"), "apiVersion: v2\nname: re2\nversion: 0.1.0\n");
            fs.writeFileSync(
                path.join(dir, "values.schema.json"),
                JSON.stringify({ type: "object", properties: { v: { type: "string", pattern: c.pattern } } }),
            );
            fs.writeFileSync(path.join(dir, "values.yaml"), `v: ${JSON.stringify(c.value)}\n`);
            const r = spawnSync(tools.helm!, ["template", "x", dir], { encoding: "utf8" });
            const helm =
                r.status === 0
                    ? "match"
                    : /does not match pattern/.test(r.stderr)
                      ? "no match"
                      : /error parsing regexp|compil/i.test(r.stderr)
                        ? "refused"
                        : `unexpected: ${r.stderr}`;
            assert.equal(helm, c.re2, `${c.pattern} on ${JSON.stringify(c.value)}`);
        }
    });
});

describe("Rendered manifests with kustomize", function () {
    before(function () {
        if (!tools.kustomize) this.skip();
    });

    /** A kustomization with one ConfigMap and one Secret generator-free Secret. */
    function kustomization(level: string, token: string): string {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "review-kustomize-"));
        const k = path.join(dir, "kubernetes", "site");
        fs.mkdirSync(k, { recursive: true });
        fs.writeFileSync(
            path.join(k, "kustomization.yaml"),
            "resources:\n  - config.yaml\n  - secret.yaml\n",
        );
        fs.writeFileSync(
            path.join(k, "config.yaml"),
            `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: site\ndata:\n  LOG_LEVEL: ${level}\n  API_TOKEN: ${token}\n`,
        );
        fs.writeFileSync(
            path.join(k, "secret.yaml"),
            `apiVersion: v1\nkind: Secret\nmetadata:\n  name: site\nstringData:\n  token: ${token}\n`,
        );
        return dir;
    }
    const dirResource = (hash: string): DiffableResource => ({
        urn: `urn:pulumi:test::data-infra::${TYPES.kustomize}::site`,
        type: TYPES.kustomize,
        name: "site",
        parent: null,
        custom: true,
        inputs: { directory: "kubernetes/site", namespace: "reports", [KUSTOMIZE_HASH_KEY]: hash },
    });

    it("shows the manifest diff per object of an edit under a local kustomize directory", () => {
        const baseDir = kustomization("info", "old-PLANTED-token");
        const headDir = kustomization("debug", "new-PLANTED-token");
        const base = doc("test", [dirResource("sha256:a")]);
        const head = doc("test", [dirResource("sha256:b")]);
        const diff = diffPlans(base, head, { base: "main", head: "pr" });
        const manifests = reviewManifests(diff, tools, renderReleases(tools, base, baseDir), headDir);
        assert.deepEqual(
            manifests.releases.map((r) => [r.release, r.objects.map((o) => `${o.kind} ${o.object}`)]),
            [["kustomize kubernetes/site", ["changed ConfigMap reports/site"]]],
        );
        assert.match(
            manifests.releases[0].objects[0].diff,
            /^- {2}LOG_LEVEL: info\n\+ {2}LOG_LEVEL: debug$/m,
        );
        const md = renderMarkdown(buildReport(diff, [], undefined, { manifests }));
        assert.ok(!md.includes("PLANTED"), "a Secret or credential value reached the comment");
    });
});

describe("Rendered manifests in the PR comment, end to end", function () {
    before(function () {
        if (!tools.helm) this.skip();
    });

    it("a values change to the reports-site chart shows its Deployment's diff in `npm run plan -- --base`", () => {
        // GIVEN a scratch repository: this checkout at one commit, then a commit raising the site's replicas
        const repo = copyCheckout("review-e2e-");
        const git = (...args: string[]) =>
            execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@example.com", ...args], {
                cwd: repo,
                encoding: "utf8",
            });
        try {
            git("init", "--quiet");
            git("add", "-A");
            git("commit", "--quiet", "-m", "base");
            const values = path.join(repo, "kubernetes/values/reports-site.yaml");
            fs.appendFileSync(values, "replicas: 3\n");
            git("commit", "--quiet", "-am", "head");
            // WHEN the review runs with helm on PATH
            const r = spawnSync(
                process.execPath,
                [
                    require.resolve("tsx/cli"),
                    "tools/plan.ts",
                    "--stack",
                    "test",
                    "--base",
                    "HEAD~1",
                    "--format",
                    "markdown",
                ],
                { cwd: repo, encoding: "utf8" },
            );
            // THEN the comment shows the rendered diff: the Deployment's replicas, and the chart's PodDisruptionBudget
            // that appears above one replica (charts/web-service/templates/pdb.yaml)
            assert.equal(r.status, 0, r.stderr);
            assert.match(r.stdout, /#### Rendered manifests/);
            assert.match(r.stdout, /\*\*`reports\/reports-site`\*\*: 2 object\(s\) differ/);
            assert.match(
                r.stdout,
                /<summary>changed <code>Deployment reports\/reports-site<\/code><\/summary>/,
            );
            assert.match(
                r.stdout,
                /<summary>added <code>PodDisruptionBudget reports\/reports-site<\/code><\/summary>/,
            );
            assert.match(r.stdout, /-  replicas: 1\n\+  replicas: 3/);
        } finally {
            fs.rmSync(repo, { recursive: true, force: true });
        }
    });
});
