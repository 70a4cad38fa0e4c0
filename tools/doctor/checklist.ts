/**
 * The first-deployment checklist of one channel: everything outside the program that the stack assumes, each with
 * the read-only `gcloud`/`gh` command that checks it and a pure judge of that command's output. The CLI
 * (`tools/doctor.ts`) runs the commands when credentials are present; tests feed recorded outputs.
 */
import {
    ADMIN_ENVIRONMENT,
    ADMIN_KEY_SECRET_ID,
    adminVariables,
    GOVERNANCE_ACCOUNT_ID,
    LEGACY_ADMIN_KEY_SECRET,
    releaseBranch,
} from "../../components/github/naming";
import { composerEnvironmentSlots, type StackConfig } from "../../config";
import { placeholdersIn } from "../../config/cross-channel";

/** What a command printed. */
export interface CommandOutput {
    readonly code: number;
    readonly stdout: string;
    readonly stderr: string;
}

export interface Verdict {
    readonly ok: boolean;
    /** What is missing or wrong, in the user's terms (when not ok). */
    readonly missing?: string;
}

export interface CheckItem {
    /** Short, stable id (`api`, `cluster`, `secret:metabase-database-password`). */
    readonly id: string;
    /** What must exist, and why the stack needs it. */
    readonly what: string;
    /** The read-only command that checks it; absent for items only a person can check. */
    readonly command?: readonly string[];
    /** Judges the command's output. */
    readonly judge?: (out: CommandOutput) => Verdict;
    /** How to create it when missing. */
    readonly fix: string;
}

/** Where the shared state backend lives (from the bootstrap stack files). */
export interface StateBackend {
    readonly project: string;
    readonly location: string;
}

/** APIs a channel's project must have enabled. */
export const REQUIRED_APIS = [
    "artifactregistry.googleapis.com",
    "composer.googleapis.com",
    "container.googleapis.com",
    "iam.googleapis.com",
    "iamcredentials.googleapis.com",
    "secretmanager.googleapis.com",
    "storage.googleapis.com",
    "sts.googleapis.com",
] as const;

/** Passes when the command succeeded and printed something (a `describe … --format=value(name)`). */
export const exists =
    (what: string) =>
    (out: CommandOutput): Verdict =>
        out.code === 0 && out.stdout.trim() !== ""
            ? { ok: true }
            : { ok: false, missing: `${what} not found${errorLine(out)}` };

/** Passes when every required API is in `gcloud services list --enabled --format=value(config.name)`. */
export function judgeApis(out: CommandOutput): Verdict {
    if (out.code !== 0) return { ok: false, missing: `could not list enabled APIs${errorLine(out)}` };
    const enabled = new Set(out.stdout.split(/\s+/).filter(Boolean));
    const missing = REQUIRED_APIS.filter((a) => !enabled.has(a));
    return missing.length ? { ok: false, missing: `APIs not enabled: ${missing.join(", ")}` } : { ok: true };
}

/** An IAM policy as `gcloud … get-iam-policy --format=json` prints it, or the failed verdict when it cannot be read. */
function iamPolicy(out: CommandOutput): { bindings?: { role: string; members?: string[] }[] } | Verdict {
    if (out.code !== 0) return { ok: false, missing: `could not read the IAM policy${errorLine(out)}` };
    try {
        return JSON.parse(out.stdout) as { bindings?: { role: string; members?: string[] }[] };
    } catch {
        return { ok: false, missing: "the IAM policy is not JSON" };
    }
}

/** Passes when `gcloud projects get-iam-policy --format=json` grants `role` to `member`. */
export const hasBinding =
    (role: string, member: string) =>
    (out: CommandOutput): Verdict => {
        const policy = iamPolicy(out);
        if ("ok" in policy) return policy;
        const granted = (policy.bindings ?? []).some(
            (b) => b.role === role && (b.members ?? []).includes(member),
        );
        return granted ? { ok: true } : { ok: false, missing: `${member} lacks ${role}` };
    };

/** Passes when every name is in a `gh variable list`/`gh secret list` output (name first on each line). */
export const listsNames =
    (names: readonly string[]) =>
    (out: CommandOutput): Verdict => {
        if (out.code !== 0) return { ok: false, missing: `gh could not list them${errorLine(out)}` };
        const found = new Set(out.stdout.split("\n").map((l) => l.split(/\s/)[0]));
        const missing = names.filter((n) => !found.has(n));
        return missing.length ? { ok: false, missing: `missing: ${missing.join(", ")}` } : { ok: true };
    };

