import { isCredentialKey, looksLikeCredential } from "../lib/credentials";
import { COMPUTED, SECRET, TYPES, leaves, valueAt } from "../lib/plan-document";
import { readYaml } from "../runtime/yaml-readers";
import type { PolicyContext, PolicyResource, Rule, RuleFinding } from "./rules";
import { releaseBranch } from "../components/github/naming";

export const prodBranchProtection: Rule = {
    name: "prod-branch-protection",
    description:
        "releases/<production channel> requires at least one approving review and the preview check.",
    check: (r, ctx) => {
        if (
            r.type !== TYPES.branchProtection ||
            !ctx.production ||
            valueAt(r.inputs, "pattern") !== releaseBranch(ctx.channel)
        )
            return [];
        const out: RuleFinding[] = [];
        const reviews = valueAt(r.inputs, "requiredPullRequestReviews.0");
        const count = valueAt(reviews, "requiredApprovingReviewCount");
        // GitHub requires one approval when the review block is present without a count.
        if (reviews === undefined || (typeof count === "number" && count < 1))
            out.push({
                path: "requiredPullRequestReviews[0].requiredApprovingReviewCount",
                message: `${releaseBranch(ctx.channel)} can be merged without an approving review`,
                fix: "require at least one approving review on the production release branch",
            });
        const contexts = valueAt(r.inputs, "requiredStatusChecks.0.contexts");
        const checks = Array.isArray(contexts) ? contexts.map(String) : [];
        if (!checks.some((c) => /preview/i.test(c)))
            out.push({
                path: "requiredStatusChecks[0].contexts",
                message: `${releaseBranch(ctx.channel)} does not require the preview check (got ${JSON.stringify(checks)})`,
                fix: "require the channel's preview job as a status check (the github component derives it from the workflows)",
            });
        return out;
    },
};

export const prodEnvironmentReviewers: Rule = {
    name: "prod-environment-reviewers",
    description: "The production channel's GitHub environment has reviewers (deploys wait for approval).",
    check: (r, ctx) => {
        if (
            r.type !== TYPES.environment ||
            !ctx.production ||
            valueAt(r.inputs, "environment") !== ctx.channel
        )
            return [];
        const reviewers = valueAt(r.inputs, "reviewers");
        const ids = Array.isArray(reviewers)
            ? reviewers
                  .flatMap((e) => [valueAt(e, "users"), valueAt(e, "teams")])
                  .flatMap((l) => (Array.isArray(l) ? l : []))
            : [];
        return ids.length
            ? []
            : [
                  {
                      path: "reviewers",
                      message: `environment ${ctx.channel} has no reviewers, so deploys need no approval`,
                      fix: "configure at least one reviewer (user or team) for the production environment",
                  },
              ];
    },
};

// The credential vocabulary is the kernel's (lib/credentials.ts), so every printed text redacts what this rule flags.
export { isCredentialKey, keyWords, looksLikeKeyMaterial } from "../lib/credentials";

// Where plaintext configuration reaches a workload or a log: inline Helm values and the chart's repository (its URL
// and login), a kustomize directory's URL, Docker build arguments (kept in the image's history), Composer env
// variables, overrides and PyPI specifiers (a `git+https://<token>@…` package). Every leaf is checked by its key's
// name and by its value's shape (key material, URL userinfo).
const SCANNED: Readonly<Record<string, readonly string[]>> = {
    [TYPES.release]: ["values", "chart", "repositoryOpts"],
    [TYPES.kustomize]: ["directory"],
    [TYPES.dockerImage]: ["build.args"],
    [TYPES.composer]: [
        "config.softwareConfig.envVariables",
        "config.softwareConfig.airflowConfigOverrides",
        "config.softwareConfig.pypiPackages",
    ],
};

/** Where a credential belongs instead, for each scanned resource type. */
const CREDENTIAL_FIX: Readonly<Record<string, string>> = {
    [TYPES.release]:
        "move it to Secret Manager and list it in the release's secrets (a Kubernetes Secret the chart reads), or wrap it in pulumi.secret() in code; " +
        "a chart repository login belongs in repositoryOpts.password from a pulumi secret (pulumi config set --secret), never in the URL",
    [TYPES.kustomize]:
        "reference a public or mirrored kustomization: a token in the URL is stored in the state and printed in logs",
    [TYPES.dockerImage]:
        "build arguments are stored in the image's history: pass the value as a BuildKit secret mount instead (RUN --mount=type=secret)",
    [TYPES.composer]:
        "move it to Secret Manager and let Airflow read it there: set airflowConfigOverrides secrets-backend = " +
        "airflow.providers.google.cloud.secrets.secret_manager.CloudSecretManagerBackend (secrets-backend_kwargs " +
        'e.g. {"connections_prefix": "airflow-connections", "variables_prefix": "airflow-variables"}) and store it as ' +
        "airflow-variables-<name> or airflow-connections-<conn id>; never as an environment variable",
};

const VALUES_FILE_FIX =
    "values files are plain repository files: move the value to Secret Manager and list it in the release's secrets (a Kubernetes Secret the chart reads)";

const plaintextCredential = ([, key, v]: [string, string, unknown]): boolean =>
    typeof v === "string" &&
    v !== "" &&
    v !== SECRET &&
    v !== COMPUTED &&
    (isCredentialKey(key) || looksLikeCredential(v));

/** The credential-looking leaves of a release's values files (read through `ctx.readFile`, as Helm reads them). */
function valuesFileFindings(r: PolicyResource, ctx: PolicyContext): RuleFinding[] {
    const files = valueAt(r.inputs, "valueYamlFiles");
    if (!ctx.readFile || !Array.isArray(files)) return [];
    return files.flatMap((f, i) => {
        const file = (f as { path?: unknown } | null)?.path;
        const text = typeof file === "string" ? ctx.readFile!(file) : undefined;
        if (typeof file !== "string" || text === undefined) return [];
        const read = readYaml(text, "helm");
        if ("problem" in read) return [];
        return leaves(read.value)
            .filter(plaintextCredential)
            .map(([path]) => ({
                path: `valueYamlFiles[${i}] ${file}: ${path}`,
                message: "plaintext value in a values file looks like a credential",
                fix: VALUES_FILE_FIX,
            }));
    });
}

export const noPlaintextCredentials: Rule = {
    name: "no-plaintext-credentials",
    secretAware: true,
    description:
        "No plaintext value that looks like a credential (password/token/secret/key names, private keys, service-account JSON, URL userinfo) in Helm values and values files, chart repository URLs, kustomize URLs, Docker build arguments, Composer env variables, overrides or PyPI specifiers.",
    check: (r, ctx) => [
        ...(SCANNED[r.type] ?? []).flatMap((base) =>
            leaves(valueAt(r.inputs, base), base.replace(/\.(\d+)/g, "[$1]"))
                .filter(plaintextCredential)
                .map(([path]) => ({
                    path,
                    message: "plaintext value looks like a credential",
                    fix: CREDENTIAL_FIX[r.type],
                })),
        ),
        ...(r.type === TYPES.release ? valuesFileFindings(r, ctx) : []),
    ],
};
