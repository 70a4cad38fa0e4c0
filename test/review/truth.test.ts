/**
 * The destructive changes of issue 16's table, each reviewed as a reviewer sees it: the tier, the consequence in
 * words, and `--fail-on critical` for the critical ones. Plan documents are built by hand in the real program's
 * shapes (types, providers, options); one row also runs the real program to show the cluster identity offline.
 */
import { strict as assert } from "node:assert";
import { TYPES, type DiffableResource } from "../../lib/plan-document";
import { buildPlanDocument } from "../../tools/plan/document/build";
import { diffPlans } from "../../tools/plan/review/diff";
import { buildReport, type ReportContext } from "../../tools/plan/review/report";
import { reachesTier, type RiskEntry } from "../../tools/plan/review/risk";
import { runProgram } from "../../runtime/run-program";
import { readEngineConfig } from "../../runtime/stack-files";
import { REPO_ROOT } from "../harness";
import { doc, res } from "./fixtures";

const COMPOSER = TYPES.composer;
const ENVIRONMENT = TYPES.environment;
const PROTECTION = TYPES.branchProtection;
const RELEASE = TYPES.release;
const SECRET_TYPE = TYPES.k8sSecret;

const STACK = "urn:pulumi:prod::data-infra::pulumi:pulumi:Stack";
const K8S = `${STACK}$pulumi:providers:kubernetes::k8s`;
const GCP = `${STACK}$pulumi:providers:gcp::gcp`;
const NAMESPACE = "kubernetes:core/v1:Namespace";

const provider = (pkg: string, inputs: Record<string, unknown>): DiffableResource => ({
    urn: `${STACK}$pulumi:providers:${pkg}::${pkg === "kubernetes" ? "k8s" : pkg}`,
    type: `pulumi:providers:${pkg}`,
    name: pkg === "kubernetes" ? "k8s" : pkg,
    parent: `${STACK}::data-infra-prod`,
    inputs,
    // The kubeconfig is a secret; the same fingerprint on both sides means it did not change.
    ...(inputs.kubeconfig ? { secrets: { kubeconfig: "0123456789ab" } } : {}),
});
const under = (p: string, r: DiffableResource): DiffableResource => ({ ...r, provider: p });

const composer = (extra: Record<string, unknown> = {}, production = true) =>
    under(
        GCP,
        res(
            "prod",
            COMPOSER,
            "composer",
            {
                name: "data-infra-prod",
                config: { nodeConfig: { serviceAccount: "composer@p.iam.gserviceaccount.com" } },
                deletionPolicy: production ? "PREVENT" : "DELETE",
                ...extra,
            },
            { options: production ? { protect: true } : {} },
        ),
    );
const k8sWorkloads = (releaseInputs: Record<string, unknown> = {}, releaseName = "releases-metabase") => [
    under(
        K8S,
        res(
            "prod",
            NAMESPACE,
            "releases-namespace-metabase",
            { metadata: { name: "metabase" } },
            { options: { retainOnDelete: true } },
        ),
    ),
    under(
        K8S,
        res(
            "prod",
            SECRET_TYPE,
            "releases-secret-metabase",
            { metadata: { name: "db", namespace: "metabase" } },
            { options: { retainOnDelete: true } },
        ),
    ),
    under(
        K8S,
        res(
            "prod",
            RELEASE,
            releaseName,
            { name: "metabase", namespace: "metabase", chart: "./charts/m", ...releaseInputs },
            { options: { retainOnDelete: true } },
        ),
    ),
];
const github = (repository: string) => [
    res("prod", ENVIRONMENT, "github-environment", {
        repository,
        environment: "prod",
        reviewers: [{ teams: [1] }],
    }),
    res("prod", PROTECTION, "github-protection", { repositoryId: repository, pattern: "releases/prod" }),
];
const world = (
    o: {
        cluster?: string;
        gcp?: Record<string, unknown>;
        composer?: DiffableResource;
        release?: [Record<string, unknown>, string?];
        repo?: string;
    } = {},
) => [
    provider("kubernetes", { clusterIdentifier: o.cluster ?? "gke_p_us-west2_apps", kubeconfig: "[secret]" }),
    provider("gcp", { project: "p", region: "us-west2", ...o.gcp }),
    o.composer ?? composer(),
    ...k8sWorkloads(o.release?.[0], o.release?.[1]),
    ...github(o.repo ?? "data-infra"),
];

