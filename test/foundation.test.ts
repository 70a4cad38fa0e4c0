import { strict as assert } from "node:assert";
import { plan } from "./harness";

describe("composition root", () => {
    it("builds explicit gcp and kubernetes providers from the stack config, and nothing of GitHub's", async () => {
        // GIVEN the shipped test stack WHEN it is planned
        const run = await plan("test");
        // THEN each provider is a child of the stack with the channel's settings
        const stackUrn = "urn:pulumi:test::data-infra::pulumi:pulumi:Stack::data-infra-test";
        const gcp = run.recorder.get("pulumi:providers:gcp", "gcp");
        assert.equal(gcp.parent, stackUrn);
        assert.equal(gcp.inputs.project, "transit-data-test");
        assert.equal(gcp.inputs.region, "us-west2");
        assert.deepEqual(JSON.parse(gcp.inputs.defaultLabels as string), {
            channel: "test",
            "managed-by": "pulumi",
            "pulumi-project": "data-infra",
        });
        // Governance lives in the governance project (governance/): a channel's deploy cannot change it.
        assert.deepEqual(
            run.recorder.resources.filter(
                (r) => r.type.startsWith("github:") || r.type === "pulumi:providers:github",
            ),
            [],
        );
        assert.deepEqual(run.outputs.githubProtectedBranches, ["releases/test"]);
        assert.equal(run.recorder.get("pulumi:providers:kubernetes", "k8s").parent, stackUrn);
        assert.deepEqual(
            run.recorder.invokes.find((i) => i.token.startsWith("gcp:container/")),
            {
                token: "gcp:container/getCluster:getCluster",
                inputs: { location: "us-west2", name: "data-infra-apps-test", project: "transit-data-test" },
            },
        );
    });
});
