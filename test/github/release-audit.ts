/**
 * The attacker's review of issue 15 as executable checks: each function lists the holes it finds in rendered
 * workflows (parsed YAML) or in branch protection rules, as `<hole>: <where>: <what>`. The tests run them on the
 * current rendering (expecting none) and on the rendering before issue 15 (test/fixtures/workflows-before-issue-15,
 * expecting each hole), so every check is shown to catch what it names.
 */
import { parse } from "yaml";
import type { Job, Workflow } from "../../tools/workflows/render";
import type { ProtectionRule } from "../../components/github/governance";
import { ADMIN_ENVIRONMENT } from "../../components/github/naming";

export type Workflows = Record<string, string>;

const parsed = (files: Workflows): Array<[string, Workflow]> =>
    Object.entries(files).map(([f, t]) => [f, parse(t) as Workflow]);
const jobs = (w: Workflow): Array<[string, Job]> => Object.entries(w.jobs);

/** C1/M5: a job that reads an App's private key must run in an environment (whose branch policy admits it). */
export function appKeysOutsideEnvironments(files: Workflows): string[] {
    const out: string[] = [];
    for (const [file, w] of parsed(files))
        for (const [id, job] of jobs(w)) {
            // The whole job: a key in its env (or a reusable workflow's secrets) reaches its steps as well.
            const keys = JSON.stringify(job).match(/secrets\.[A-Z0-9_]*PRIVATE_KEY/g) ?? [];
            if (keys.length && !job.environment)
                out.push(`C1: ${file} ${id}: reads ${keys.join(", ")} with no environment`);
        }
    return out;
}

/** H1: each release channel needs a gate job a pull request cannot redefine (pull_request_target, no checkout). */
export function missingReleaseGates(files: Workflows, channels: readonly string[]): string[] {
    const gates = new Map<string, Job>();
    for (const [, w] of parsed(files))
        if (w.on && "pull_request_target" in w.on) for (const [, job] of jobs(w)) gates.set(job.name, job);
    const out: string[] = [];
    for (const c of channels) {
        const gate = gates.get(`release gate (${c})`);
        if (!gate) out.push(`H1: releases/${c}: no pull_request_target gate job`);
        else if (gate.steps.some((s) => s.uses) || Object.keys(gate.permissions).length)
            out.push(`H1: release gate (${c}): runs an action or holds a permission`);
    }
    return out;
}

/**
 * H2: per-channel pull request jobs must always run (no job-level `if`: a skipped job reports success), pull request
 * workflows must re-run on `edited` (a base change), and the plan check must be per channel.
 */
export function skippableChannelChecks(files: Workflows, channels: readonly string[]): string[] {
    const out: string[] = [];
    const names = new Set<string>();
    for (const [file, w] of parsed(files)) {
        const pr = (w.on?.pull_request ?? w.on?.pull_request_target) as
            { types?: string[]; paths?: string[] } | undefined;
        // A path-filtered workflow cannot be a required check (it never reports on other pull requests): the
        // build-* workflows. Required checks are what H2 is about.
        if (!pr || pr.paths) continue;
        if (!(pr.types ?? []).includes("edited"))
            out.push(`H2: ${file}: a base change (edited) re-runs nothing`);
        for (const [id, job] of jobs(w)) {
            names.add(job.name);
            if (job.if) out.push(`H2: ${file} ${id}: skipped by "${job.if}", which reports success`);
        }
    }
    for (const c of channels)
        if (!names.has(`plan (${c})`)) out.push(`H2: no per-channel plan check "plan (${c})"`);
    return out;
}

/** L7/L9/L8: refs by full name, workflow_run from this repository only, actions pinned to commits. */
export function smallerHoles(files: Workflows): string[] {
    const out: string[] = [];
    for (const [file, w] of parsed(files)) {
        for (const [id, job] of jobs(w)) {
            if (/github\.ref_name/.test(job.if ?? "")) out.push(`L7: ${file} ${id}: selected by ref_name`);
            if (
                w.on &&
                "workflow_run" in w.on &&
                (job.if === undefined || job.if.includes("workflow_run")) &&
                !/workflow_run\.repository\.id == github\.repository_id/.test(job.if ?? "") &&
                !job.needs
            )
                out.push(`L9: ${file} ${id}: trusts any workflow_run of that name`);
            for (const s of job.steps)
                if (s.uses && !/@[0-9a-f]{40}$/.test(s.uses))
                    out.push(`L8: ${file} ${id}: ${s.uses} not pinned`);
        }
    }
    return [...new Set(out)];
}

/**
 * H1/H6: every release branch needs ≥ 1 review with last-push approval, merges restricted to named actors, its
 * gate and per-channel plan required, and (promoted channels) the upstream's deploy of the head required.
 */
