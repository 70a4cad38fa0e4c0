/**
 * `npx tsx tools/promote.ts pin <channel> <tested.json> <commit>`: writes the images an upstream deploy recorded
 * (`tested.json`, its {@link TestedRecord}) into `Pulumi.<channel>.yaml` as `data-infra:images.digests`, changing
 * nothing else. Run by the promote workflow's check job on the tested commit; refuses a record of another commit.
 */
import * as fs from "node:fs";
import { formatProblem, Problems } from "../lib/problems";
import { parseTestedRecord, pinDigests, stackFile } from "./deploy-guard/promotion";

function main(argv: readonly string[]): number {
    if (argv.length !== 4 || argv[0] !== "pin") {
        console.error("usage: tsx tools/promote.ts pin <channel> <tested.json> <commit>");
        return 2;
    }
    const [, channel, recordFile, commit] = argv;
    const problems = new Problems();
    const record = parseTestedRecord(fs.readFileSync(recordFile, "utf8"), recordFile, problems);
    if (record && record.commit !== commit)
        problems.add(`${recordFile}: commit`, `is not the checked-out ${commit}`, record.commit);
    if (!problems.empty || !record) {
        console.error(problems.list.map(formatProblem).join("\n"));
        return 1;
    }
    const file = stackFile(channel);
    fs.writeFileSync(file, pinDigests(fs.readFileSync(file, "utf8"), record.images));
    console.log(
        `pinned ${Object.keys(record.images).length} image digests from ${record.channel}@${commit} in ${file}`,
    );
    return 0;
}

process.exitCode = main(process.argv.slice(2));
