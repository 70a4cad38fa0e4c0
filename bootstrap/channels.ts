import { parseStackConfig } from "../config";
import { Problems } from "../config/problems";
import { listStacks, readEngineConfig } from "../runtime/stack-files";

/** A channel stack of the main project, as the bootstrap project serves it. */
export interface ServedChannel {
    /** Stack name, e.g. `test`. */
    readonly name: string;
    /** Its region (`data-infra:gcp.region`): Composer's bucket names start with it. */
    readonly region: string;
}

/** The channels deploying into `project`, and the one GitHub repository (`owner/name`) they all govern. */
export interface ServedChannels {
    readonly repository: string;
    readonly channels: readonly ServedChannel[];
}

/**
 * Reads the main project's stack files (`Pulumi.<stack>.yaml` in `projectDir`) and returns the channels whose
 * `data-infra:gcp.project` is `project`, so the bootstrap never repeats the channel list by hand.
 */
export function channelsInProject(projectDir: string, project: string): ServedChannels {
    const problems = new Problems();
    const channels: ServedChannel[] = [];
    const repositories = new Set<string>();
    for (const stack of listStacks(projectDir)) {
        const engine = readEngineConfig(projectDir, stack);
        const cfg = parseStackConfig(stack, engine.config, engine.secretKeys);
        if (cfg.gcp.project !== project) continue;
        channels.push({ name: stack, region: cfg.gcp.region });
        repositories.add(`${cfg.github.owner}/${cfg.github.repository}`);
    }
    if (channels.length === 0) {
        problems.add(
            "data-infra-bootstrap:project",
            "no channel stack (Pulumi.<stack>.yaml) deploys into it",
            project,
        );
    }
    if (repositories.size > 1) {
        problems.add("data-infra:github", "the channels of one project must govern the same repository", [
            ...repositories,
        ]);
    }
    problems.throwIfAny(`channels of project ${project}`);
    return { repository: [...repositories][0], channels };
}
