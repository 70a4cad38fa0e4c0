import type { ConfigSection } from "../section";

/** The GitHub repository whose settings and workflows this channel owns. */
export interface GithubConfig {
    /** Organisation or user that owns the repository; the github provider's `owner`. */
    readonly owner: string;
    /** Repository name (without owner). */
    readonly repository: string;
}

export const githubSection: ConfigSection<GithubConfig> = {
    description: "GitHub repository this channel governs: {owner, repository}.",
    required: true,
    schema: {
        type: "object",
        additionalProperties: false,
        required: ["owner", "repository"],
        properties: {
            owner: { type: "string", pattern: "^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$" },
            repository: { type: "string", pattern: "^[A-Za-z0-9._-]{1,100}$" },
        },
    },
    resolve: (value) => value as GithubConfig,
};
