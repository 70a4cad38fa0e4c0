/**
 * `npx tsx tools/drift.ts <channel> <preview.json> <preview exit code> <run url> <out dir>`: renders the channel's
 * drift issue (`<out dir>/body.md`, `title.txt`, `drifted` = true|false) from `pulumi preview --refresh
 * --expect-no-changes --json`. Exits 1 when the preview failed without planning a change (an error, not drift: the
 * issue is left as it is) and 2 when the file is not the CLI's JSON.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { driftReport, type DriftDigest } from "./drift/body";

function main(argv: readonly string[]): number {
    if (argv.length !== 5) {
        console.error(
            "usage: tsx tools/drift.ts <channel> <preview.json> <preview exit code> <run url> <out dir>",
        );
        return 2;
    }
    const [channel, file, code, runUrl, out] = argv;
    let digest: DriftDigest;
    try {
        digest = JSON.parse(fs.readFileSync(file, "utf8")) as DriftDigest;
    } catch (e) {
        console.error(`drift: cannot read ${file} as pulumi preview --json output: ${(e as Error).message}`);
        return 2;
    }
    const report = driftReport(channel, digest, runUrl);
    if (code !== "0" && !report.drifted) {
        console.error(
            `drift: the preview of ${channel} failed (exit ${code}) without planning a change: see its log`,
        );
        return 1;
    }
    fs.mkdirSync(out, { recursive: true });
    fs.writeFileSync(path.join(out, "body.md"), report.body);
    fs.writeFileSync(path.join(out, "title.txt"), report.title);
    fs.writeFileSync(path.join(out, "drifted"), String(report.drifted));
    console.log(`${channel}: ${report.drifted ? "drift" : "no drift"}`);
    return 0;
}

process.exitCode = main(process.argv.slice(2));
