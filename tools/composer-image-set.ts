/**
 * `npx tsx tools/composer-image-set.ts --image <imageVersion> --python 3.11 --source <text> <pip-list.json>`: stores
 * the packages preinstalled in a Composer image (the output of `python -m pip list --format=json` run in the image
 * or in the environment's worker) in the tool cache, where the review's PyPI preflight reads it with its source and
 * date. See docs/composer-and-dags.md, "PyPI preflight".
 */
import * as fs from "node:fs";
import { parseArgs } from "node:util";
import { imageSetCacheDir, imageSetFromPipList, writeImageSet } from "./plan/review/preflight/image-sets";

// Composer 2 and 3 images run on x86_64 Linux with glibc 2.31 or newer; pip accepts wheels for these tags.
const DEFAULT_PLATFORMS = [
    "manylinux_2_31_x86_64",
    "manylinux_2_28_x86_64",
    "manylinux_2_17_x86_64",
    "manylinux2014_x86_64",
];

function main(argv: string[]): number {
    const { values, positionals } = parseArgs({
        args: argv,
        allowPositionals: true,
        options: {
            image: { type: "string" },
            python: { type: "string" },
            source: { type: "string" },
            platform: { type: "string", multiple: true },
            "cache-dir": { type: "string" },
        },
    });
    if (!values.image || !values.python || !values.source || positionals.length !== 1) {
        console.error(
            "usage: npx tsx tools/composer-image-set.ts --image <imageVersion> --python <3.x> --source <where it was read> [--platform <tag>…] <pip-list.json>",
        );
        return 2;
    }
    const set = imageSetFromPipList(fs.readFileSync(positionals[0], "utf8"), {
        imageVersion: values.image,
        python: values.python,
        platforms: values.platform?.length ? values.platform : DEFAULT_PLATFORMS,
        source: values.source,
        readAt: new Date().toISOString(),
    });
    const file = writeImageSet(values["cache-dir"] ?? imageSetCacheDir(), set);
    console.log(`stored ${Object.keys(set.packages).length} packages of ${set.imageVersion} in ${file}`);
    return 0;
}

process.exitCode = main(process.argv.slice(2));
