import { strict as assert } from "node:assert";
import * as path from "node:path";
import { parse } from "yaml";
import { BOOTSTRAP_KEYS, parseBootstrapConfig } from "../../bootstrap/config";
import * as fs from "node:fs";
import { channelsInProject, readChannelList } from "../../bootstrap/channels";
import { CiIdentity } from "../../bootstrap/ci-identity";
import {
    adminKeySecretResource,
    deployGrants,
    previewGrants,
    type Grant,
} from "../../bootstrap/identity-rules";
import { ciConfigFor, parseBootstrapOutputs, withCiConfig } from "../../bootstrap/write-config";
import { parseStackConfig } from "../../config";
import { runProgram, type ProgramRun } from "../../runtime/run-program";
import { listStacks, readEngineConfig } from "../../runtime/stack-files";
import { REPO_ROOT } from "../harness";

const DIR = path.join(REPO_ROOT, "bootstrap");
const planBootstrap = (stack: string) =>
    runProgram({ stack, config: readEngineConfig(DIR, stack), program: path.join(DIR, "index.ts") });

const POOL = (n: string) => `projects/${n}/locations/global/workloadIdentityPools/github-actions`;
const SA = "gcp:serviceaccount/account:Account";
const WIF = "gcp:serviceaccount/iAMMember:IAMMember";
const PROJECT_IAM = "gcp:projects/iAMMember:IAMMember";
const BUCKET_IAM = "gcp:storage/bucketIAMMember:BucketIAMMember";
const KEY_IAM = "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember";
const KEY = (channel: string) =>
    `projects/transit-data-prod/locations/us-west2/keyRings/pulumi/cryptoKeys/pulumi-secrets-${channel}`;
const DEPLOY_PROD = "serviceAccount:deploy-prod@transit-data-prod.iam.gserviceaccount.com";
const PREVIEW_PROD = "serviceAccount:preview-prod@transit-data-prod.iam.gserviceaccount.com";
const GOVERNANCE = "serviceAccount:governance@transit-data-prod.iam.gserviceaccount.com";
const SECRET = "gcp:secretmanager/secret:Secret";
const SECRET_IAM = "gcp:secretmanager/secretIamMember:SecretIamMember";
/** Roles that include secretmanager.versions.access (Google Cloud docs, Secret Manager IAM roles). */
const ACCESS_ROLES = new Set([
    "roles/secretmanager.secretAccessor",
    "roles/secretmanager.admin",
    "roles/owner",
    "roles/editor",
]);

/**
 * Whether a project-level IAM condition admits the resource `name`. The conditions bootstrap writes use only
 * `resource.name ==`, `resource.name.startsWith(...)`, `||`, `&&` and `!`, which read the same in JavaScript.
 */
const admits = (expression: string | undefined, name: string): boolean =>
    expression === undefined ||
    (new Function("resource", `return ${expression};`) as (r: { name: string }) => boolean)({ name });

/** Members who can read the admin App key's latest version: from the secret's own IAM or a project grant. */
function adminKeyReaders(
    projectGrants: ReadonlyArray<{ member: string; role: string; condition?: { expression: string } }>,
    secretGrants: ReadonlyArray<{ member: string; role: string }>,
    projectNumber: string,
): string[] {
    const version = `${adminKeySecretResource(projectNumber)}/versions/latest`;
    return [
        ...secretGrants.filter((g) => ACCESS_ROLES.has(g.role)).map((g) => g.member),
        ...projectGrants
            .filter((g) => ACCESS_ROLES.has(g.role) && admits(g.condition?.expression, version))
            .map((g) => g.member),
    ].sort();
}

/** `role → condition title or ""` of every grant to `member` of this type. */
function rolesOf(run: ProgramRun, type: string, member: string): Record<string, string> {
    return Object.fromEntries(
        run.recorder
            .ofType(type)
            .filter((r) => r.inputs.member === member)
            .map((r) => [r.inputs.role, (r.inputs.condition as { title?: string } | undefined)?.title ?? ""]),
    );
}

