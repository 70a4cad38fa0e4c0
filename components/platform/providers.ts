import * as pulumi from "@pulumi/pulumi";
import * as gcp from "@pulumi/gcp";
import * as k8s from "@pulumi/kubernetes";
import { renderGkeKubeconfig } from "./kubeconfig";

/** How the program reaches the GKE cluster that runs the channel's Helm and kustomize releases. */
export type ClusterConfig =
    /** A GKE cluster: the kubeconfig is built from its endpoint and CA, authenticated by `gke-gcloud-auth-plugin`. */
    | { readonly kind: "gke"; readonly name: string; readonly location: string; readonly project?: string }
    /** An explicit kubeconfig (file path or contents), e.g. for a local kind cluster. */
    | { readonly kind: "kubeconfig"; readonly kubeconfig: string; readonly context?: string };

/** What the providers are built from: the channel's name, GCP project and region and cluster. */
export interface ProvidersConfig {
    /** The stack (release channel) name; labels every GCP resource. */
    readonly stack: string;
    readonly gcp: { readonly project: string; readonly region: string };
    readonly cluster: ClusterConfig;
}

/**
 * The explicit providers every component receives; default providers are disabled for kubernetes and github. A
 * channel has no github provider: its GitHub settings belong to the governance project (governance/).
 */
export interface Providers {
    readonly gcp: gcp.Provider;
    readonly k8s: k8s.Provider;
}

/**
 * Builds the channel's providers from its config. Labels every GCP resource with the channel so cost reports and
 * `gcloud ... --filter labels.channel=prod` find them.
 */
export function createProviders(cfg: ProvidersConfig): Providers {
    const gcpProvider = new gcp.Provider("gcp", {
        project: cfg.gcp.project,
        region: cfg.gcp.region,
        defaultLabels: { channel: cfg.stack, "managed-by": "pulumi", "pulumi-project": "data-infra" },
    });

    let kubeconfig: pulumi.Input<string>;
    let context: string | undefined;
    let clusterIdentifier: string | undefined;
    if (cfg.cluster.kind === "gke") {
        const gke = cfg.cluster;
        const project = gke.project ?? cfg.gcp.project;
        clusterIdentifier = gkeClusterIdentifier(project, gke.location, gke.name);
        const cluster = gcp.container.getClusterOutput(
            { name: gke.name, location: gke.location, project },
            { provider: gcpProvider },
        );
        kubeconfig = pulumi.all([cluster.endpoint, cluster.masterAuths]).apply(([endpoint, auths]) =>
            renderGkeKubeconfig({
                contextName: clusterIdentifier!,
                endpoint,
                caCertificate: auths[0]?.clusterCaCertificate ?? "",
            }),
        );
    } else {
        kubeconfig = cfg.cluster.kubeconfig;
        context = cfg.cluster.context;
    }
    const k8sProvider = new k8s.Provider("k8s", {
        kubeconfig: pulumi.secret(kubeconfig),
        context,
        // The provider's identity: it is replaced (and with it every Namespace, Secret and Release, re-created on
        // the new cluster) exactly when this changes, never when only the kubeconfig does. Without it the engine
        // replaces the provider on any change of the active cluster's kubeconfig entry: a GKE credential (CA)
        // rotation or endpoint move (pulumi-kubernetes provider/pkg/provider/provider.go:486-501), and on every
        // preview where the kubeconfig is not known yet (:505-515). Known offline, so the review shows a change.
        clusterIdentifier,
        // Server-side apply lets Pulumi adopt objects that kubectl/helm applied before (the legacy system).
        enableServerSideApply: true,
    });

    return { gcp: gcpProvider, k8s: k8sProvider };
}

/**
 * The kubernetes provider's `clusterIdentifier` for a GKE cluster: what gcloud names its context,
 * `gke_<project>_<location>_<name>`. Only a different cluster changes it.
 */
export function gkeClusterIdentifier(project: string, location: string, name: string): string {
    return `gke_${project}_${location}_${name}`;
}