/** Passes when none of the names is in a `gh secret list` output; a failed listing never passes. */
export const lacksNames =
    (names: readonly string[]) =>
    (out: CommandOutput): Verdict => {
        if (out.code !== 0) return { ok: false, missing: `gh could not list them${errorLine(out)}` };
        const found = new Set(out.stdout.split("\n").map((l) => l.split(/\s/)[0]));
        const present = names.filter((n) => found.has(n));
        return present.length ? { ok: false, missing: `present: ${present.join(", ")}` } : { ok: true };
    };

/**
 * Passes when `gh api repos/<repo>/environments/github-admin/deployment-branch-policies` lists exactly one policy: the
 * branch (not a tag: GitHub matches a policy of type tag against `refs/tags/…`) `branch`. Response shape: GitHub REST
 * "List deployment branch policies" (`branch_policies[]` of `{name, type}`, type `branch` or `tag`).
 */
export const judgeAdminBranchPolicy =
    (branch: string) =>
    (out: CommandOutput): Verdict => {
        if (out.code !== 0)
            return {
                ok: false,
                missing: `could not read ${ADMIN_ENVIRONMENT}'s branch policies${errorLine(out)}`,
            };
        let body: { branch_policies?: { name?: string; type?: string }[] };
        try {
            body = JSON.parse(out.stdout) as typeof body;
        } catch {
            return { ok: false, missing: `${ADMIN_ENVIRONMENT}'s branch policies are not JSON` };
        }
        const policies = (body.branch_policies ?? []).map((p) => `${p.type ?? "branch"} ${p.name ?? ""}`);
        if (!policies.length)
            return { ok: false, missing: `${ADMIN_ENVIRONMENT} lists no branch policy (${branch} expected)` };
        const others = policies.filter((p) => p !== `branch ${branch}`);
        return others.length
            ? {
                  ok: false,
                  missing: `${ADMIN_ENVIRONMENT} admits more than branch ${branch}: ${JSON.stringify(others)}`,
              }
            : { ok: true };
    };

/** Roles that can read a secret's versions (Google Cloud docs, Secret Manager "Access control with IAM"). */
const SECRET_READ_ROLES = new Set([
    "roles/secretmanager.secretAccessor",
    "roles/secretmanager.admin",
    "roles/owner",
    "roles/editor",
]);

/**
 * Passes when `gcloud secrets get-iam-policy <secret> --format=json` lets exactly `member` read the secret (a role
 * on the secret itself; the project's roles are the bootstrap's, whose test shows the channels' are conditioned).
 */
export const onlyReader =
    (member: string) =>
    (out: CommandOutput): Verdict => {
        const policy = iamPolicy(out);
        if ("ok" in policy) return policy;
        const readers = [
            ...new Set(
                (policy.bindings ?? [])
                    .filter((b) => SECRET_READ_ROLES.has(b.role))
                    .flatMap((b) => b.members ?? []),
            ),
        ].sort();
        return readers.length === 1 && readers[0] === member
            ? { ok: true }
            : { ok: false, missing: `readers are ${JSON.stringify(readers)} (only ${member} expected)` };
    };

function errorLine(out: CommandOutput): string {
    const first = out.stderr.trim().split("\n")[0];
    return first ? ` (${first.slice(0, 160)})` : "";
}

