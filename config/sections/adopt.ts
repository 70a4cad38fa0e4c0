import type { ConfigSection } from "../section";

const DNS_LABEL = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$";
const DNS_SUBDOMAIN = "^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$";

/**
 * Live objects the first `up` of this stack takes over instead of creating (the `import` resource option, so it
 * works on a fresh stack). Each entry names an object this stack declares anyway; once the object is in the stack's
 * state the option does nothing, so entries may stay.
 */
export interface AdoptConfig {
    /** Namespaces (by name) that already exist in the cluster. */
    readonly namespaces: readonly string[];
    /** Kubernetes Secrets that already exist, as `<namespace>/<name>`. */
    readonly secrets: readonly string[];
    /** Helm releases (by `data-infra:releases` name) that are already installed (`helm ls`). */
    readonly releases: readonly string[];
    /** Whether the Composer environment `data-infra:composer.name` (and so its bucket) already exists. */
    readonly composer: boolean;
}

export const adoptSection: ConfigSection<AdoptConfig> = {
    description:
        "Live objects the first up takes over instead of creating: {namespaces: [name], secrets: [namespace/name], releases: [release name], composer: true|false}.",
    required: false,
    schema: {
        type: "object",
        additionalProperties: false,
        properties: {
            namespaces: {
                type: "array",
                uniqueItems: true,
                items: { type: "string", pattern: DNS_LABEL, description: "a namespace name" },
                default: [],
            },
            secrets: {
                type: "array",
                uniqueItems: true,
                items: {
                    type: "string",
                    pattern: `${DNS_LABEL.slice(0, -1)}/${DNS_SUBDOMAIN.slice(1)}`,
                    description: "<namespace>/<Secret name>",
                },
                default: [],
            },
            releases: {
                type: "array",
                uniqueItems: true,
                items: { type: "string", description: "a release name of data-infra:releases" },
                default: [],
            },
            composer: { type: "boolean", default: false },
        },
    },
    resolve: (value) =>
        (value as AdoptConfig | undefined) ?? { namespaces: [], secrets: [], releases: [], composer: false },
};
