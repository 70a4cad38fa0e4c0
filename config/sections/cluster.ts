import type { ConfigSection } from "../section";
import { keyPath } from "../section";
import type { ClusterConfig } from "../../components/platform/providers";

export const clusterSection: ConfigSection<ClusterConfig> = {
    description:
        "Kubernetes cluster for releases: {name, location[, project]} of a GKE cluster, or {kubeconfig[, context]}.",
    required: true,
    schema: {
        type: "object",
        additionalProperties: false,
        properties: {
            name: { type: "string", minLength: 1 },
            location: { type: "string", minLength: 1 },
            project: { type: "string", minLength: 1 },
            kubeconfig: { type: "string", minLength: 1 },
            context: { type: "string", minLength: 1 },
        },
    },
    resolve(value, _ctx, problems) {
        const v = value as Record<string, string>;
        const gke = v.name !== undefined || v.location !== undefined || v.project !== undefined;
        const explicit = v.kubeconfig !== undefined || v.context !== undefined;
        if (gke && explicit) {
            problems.add(
                keyPath("cluster"),
                "give either {name, location} or {kubeconfig}, not both",
                Object.keys(v),
            );
        } else if (explicit) {
            if (v.kubeconfig === undefined)
                problems.add(keyPath("cluster", "kubeconfig"), "required with context");
            return { kind: "kubeconfig", kubeconfig: v.kubeconfig, context: v.context };
        } else {
            if (v.name === undefined)
                problems.add(keyPath("cluster", "name"), "required: the GKE cluster name");
            if (v.location === undefined)
                problems.add(keyPath("cluster", "location"), "required: the GKE cluster region or zone");
        }
        return { kind: "gke", name: v.name, location: v.location, project: v.project };
    },
};
