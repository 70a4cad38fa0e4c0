import { loadStackConfig } from "../config";
import { Problems } from "../lib/problems";
import { listStacks } from "../runtime/stack-files";
import { BOOTSTRAP_KEY } from "./state-backend";
import { GOVERNANCE_KEY } from "./identity-rules";
import type { RepositoryIds } from "./identity-rules";

/** A channel stack of the main project, as the bootstrap project sees it. */
export interface ChannelInfo {
    /** Stack name, e.g. `test`. */
    readonly name: string;
    /** Its GCP project (`data-infra:gcp.project`). */
    readonly project: string;
    /** Its region (`data-infra:gcp.region`): Composer's bucket names start with it. */
    readonly region: string;
    /** `main` or the channel it is promoted from, whose stack outputs it reads. */
    readonly promotedFrom: string;
    /**
     * Whether a pull request's head may be tried in it (`data-infra:github.tryPullRequests`): its deployer then
     * also trusts the dispatch of `try-in-<channel>.yml` (`TRY_CHANNEL_MAPPING` in identity-rules.ts).
     */
    readonly tryPullRequests?: boolean;
    /** The service account its Composer environment runs as (`data-infra:composer.serviceAccount`), if named. */
    readonly composerServiceAccount?: string;
    /** Whether it owns `main`'s protection (`data-infra:github.manageDefaultBranch`): its branch governs. */
    readonly managesDefaultBranch?: boolean;
}

/** Every channel of the main project and the one GitHub repository (`owner/name`) they govern. */
export interface ChannelList {
    readonly repository: string;
    /** That repository's immutable ids (`data-infra:github.repositoryId`, `ownerId`), which CI identity trusts. */
    readonly repositoryIds: RepositoryIds;
    readonly channels: readonly ChannelInfo[];
}

/**
 * Reads the main project's stack files (`Pulumi.<stack>.yaml` in `projectDir`), so the bootstrap never repeats the
 * channel list by hand.
 */
export function readChannelList(projectDir: string): ChannelList {
    const problems = new Problems();
    const channels: ChannelInfo[] = [];
    const repositories = new Set<string>();
    const ids = new Set<string>();
    for (const stack of listStacks(projectDir)) {
        const cfg = loadStackConfig(projectDir, stack);
        channels.push({
            name: stack,
            project: cfg.gcp.project,
            region: cfg.gcp.region,
            promotedFrom: cfg.github.promotedFrom,
            ...(cfg.github.tryPullRequests ? { tryPullRequests: true } : {}),
            ...(cfg.github.manageDefaultBranch ? { managesDefaultBranch: true } : {}),
            ...(cfg.composer.serviceAccount ? { composerServiceAccount: cfg.composer.serviceAccount } : {}),
        });
        repositories.add(`${cfg.github.owner}/${cfg.github.repository}`);
        ids.add(`${cfg.github.repositoryId ?? ""}/${cfg.github.ownerId ?? ""}`);
        if (cfg.github.repositoryId === undefined || cfg.github.ownerId === undefined) {
            problems.add(
                `data-infra:github (stack ${stack})`,
                "set repositoryId and ownerId: workload identity trusts the repository's ids, never its name",
            );
        }
    }
    if (channels.some((c) => c.name === BOOTSTRAP_KEY)) {
        problems.add(
            "stack bootstrap",
            `"${BOOTSTRAP_KEY}" names the bootstrap stacks' secrets key; rename the stack`,
        );
    }
    if (channels.some((c) => c.name === GOVERNANCE_KEY)) {
        problems.add(
            `stack ${GOVERNANCE_KEY}`,
            `"${GOVERNANCE_KEY}" names the governance stacks' secrets key; rename the stack`,
        );
    }
    if (repositories.size !== 1) {
        problems.add("data-infra:github", "every channel must govern the same one repository", [
            ...repositories,
        ]);
    }
    if (ids.size > 1) {
        problems.add("data-infra:github", "every channel must name the same repositoryId and ownerId", [
            ...ids,
        ]);
    }
    problems.throwIfAny("channel list");
    const [repositoryId, ownerId] = [...ids][0].split("/");
    return { repository: [...repositories][0], repositoryIds: { repositoryId, ownerId }, channels };
}

/** The channels deploying into `project`; fails when there are none. */
export function channelsInProject(list: ChannelList, project: string): ChannelInfo[] {
    const served = list.channels.filter((c) => c.project === project);
    if (served.length === 0) {
        const problems = new Problems();
        problems.add(
            "data-infra-bootstrap:project",
            "no channel stack (Pulumi.<stack>.yaml) deploys into it",
            project,
        );
        problems.throwIfAny(`channels of project ${project}`);
    }
    return served;
}
