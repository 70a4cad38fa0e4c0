/**
 * `npm run new-channel -- <name> --from <channel>`: writes a new release channel (stack file, channel-specific
 * values files, bootstrap entry, secrets provider, place in the promotion chain), re-renders the workflows and
 * prints what is left to do by hand.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import * as prettier from "prettier";
import { parse } from "yaml";
import { listStacks } from "../runtime/stack-files";
import { NewChannelError, newChannel } from "./channels/new-channel";
import { expectedWorkflows, staleWorkflows } from "./workflows";

const REPO_ROOT = path.resolve(__dirname, "..");

const HELP = `Usage: npm run new-channel -- <name> --from <channel> [options]

Writes Pulumi.<name>.yaml from Pulumi.<channel>.yaml with every value naming <channel> renamed (project,
cluster, Composer name, buckets, service accounts, values files: channel-specific files are copied under
their new names), the CI identity left for the bootstrap to write, the channel's place in the promotion
chain (images promoted by digest from the upstream channel), its secrets provider in the shared state
backend, and the bootstrap stack of its GCP project. Then re-renders .github/workflows and prints what is
left to do by hand. A value that still names another channel fails the plan.

Options:
  --from <channel>           The channel to copy (required).
  --promoted-from <c|main>   Where the new channel's releases come from. Default: the --from channel.
  --project <id>             GCP project of the new channel. Default: the source's project with the
                             channel renamed (transit-data-test → transit-data-staging).
  --dry-run                  Print the files instead of writing them.
  -h, --help                 Show this help.

Exit codes: 0 written; 1 the request is invalid (the channel exists, a bad name); 2 bad usage.

Examples:
  npm run new-channel -- staging --from test
  npm run new-channel -- staging --from test --promoted-from main --project transit-data-staging
  npm run new-channel -- staging --from test --dry-run`;

class UsageError extends Error {}

async function main(argv: string[], root = REPO_ROOT): Promise<number> {
    let parsed;
    try {
        parsed = parseArgs({
            args: argv,
            options: {
                from: { type: "string" },
                "promoted-from": { type: "string" },
                project: { type: "string" },
                "dry-run": { type: "boolean", default: false },
                help: { type: "boolean", short: "h", default: false },
            },
            strict: true,
            allowPositionals: true,
        });
    } catch (e) {
        throw new UsageError((e as Error).message);
    }
    const { values, positionals } = parsed;
    if (values.help) {
        console.log(HELP);
        return 0;
    }
    if (positionals.length !== 1)
        throw new UsageError(`give one channel name (got ${positionals.join(" ") || "none"})`);
    const stacks = listStacks(root);
    if (!values.from) throw new UsageError("--from <channel> is required");
    if (!stacks.includes(values.from))
        throw new UsageError(`no stack "${values.from}" (stacks: ${stacks.join(", ")})`);
    const name = positionals[0];
    const readText = (rel: string) => fs.readFileSync(path.join(root, rel), "utf8");
    const project = parse(readText("Pulumi.yaml")) as { config?: Record<string, { value?: object }> };
    const bootDir = path.join(root, "bootstrap");
    const result = newChannel({
        name,
        from: values.from,
        promotedFrom: values["promoted-from"] ?? values.from,
        project: values.project,
        sourceText: readText(`Pulumi.${values.from}.yaml`),
        projectGithub: (project.config?.github?.value ?? {}) as Record<string, unknown>,
        channels: Object.fromEntries(stacks.map((s) => [s, readText(`Pulumi.${s}.yaml`)])),
        bootstrapStacks: Object.fromEntries(
            listStacks(bootDir).map((s) => [s, readText(`bootstrap/Pulumi.${s}.yaml`)]),
        ),
        read: (rel) => {
            const abs = path.join(root, rel);
            if (!rel || path.isAbsolute(rel) || !abs.startsWith(root + path.sep) || !fs.existsSync(abs))
                return undefined;
            return fs.statSync(abs).isDirectory()
                ? { dir: fs.readdirSync(abs) }
                : { file: fs.readFileSync(abs, "utf8") };
        },
    });
    if (values["dry-run"]) {
        for (const f of result.files) console.log(`--- ${f.path}\n${f.text}`);
    } else {
        for (const f of result.files) {
            const target = path.join(root, f.path);
            fs.mkdirSync(path.dirname(target), { recursive: true });
            // In the repository's own format, so `npm test`'s format check passes without a hand edit.
            const options = await prettier.resolveConfig(target);
            const info = await prettier.getFileInfo(target);
            const text = info.inferredParser
                ? await prettier.format(f.text, { ...options, filepath: target })
                : f.text;
            fs.writeFileSync(target, text);
            console.log(`wrote ${f.path}`);
        }
        const expected = expectedWorkflows(root);
        const dir = path.join(root, ".github", "workflows");
        for (const file of staleWorkflows(expected, dir)) {
            if (file in expected) fs.writeFileSync(path.join(dir, file), expected[file]);
            else fs.rmSync(path.join(dir, file));
            console.log(`${file in expected ? "wrote" : "removed"} .github/workflows/${file}`);
        }
    }
    console.log(`\nLeft to do by hand for ${name}:`);
    result.todo.forEach((t, i) => console.log(`  ${i + 1}. ${t}`));
    console.log(`\nThen: npm run plan -- --stack ${name} && npm test`);
    return 0;
}

main(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (e: unknown) => {
        if (e instanceof UsageError) {
            console.error(`${e.message}\nRun "npm run new-channel -- --help" for usage.`);
            process.exitCode = 2;
        } else if (e instanceof NewChannelError) {
            console.error(`new-channel: ${e.problems.join("\n  ")}`);
            process.exitCode = 1;
        } else {
            console.error(e instanceof Error ? e.message : e);
            process.exitCode = 1;
        }
    },
);
