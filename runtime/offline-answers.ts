/**
 * What the offline plan answers for values only the cloud knows. Every provider function (invoke) the program
 * calls needs an answer here, or the plan fails naming it: an invoke that silently returned nothing would plan
 * a different program than the one `pulumi up` runs. Cloud-only values are answered as unknown, so they print
 * as `(computed)` and applies over them do not run, exactly as in `pulumi preview` before a create.
 */
import { UNKNOWN } from "./wire";

export type InvokeAnswer = (inputs: Record<string, unknown>) => Record<string, unknown>;
/** Outputs a resource type computes in the cloud, merged over its inputs in the mock state. */
export type ComputedOutputs = Record<string, (inputs: Record<string, unknown>) => Record<string, unknown>>;

export const offlineInvokeAnswers: Record<string, InvokeAnswer> = {
    // The GKE cluster behind the kubernetes provider: endpoint and CA certificate are read from the cloud.
    "gcp:container/getCluster:getCluster": (inputs) => ({
        name: inputs.name,
        location: inputs.location,
        project: inputs.project ?? UNKNOWN,
        endpoint: UNKNOWN,
        masterAuths: UNKNOWN,
    }),
    "gcp:organizations/getProject:getProject": (inputs) => ({
        projectId: inputs.projectId ?? UNKNOWN,
        number: UNKNOWN,
        name: UNKNOWN,
    }),
    // Secret Manager payloads of Kubernetes Secrets: never read offline.
    "gcp:secretmanager/getSecretVersion:getSecretVersion": (inputs) => ({
        secret: inputs.secret,
        version: inputs.version ?? UNKNOWN,
        project: inputs.project ?? UNKNOWN,
        name: UNKNOWN,
        secretData: UNKNOWN,
        enabled: UNKNOWN,
        createTime: UNKNOWN,
        destroyTime: UNKNOWN,
        id: UNKNOWN,
    }),
    // The access token image pushes authenticate with.
    "gcp:organizations/getClientConfig:getClientConfig": () => ({
        accessToken: UNKNOWN,
        project: UNKNOWN,
        region: UNKNOWN,
        zone: UNKNOWN,
        id: UNKNOWN,
    }),
};

export const offlineComputedOutputs: ComputedOutputs = {
    // Composer picks the bucket, GKE cluster and web UI host when it creates the environment; the DAG sync's bucket
    // comes from dagGcsPrefix, so it is (computed) until the environment exists.
    "gcp:composer/environment:Environment": (inputs) => ({
        config: {
            ...(inputs.config as Record<string, unknown> | undefined),
            airflowUri: UNKNOWN,
            dagGcsPrefix: UNKNOWN,
            gkeCluster: UNKNOWN,
        },
    }),
    // The digest exists only after the push.
    "docker:index/image:Image": () => ({ repoDigest: UNKNOWN }),
    // Another stack's outputs live in the backend, which the offline plan does not read.
    "pulumi:pulumi:StackReference": () => ({ outputs: UNKNOWN, secretOutputNames: UNKNOWN }),
};