function review(base: DiffableResource[], head: DiffableResource[], ctx: ReportContext = {}) {
    const report = buildReport(
        diffPlans(doc("prod", base), doc("prod", head), { base: "main", head: "pr" }),
        [],
        undefined,
        ctx,
    );
    return { report, lines: report.risks.map((e: RiskEntry) => `${e.tier} ${e.subject}: ${e.reason}`) };
}

describe("Review: what a change destroys (issue 16 table)", () => {
    it("cluster.name → another cluster: every Namespace, Secret and Release under the k8s provider is critical", () => {
        const { report, lines } = review(world(), world({ cluster: "gke_p_us-west2_other" }));
        const why = "provider k8s changes (clusterIdentifier): planned as replaced with everything under it";
        assert.deepEqual(
            lines.map((l) => l.replace(/ \(loses .*\);/, ";")),
            [
                "Secret releases-secret-metabase",
                "Release releases-metabase",
                "Namespace releases-namespace-metabase",
                "kubernetes k8s",
            ].map(
                (s) =>
                    `critical ${s}: ${why}; a provider replacement deletes the old resources and creates new ones`,
            ),
        );
        assert.equal(report.cascades[0].resources.length, 3);
        assert.ok(
            lines.some(
                (l) =>
                    l.includes("Release releases-metabase") &&
                    l.includes("loses the live release: `helm uninstall`"),
            ),
        );
        assert.equal(reachesTier(report.risks, "critical"), true);
    });

    it("gcp.project or gcp.region: the gcp provider cascades to Composer (critical, loses its metadata)", () => {
        for (const gcp of [{ project: "q" }, { region: "europe-west1" }]) {
            const { report, lines } = review(world(), world({ gcp }));
            assert.ok(
                lines.includes(
                    `critical Environment composer: provider gcp changes (${Object.keys(gcp)[0]}): planned as replaced with everything under it (loses the Airflow metadata database, variables, connections and run history); a provider replacement deletes the old resources and creates new ones`,
                ),
                lines.join("\n"),
            );
            assert.equal(reachesTier(report.risks, "critical"), true);
        }
    });

    it("composer.serviceAccount: Composer replaced (config.nodeConfig.serviceAccount is ForceNew), critical", () => {
        const changed = composer({
            config: { nodeConfig: { serviceAccount: "other@p.iam.gserviceaccount.com" } },
        });
        const { report, lines } = review(world(), world({ composer: changed }));
        assert.deepEqual(lines, [
            "critical Environment composer: replaced: config.nodeConfig.serviceAccount changed (forces delete + create; loses the Airflow metadata database, variables, connections and run history)",
        ]);
        assert.equal(reachesTier(report.risks, "critical"), true);
    });

    it("prod policy.production: false: protect and deletionPolicy removal and the policy change are high, in words", () => {
        const { report, lines } = review(world(), world({ composer: composer({}, false) }), {
            policy: { base: { production: true }, head: { production: false } },
        });
        assert.deepEqual(lines, [
            "high data-infra:policy.enforcement: policy enforcement mandatory → advisory: policy violations stop blocking: the plan gate of this channel passes whatever the rules find",
            "high data-infra:policy.production: policy production true → false: no longer a production channel: Composer loses `protect` and `deletionPolicy: PREVENT` (the next change can delete it), Secrets and Helm releases lose `retainOnDelete`, and rules default to advisory",
            "high Environment composer: `protect` removed: Pulumi no longer refuses to delete or replace it",
            "high Environment composer: deletionPolicy PREVENT → DELETE: the provider no longer refuses to delete it",
        ]);
        assert.equal(reachesTier(report.risks, "high"), true);
    });

    it("prod policy.enforcement: advisory: high, the plan gate stops blocking", () => {
        const { lines } = review(world(), world(), {
            policy: { base: { production: true }, head: { production: true, enforcement: "advisory" } },
        });
        assert.deepEqual(lines, [
            "high data-infra:policy.enforcement: policy enforcement mandatory → advisory: policy violations stop blocking: the plan gate of this channel passes whatever the rules find",
        ]);
    });

    it("release helmName or namespace change: the Release is replaced (helm uninstall, then install), critical", () => {
        for (const change of [{ name: "metabase-2" }, { namespace: "bi" }]) {
            const { report, lines } = review(world(), world({ release: [change] }));
            assert.ok(
                lines.includes(
                    `critical Release releases-metabase: replaced: ${Object.keys(change)[0]} changed (forces delete + create; loses the live release: \`helm uninstall\` deletes its objects (and volumes the chart owns), then installs again)`,
                ),
                lines.join("\n"),
            );
            assert.equal(reachesTier(report.risks, "critical"), true);
        }
    });

    it("release rename (new logical name): the old Release is retained in prod, the new one installed", () => {
        const { lines } = review(world(), world({ release: [{}, "releases-metabase-2"] }));
        assert.deepEqual(lines, [
            "low Release releases-metabase: removed from the program; retained in the cloud (retainOnDelete)",
            "low Release releases-metabase-2: added",
        ]);
    });

    it("release rename without retainOnDelete (test channel): critical, the live release is uninstalled", () => {
        const strip = (rs: DiffableResource[]) => rs.map((r) => ({ ...r, options: {} }));
        const { report, lines } = review(
            strip(world()),
            strip(world({ release: [{}, "releases-metabase-2"] })),
        );
        assert.ok(
            lines.includes(
                "critical Release releases-metabase: deleted: loses the live release: `helm uninstall` deletes its objects (and volumes the chart owns), then installs again",
            ),
            lines.join("\n"),
        );
        assert.equal(reachesTier(report.risks, "critical"), true);
    });

    it("GitHub repository rename: environment and branch protection replaced, critical, with the provider's condition", () => {
        const { report, lines } = review(world(), world({ repo: "data-platform" }));
        assert.deepEqual(
            lines.map((l) => l.split(" (forces")[0]),
            [
                "critical BranchProtection github-protection: replaced: repositoryId changed",
                "critical RepositoryEnvironment github-environment: replaced: repository changed",
            ],
        );
        assert.ok(
            lines[1].endsWith(
                "unless GitHub resolves the new name to the same repository id (a rename): diffRepository in terraform-provider-github github/util_diff.go:20-77 asks the API at preview",
            ),
        );
        assert.equal(reachesTier(report.risks, "critical"), true);
    });

    it("a manifest edit under a local kustomize directory is a visible change (content hash)", () => {
        const dir = (hash: string) => ({
            ...res("prod", "kubernetes:kustomize/v2:Directory", "releases-ops", {
                directory: "./kubernetes/ops",
                dataInfraContentHash: hash,
            }),
            custom: false,
        });
        const { lines } = review([dir("sha256:aa")], [dir("sha256:bb")]);
        assert.deepEqual(lines, [
            "medium Directory releases-ops: kustomize manifests under ./kubernetes/ops changed: the cluster gets them as they are now",
        ]);
    });

    it("the real program shows the cluster identity offline, so cluster.name changes the kubernetes provider", async () => {
        const plan = async (cluster?: string) => {
            const engine = readEngineConfig(REPO_ROOT, "test");
            const c = JSON.parse(engine.config["data-infra:cluster"]) as Record<string, unknown>;
            const config = cluster
                ? {
                      ...engine,
                      config: {
                          ...engine.config,
                          "data-infra:cluster": JSON.stringify({ ...c, name: cluster }),
                      },
                  }
                : engine;
            return buildPlanDocument(await runProgram({ stack: "test", config }), { root: REPO_ROOT });
        };
        const base = await plan();
        const head = await plan("another-cluster");
        const k8s = head.resources.find((r) => r.type === "pulumi:providers:kubernetes")!;
        assert.match(String(k8s.inputs.clusterIdentifier), /^gke_[^_]+_[^_]+_another-cluster$/);
        const { cascades } = diffPlans(base, head, { base: "b", head: "h" });
        // The kubeconfig names the cluster too (computed offline, so it shows as a changed secret).
        assert.deepEqual(
            cascades?.map((c) => c.inputs),
            [["clusterIdentifier", "kubeconfig"]],
        );
        assert.deepEqual(
            [...new Set(cascades![0].resources.map((u) => u.split("::")[2].split("$").pop()))].sort(),
            ["kubernetes:core/v1:Namespace", "kubernetes:core/v1:Secret", "kubernetes:helm.sh/v3:Release"],
        );
    });
});
