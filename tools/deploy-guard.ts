/**
 * `npx tsx tools/deploy-guard.ts <preview.json>`: exits 1 when `pulumi preview --json` (the file) replaces or deletes
 * a provider or a stateful resource, unless `DATA_INFRA_ALLOW_DESTROY=true` (the deploy workflow's `allow-destroy`
 * input). Run by the deploy job between the preview and `pulumi up`.
 */
import * as fs from "node:fs";
import { destructions, guardReport, type PreviewDigest } from "./deploy-guard/check";

function main(argv: readonly string[]): number {
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
    const { ok, lines } = guardReport(destructions(digest), process.env.DATA_INFRA_ALLOW_DESTROY === "true");
    (ok ? console.log : console.error)(lines.join("\n"));
    return ok ? 0 : 1;
}

process.exitCode = main(process.argv.slice(2));
