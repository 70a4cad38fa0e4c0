/**
 * `npx tsx tools/deploy-guard.ts <preview.json>`: exits 1 when `pulumi preview --json` (the file) replaces or deletes
 * a provider or a stateful resource, unless `DATA_INFRA_ALLOW_DESTROY=true` (the deploy workflow's `allow-destroy`
 * input). Run by the deploy job between the preview and `pulumi up`.
 *
 * `npx tsx tools/deploy-guard.ts promotion <channel> <upstream>`: exits 1 unless HEAD is a commit `<upstream>`
 * deployed successfully plus, at most, the promotion commit pinning those images in `Pulumi.<channel>.yaml`
 * (tools/deploy-guard/promotion.ts lists the rules). Run first by the deploy job of every promoted channel.
 */
import * as fs from "node:fs";
import { formatProblem } from "../lib/problems";
import {
    destructions,
    governanceRemovals,
    governanceReport,
    guardReport,
    type PreviewDigest,
} from "./deploy-guard/check";
import { promotionProblems } from "./deploy-guard/promotion";
import { gatherPromotionFacts, githubRecordSource } from "./deploy-guard/promotion-facts";

function promotionMain(argv: readonly string[]): number {
    const repo = process.env.GITHUB_REPOSITORY;
    if (argv.length !== 2 || !repo) {
        console.error(
            "usage: GITHUB_REPOSITORY=owner/name tsx tools/deploy-guard.ts promotion <channel> <upstream>",
        );
        return 2;
    }
    const [channel, upstream] = argv;
    const { facts, problems } = gatherPromotionFacts(
        process.cwd(),
        channel,
        upstream,
        githubRecordSource(repo, process.cwd()),
    );
    const found = [...problems.list.map(formatProblem), ...promotionProblems(facts)];
    if (found.length) {
        console.error(
            `deploy guard: ${channel} deploys only what ${upstream} ran:\n${found.map((l) => `  - ${l}`).join("\n")}`,
        );
        return 1;
    }
    console.log(
        `deploy guard: ${facts.deployedCommit} is ${upstream}'s tested ${facts.testedCommit} with its image digests pinned`,
    );
    return 0;
}

function main(argv: readonly string[]): number {
    if (argv[0] === "promotion") return promotionMain(argv.slice(1));
    if (argv.length !== 1 || argv[0] === "--help") {
        console.error(
            "usage: tsx tools/deploy-guard.ts <pulumi-preview.json>  (DATA_INFRA_ALLOW_DESTROY=true overrides)",
        );
        return 2;
    }
    let digest: PreviewDigest;
    try {
        digest = JSON.parse(fs.readFileSync(argv[0], "utf8")) as PreviewDigest;
    } catch (e) {
        console.error(
            `deploy guard: cannot read ${argv[0]} as pulumi preview --json output: ${(e as Error).message}`,
        );
        return 2;
    }
    const governance = governanceReport(governanceRemovals(digest));
    if (!governance.ok) {
        console.error(governance.lines.join("\n"));
        return 1;
    }
    const { ok, lines } = guardReport(destructions(digest), process.env.DATA_INFRA_ALLOW_DESTROY === "true");
    (ok ? console.log : console.error)(lines.join("\n"));
    return ok ? 0 : 1;
}

process.exitCode = main(process.argv.slice(2));