export function weakReleaseProtection(
    rules: readonly ProtectionRule[],
    channel: string,
    promotedFrom: string,
): string[] {
    const out: string[] = [];
    const r = rules.find((x) => x.pattern === `releases/${channel}`);
    if (!r) return [`H1: releases/${channel}: not protected`];
    if (r.requiredReviews < 1) out.push(`H1: releases/${channel}: merges with ${r.requiredReviews} reviews`);
    if (!r.requireLastPushApproval) out.push(`H1: releases/${channel}: no last-push approval`);
    if (!r.pushAllowances?.length) out.push(`H1: releases/${channel}: any writer may merge`);
    for (const check of [`release gate (${channel})`, `plan (${channel})`])
        if (!r.requiredChecks.includes(check)) out.push(`H1: releases/${channel}: "${check}" not required`);
    if (promotedFrom !== "main" && !r.requiredChecks.includes(`promotion (${channel})`))
        out.push(`H6: releases/${channel}: a commit ${promotedFrom} did not deploy can be promoted`);
    return out;
}

/**
 * H6b: a promoted channel's deploy must run the deploy guard's promotion rules before any credential (the deployed
 * commit is the upstream's tested commit plus the pinned digests), and the upstream's deploy must record what it ran.
 */
export function untestedPromotions(
    files: Workflows,
    channels: ReadonlyArray<{ name: string; promotedFrom: string }>,
): string[] {
    const deploy = parsed(files).find(([f]) => f === "deploy.yml")?.[1];
    const out: string[] = [];
    for (const c of channels) {
        if (c.promotedFrom === "main") continue;
        const job = deploy?.jobs[`deploy-${c.name}`];
        const steps = job?.steps ?? [];
        const guard = steps.findIndex((s) =>
            s.run?.startsWith(`npx tsx tools/deploy-guard.ts promotion ${c.name} `),
        );
        const auth = steps.findIndex((s) => s.uses?.startsWith("google-github-actions/auth"));
        if (guard < 0 || (auth >= 0 && auth < guard))
            out.push(
                `H6b: deploy-${c.name}: deploys whatever is on releases/${c.name}, not what ${c.promotedFrom} ran`,
            );
        const up = deploy?.jobs[`deploy-${c.promotedFrom}`];
        if (!up?.steps.some((s) => s.with?.name === `tested-${c.promotedFrom}`))
            out.push(`H6b: deploy-${c.promotedFrom}: records no digests for ${c.name} to pin`);
    }
    return out;
}

/** A GitHub environment as the governance plans it: the branches its deployment policy admits, and its gate. */
export interface PlannedEnvironment {
    readonly branches: readonly string[];
    readonly reviewers: number;
    readonly preventSelfReview: boolean;
    readonly canAdminsBypass: boolean;
}

/**
 * M5 (item 7): the admin App's key (Administration: write) may be read only by a job that (1) runs in an environment
 * whose deployment policy admits nothing but `governingBranch` (so no job on `releases/test`, a pull request's
 * `refs/pull/N/merge` or any branch a writer can push reaches it: GitHub refuses the job), (2) whose reviewers must
 * approve each run (no self-review, no admin bypass), (3) is selected by that full ref, and (4) is no channel's
 * deploy: it runs no `pulumi up` of a channel stack, only of the governance project.
 */
export function adminKeyHolders(
    files: Workflows,
    environments: Readonly<Record<string, PlannedEnvironment>>,
    governingBranch: string,
    adminKeySecret = "DATA_INFRA_APP_PRIVATE_KEY",
    adminEnvironment = ADMIN_ENVIRONMENT,
): string[] {
    const out: string[] = [];
    for (const [file, w] of parsed(files))
        for (const [id, job] of jobs(w)) {
            const envName = typeof job.environment === "object" ? job.environment.name : job.environment;
            // The whole job (its env, a reusable workflow's secrets), not only its steps; and every job in the key's
            // environment, which can read it whether or not it names it today.
            if (!JSON.stringify(job).includes(`secrets.${adminKeySecret}`) && envName !== adminEnvironment)
                continue;
            const where = `M5: ${file} ${id}`;
            const env = envName === undefined ? undefined : environments[envName];
            if (!env)
                out.push(
                    `${where}: reads the admin key outside a planned environment (${envName ?? "none"})`,
                );
            else {
                const others = env.branches.filter((b) => b !== governingBranch);
                if (others.length || !env.branches.length)
                    out.push(
                        `${where}: reads the admin key in environment ${envName}, which admits ${env.branches.join(", ") || "every branch"}`,
                    );
                if (env.reviewers < 1 || !env.preventSelfReview || env.canAdminsBypass)
                    out.push(`${where}: environment ${envName} starts without an approval by someone else`);
            }
            if (job.if !== `github.ref == 'refs/heads/${governingBranch}'`)
                out.push(`${where}: not selected by refs/heads/${governingBranch}`);
            const deploys = (job.steps ?? []).some(
                (s) =>
                    (s.with?.command === "up" && s.uses?.startsWith("pulumi/actions")) ||
                    (/\bpulumi up\b/.test(s.run ?? "") &&
                        !/\bpulumi up --cwd governance\b/.test(s.run ?? "")),
            );
            if (deploys) out.push(`${where}: a channel deploy holds the admin key`);
        }
    return out;
}

