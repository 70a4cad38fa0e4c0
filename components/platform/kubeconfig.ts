import { stringify } from "yaml";

/** What a kubeconfig for one GKE cluster needs; endpoint and CA come from the cluster itself. */
export interface GkeKubeconfigArgs {
    /** Context and cluster name in the file, e.g. `gke_<project>_<location>_<name>` (what gcloud writes). */
    readonly contextName: string;
    /** Cluster API endpoint (IP or host, without scheme). */
    readonly endpoint: string;
    /** Base64 PEM of the cluster CA (`masterAuth.clusterCaCertificate`). */
    readonly caCertificate: string;
}

/**
 * A kubeconfig that authenticates with `gke-gcloud-auth-plugin`, so the file holds no credentials: the plugin asks
 * for a short-lived token from whatever Google credentials the runner has (workload identity in CI).
 */
export function renderGkeKubeconfig(args: GkeKubeconfigArgs): string {
    const name = args.contextName;
    return stringify({
        apiVersion: "v1",
        kind: "Config",
        clusters: [
            {
                name,
                cluster: {
                    server: `https://${args.endpoint}`,
                    "certificate-authority-data": args.caCertificate,
                },
            },
        ],
        contexts: [{ name, context: { cluster: name, user: name } }],
        "current-context": name,
        users: [
            {
                name,
                user: {
                    exec: {
                        apiVersion: "client.authentication.k8s.io/v1beta1",
                        command: "gke-gcloud-auth-plugin",
                        installHint:
                            "Install gke-gcloud-auth-plugin: gcloud components install gke-gcloud-auth-plugin",
                        provideClusterInfo: true,
                        interactiveMode: "Never",
                    },
                },
            },
        ],
        preferences: {},
    });
}
