import type { ConfigSection } from "../section";

/** Where the channel lives in Google Cloud. */
export interface GcpConfig {
    /** Project id that holds the Composer environment, buckets and secrets. */
    readonly project: string;
    /** Default region for regional resources (Composer, Artifact Registry). */
    readonly region: string;
}

export const gcpSection: ConfigSection<GcpConfig> = {
    description: "Google Cloud project and default region of this channel: {project, region}.",
    required: true,
    schema: {
        type: "object",
        additionalProperties: false,
        required: ["project", "region"],
        properties: {
            // Project ids: 6-30 chars, lowercase letters, digits, hyphens, starting with a letter.
            project: {
                type: "string",
                pattern: "^[a-z][a-z0-9-]{4,28}[a-z0-9]$",
                description:
                    "a Google Cloud project id: 6-30 lowercase letters, digits or hyphens, starting with a letter",
            },
            region: {
                type: "string",
                pattern: "^[a-z]+-[a-z]+[0-9]$",
                description: "a Google Cloud region such as us-west2",
            },
        },
    },
    resolve: (value) => value as GcpConfig,
};