describe("bootstrap project", () => {
    let test: ProgramRun;
    let prod: ProgramRun;
    before(async () => {
        test = await planBootstrap("transit-data-test");
        prod = await planBootstrap("transit-data-prod");
    });

    it("creates one protected, versioned, private state bucket keeping a bounded history, in the state project", () => {
        assert.deepEqual(test.recorder.ofType("gcp:storage/bucket:Bucket"), [], "test's stack only names it");
        const b = prod.recorder.get("gcp:storage/bucket:Bucket", "state-bucket");
        assert.equal(
            b.parent,
            "urn:pulumi:transit-data-prod::data-infra-bootstrap::data-infra:bootstrap:StateBackend::state",
        );
        assert.deepEqual(b.inputs, {
            project: "transit-data-prod",
            name: "transit-data-prod-pulumi-state",
            location: "US-WEST2",
            versioning: { enabled: true },
            uniformBucketLevelAccess: true,
            publicAccessPrevention: "enforced",
            // Issue 15, L6: a noncurrent version goes only when 30 days old AND 10 newer versions exist, and a
            // deleted object stays restorable for 90 days (soft delete).
            lifecycleRules: [
                {
                    action: { type: "Delete" },
                    condition: { daysSinceNoncurrentTime: 30, numNewerVersions: 10, withState: "ARCHIVED" },
                },
            ],
            softDeletePolicy: { retentionDurationSeconds: 7776000 },
            forceDestroy: false,
        });
        assert.equal(b.options.protect, true);
        assert.equal(
            b.provider,
            "urn:pulumi:transit-data-prod::data-infra-bootstrap::pulumi:providers:gcp::gcp",
        );
    });

    it("creates a protected KMS key ring with one protected key per channel", () => {
        const ring = prod.recorder.get("gcp:kms/keyRing:KeyRing", "state-keyring");
        assert.deepEqual(ring.inputs, { project: "transit-data-prod", name: "pulumi", location: "us-west2" });
        const keys = prod.recorder.ofType("gcp:kms/cryptoKey:CryptoKey");
        assert.deepEqual(
            keys.map((k) => [k.name, k.inputs.name, k.inputs.purpose, k.options.protect]),
            // one per channel stack file (so a new channel adds its key), plus the bootstrap and governance stacks'
            ["bootstrap", "governance", ...listStacks(REPO_ROOT)]
                .sort()
                .map((c) => [`state-key-${c}`, `pulumi-secrets-${c}`, "ENCRYPT_DECRYPT", true]),
        );
        assert.equal(ring.options.protect, true);
        assert.deepEqual(test.recorder.ofType("gcp:kms/cryptoKey:CryptoKey"), []);
    });

    it("creates a GitHub OIDC provider that accepts only this repository, by id, and no pull_request_target", () => {
        const p = test.recorder.get(
            "gcp:iam/workloadIdentityPoolProvider:WorkloadIdentityPoolProvider",
            "ci-provider",
        );
        assert.equal(
            p.inputs.attributeCondition,
            // Issue 15, H4b: the immutable ids (Pulumi.yaml data-infra:github), never the name a rename frees.
            "assertion.repository_id == '810000001' && assertion.repository_owner_id == '81000001' && " +
                "assertion.event_name != 'pull_request_target'",
        );
        assert.deepEqual(p.inputs.oidc, { issuerUri: "https://token.actions.githubusercontent.com" });
        assert.deepEqual(p.inputs.attributeMapping, {
            "google.subject": "assertion.sub",
            "attribute.repository": "assertion.repository",
            "attribute.repository_id": "assertion.repository_id",
            "attribute.repository_owner_id": "assertion.repository_owner_id",
            "attribute.ref": "assertion.ref",
            "attribute.event_name": "assertion.event_name",
            "attribute.pull_request_base": "assertion.event_name == 'pull_request' ? assertion.base_ref : ''",
            // Issue 15, H4a: the deployer needs the push (or manual run) of deploy.yml on releases/<c> in
            // environment <c>; any other job on that branch maps to ''.
            "attribute.deploy_channel":
                "(assertion.event_name == 'push' || assertion.event_name == 'workflow_dispatch') && " +
                "has(assertion.environment) && assertion.ref == 'refs/heads/releases/' + assertion.environment && " +
                "assertion.job_workflow_ref == assertion.repository + '/.github/workflows/deploy.yml@' + assertion.ref " +
                "? assertion.environment : ''",
            // Issue 19: a scheduled (or manual) run of drift.yml from main, and nothing else, maps to 'main'.
            "attribute.drift":
                "(assertion.event_name == 'schedule' || assertion.event_name == 'workflow_dispatch') && " +
                "assertion.ref == 'refs/heads/main' && " +
                "assertion.job_workflow_ref == assertion.repository + '/.github/workflows/drift.yml@refs/heads/main' ? 'main' : ''",
            // Issue 19, item 6: a manual run of try-in-<c>.yml on releases/<c> in environment <c> maps to <c>; a
            // deployer trusts it only where the channel allows tries (below).
            "attribute.try_channel":
                "assertion.event_name == 'workflow_dispatch' && has(assertion.environment) && " +
                "assertion.ref == 'refs/heads/releases/' + assertion.environment && " +
                "assertion.job_workflow_ref == assertion.repository + '/.github/workflows/try-in-' + assertion.environment + '.yml@' + assertion.ref " +
                "? assertion.environment : ''",
            // Issue 15, item 7: a push (or manual run) of governance.yml in environment github-admin maps to its
            // ref; the governance principal names the one ref it accepts.
            "attribute.governance":
                "(assertion.event_name == 'push' || assertion.event_name == 'workflow_dispatch') && " +
                "has(assertion.environment) && assertion.environment == 'github-admin' && " +
                "assertion.job_workflow_ref == assertion.repository + '/.github/workflows/governance.yml@' + assertion.ref " +
                "? assertion.ref : ''",
        });
    });

    it("creates per channel a deployer and a previewer bound only to that channel's principals", () => {
        for (const [run, channel, number] of [
            [test, "test", "123456789012"],
            [prod, "prod", "210987654321"],
        ] as const) {
            assert.deepEqual(
                run.recorder
                    .ofType(SA)
                    .map((r) => r.inputs.accountId)
                    .filter((id) => id !== "governance"),
                [`deploy-${channel}`, `preview-${channel}`],
            );
            // Exactly these workload identity bindings in the project: nothing else may impersonate. The drift
            // check (drift.yml on main) may preview, never deploy.
            assert.deepEqual(
                run.recorder
                    .ofType(WIF)
                    .filter((r) => r.inputs.role === "roles/iam.workloadIdentityUser")
                    .filter((r) => r.name !== "ci-governance-wif")
                    .map((r) => [r.name, r.inputs.role, r.inputs.member]),
                [
                    [
                        `ci-deploy-${channel}-wif`,
                        "roles/iam.workloadIdentityUser",
                        `principalSet://iam.googleapis.com/${POOL(number)}/attribute.deploy_channel/${channel}`,
                    ],
                    // Test allows tries of pull requests (data-infra:github.tryPullRequests); prod does not.
                    ...(channel === "test"
                        ? [
                              [
                                  "ci-deploy-test-wif-try",
                                  "roles/iam.workloadIdentityUser",
                                  `principalSet://iam.googleapis.com/${POOL(number)}/attribute.try_channel/test`,
                              ],
                          ]
                        : []),
                    [
                        `ci-preview-${channel}-wif`,
                        "roles/iam.workloadIdentityUser",
                        `principalSet://iam.googleapis.com/${POOL(number)}/attribute.pull_request_base/releases/${channel}`,
                    ],
                    [
                        `ci-preview-${channel}-wif-drift`,
                        "roles/iam.workloadIdentityUser",
                        `principalSet://iam.googleapis.com/${POOL(number)}/attribute.drift/main`,
                    ],
                ],
            );
        }
    });

    it("creates a prod deployer no test branch, other branch or pull request can use", () => {
        const members = prod.recorder
            .ofType(WIF)
            .filter((r) => r.name === "ci-deploy-prod-wif")
            .map((r) => String(r.inputs.member));
        assert.equal(members.length, 1);
        assert.ok(members[0].endsWith("/attribute.deploy_channel/prod"));
        assert.ok(!members.some((m) => /releases\/test|pull_request|\*|attribute\.repository\//.test(m)));
    });

    it("grants the deployer exactly its roles, with the Composer-bucket condition, and AR only where it builds", () => {
        const deployTest = "serviceAccount:deploy-test@transit-data-test.iam.gserviceaccount.com";
        assert.deepEqual(rolesOf(test, PROJECT_IAM, deployTest), {
            "roles/composer.admin": "",
            "roles/storage.objectAdmin": "composer-buckets",
            "roles/container.developer": "",
            "roles/secretmanager.secretAccessor": "",
            "roles/artifactregistry.admin": "",
        });
        // actAs only on the Composer account the channel names, not on every account of the project.
        const actAs = test.recorder.get(WIF, "ci-deploy-test-actas-composer");
        assert.deepEqual(actAs.inputs, {
            serviceAccountId:
                "projects/transit-data-test/serviceAccounts/composer@transit-data-test.iam.gserviceaccount.com",
            role: "roles/iam.serviceAccountUser",
            member: deployTest,
        });
        const deployProd = "serviceAccount:deploy-prod@transit-data-prod.iam.gserviceaccount.com";
        assert.ok(!("roles/artifactregistry.admin" in rolesOf(prod, PROJECT_IAM, deployProd)));
        assert.deepEqual(rolesOf(test, BUCKET_IAM, deployTest), {
            "roles/storage.objectViewer": "state-read-test",
            "roles/storage.objectUser": "state-write-test",
        });
        const state = test.recorder.get(BUCKET_IAM, "ci-deploy-test-state-storage.objectUser");
        assert.equal(state.inputs.bucket, "transit-data-prod-pulumi-state");
        // Issue 15, H3: test's deployer writes test's checkpoint, history, backups and locks, nothing of prod's.
        const objects = (p: string) =>
            `resource.name.startsWith("projects/_/buckets/transit-data-prod-pulumi-state/objects/${p}")`;
        assert.equal(
            (state.inputs.condition as { expression: string }).expression,
            [
                ".pulumi/stacks/data-infra/test.json",
                ".pulumi/history/data-infra/test/",
                ".pulumi/backups/data-infra/test/",
                ".pulumi/locks/organization/data-infra/test/",
            ]
                .map(objects)
                .join(" || "),
        );
        const composer = test.recorder.get(PROJECT_IAM, "ci-deploy-test-storage.objectAdmin");
        assert.equal(
            (composer.inputs.condition as { expression: string }).expression,
            'resource.name.startsWith("projects/_/buckets/us-west2-")',
        );
    });

    it("grants the previewer only read roles and the stack lock", () => {
        const preview = "serviceAccount:preview-test@transit-data-test.iam.gserviceaccount.com";
        assert.deepEqual(rolesOf(test, PROJECT_IAM, preview), {
            "roles/viewer": "",
            "roles/container.viewer": "",
            "roles/secretmanager.secretAccessor": "",
        });
        assert.deepEqual(rolesOf(test, BUCKET_IAM, preview), {
            "roles/storage.objectViewer": "state-read-test",
            "roles/storage.objectUser": "state-lock-test",
        });
        assert.equal(
            (
                test.recorder.get(BUCKET_IAM, "ci-preview-test-state-storage.objectUser").inputs
                    .condition as {
                    expression: string;
                }
            ).expression,
            'resource.name.startsWith("projects/_/buckets/transit-data-prod-pulumi-state/objects/.pulumi/locks/organization/data-infra/test/")',
        );
        assert.deepEqual(
            test.recorder.ofType(KEY_IAM).map((r) => [r.name, r.inputs.role, r.inputs.cryptoKeyId]),
            [
                ["ci-deploy-test-key-test", "roles/cloudkms.cryptoKeyEncrypterDecrypter", KEY("test")],
                ["ci-preview-test-key-test", "roles/cloudkms.cryptoKeyDecrypter", KEY("test")],
            ],
        );
    });

    it("lets each channel decrypt only its own secrets and its upstream's, so test never reads prod's", () => {
        assert.deepEqual(
            prod.recorder
                .ofType(KEY_IAM)
                .map((r) => [r.name, r.inputs.role, r.inputs.cryptoKeyId, r.inputs.member]),
            [
                [
                    "ci-deploy-prod-key-prod",
                    "roles/cloudkms.cryptoKeyEncrypterDecrypter",
                    KEY("prod"),
                    DEPLOY_PROD,
                ],
                ["ci-deploy-prod-key-test", "roles/cloudkms.cryptoKeyDecrypter", KEY("test"), DEPLOY_PROD],
                ["ci-preview-prod-key-prod", "roles/cloudkms.cryptoKeyDecrypter", KEY("prod"), PREVIEW_PROD],
                ["ci-preview-prod-key-test", "roles/cloudkms.cryptoKeyDecrypter", KEY("test"), PREVIEW_PROD],
                [
                    "ci-governance-key",
                    "roles/cloudkms.cryptoKeyEncrypterDecrypter",
                    KEY("governance"),
                    GOVERNANCE,
                ],
            ],
        );
        const everyKeyGrant = [...test.recorder.ofType(KEY_IAM), ...prod.recorder.ofType(KEY_IAM)];
        assert.ok(!test.recorder.ofType(KEY_IAM).some((r) => r.inputs.cryptoKeyId === KEY("prod")));
        assert.ok(!everyKeyGrant.some((r) => r.inputs.cryptoKeyId === KEY("bootstrap")), "no CI identity");
    });

    it("exports what the channel stacks consume", () => {
        assert.deepEqual(test.outputs, {
            backendUrl: "gs://transit-data-prod-pulumi-state",
            bootstrapSecretsProvider: `gcpkms://${KEY("bootstrap")}`,
            workloadIdentityProvider: `${POOL("123456789012")}/providers/github`,
            channels: {
                test: {
                    deployServiceAccount: "deploy-test@transit-data-test.iam.gserviceaccount.com",
                    previewServiceAccount: "preview-test@transit-data-test.iam.gserviceaccount.com",
                    secretsProvider: `gcpkms://${KEY("test")}`,
                },
            },
        });
    });

    it("writes outputs into a channel stack file that the config loader accepts", () => {
        // GIVEN the bootstrap outputs WHEN written into the shipped test stack file THEN it parses with ci set
        const outputs = parseBootstrapOutputs(JSON.stringify(test.outputs));
        const text = withCiConfig(
            "# keep me\nconfig:\n    data-infra:gcp:\n        project: transit-data-test\n        region: us-west2\n",
            {
                owner: "transit-data",
                repository: "data-infra",
                releaseManagers: ["transit-data/release-managers"],
            },
            ciConfigFor(outputs, "test"),
        );
        assert.ok(text.startsWith("# keep me\n"));
        const engine = readEngineConfig(REPO_ROOT, "test");
        const config = {
            ...engine.config,
            "data-infra:github": JSON.stringify(parse(text).config["data-infra:github"]),
        };
        const github = parseStackConfig("test", config).github;
        assert.deepEqual(github.ci, {
            workloadIdentityProvider: `${POOL("123456789012")}/providers/github`,
            deployServiceAccount: "deploy-test@transit-data-test.iam.gserviceaccount.com",
            previewServiceAccount: "preview-test@transit-data-test.iam.gserviceaccount.com",
            backendUrl: "gs://transit-data-prod-pulumi-state",
        });
        assert.equal(github.owner, "transit-data");
        assert.throws(() => ciConfigFor(outputs, "prod"), /no channel prod/);
    });
});

describe("deployGrants", () => {
    it("grants actAs on the project only when the channel names no Composer service account", () => {
        const roles = (composerServiceAccount?: string) =>
            deployGrants({
                channel: "c",
                region: "us-west2",
                buildsImages: false,
                composerServiceAccount,
            }).map((g) => g.role);
        assert.ok(roles().includes("roles/iam.serviceAccountUser"));
        assert.ok(
            !roles("composer@p-roject.iam.gserviceaccount.com").includes("roles/iam.serviceAccountUser"),
        );
    });
});

describe("bootstrap config and channels", () => {
    const base = {
        "data-infra-bootstrap:project": "transit-data-test",
        "data-infra-bootstrap:projectNumber": "123456789012",
        "data-infra-bootstrap:location": "us-west2",
    };
    const cases: [string, Record<string, string | undefined>, RegExp][] = [
        [
            "the project number is missing",
            { "data-infra-bootstrap:projectNumber": undefined },
            /projectNumber: required/,
        ],
        [
            "the project number is a project id",
            { "data-infra-bootstrap:projectNumber": "transit" },
            /projectNumber: must be the project's number/,
        ],
        [
            "keepNoncurrentVersions is 0",
            { "data-infra-bootstrap:keepNoncurrentVersions": "0" },
            /keepNoncurrentVersions: must be an integer from 1 to 100/,
        ],
        [
            "a key is unknown",
            { "data-infra-bootstrap:bucket": "x" },
            /data-infra-bootstrap:bucket: unknown config key/,
        ],
        [
            "buildChannels is not a list",
            { "data-infra-bootstrap:buildChannels": "test" },
            /buildChannels: must be a list/,
        ],
    ];
    for (const [what, edit, message] of cases) {
        it(`fails when ${what}`, () => {
            const config = Object.fromEntries(
                Object.entries({ ...base, ...edit }).filter((e): e is [string, string] => e[1] !== undefined),
            );
            assert.throws(() => parseBootstrapConfig("s", config), message);
        });
    }

    it("declares in bootstrap/Pulumi.yaml exactly the keys the parser knows", () => {
        const project = parse(fs.readFileSync(path.join(DIR, "Pulumi.yaml"), "utf8")) as {
            config: Record<string, unknown>;
        };
        const declared = Object.keys(project.config).filter((k) => !k.includes(":"));
        assert.deepEqual(declared.sort(), [...BOOTSTRAP_KEYS].sort());
    });

    it("finds the channels deploying into a project from the stack files", () => {
        const list = readChannelList(REPO_ROOT);
        assert.equal(list.repository, "transit-data/data-infra");
        assert.deepEqual(list.repositoryIds, { repositoryId: "810000001", ownerId: "81000001" });
        assert.deepEqual(channelsInProject(list, "transit-data-prod"), [
            {
                name: "prod",
                project: "transit-data-prod",
                region: "us-west2",
                promotedFrom: "test",
                managesDefaultBranch: true,
                composerServiceAccount: "composer@transit-data-prod.iam.gserviceaccount.com",
            },
        ]);
        assert.throws(() => channelsInProject(list, "elsewhere"), /no channel stack/);
    });

    it("fails when a build channel is not served by the project", () => {
        assert.throws(
            () =>
                new CiIdentity("ci", {
                    project: "p-roject",
                    projectNumber: "1234567",
                    repositoryIds: { repositoryId: "1", ownerId: "2" },
                    channels: [
                        { name: "prod", project: "p-roject", region: "us-west2", promotedFrom: "test" },
                    ],
                    buildChannels: ["test"],
                    stateBucket: "b",
                    keyIds: { prod: "k" },
                }),
            (e: unknown) =>
                /buildChannels: not a channel of this project/.test(String(e)) &&
                /keyIds\.test: missing: channel prod needs it/.test(String(e)),
        );
    });
});

describe("state bucket and workload identity (issue 15, H3 and H4)", () => {
    let runs: ProgramRun[];
    before(async () => {
        runs = [await planBootstrap("transit-data-test"), await planBootstrap("transit-data-prod")];
    });
    /** Which members may write objects of `stack`, judged from each storage grant's condition. */
    const writers = (conditions: Array<[string, string]>, stack: string): string[] => {
        const objects = [
            `.pulumi/stacks/data-infra/${stack}.json`,
            `.pulumi/history/data-infra/${stack}/1.json`,
            `.pulumi/backups/data-infra/${stack}/1.json`,
            `.pulumi/locks/organization/data-infra/${stack}/l.json`,
        ].map((o) => `projects/_/buckets/transit-data-prod-pulumi-state/objects/${o}`);
        return conditions
            .filter(([, expr]) =>
                objects.some((name) =>
                    [...expr.matchAll(/resource\.name\.startsWith\("([^"]+)"\)/g)].some((m) =>
                        name.startsWith(m[1]),
                    ),
                ),
            )
            .map(([member]) => member)
            .sort();
    };
    const grantsOf = (role: string): Array<[string, string]> =>
        runs.flatMap((run) =>
            run.recorder
                .ofType(BUCKET_IAM)
                .filter((r) => r.inputs.role === role)
                .map((r): [string, string] => [
                    String(r.inputs.member).replace(/^serviceAccount:|@.*$/g, ""),
                    (r.inputs.condition as { expression: string }).expression,
                ]),
        );

    it("lets the governance account (state project only) write the governance stacks' state and nothing of a channel's (issue 15, item 7)", () => {
        const [test, prod] = runs;
        assert.deepEqual(
            test.recorder.ofType(SA).filter((r) => r.inputs.accountId === "governance"),
            [],
        );
        // Only governance.yml in github-admin on releases/prod (the branch of the stack that owns main)
        assert.deepEqual(
            prod.recorder.get(WIF, "ci-governance-wif").inputs.member,
            `principalSet://iam.googleapis.com/${POOL("210987654321")}/attribute.governance/refs/heads/releases/prod`,
        );
        assert.deepEqual(rolesOf(prod, PROJECT_IAM, GOVERNANCE), {}, "no role on any cloud resource");
        const governanceStack = (stack: string) =>
            [
                `.pulumi/stacks/data-infra-governance/${stack}.json`,
                `.pulumi/history/data-infra-governance/${stack}/1.json`,
                `.pulumi/backups/data-infra-governance/${stack}/1.json`,
                `.pulumi/locks/organization/data-infra-governance/${stack}/l.json`,
            ].map((o) => `projects/_/buckets/transit-data-prod-pulumi-state/objects/${o}`);
        const write = grantsOf("roles/storage.objectUser");
        const canWrite = (member: string, objects: string[]) =>
            write
                .filter(([m]) => m === member)
                .some(([, expr]) =>
                    objects.some((name) =>
                        [...expr.matchAll(/resource\.name\.startsWith\("([^"]+)"\)/g)].some((m) =>
                            name.startsWith(m[1]),
                        ),
                    ),
                );
        assert.equal(canWrite("governance", governanceStack("prod")), true);
        assert.equal(canWrite("governance", governanceStack("test")), true);
        assert.deepEqual(writers(write, "prod"), ["deploy-prod", "preview-prod"]);
        assert.deepEqual(writers(write, "test"), ["deploy-test", "preview-test"]);
        // and no channel identity can write the governance stacks
        for (const m of ["deploy-prod", "deploy-test", "preview-prod", "preview-test"])
            assert.equal(canWrite(m, governanceStack("prod")), false, m);
    });

    it("keeps the admin App key in a Secret Manager secret of the state project that only the governance account reads (the channels' project-wide accessor roles withhold it)", () => {
        const [test, prod] = runs;
        // The secret (never a value: no SecretVersion anywhere), declared and protected in the state project only
        assert.deepEqual(test.recorder.ofType(SECRET), []);
        assert.deepEqual(test.recorder.ofType(SECRET_IAM), []);
        assert.deepEqual(prod.recorder.ofType("gcp:secretmanager/secretVersion:SecretVersion"), []);
        const secret = prod.recorder.get(SECRET, "ci-admin-app-key");
        assert.deepEqual(secret.inputs, {
            project: "transit-data-prod",
            secretId: "github-admin-app-private-key",
            replication: { auto: {} },
            labels: { "data-infra": "github-admin-app-key" },
        });
        assert.equal(secret.options.protect, true);
        // One binding on it: the accessor role, to the governance account
        assert.deepEqual(
            prod.recorder.ofType(SECRET_IAM).map((r) => [r.name, r.inputs.role, r.inputs.member]),
            [["ci-admin-app-key-governance", "roles/secretmanager.secretAccessor", GOVERNANCE]],
        );
        // Judged with every project grant as planned: the governance account alone reads it
        const projectGrants = (run: ProgramRun) =>
            run.recorder.ofType(PROJECT_IAM).map((r) => ({
                member: String(r.inputs.member),
                role: String(r.inputs.role),
                condition: r.inputs.condition as { expression: string } | undefined,
            }));
        const secretGrants = prod.recorder
            .ofType(SECRET_IAM)
            .map((r) => ({ member: String(r.inputs.member), role: String(r.inputs.role) }));
        assert.deepEqual(adminKeyReaders(projectGrants(prod), secretGrants, "210987654321"), [GOVERNANCE]);
        // while prod's deployer and previewer still read every other secret of the project
        const other = "projects/210987654321/secrets/metabase-database-password/versions/latest";
        for (const m of [DEPLOY_PROD, PREVIEW_PROD]) {
            const g = projectGrants(prod).find(
                (x) => x.member === m && x.role === "roles/secretmanager.secretAccessor",
            )!;
            assert.equal(admits(g.condition?.expression, other), true, m);
            // a secret whose name only starts like the key's is not withheld
            assert.equal(
                admits(g.condition?.expression, `${adminKeySecretResource("210987654321")}-old`),
                true,
                m,
            );
        }
        // A failing case: the previewer's grants without the withheld secret (as before this change) reach the key
        const unconditioned = (grants: Grant[], member: string) =>
            grants.map((g) => ({ member, role: g.role, condition: g.condition }));
        assert.deepEqual(
            adminKeyReaders(
                [
                    ...unconditioned(previewGrants(), PREVIEW_PROD),
                    ...unconditioned(
                        deployGrants({ channel: "prod", region: "us-west2", buildsImages: false }),
                        DEPLOY_PROD,
                    ),
                ],
                secretGrants,
                "210987654321",
            ),
            [DEPLOY_PROD, GOVERNANCE, PREVIEW_PROD].sort(),
        );
        // and in test's project (no governance there) nothing is withheld
        assert.ok(projectGrants(test).every((g) => g.condition?.expression.includes("secrets/") !== true));
    });

    it("lets only a channel's own deployer write its state; previewers write only their lock", () => {
        const write = grantsOf("roles/storage.objectUser");
        assert.deepEqual(writers(write, "prod"), ["deploy-prod", "preview-prod"]);
        assert.deepEqual(writers(write, "test"), ["deploy-test", "preview-test"]);
        // Before issue 15 every deployer held `.pulumi/` and every previewer `.pulumi/locks/`:
        const before: Array<[string, string]> = [
            [
                "deploy-test",
                'resource.name.startsWith("projects/_/buckets/transit-data-prod-pulumi-state/objects/.pulumi/")',
            ],
            [
                "preview-test",
                'resource.name.startsWith("projects/_/buckets/transit-data-prod-pulumi-state/objects/.pulumi/locks/")',
            ],
        ];
        assert.deepEqual(writers(before, "prod"), ["deploy-test", "preview-test"]);
    });

    it("lets prod read test's checkpoint (its outputs) but not write it, and test read nothing of prod", () => {
        const read = grantsOf("roles/storage.objectViewer");
        const prodRead = read.find(([m]) => m === "deploy-prod")![1];
        assert.match(prodRead, /objects\/\.pulumi\/stacks\/data-infra\/test\.json"\)/);
        assert.doesNotMatch(read.find(([m]) => m === "deploy-test")![1], /data-infra\/prod/);
        assert.ok(!writers(grantsOf("roles/storage.objectUser"), "test").includes("deploy-prod"));
    });

    it("binds each deployer to its channel's deploy_channel attribute, never to a ref or the repository name", () => {
        const members = runs.flatMap((run) =>
            run.recorder
                .ofType(WIF)
                .filter(
                    (r) => r.inputs.role === "roles/iam.workloadIdentityUser" && r.name.includes("-deploy-"),
                )
                .map((r) => String(r.inputs.member)),
        );
        // Plus test's try principal (issue 19): a dispatch of try-in-test.yml on releases/test in environment test.
        assert.equal(members.length, 3);
        for (const m of members)
            assert.match(m, /\/attribute\.(deploy_channel\/(test|prod)|try_channel\/test)$/);
        for (const run of runs) {
            const p = run.recorder.get(
                "gcp:iam/workloadIdentityPoolProvider:WorkloadIdentityPoolProvider",
                "ci-provider",
            );
            assert.doesNotMatch(String(p.inputs.attributeCondition), /assertion\.repository ==/);
        }
    });
});