/** A step that reads a Secret Manager secret: the get-secretmanager-secrets action, or gcloud/API in a script. */
const readsSecretManager = (s: { uses?: string; run?: string }): boolean =>
    (s.uses?.startsWith("google-github-actions/get-secretmanager-secrets@") ?? false) ||
    /\bsecrets\s+versions\s+access\b|secretmanager\.googleapis\.com/.test(s.run ?? "");

/**
 * K1-K4 (issue 15, the admin key out of GitHub): the admin App's key is in no GitHub secret, and is read from Secret
 * Manager only where the governance service account is (the only identity with access to the secret). GitHub may
 * judge a `pull_request_target` job's deployment branch policy by the PR's head branch (break-15, "design concern"),
 * so neither the environment nor its reviewers may be all that stands between a writer's workflow and the key:
 * - K1: no workflow names `secrets.<legacyKeySecret>` (an environment or repository secret needs no identity);
 * - K2: a Secret Manager read runs only in `governanceWorkflow`, in `adminEnvironment`, selected by the governing ref;
 * - K3: after the Google login as `vars.<serviceAccountVariable>` (an earlier step of the same job), and with
 *   `export_to_environment` off (an exported variable reaches every later step);
 * - K4: its outputs are named by exactly one step: the App token's `private-key` input.
 */
export function adminKeyReaders(
    files: Workflows,
    governingBranch: string,
    legacyKeySecret = "DATA_INFRA_APP_PRIVATE_KEY",
    adminEnvironment = ADMIN_ENVIRONMENT,
    governanceWorkflow = "governance.yml",
    serviceAccountVariable = "GOVERNANCE_GCP_SERVICE_ACCOUNT",
): string[] {
    const out: string[] = [];
    for (const [file, w] of parsed(files)) {
        if (JSON.stringify(w).includes(`secrets.${legacyKeySecret}`))
            out.push(`K1: ${file}: names the admin key as a GitHub secret (secrets.${legacyKeySecret})`);
        for (const [id, job] of jobs(w)) {
            const steps = job.steps ?? [];
            steps.forEach((s, i) => {
                if (!readsSecretManager(s)) return;
                const where = `${file} ${id} step ${i} (${s.name})`;
                const envName = typeof job.environment === "object" ? job.environment.name : job.environment;
                if (file !== governanceWorkflow || envName !== adminEnvironment)
                    out.push(
                        `K2: ${where}: reads Secret Manager outside ${governanceWorkflow} in ${adminEnvironment}`,
                    );
                if (job.if !== `github.ref == 'refs/heads/${governingBranch}'`)
                    out.push(`K2: ${where}: not selected by refs/heads/${governingBranch}`);
                const auth = steps.findIndex(
                    (a) =>
                        (a.uses?.startsWith("google-github-actions/auth@") ?? false) &&
                        a.with?.service_account === `\${{ vars.${serviceAccountVariable} }}`,
                );
                if (auth < 0 || auth > i)
                    out.push(
                        `K3: ${where}: reads Secret Manager before logging in as ${serviceAccountVariable}`,
                    );
                if (String(s.with?.export_to_environment ?? "false") !== "false")
                    out.push(`K3: ${where}: exports the secret to the job's environment`);
                const ref = s.id ? `steps.${s.id}.outputs` : undefined;
                // Step outputs are seen only by later steps of the same job, and by other jobs through job outputs.
                const users = ref
                    ? steps
                          .map((u, k) => [id, k, u] as const)
                          .filter(([, , u]) => JSON.stringify(u).includes(ref))
                    : [];
                if (ref && JSON.stringify(job.outputs ?? {}).includes(ref))
                    out.push(`K4: ${where}: its value is a job output`);
                const tokenOnly = users.every(
                    ([jid, , u]) =>
                        jid === id &&
                        (u.uses?.startsWith("actions/create-github-app-token@") ?? false) &&
                        JSON.stringify({ ...u, with: { ...u.with, "private-key": "" } }).indexOf(ref!) < 0 &&
                        u.with?.["private-key"] === `\${{ ${ref}.key }}`,
                );
                if (users.length !== 1 || !tokenOnly)
                    out.push(
                        `K4: ${where}: its value reaches ${users.map(([, k, u]) => `step ${k} (${u.name})`).join(", ") || "no step"} (exactly the App token's private-key expected)`,
                    );
            });
        }
    }
    return out;
}
