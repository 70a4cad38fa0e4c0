import { byCodeUnit } from "../../../lib/order";
import { COMPUTED, type PlanDocument, type PlanResource } from "../../../lib/plan-document";

const T = {
    composer: "gcp:composer/environment:Environment",
    object: "gcp:storage/bucketObject:BucketObject",
    manifest: "gcsmanifest:index:PrefixManifest",
    helm: "kubernetes:helm.sh/v3:Release",
    kustomize: "kubernetes:kustomize/v2:Directory",
    image: "docker:index/image:Image",
    stackReference: "pulumi:pulumi:StackReference",
    registry: "gcp:artifactregistry/repository:Repository",
    protection: "github:index/branchProtection:BranchProtection",
    environment: "github:index/repositoryEnvironment:RepositoryEnvironment",
    actionsVariable: "github:index/actionsEnvironmentVariable:ActionsEnvironmentVariable",
} as const;

/**
 * "What does this channel deploy?" in a few lines, before the tree: the Composer environment and its packages, the
 * DAG and plugin files per prefix, each release's chart, values files and images, the images, the GitHub settings
 * and the stack outputs. Read from the plan document only, so it says exactly what the JSON says.
 */
export function renderSummary(doc: PlanDocument): string[] {
    const out: string[] = [`What ${doc.stack} deploys`];
    const of = (type: string) => doc.resources.filter((r) => r.type === type);
    const at = (r: PlanResource, ...path: string[]): unknown =>
        path.reduce<unknown>(
            (v, k) => (v && typeof v === "object" ? (v as Record<string, unknown>)[k] : undefined),
            r.inputs,
        );
    const line = (label: string, text: string) => out.push(`  ${label.padEnd(10)} ${text}`);
    const more = (text: string) => out.push(`  ${"".padEnd(10)} ${text}`);

    for (const c of of(T.composer)) {
        const protectedFlag = c.options.protect ? ", protected" : "";
        line(
            "Composer",
            `${String(at(c, "name"))}: ${String(at(c, "config", "softwareConfig", "imageVersion"))}, ` +
                `${String(at(c, "config", "environmentSize") ?? "default size")}${protectedFlag}`,
        );
        const pypi = (at(c, "config", "softwareConfig", "pypiPackages") ?? {}) as Record<string, string>;
        const names = Object.keys(pypi).sort(byCodeUnit);
        more(
            `${names.length} PyPI package${names.length === 1 ? "" : "s"}: ${names.map((n) => `${n}${pypi[n]}`).join(", ") || "none"}`,
        );
    }
    // Object names: one per BucketObject, and one per entry of each prefix manifest.
    const objectNames = [
        ...of(T.object).map((o) => o.name),
        ...of(T.manifest).flatMap((m) => Object.keys((at(m, "files") ?? {}) as Record<string, unknown>)),
    ];
    if (objectNames.length) {
        const counts = new Map<string, number>();
        for (const name of objectNames) {
            const slash = name.indexOf("/");
            const prefix = slash > 0 ? name.slice(0, slash + 1) : "(bucket root)";
            counts.set(prefix, (counts.get(prefix) ?? 0) + 1);
        }
        line(
            "Files",
            [...counts]
                .sort(([a], [b]) => byCodeUnit(a, b))
                .map(([p, n]) => `${p} ${n}`)
                .join(", ") + " (into the Composer bucket)",
        );
    }
    for (const r of of(T.helm)) {
        const chart = String(at(r, "chart"));
        const version = at(r, "version");
        const repo = at(r, "repositoryOpts", "repo");
        const hash = at(r, "values", "dataInfraChartHash");
        const chartText = repo
            ? `${chart}@${String(version)} from ${String(repo)}`
            : `local ${chart.replace(/^\.\//, "")}${typeof hash === "string" ? ` (${hash.slice(0, 19)}…)` : ""}`;
        line(
            "Release",
            `${r.name.replace(/^releases-/, "")} (helm ${String(at(r, "namespace"))}/${String(at(r, "name"))}): ${chartText}`,
        );
        const files = ((at(r, "valueYamlFiles") ?? []) as { path?: string }[]).map((f) => f.path ?? "?");
        more(`  values files: ${files.join(", ") || "none"}`);
        const images = imageValues(at(r, "values"));
        if (images.length) more(`  images: ${images.join(", ")}`);
    }
    for (const r of of(T.kustomize)) line("Kustomize", `${r.name}: ${String(at(r, "directory"))}`);
    for (const r of of(T.image))
        line("Image", `${r.name.replace(/^images-/, "")}: built and pushed as ${String(at(r, "imageName"))}`);
    for (const r of of(T.stackReference))
        line("Image", `digests promoted from stack ${String(at(r, "name") ?? r.name)}`);
    for (const r of of(T.registry))
        line(
            "Registry",
            `${String(at(r, "location"))}/${String(at(r, "project"))}/${String(at(r, "repositoryId"))}`,
        );
    for (const r of of(T.protection)) {
        const checks = ((at(r, "requiredStatusChecks") ?? []) as { contexts?: string[] }[]).flatMap(
            (c) => c.contexts ?? [],
        );
        const reviews = (
            (at(r, "requiredPullRequestReviews") ?? []) as { requiredApprovingReviewCount?: number }[]
        )[0]?.requiredApprovingReviewCount;
        line(
            "GitHub",
            `${String(at(r, "pattern"))}: checks ${checks.join(", ") || "none"}; ${reviews ?? 0} approving review(s)`,
        );
    }
    for (const r of of(T.environment)) {
        const reviewers = ((at(r, "reviewers") ?? []) as { users?: number[]; teams?: number[] }[]).flatMap(
            (e) => [...(e.users ?? []).map((u) => `user ${u}`), ...(e.teams ?? []).map((t) => `team ${t}`)],
        );
        line(
            "GitHub",
            `environment ${String(at(r, "environment"))}: reviewers ${reviewers.join(", ") || "none"}`,
        );
    }
    const variables = of(T.actionsVariable).length;
    if (variables) line("GitHub", `${variables} environment variable(s) for the workflows`);
    const outputs = Object.keys(doc.outputs).sort(byCodeUnit);
    if (outputs.length) line("Outputs", outputs.map((k) => `${k}=${brief(doc.outputs[k])}`).join(", "));
    return out.length > 1 ? out : [];
}

/** Values paths that carry an image (a computed digest reference, or `registry/name@sha256:…`/`:tag`). */
function imageValues(values: unknown, at = ""): string[] {
    if (values === COMPUTED) return [`${at} (digest resolved at deploy)`];
    if (typeof values === "string")
        return /^[a-z0-9.-]+(:\d+)?\/[^\s]+(@sha256:[0-9a-f]{64}|:[\w.-]+)$/.test(values)
            ? [`${at} = ${values}`]
            : [];
    if (values && typeof values === "object" && !Array.isArray(values))
        return Object.entries(values as Record<string, unknown>)
            .filter(([k]) => k !== "dataInfraChartHash")
            .flatMap(([k, v]) => imageValues(v, at ? `${at}.${k}` : k));
    return [];
}

function brief(v: unknown): string {
    const text = typeof v === "string" ? v : JSON.stringify(v);
    return text.length > 60 ? `${text.slice(0, 59)}…` : text;
}
