/**
 * `npx tsx tools/image-build.ts <image> [--tag-only]`: builds one image of a build channel (`data-infra:images` with
 * `source: build`) locally, without pushing, tagged `data-infra-pr/<image>:<context tag>`: the same content tag
 * (`contextTag`) the deploy pushes, so a pull request shows which tag its change produces and a broken Dockerfile
 * fails there, not in the test deploy. Runs `docker buildx build` with an argument list (no shell), so build
 * arguments from the stack file reach docker verbatim. `--tag-only` prints the tag and builds nothing.
 */
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { contextTag } from "../components/images/images";
import { byCodeUnit } from "../lib/order";
import { readBuildImages, REPO_ROOT } from "./workflows";

function main(argv: readonly string[]): number {
    const [name, flag] = argv;
    if (!name || (flag !== undefined && flag !== "--tag-only")) {
        console.error("usage: tsx tools/image-build.ts <image> [--tag-only]");
        return 2;
    }
    const img = readBuildImages().find((i) => i.name === name);
    if (!img) {
        console.error(`no image ${name} in a build channel's data-infra:images`);
        return 2;
    }
    const context = path.join(REPO_ROOT, img.context);
    const tag = contextTag(context, img);
    if (flag === "--tag-only") {
        console.log(tag);
        return 0;
    }
    const args = ["buildx", "build", "--platform", "linux/amd64", "--tag", `data-infra-pr/${name}:${tag}`];
    args.push("--file", path.join(context, img.dockerfile));
    for (const [k, v] of Object.entries(img.buildArgs).sort(([a], [b]) => byCodeUnit(a, b)))
        args.push("--build-arg", `${k}=${v}`);
    if (img.target) args.push("--target", img.target);
    args.push(context);
    console.log(`building ${name} as data-infra-pr/${name}:${tag} (not pushed)`);
    const r = spawnSync("docker", args, { stdio: "inherit" });
    return r.status ?? 1;
}

process.exitCode = main(process.argv.slice(2));
