import { strict as assert } from "node:assert";
import * as path from "node:path";
import { parse } from "yaml";
import { BOOTSTRAP_KEYS, parseBootstrapConfig } from "../../bootstrap/config";
import * as fs from "node:fs";
import { channelsInProject } from "../../bootstrap/channels";
import { CiIdentity } from "../../bootstrap/ci-identity";
import { ciConfigFor, parseBootstrapOutputs, withCiConfig } from "../../bootstrap/write-config";
import { parseStackConfig } from "../../config";
import { runProgram, type ProgramRun } from "../../runtime/run-program";
import { readEngineConfig } from "../../runtime/stack-files";
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

    it("creates a protected, versioned, private state bucket keeping a bounded history", () => {
        const b = test.recorder.get("gcp:storage/bucket:Bucket", "state-bucket");
        assert.equal(
            b.parent,
            "urn:pulumi:transit-data-test::data-infra-bootstrap::pulumi:pulumi:Stack$data-infra:bootstrap:StateBackend::state",
        );
        assert.deepEqual(b.inputs, {
            project: "transit-data-test",
            name: "transit-data-test-pulumi-state",
            location: "US-WEST2",
            versioning: { enabled: true },
            uniformBucketLevelAccess: true,
            publicAccessPrevention: "enforced",
            lifecycleRules: [
                { action: { type: "Delete" }, condition: { numNewerVersions: 10, withState: "ARCHIVED" } },
            ],
            forceDestroy: false,
        });
        assert.equal(b.options.protect, true);
        assert.equal(
            b.provider,
            "urn:pulumi:transit-data-test::data-infra-bootstrap::pulumi:pulumi:Stack$pulumi:providers:gcp::gcp",
        );
    });

    it("creates a protected KMS key ring and key for Pulumi secrets", () => {
        const ring = test.recorder.get("gcp:kms/keyRing:KeyRing", "state-keyring");
        const key = test.recorder.get("gcp:kms/cryptoKey:CryptoKey", "state-key");
        assert.deepEqual(ring.inputs, { project: "transit-data-test", name: "pulumi", location: "us-west2" });
        assert.equal(key.inputs.name, "pulumi-secrets");
        assert.equal(key.inputs.purpose, "ENCRYPT_DECRYPT");
        assert.equal(ring.options.protect && key.options.protect, true);
    });

    it("creates a GitHub OIDC provider that accepts only this repository and no pull_request_target", () => {
        const p = test.recorder.get(
            "gcp:iam/workloadIdentityPoolProvider:WorkloadIdentityPoolProvider",
            "ci-provider",
        );
        assert.equal(
            p.inputs.attributeCondition,
            "assertion.repository == 'transit-data/data-infra' && assertion.event_name != 'pull_request_target'",
        );
        assert.deepEqual(p.inputs.oidc, { issuerUri: "https://token.actions.githubusercontent.com" });
        assert.deepEqual(p.inputs.attributeMapping, {
            "google.subject": "assertion.sub",
            "attribute.repository": "assertion.repository",
            "attribute.ref": "assertion.ref",
            "attribute.event_name": "assertion.event_name",
            "attribute.pull_request_base": "assertion.event_name == 'pull_request' ? assertion.base_ref : ''",
        });
    });

    it("creates per channel a deployer and a previewer bound only to that channel's principals", () => {
        for (const [run, channel, number] of [
            [test, "test", "123456789012"],
            [prod, "prod", "210987654321"],
        ] as const) {
            assert.deepEqual(
                run.recorder.ofType(SA).map((r) => r.inputs.accountId),
                [`deploy-${channel}`, `preview-${channel}`],
            );
            // Exactly two workload identity bindings in the project: nothing else may impersonate.
            assert.deepEqual(
                run.recorder.ofType(WIF).map((r) => [r.name, r.inputs.role, r.inputs.member]),
                [
                    [
                        `ci-deploy-${channel}-wif`,
                        "roles/iam.workloadIdentityUser",
                        `principalSet://iam.googleapis.com/${POOL(number)}/attribute.ref/refs/heads/releases/${channel}`,
                    ],
                    [
                        `ci-preview-${channel}-wif`,
                        "roles/iam.workloadIdentityUser",
                        `principalSet://iam.googleapis.com/${POOL(number)}/attribute.pull_request_base/releases/${channel}`,
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
        assert.ok(members[0].endsWith("/attribute.ref/refs/heads/releases/prod"));
        assert.ok(!members.some((m) => /releases\/test|pull_request|\*|attribute\.repository\//.test(m)));
    });

    it("grants the deployer exactly its roles, with the Composer-bucket condition, and AR only where it builds", () => {
        const deployTest = "serviceAccount:deploy-test@transit-data-test.iam.gserviceaccount.com";
        assert.deepEqual(rolesOf(test, PROJECT_IAM, deployTest), {
            "roles/composer.admin": "",
            "roles/iam.serviceAccountUser": "",
            "roles/storage.objectAdmin": "composer-buckets",
            "roles/container.developer": "",
            "roles/secretmanager.secretAccessor": "",
            "roles/artifactregistry.writer": "",
        });
        const deployProd = "serviceAccount:deploy-prod@transit-data-prod.iam.gserviceaccount.com";
        assert.ok(!("roles/artifactregistry.writer" in rolesOf(prod, PROJECT_IAM, deployProd)));
        assert.deepEqual(rolesOf(test, BUCKET_IAM, deployTest), { "roles/storage.objectAdmin": "" });
        assert.deepEqual(rolesOf(test, KEY_IAM, deployTest), {
            "roles/cloudkms.cryptoKeyEncrypterDecrypter": "",
        });
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
        });
        assert.deepEqual(rolesOf(test, BUCKET_IAM, preview), {
            "roles/storage.objectViewer": "",
            "roles/storage.objectUser": "pulumi-locks",
        });
        assert.deepEqual(rolesOf(test, KEY_IAM, preview), { "roles/cloudkms.cryptoKeyDecrypter": "" });
    });

    it("exports what the channel stacks consume", () => {
        assert.deepEqual(prod.outputs, {
            backendUrl: "gs://transit-data-prod-pulumi-state",
            secretsProvider:
                "gcpkms://projects/transit-data-prod/locations/us-west2/keyRings/pulumi/cryptoKeys/pulumi-secrets",
            workloadIdentityProvider: `${POOL("210987654321")}/providers/github`,
            channels: {
                prod: {
                    deployServiceAccount: "deploy-prod@transit-data-prod.iam.gserviceaccount.com",
                    previewServiceAccount: "preview-prod@transit-data-prod.iam.gserviceaccount.com",
                },
            },
        });
    });

    it("writes outputs into a channel stack file that the config loader accepts", () => {
        // GIVEN the bootstrap outputs WHEN written into the shipped test stack file THEN it parses with ci set
        const outputs = parseBootstrapOutputs(JSON.stringify(test.outputs));
        const text = withCiConfig(
            "# keep me\nconfig:\n    data-infra:gcp:\n        project: transit-data-test\n        region: us-west2\n",
            { owner: "transit-data", repository: "data-infra" },
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
            backendUrl: "gs://transit-data-test-pulumi-state",
        });
        assert.equal(github.owner, "transit-data");
        assert.throws(() => ciConfigFor(outputs, "prod"), /no channel prod/);
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
        assert.deepEqual(channelsInProject(REPO_ROOT, "transit-data-prod"), {
            repository: "transit-data/data-infra",
            channels: [{ name: "prod", region: "us-west2" }],
        });
        assert.throws(() => channelsInProject(REPO_ROOT, "elsewhere"), /no channel stack/);
    });

    it("fails when a build channel is not served by the project", () => {
        assert.throws(
            () =>
                new CiIdentity("ci", {
                    project: "p-roject",
                    projectNumber: "1234567",
                    repository: "o/r",
                    channels: [{ name: "prod", region: "us-west2" }],
                    buildChannels: ["test"],
                    stateBucket: "b",
                    keyId: "k",
                }),
            /buildChannels: not a channel of this project/,
        );
    });
});