/** Every item the channel assumes, in the order a first deployment creates them. */
export function checklist(cfg: StackConfig, state: StateBackend | undefined): CheckItem[] {
    const p = cfg.gcp.project;
    const items: CheckItem[] = [];
    for (const note of placeholdersIn(cfg))
        items.push({
            id: "placeholder",
            what: `Pulumi.${cfg.stack}.yaml has no documented placeholder left: ${note}`,
            judge: () => ({ ok: false, missing: note }),
            command: [],
            fix: "replace the placeholder in the stack file",
        });
    items.push({
        id: "apis",
        what: `project ${p} has the APIs the program and its CI identity call enabled`,
        command: ["gcloud", "services", "list", "--enabled", "--project", p, "--format=value(config.name)"],
        judge: judgeApis,
        fix: `gcloud services enable ${REQUIRED_APIS.join(" ")} --project ${p}`,
    });
    if (state) {
        const bucket = `${state.project}-pulumi-state`;
        items.push({
            id: "state-bucket",
            what: `the state bucket gs://${bucket} exists (the backend every channel shares)`,
            command: ["gcloud", "storage", "buckets", "describe", `gs://${bucket}`, "--format=value(name)"],
            judge: exists(`bucket gs://${bucket}`),
            fix: `bootstrap the state project: pulumi -C bootstrap up --stack ${state.project}`,
        });
        items.push({
            id: "state-key",
            what: `the channel's secrets key pulumi-secrets-${cfg.stack} exists in key ring pulumi`,
            command: [
                "gcloud",
                "kms",
                "keys",
                "describe",
                `pulumi-secrets-${cfg.stack}`,
                "--keyring",
                "pulumi",
                "--location",
                state.location,
                "--project",
                state.project,
                "--format=value(name)",
            ],
            judge: exists(`key pulumi-secrets-${cfg.stack}`),
            fix: `re-run the state project's bootstrap (it creates one key per channel stack file): pulumi -C bootstrap up --stack ${state.project}`,
        });
    }
    for (const [role, account] of [
        ["deployer", `deploy-${cfg.stack}@${p}.iam.gserviceaccount.com`],
        ["previewer", `preview-${cfg.stack}@${p}.iam.gserviceaccount.com`],
    ] as const)
        items.push({
            id: `ci-${role}`,
            what: `the CI ${role} ${account} exists (bootstrap), bound to this repository through workload identity`,
            command: [
                "gcloud",
                "iam",
                "service-accounts",
                "describe",
                account,
                "--project",
                p,
                "--format=value(email)",
            ],
            judge: exists(`service account ${account}`),
            fix: `pulumi -C bootstrap up --stack ${p}, then write its outputs: npx tsx bootstrap/write-config.ts --outputs <file>`,
        });
    items.push({
        id: "workload-identity-pool",
        what: `workload identity pool github-actions exists in ${p}`,
        command: [
            "gcloud",
            "iam",
            "workload-identity-pools",
            "describe",
            "github-actions",
            "--location",
            "global",
            "--project",
            p,
            "--format=value(name)",
        ],
        judge: exists("pool github-actions"),
        fix: `pulumi -C bootstrap up --stack ${p}`,
    });
    if (cfg.cluster.kind === "gke") {
        const c = cfg.cluster;
        const cp = c.project ?? p;
        items.push({
            id: "cluster",
            what: `GKE cluster ${c.name} exists in ${cp}/${c.location} (the channel deploys onto it, never creates it)`,
            command: [
                "gcloud",
                "container",
                "clusters",
                "describe",
                c.name,
                "--location",
                c.location,
                "--project",
                cp,
                "--format=value(name)",
            ],
            judge: exists(`cluster ${c.name}`),
            fix: `create the cluster (gcloud container clusters create-auto ${c.name} --location ${c.location} --project ${cp}) or fix data-infra:cluster`,
        });
    }
    // Every environment the channel declares (blue/green: `composer.next` may run as another identity and read
    // other buckets); one item per service account and per bucket.
    const slots = composerEnvironmentSlots(cfg.composer);
    const seenAccounts = new Set<string>();
    for (const slot of slots) {
        const sa = slot.settings.serviceAccount;
        if (!sa || seenAccounts.has(sa)) continue;
        seenAccounts.add(sa);
        const tag = slot.slot === "current" ? "" : `:${slot.slot}`;
        const where = slot.slot === "current" ? "" : ` (composer.${slot.slot})`;
        items.push({
            id: `composer-service-account${tag}`,
            what: `Composer's service account ${sa} exists${where}`,
            command: [
                "gcloud",
                "iam",
                "service-accounts",
                "describe",
                sa,
                "--project",
                p,
                "--format=value(email)",
            ],
            judge: exists(`service account ${sa}`),
            fix: `gcloud iam service-accounts create ${sa.split("@")[0]} --project ${p}`,
        });
        items.push({
            id: `composer-worker-role${tag}`,
            what: `${sa} has roles/composer.worker in ${p}${where}`,
            command: ["gcloud", "projects", "get-iam-policy", p, "--format=json"],
            judge: hasBinding("roles/composer.worker", `serviceAccount:${sa}`),
            fix: `gcloud projects add-iam-policy-binding ${p} --role roles/composer.worker --member serviceAccount:${sa}`,
        });
    }
    const seenBuckets = new Set<string>();
    for (const slot of slots)
        for (const [k, bucket] of Object.entries(slot.settings.envVariables)) {
            if (!/_BUCKET$/.test(k) || seenBuckets.has(bucket)) continue;
            seenBuckets.add(bucket);
            items.push({
                id: `bucket:${bucket}`,
                what: `bucket gs://${bucket} (Composer variable ${k}) exists`,
                command: [
                    "gcloud",
                    "storage",
                    "buckets",
                    "describe",
                    `gs://${bucket}`,
                    "--format=value(name)",
                ],
                judge: exists(`bucket gs://${bucket}`),
                fix: `gcloud storage buckets create gs://${bucket} --project ${p} --location ${cfg.gcp.region} --uniform-bucket-level-access`,
            });
        }
    const secrets = [...new Set(cfg.releases.flatMap((r) => r.secrets.map((s) => s.secret)))].sort();
    for (const s of secrets)
        items.push({
            id: `secret:${s}`,
            what: `Secret Manager secret ${s} exists in ${p} (the channel's own project; the legacy system read one shared project)`,
            command: ["gcloud", "secrets", "describe", s, "--project", p, "--format=value(name)"],
            judge: exists(`secret ${s}`),
            fix: `gcloud secrets create ${s} --project ${p} --replication-policy automatic && gcloud secrets versions add ${s} --project ${p} --data-file <file>`,
        });
    if (cfg.images?.source === "promote")
        items.push({
            id: "registry-reader",
            what: `the cluster's nodes (or their Workload Identity) may pull from the building channel's Artifact Registry (roles/artifactregistry.reader)`,
            fix: "grant roles/artifactregistry.reader on the build channel's repository to the cluster's node service account",
        });
    if (cfg.releases.some((r) => r.driver === "helm" && r.repo !== undefined))
        items.push({
            id: "deployer-rbac",
            what: "the deployer may create what third-party charts install (CRDs, ClusterRoles, webhooks): cluster-admin or a ClusterRole covering them",
            fix: "bind the deployer's Kubernetes identity to a ClusterRole covering the charts' kinds (docs/migrating.md)",
        });
    const repo = `${cfg.github.owner}/${cfg.github.repository}`;
    items.push({
        id: "github-app-variable",
        what: `repository ${repo} has the admin GitHub App's id as variable DATA_INFRA_APP_ID (the governance jobs' token; the promote workflow uses DATA_INFRA_PROMOTE_APP_ID)`,
        command: ["gh", "variable", "list", "--repo", repo],
        judge: listsNames(["DATA_INFRA_APP_ID"]),
        fix: `gh variable set DATA_INFRA_APP_ID --repo ${repo} --body <app id>`,
    });
    // Before the key: an environment without a branch policy admits every branch (docs/governance.md, step 3).
    if (cfg.github.manageDefaultBranch)
        items.push({
            id: "github-admin-branch-policy",
            what: `environment ${ADMIN_ENVIRONMENT} of ${repo} admits only branch ${releaseBranch(cfg.stack)} (its deployment branch policy is what keeps the key from every other branch)`,
            command: [
                "gh",
                "api",
                `repos/${repo}/environments/${ADMIN_ENVIRONMENT}/deployment-branch-policies`,
            ],
            judge: judgeAdminBranchPolicy(releaseBranch(cfg.stack)),
            fix: `apply ${cfg.stack}'s governance by hand before the key is set (docs/governance.md, "Setting up github-admin", step 2)`,
        });
    // The admin App's key is in Secret Manager (state project), readable by the governance service account alone, so
    // only a run the governance principal accepts gets it; no GitHub secret may hold it (docs/governance.md).
    if (cfg.github.manageDefaultBranch && state) {
        const secretArgs = [ADMIN_KEY_SECRET_ID, "--project", state.project];
        const governance = `serviceAccount:${GOVERNANCE_ACCOUNT_ID}@${state.project}.iam.gserviceaccount.com`;
        items.push({
            id: "admin-key-secret",
            what: `Secret Manager secret ${ADMIN_KEY_SECRET_ID} (the admin App's private key) exists in the state project ${state.project} and has an enabled version`,
            command: [
                "gcloud",
                "secrets",
                "versions",
                "list",
                ...secretArgs,
                "--filter=state=ENABLED",
                "--limit=1",
                "--format=value(name)",
            ],
            judge: exists(`an enabled version of secret ${ADMIN_KEY_SECRET_ID}`),
            fix: `gcloud secrets versions add ${ADMIN_KEY_SECRET_ID} --project ${state.project} --data-file <admin-app>.private-key.pem (the secret itself is the state project's bootstrap: pulumi -C bootstrap up --stack ${state.project}; docs/governance.md)`,
        });
        items.push({
            id: "admin-key-secret-readers",
            what: `only the governance service account may read secret ${ADMIN_KEY_SECRET_ID} (its IAM policy)`,
            command: ["gcloud", "secrets", "get-iam-policy", ...secretArgs, "--format=json"],
            judge: onlyReader(governance),
            fix: `remove every other reader: gcloud secrets remove-iam-policy-binding ${ADMIN_KEY_SECRET_ID} --project ${state.project} --role <role> --member <member>`,
        });
        items.push({
            id: "github-admin-variables",
            what: `environment ${ADMIN_ENVIRONMENT} of ${repo} has the governance jobs' variables (bootstrap outputs; ${adminVariables.adminKeySecret} = projects/${state.project}/secrets/${ADMIN_KEY_SECRET_ID})`,
            command: ["gh", "variable", "list", "--repo", repo, "--env", ADMIN_ENVIRONMENT],
            judge: listsNames(Object.values(adminVariables)),
            fix: `gh variable set <NAME> --repo ${repo} --env ${ADMIN_ENVIRONMENT} --body <value> (docs/governance.md, "Setting up github-admin")`,
        });
    }
    // The key as a GitHub secret anywhere is a hole: an environment secret needs no cloud identity, so any job a
    // github-admin reviewer approves reads it (GitHub may judge a pull_request_target job's branch policy by the head
    // branch); a repository secret reaches any branch a writer pushes; a channel environment's, that channel's deploy.
    items.push({
        id: "github-app-secret-not-github-admin",
        what: `environment ${ADMIN_ENVIRONMENT} of ${repo} has no secret ${LEGACY_ADMIN_KEY_SECRET} (the key is read from Secret Manager as the governance service account)`,
        command: ["gh", "secret", "list", "--repo", repo, "--env", ADMIN_ENVIRONMENT],
        judge: lacksNames([LEGACY_ADMIN_KEY_SECRET]),
        fix: `gh secret delete ${LEGACY_ADMIN_KEY_SECRET} --repo ${repo} --env ${ADMIN_ENVIRONMENT} (after the key is in Secret Manager, docs/governance.md "Migration")`,
    });
    // Where older docs put it (hole C1), or the channel's environment.
    items.push({
        id: "github-app-secret-not-repository",
        what: `${repo} has no repository secret ${LEGACY_ADMIN_KEY_SECRET} (a repository secret reaches a workflow run of any branch a writer pushes)`,
        command: ["gh", "secret", "list", "--repo", repo],
        judge: lacksNames([LEGACY_ADMIN_KEY_SECRET]),
        fix: `gh secret delete ${LEGACY_ADMIN_KEY_SECRET} --repo ${repo}`,
    });
    items.push({
        id: `github-app-secret-not-${cfg.stack}`,
        what: `environment ${cfg.stack} of ${repo} has no secret ${LEGACY_ADMIN_KEY_SECRET} (it would reach the channel's deploy)`,
        command: ["gh", "secret", "list", "--repo", repo, "--env", cfg.stack],
        judge: lacksNames([LEGACY_ADMIN_KEY_SECRET]),
        fix: `gh secret delete ${LEGACY_ADMIN_KEY_SECRET} --repo ${repo} --env ${cfg.stack}`,
    });
    items.push({
        id: "github-app-permissions",
        what: "the admin GitHub App is installed on the repository with Administration, Environments and Variables: write; the promote App with Pull requests, Contents and Commit statuses: write (docs/github-and-workflows.md)",
        fix: "GitHub → Settings → Developer settings → GitHub Apps → <app> → Permissions; install it on the repository",
    });
    return items;
}
