import { strict as assert } from "node:assert";
import { parse } from "yaml";
import { renderGkeKubeconfig } from "../components/platform/kubeconfig";
import { isSecret, secretValue } from "../runtime/wire";
import { plan } from "./harness";

describe("providers", () => {
    it("renders a GKE kubeconfig that holds no credentials", () => {
        const doc = parse(
            renderGkeKubeconfig({
                contextName: "gke_p_us-west2_apps",
                endpoint: "10.0.0.1",
                caCertificate: "Q0E=",
            }),
        );
        assert.deepEqual(doc.clusters, [
            {
                name: "gke_p_us-west2_apps",
                cluster: { server: "https://10.0.0.1", "certificate-authority-data": "Q0E=" },
            },
        ]);
        assert.equal(doc["current-context"], "gke_p_us-west2_apps");
        assert.equal(doc.users[0].user.exec.command, "gke-gcloud-auth-plugin");
        assert.equal(doc.users[0].user.token, undefined);
    });

    it("reads the GKE cluster named in config and keeps the kubeconfig secret", async () => {
        const run = await plan("prod");
        assert.deepEqual(
            run.recorder.invokes.filter((i) => i.token.startsWith("gcp:container/")),
            [
                {
                    token: "gcp:container/getCluster:getCluster",
                    inputs: { location: "us-west2", name: "data-infra-apps", project: "transit-data-prod" },
                },
            ],
        );
        const k8s = run.recorder.get("pulumi:providers:kubernetes", "k8s");
        assert.ok(isSecret(k8s.inputs.kubeconfig), "kubeconfig is a secret");
        assert.equal(k8s.inputs.enableServerSideApply, "true");
    });

    it("uses an explicit kubeconfig and context instead of GKE when configured", async () => {
        const run = await plan("test", {
            cluster: { kubeconfig: "/home/me/.kube/config", context: "kind-data" },
        });
        assert.deepEqual(
            run.recorder.invokes.filter((i) => i.token.startsWith("gcp:container/")),
            [],
        );
        const k8s = run.recorder.get("pulumi:providers:kubernetes", "k8s");
        assert.equal(secretValue(k8s.inputs.kubeconfig), "/home/me/.kube/config");
        assert.equal(k8s.inputs.context, "kind-data");
    });
});
