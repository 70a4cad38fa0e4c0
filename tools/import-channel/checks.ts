/**
 * What `import-channel` cannot carry over by itself, said before anyone deploys: charts and values files the legacy
 * channel named that are not in this repository, and a legacy channel other than the target stack. Dropped comments
 * are reported by `convertChannel`, which knows the entry each one belonged to.
 */
export interface ImportCheckInput {
    /** `calitp.channel` of the legacy file. */
    readonly legacyChannel?: string;
    /** `--stack`, when writing into a stack file. */
    readonly stack?: string;
    /** The converted `data-infra:releases` entries. */
    readonly releases: readonly Record<string, unknown>[];
    /** Whether a repository-relative path exists in this repository. */
    readonly exists: (path: string) => boolean;
}

/** One warning per problem, `<where>: <what>`, in release order. */
export function importWarnings(input: ImportCheckInput): string[] {
    const out: string[] = [];
    if (input.stack && input.legacyChannel && input.legacyChannel !== input.stack)
        out.push(
            `calitp.channel: the legacy channel is "${input.legacyChannel}" but --stack is "${input.stack}"; ` +
                `its values files and secrets are ${input.legacyChannel}'s (got ${input.legacyChannel})`,
        );
    input.releases.forEach((r, i) => {
        const where = `calitp.releases[${i}] (${String(r.name)})`;
        const chart = r.chart;
        if (typeof chart === "string" && r.repo === undefined && !input.exists(chart))
            out.push(
                `${where}.helm_chart: chart ${chart} is not in this repository (hologit vendored it); ` +
                    `vendor it under charts/, or for a third-party chart set chart: <name>, repo: <helm repository URL>, version: <exact version>`,
            );
        for (const f of Array.isArray(r.valuesFiles) ? (r.valuesFiles as unknown[]) : [])
            if (typeof f === "string" && !input.exists(f))
                out.push(
                    `${where}.helm_values: values file ${f} is not in this repository; copy it (kubernetes/values/)`,
                );
        if (typeof r.kustomizeDir === "string" && !input.exists(r.kustomizeDir))
            out.push(
                `${where}.kustomize_dir: ${r.kustomizeDir} is not in this repository; copy the overlay and its bases`,
            );
    });
    return out;
}
