import { strict as assert } from "node:assert";
import { parseStackConfig } from "../config";
import { readEngineConfig } from "../runtime/stack-files";
import {
    REQUIRED_APIS,
    checklist,
    exists,
    hasBinding,
    judgeApis,
    judgeAdminBranchPolicy,
    lacksNames,
    listsNames,
    onlyReader,
    type CommandOutput,
} from "../tools/doctor/checklist";
import { REPO_ROOT } from "./harness";

const ok = (stdout: string): CommandOutput => ({ code: 0, stdout, stderr: "" });
const failed = (stderr: string): CommandOutput => ({ code: 1, stdout: "", stderr });
const config = (stack: string) => {
    const e = readEngineConfig(REPO_ROOT, stack);
    return parseStackConfig(stack, e.config, e.secretKeys);
};
const STATE = { project: "transit-data-prod", location: "us-west2" };

describe("doctor", () => {
    it("checks the blue/green next environment's own service account and bucket variables too", () => {
        const e = readEngineConfig(REPO_ROOT, "test");
        const composer = JSON.parse(e.config["data-infra:composer"]) as Record<string, unknown>;
        const cfg = parseStackConfig(
            "test",
            {
                ...e.config,
                "data-infra:composer": JSON.stringify({
                    ...composer,
                    next: {
                        name: "data-infra-test-3",
                        imageVersion: "composer-3-airflow-2.10.5-build.10",
                        serviceAccount: "composer3@transit-data-test.iam.gserviceaccount.com",
                        envVariables: {
                            GTFS_BUCKET: "transit-data-test-gtfs",
                            RAW_BUCKET: "transit-data-test-raw",
                        },
                    },
                }),
            },
            e.secretKeys,
        );
        const items = checklist(cfg, STATE).filter((i) => /^(composer|bucket)/.test(i.id));
        assert.deepEqual(
            items.map((i) => [i.id, i.what]),
            [
                [
                    "composer-service-account",
                    "Composer's service account composer@transit-data-test.iam.gserviceaccount.com exists",
                ],
                [
                    "composer-worker-role",
                    "composer@transit-data-test.iam.gserviceaccount.com has roles/composer.worker in transit-data-test",
                ],
                [
                    "composer-service-account:next",
                    "Composer's service account composer3@transit-data-test.iam.gserviceaccount.com exists (composer.next)",
                ],
                [
                    "composer-worker-role:next",
                    "composer3@transit-data-test.iam.gserviceaccount.com has roles/composer.worker in transit-data-test (composer.next)",
                ],
                [
                    "bucket:transit-data-test-gtfs",
                    "bucket gs://transit-data-test-gtfs (Composer variable GTFS_BUCKET) exists",
                ],
                [
                    "bucket:transit-data-test-raw",
                    "bucket gs://transit-data-test-raw (Composer variable RAW_BUCKET) exists",
                ],
            ],
        );
    });

    it("lists what the test channel assumes, each with its read-only check", () => {
        const items = checklist(config("test"), STATE);
        assert.deepEqual(
            items.map((i) => i.id),
            [
                // The reviewers test needs since it can be tried (issue 19) are the documented placeholder team.
                "placeholder",
                "apis",
                "state-bucket",
                "state-key",
                "ci-deployer",
                "ci-previewer",
                "workload-identity-pool",
                "cluster",
                "composer-service-account",
                "composer-worker-role",
                "bucket:transit-data-test-gtfs",
                "secret:metabase-database-password",
                "github-app-variable",
                "github-app-secret-not-github-admin",
                "github-app-secret-not-repository",
                "github-app-secret-not-test",
                "github-app-permissions",
            ],
        );
        const secret = items.find((i) => i.id === "secret:metabase-database-password")!;
        assert.deepEqual(secret.command, [
            "gcloud",
            "secrets",
            "describe",
            "metabase-database-password",
            "--project",
            "transit-data-test",
            "--format=value(name)",
        ]);
        // every command only reads (`gh api` without -X/--method/-f/-F/--input is a GET)
        for (const i of items.concat(checklist(config("prod"), STATE)))
            if (i.command?.length)
                assert.ok(
                    /^(describe|list|get-iam-policy)$/.test(
                        i.command.find((w) => /^(describe|list|get-iam-policy)$/.test(w)) ?? "",
                    ) ||
                        (i.command[0] === "gh" &&
                            i.command[1] === "api" &&
                            !i.command.some((w) =>
                                /^(-X|--method|-f|-F|--field|--raw-field|--input)$/.test(w),
                            )),
                    i.id,
                );
    });

    it("the admin App's key: in Secret Manager readable by the governance account only, in no GitHub secret (github-admin, repository, channel environment), and github-admin admits only the governing branch", () => {
        // GIVEN prod (it owns main's protection, so its release branch governs) and test
        const prod = checklist(config("prod"), STATE);
        const test = checklist(config("test"), STATE);
        const byId = (items: typeof prod, id: string) => items.find((i) => i.id === id)!;
        // THEN each channel's doctor checks that neither the repository nor its own environment holds the key: a
        // repository secret reaches any workflow run of any branch (GitHub docs, "Using secrets in GitHub Actions"),
        // a channel environment's reaches that channel's deploy
        assert.deepEqual(byId(test, "github-app-secret-not-repository").command, [
            "gh",
            "secret",
            "list",
            "--repo",
            "transit-data/data-infra",
        ]);
        assert.deepEqual(byId(test, "github-app-secret-not-test").command, [
            "gh",
            "secret",
            "list",
            "--repo",
            "transit-data/data-infra",
            "--env",
            "test",
        ]);
        assert.ok(byId(prod, "github-app-secret-not-prod"));
        // AND every channel's doctor fails while github-admin still holds the key as an environment secret: it needs
        // no cloud identity, so any job a github-admin reviewer approves would read it
        for (const items of [prod, test])
            assert.deepEqual(byId(items, "github-app-secret-not-github-admin").command, [
                "gh",
                "secret",
                "list",
                "--repo",
                "transit-data/data-infra",
                "--env",
                "github-admin",
            ]);
        assert.equal(
            test.find((i) => i.id === "github-app-secret"),
            undefined,
            "no channel is told to store the key as a GitHub secret",
        );
        // AND the governing channel's doctor checks the Secret Manager secret in the state project: an enabled
        // version, the governance account as its only reader, and github-admin's variables naming it
        const governingIds = prod
            .map((i) => i.id)
            .filter((id) => /^(github-admin|admin-key|github-app-secret)/.test(id));
        assert.deepEqual(governingIds, [
            "github-admin-branch-policy",
            "admin-key-secret",
            "admin-key-secret-readers",
            "github-admin-variables",
            "github-app-secret-not-github-admin",
            "github-app-secret-not-repository",
            "github-app-secret-not-prod",
        ]);
        assert.deepEqual(byId(prod, "admin-key-secret").command, [
            "gcloud",
            "secrets",
            "versions",
            "list",
            "github-admin-app-private-key",
            "--project",
            "transit-data-prod",
            "--filter=state=ENABLED",
            "--limit=1",
            "--format=value(name)",
        ]);
        assert.match(
            byId(prod, "admin-key-secret").fix,
            /^gcloud secrets versions add github-admin-app-private-key --project transit-data-prod --data-file /,
        );
        assert.deepEqual(byId(prod, "admin-key-secret-readers").command, [
            "gcloud",
            "secrets",
            "get-iam-policy",
            "github-admin-app-private-key",
            "--project",
            "transit-data-prod",
            "--format=json",
        ]);
        assert.deepEqual(
            byId(prod, "admin-key-secret").judge!(
                failed(
                    "ERROR: (gcloud.secrets.versions.list) NOT_FOUND: Secret [projects/1/secrets/github-admin-app-private-key] not found",
                ),
            ),
            {
                ok: false,
                missing:
                    "an enabled version of secret github-admin-app-private-key not found (ERROR: (gcloud.secrets.versions.list) NOT_FOUND: Secret [projects/1/secrets/github-admin-app-private-key] not found)",
            },
        );
        assert.deepEqual(byId(prod, "admin-key-secret").judge!(ok("")), {
            ok: false,
            missing: "an enabled version of secret github-admin-app-private-key not found",
        });
        assert.deepEqual(
            byId(prod, "github-admin-variables").judge!(ok("GOVERNANCE_GCP_SERVICE_ACCOUNT\tx\n")),
            {
                ok: false,
                missing:
                    "missing: GOVERNANCE_GCP_WORKLOAD_IDENTITY_PROVIDER, GOVERNANCE_PULUMI_BACKEND_URL, GOVERNANCE_ADMIN_KEY_SECRET",
            },
        );
        const gov = "serviceAccount:governance@transit-data-prod.iam.gserviceaccount.com";
        const readers = onlyReader(gov);
        const iam = (...b: { role: string; members: string[] }[]) =>
            ok(JSON.stringify({ bindings: b, etag: "x" }));
        assert.deepEqual(readers(iam({ role: "roles/secretmanager.secretAccessor", members: [gov] })), {
            ok: true,
        });
        assert.deepEqual(
            readers(
                iam(
                    { role: "roles/secretmanager.secretAccessor", members: [gov] },
                    { role: "roles/secretmanager.viewer", members: ["user:a@example.com"] },
                    { role: "roles/secretmanager.admin", members: ["user:b@example.com"] },
                ),
            ),
            {
                ok: false,
                missing: `readers are ["${gov}","user:b@example.com"] (only ${gov} expected)`,
            },
        );
        assert.deepEqual(readers(ok("{}")), { ok: false, missing: `readers are [] (only ${gov} expected)` });
        assert.deepEqual(readers(failed("PERMISSION_DENIED")), {
            ok: false,
            missing: "could not read the IAM policy (PERMISSION_DENIED)",
        });
        // AND without the state backend's stack file (no state project known) it checks nothing it cannot name
        assert.equal(
            checklist(config("prod"), undefined).find((i) => i.id.startsWith("admin-key")),
            undefined,
        );
        // AND only the governing channel's doctor checks github-admin's branch policy
        assert.deepEqual(byId(prod, "github-admin-branch-policy").command, [
            "gh",
            "api",
            "repos/transit-data/data-infra/environments/github-admin/deployment-branch-policies",
        ]);
        assert.equal(
            test.find((i) => i.id === "github-admin-branch-policy"),
            undefined,
        );
        // AND the judges: a listed key fails, an unlisted one passes, a failed listing never passes
        const lacks = lacksNames(["DATA_INFRA_APP_PRIVATE_KEY"]);
        assert.deepEqual(lacks(ok("OTHER\t2026-11-30\n")), { ok: true });
        assert.deepEqual(lacks(ok("DATA_INFRA_APP_PRIVATE_KEY\t2026-11-30\n")), {
            ok: false,
            missing: "present: DATA_INFRA_APP_PRIVATE_KEY",
        });
        assert.deepEqual(lacks(failed("HTTP 404")), {
            ok: false,
            missing: "gh could not list them (HTTP 404)",
        });
        const policy = judgeAdminBranchPolicy("releases/prod");
        const policies = (...p: { name: string; type?: string }[]) =>
            ok(JSON.stringify({ total_count: p.length, branch_policies: p }));
        assert.deepEqual(policy(policies({ name: "releases/prod", type: "branch" })), { ok: true });
        assert.deepEqual(policy(policies({ name: "releases/prod", type: "tag" })), {
            ok: false,
            missing: 'github-admin admits more than branch releases/prod: ["tag releases/prod"]',
        });
        assert.deepEqual(
            policy(
                policies({ name: "releases/prod", type: "branch" }, { name: "releases/*", type: "branch" }),
            ),
            {
                ok: false,
                missing: 'github-admin admits more than branch releases/prod: ["branch releases/*"]',
            },
        );
        assert.deepEqual(policy(policies()), {
            ok: false,
            missing: "github-admin lists no branch policy (releases/prod expected)",
        });
        assert.deepEqual(policy(failed("HTTP 404: Not Found")), {
            ok: false,
            missing: "could not read github-admin's branch policies (HTTP 404: Not Found)",
        });
        assert.deepEqual(policy(ok("<html>")), {
            ok: false,
            missing: "github-admin's branch policies are not JSON",
        });
    });

    it("adds the registry reader, and the placeholder, for prod", () => {
        const ids = checklist(config("prod"), STATE).map((i) => i.id);
        assert.equal(ids[0], "placeholder");
        assert.ok(ids.includes("registry-reader"));
        assert.ok(ids.includes("secret:sentry-database-password"));
    });

    it("judges command outputs: found, missing, and the tool's error", () => {
        assert.deepEqual(exists("secret s")(ok("projects/1/secrets/s\n")), { ok: true });
        assert.deepEqual(
            exists("secret s")(failed("ERROR: (gcloud.secrets.describe) NOT_FOUND: Secret [s] not found\n")),
            {
                ok: false,
                missing:
                    "secret s not found (ERROR: (gcloud.secrets.describe) NOT_FOUND: Secret [s] not found)",
            },
        );
        assert.deepEqual(judgeApis(ok(REQUIRED_APIS.join("\n"))), { ok: true });
        assert.deepEqual(judgeApis(ok("composer.googleapis.com\nstorage.googleapis.com\n")), {
            ok: false,
            missing:
                "APIs not enabled: artifactregistry.googleapis.com, container.googleapis.com, iam.googleapis.com, iamcredentials.googleapis.com, secretmanager.googleapis.com, sts.googleapis.com",
        });
        const policy = JSON.stringify({
            bindings: [
                {
                    role: "roles/composer.worker",
                    members: ["serviceAccount:composer@p.iam.gserviceaccount.com"],
                },
            ],
        });
        const judge = hasBinding(
            "roles/composer.worker",
            "serviceAccount:composer@p.iam.gserviceaccount.com",
        );
        assert.deepEqual(judge(ok(policy)), { ok: true });
        assert.deepEqual(judge(ok("{}")), {
            ok: false,
            missing: "serviceAccount:composer@p.iam.gserviceaccount.com lacks roles/composer.worker",
        });
        assert.deepEqual(judge(ok("not json")), { ok: false, missing: "the IAM policy is not JSON" });
        const names = listsNames(["DATA_INFRA_APP_ID"]);
        assert.deepEqual(names(ok("DATA_INFRA_APP_ID\t123\t2026-11-30\nOTHER\tx\n")), { ok: true });
        assert.deepEqual(names(ok("OTHER\tx\n")), { ok: false, missing: "missing: DATA_INFRA_APP_ID" });
    });
});
