import { COMPUTED, SECRET, TYPES, leaves, valueAt } from "../lib/plan-document";
import type { Rule, RuleFinding } from "./rules";
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

// Words that name a credential when they end a key (`dbPassword`, `API_TOKEN`, `fernet_key`).
const CREDENTIAL_WORDS = new Set([
    "password",
    "passwd",
    "pwd",
    "token",
    "secret",
    "apikey",
    "credential",
    "credentials",
    "privatekey",
]);
const PRIVATE_KEY = /-----BEGIN [A-Z ]*PRIVATE KEY-----/;

/** The words of a key: camelCase humps and runs separated by `_`, `-`, `.`, lowercased. */
export function keyWords(key: string): string[] {
    return key
        .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
        .split(/[\s_.-]+/)
        .filter(Boolean)
        .map((w) => w.toLowerCase());
}

/** Whether a key names a credential: its last word does, or it ends in `key` after a qualifier (`apiKey`). */
export function isCredentialKey(key: string): boolean {
    const words = keyWords(key);
    const last = words[words.length - 1] ?? "";
    // `existingSecret` names a Secret that holds the value; a bare `key` is a toleration or selector key.
    if (words.includes("existing")) return false;
    return CREDENTIAL_WORDS.has(last) || (last === "key" && words.length > 1);
}

/** Whether a value has the shape of a private key or a JSON service-account key, whatever its key is called. */
export function looksLikeKeyMaterial(value: string): boolean {
    return (
        PRIVATE_KEY.test(value) ||
        (/"type"\s*:\s*"service_account"/.test(value) && /"private_key/.test(value))
    );
}

// Where plaintext configuration reaches a workload: inline Helm values, Composer env variables and overrides.
const SCANNED: Readonly<Record<string, readonly string[]>> = {
    [TYPES.release]: ["values"],
    [TYPES.composer]: ["config.softwareConfig.envVariables", "config.softwareConfig.airflowConfigOverrides"],
};

/** Where a credential belongs instead, for each scanned resource type. */
const CREDENTIAL_FIX: Readonly<Record<string, string>> = {
    [TYPES.release]:
        "move it to Secret Manager and list it in the release's secrets (a Kubernetes Secret the chart reads), or wrap it in pulumi.secret() in code",
    [TYPES.composer]:
        "move it to Secret Manager and let Airflow read it there: set airflowConfigOverrides secrets-backend = " +
        "airflow.providers.google.cloud.secrets.secret_manager.CloudSecretManagerBackend (secrets-backend_kwargs " +
        'e.g. {"connections_prefix": "airflow-connections", "variables_prefix": "airflow-variables"}) and store it as ' +
        "airflow-variables-<name> or airflow-connections-<conn id>; never as an environment variable",
};

export const noPlaintextCredentials: Rule = {
    name: "no-plaintext-credentials",
    secretAware: true,
    description:
        "No plaintext value that looks like a credential (password/token/secret/key names, private keys, service-account JSON) in Helm values, Composer env variables or overrides.",
    check: (r) =>
        (SCANNED[r.type] ?? []).flatMap((base) =>
            leaves(valueAt(r.inputs, base), base.replace(/\.(\d+)/g, "[$1]"))
                .filter(
                    ([, key, v]) =>
                        typeof v === "string" &&
                        v !== "" &&
                        v !== SECRET &&
                        v !== COMPUTED &&
                        (isCredentialKey(key) || looksLikeKeyMaterial(v)),
                )
                .map(([path]) => ({
                    path,
                    message: "plaintext value looks like a credential",
                    fix: CREDENTIAL_FIX[r.type],
                })),
        ),
};
