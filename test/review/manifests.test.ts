import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { KUSTOMIZE_HASH_KEY, TYPES } from "../../lib/plan-document";
import { diffPlans } from "../../tools/plan/review/diff";
import { renderMarkdown } from "../../tools/plan/review/render/markdown";
import { buildReport } from "../../tools/plan/review/report";
import { doc, release, res } from "./fixtures";
import {
    MASKED,
    diffManifests,
    findRenderers,
    renderInput,
    reviewManifests,
    maskSecrets,
    onPath,
    templateInput,
    unifiedDiff,
} from "../../tools/plan/review/sections/manifests";

describe("Rendered manifests", () => {
    it("masks every value of a Secret's data and stringData, keeping the keys", () => {
        assert.deepEqual(
            maskSecrets({
                kind: "Secret",
                metadata: { name: "s" },
                data: { a: "eA==" },
                stringData: { b: "y" },
            }),
            { kind: "Secret", metadata: { name: "s" }, data: { a: MASKED }, stringData: { b: MASKED } },
        );
        assert.deepEqual(maskSecrets({ kind: "ConfigMap", data: { a: "x" } }), {
            kind: "ConfigMap",
            data: { a: "x" },
        });
    });

    it("diffs per object (Kind namespace/name), never showing a Secret value", () => {
        const before = [
            "apiVersion: v1\nkind: Secret\nmetadata: {name: db}\nstringData: {password: old-PLANTED}",
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec: {replicas: 1}",
            "apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec: {port: 80}",
        ].join("\n---\n");
        const after = [
            "apiVersion: v1\nkind: Secret\nmetadata: {name: db}\nstringData: {password: new-PLANTED}",
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec: {replicas: 2}",
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: extra, namespace: other}\ndata: {a: b}",
        ].join("\n---\n");
        const objects = diffManifests(before, after, "reports");
        assert.deepEqual(
            objects.map((o) => `${o.kind} ${o.object}`),
            ["added ConfigMap other/extra", "changed Deployment reports/web", "removed Service reports/web"],
        );
        assert.equal(
            objects[1].diff,
            [
                "@@ -3,4 +3,4 @@",
                " metadata:",
                "   name: web",
                " spec:",
                "-  replicas: 1",
                "+  replicas: 2",
            ].join("\n"),
        );
        assert.ok(!JSON.stringify(objects).includes("PLANTED"));
    });

    it("writes hunks with context and merges close changes", () => {
        const a = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "10"];
        const b = ["1", "2", "three", "4", "5", "6", "7", "8", "nine", "10"];
        assert.equal(
            unifiedDiff(a, b, 1),
            [
                "@@ -2,3 +2,3 @@",
                " 2",
                "-3",
                "+three",
                " 4",
                "@@ -8,3 +8,3 @@",
                " 8",
                "-9",
                "+nine",
                " 10",
            ].join("\n"),
        );
        // Two changes 5 lines apart with 3 lines of context make one hunk.
        assert.equal(unifiedDiff(a, b, 3).split("\n")[0], "@@ -1,10 +1,10 @@");
        assert.equal(unifiedDiff([], ["x"]), "@@ -0,0 +1,1 @@\n+x");
    });

    it("takes local charts only, with values files in order and inline values", () => {
        assert.deepEqual(
            templateInput(
                {
                    name: "site",
                    namespace: "reports",
                    chart: "./charts/web",
                    valueYamlFiles: [{ asset: "file", path: "kubernetes/values/a.yaml", sha256: "x" }],
                    values: { replicas: 2 },
                },
                "/p",
            ),
            {
                name: "site",
                namespace: "reports",
                chartDir: "/p/charts/web",
                valuesFiles: ["/p/kubernetes/values/a.yaml"],
                values: { replicas: 2 },
            },
        );
        assert.equal(
            templateInput({ name: "m", chart: "metabase", repositoryOpts: { repo: "https://r" } }, "/p"),
            undefined,
        );
        assert.equal(templateInput({ name: "m", chart: "oci://r/m" }, "/p"), undefined);
    });

    it("finds executables on a given PATH only", () => {
        assert.equal(onPath("definitely-not-a-tool-here", "/nonexistent"), undefined);
        assert.equal(onPath("sh", "/bin:/usr/bin")?.endsWith("/sh"), true);
    });
});

describe("Rendered manifests: what is rendered with which tool", () => {
    const tree = () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "renderers-"));
        for (const tool of ["helm", "kubectl"]) {
            fs.writeFileSync(path.join(dir, tool), "#!/bin/sh\n");
            fs.chmodSync(path.join(dir, tool), 0o755);
        }
        return dir;
    };

    it("prefers kustomize's own binary and falls back to kubectl kustomize", () => {
        const dir = tree();
        assert.deepEqual(findRenderers(dir), {
            helm: path.join(dir, "helm"),
            kustomize: [path.join(dir, "kubectl"), "kustomize"],
        });
        fs.writeFileSync(path.join(dir, "kustomize"), "#!/bin/sh\n");
        fs.chmodSync(path.join(dir, "kustomize"), 0o755);
        assert.deepEqual(findRenderers(dir).kustomize, [path.join(dir, "kustomize"), "build"]);
        assert.deepEqual(findRenderers("/nonexistent"), {});
    });

    it("renders local kustomize directories only (a remote one has no content hash)", () => {
        assert.deepEqual(
            renderInput(
                TYPES.kustomize,
                { directory: "k8s/site", namespace: "reports", [KUSTOMIZE_HASH_KEY]: "h" },
                "/p",
            ),
            { tool: "kustomize", label: "kustomize k8s/site", namespace: "reports", dir: "/p/k8s/site" },
        );
        assert.equal(
            renderInput(TYPES.kustomize, { directory: "https://github.com/o/r//k" }, "/p"),
            undefined,
        );
        assert.equal(renderInput(TYPES.bucket, { name: "b" }, "/p"), undefined);
    });

    it("says which tool is missing for how many changed releases, and renders nothing", () => {
        const k = (hash: string) =>
            res("test", TYPES.kustomize, "site", { directory: "k8s/site", [KUSTOMIZE_HASH_KEY]: hash });
        const r = (sha: string) =>
            release("test", "web", {
                chart: "./charts/web",
                valueYamlFiles: [{ path: "v.yaml", sha256: sha }],
            });
        const diff = diffPlans(doc("test", [k("a"), r("a")]), doc("test", [k("b"), r("b")]), {
            base: "main",
            head: "pr",
        });
        assert.deepEqual(reviewManifests(diff, {}, new Map(), "/p"), {
            rendered: false,
            candidates: 2,
            missing: [
                { tool: "helm", candidates: 1 },
                { tool: "kustomize or kubectl", candidates: 1 },
            ],
            releases: [],
        });
        const md = renderMarkdown(
            buildReport(diff, [], undefined, { manifests: reviewManifests(diff, {}, new Map(), "/p") }),
        );
        assert.match(
            md,
            /_Rendered manifests: `helm` is not on PATH, so the manifest diff of 1 changed local-chart release\(s\) is not shown\._/,
        );
        assert.match(md, /`kustomize or kubectl` is not on PATH/);
    });
});
