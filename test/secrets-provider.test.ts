import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { withCiConfig } from "../bootstrap/write-config";
import { listStacks, secretsProviderProblem } from "../runtime/stack-files";
import { planStack } from "../tools/plan/document/plan-stack";
import { REPO_ROOT } from "./harness";

const CI = {
    workloadIdentityProvider: "projects/1/locations/global/workloadIdentityPools/p/providers/github",
    deployServiceAccount: "deploy-test@p.iam.gserviceaccount.com",
    previewServiceAccount: "preview-test@p.iam.gserviceaccount.com",
    backendUrl: "gs://p-pulumi-state",
};
const KMS =
    "gcpkms://projects/transit-data-prod/locations/us-west2/keyRings/pulumi/cryptoKeys/pulumi-secrets-test";

describe("secrets provider of the stacks a workflow deploys", () => {
    let dir: string;
    beforeEach(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "secrets-provider-"));
        fs.copyFileSync(path.join(REPO_ROOT, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
    const stackFile = (text: string) => fs.writeFileSync(path.join(dir, "Pulumi.test.yaml"), text);

    it("is a KMS key in every shipped channel", () => {
        for (const stack of listStacks(REPO_ROOT))
            assert.equal(secretsProviderProblem(REPO_ROOT, stack), undefined);
    });

    it("fails the plan, naming the stack file, when a deployed stack has none", async () => {
        stackFile(
            fs
                .readFileSync(path.join(REPO_ROOT, "Pulumi.test.yaml"), "utf8")
                .replace(/^secretsprovider:.*\n/m, ""),
        );
        const file = path.join(dir, "Pulumi.test.yaml");
        assert.match(
            secretsProviderProblem(dir, "test")!,
            /falls back to a passphrase, which CI does not have/,
        );
        await assert.rejects(
            planStack({ projectDir: dir, stack: "test", deployedByWorkflows: true }),
            (e: Error) => e.message.startsWith(`${file}: no secrets provider (got none)`),
        );
    });

    it("accepts passphrase use declared on purpose", () => {
        stackFile("secretsprovider: passphrase\nconfig: {}\n");
        assert.equal(secretsProviderProblem(dir, "test"), undefined);
        stackFile("encryptionsalt: v1:abc\nconfig: {}\n");
        assert.equal(secretsProviderProblem(dir, "test"), undefined);
        stackFile("secretsprovider: default\nconfig: {}\n");
        assert.match(secretsProviderProblem(dir, "test")!, /got "default"/);
    });

    it("is written by the bootstrap's write-config, and never swapped silently", () => {
        const text = withCiConfig("config:\n    data-infra:gcp: {}\n", {}, CI, KMS);
        assert.match(text, new RegExp(`^secretsprovider: ${KMS}$`, "m"));
        assert.equal(withCiConfig(text, {}, CI, KMS), text);
        assert.throws(
            () => withCiConfig(text, {}, CI, KMS.replace("-test", "-prod")),
            /change-secrets-provider/,
        );
    });
});
