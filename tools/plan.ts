/**
 * The offline plan: runs the real program under the Pulumi SDK's mock runtime with a stack's config and prints
 * every resource it declares. No Pulumi CLI, credentials or network needed.
 */
import * as path from "node:path";
import { parseArgs } from "node:util";
import { listStacks } from "../runtime/stack-files";
import type { PlanDocument } from "./plan/document";
import { planStack } from "./plan/plan-stack";
import { renderText } from "./plan/render-text";
import { stableStringify } from "./plan/stable-json";

const REPO_ROOT = path.resolve(__dirname, "..");

const HELP = `Usage: npm run plan -- [options]

Plans stacks offline: runs the real program under the Pulumi SDK's mock runtime with each stack's
Pulumi.<stack>.yaml and prints the desired state (not a diff against the cloud). Values only the cloud
knows print as (computed); secrets as [secret].

Options:
  --stack <name>       Plan this stack (repeatable). Default: every Pulumi.<stack>.yaml of the project.
  --format <fmt>       text (default): a tree of components and resources with key inputs;
                       json: one document per stack {project, stack, resources:[{urn, type, name,
                       parent, inputs, options}], outputs}, keys sorted (an array when several stacks).
  --project <dir>      Project directory (with Pulumi.yaml and index.ts), relative to the repository.
                       Default: the repository root (data-infra). Use "bootstrap" for the bootstrap project.
  --verbose            Show stack traces on failure.
  -h, --help           Show this help.

Environment:
  DATA_INFRA_PLAN_KEY  Hex key for secret fingerprints: with it, each resource in the JSON carries
                       "secrets": {"<input path>": "<keyed HMAC>"} (never a value).

Exit codes: 0 planned; 1 the program or its config is invalid (the message lists every problem);
2 bad command-line usage.

Examples:
  npm run plan                                   # every channel, text
  npm run plan -- --stack test --format json     # the test channel as JSON
  npm run plan -- --project bootstrap --stack admin`;

/** An error in how the tool was called. */
class UsageError extends Error {}

async function main(argv: string[]): Promise<number> {
    let args;
    try {
        args = parseArgs({
            args: argv,
            options: {
                stack: { type: "string", multiple: true },
                format: { type: "string", default: "text" },
                project: { type: "string", default: "." },
                verbose: { type: "boolean", default: false },
                help: { type: "boolean", short: "h", default: false },
            },
            strict: true,
            allowPositionals: false,
        }).values;
    } catch (e) {
        throw new UsageError((e as Error).message);
    }
    if (args.help) {
        console.log(HELP);
        return 0;
    }
    if (!["text", "json"].includes(args.format!))
        throw new UsageError(`--format must be text or json (got ${args.format})`);
    const projectDir = path.resolve(REPO_ROOT, args.project!);
    const stacks = args.stack ?? listStacks(projectDir);
    if (stacks.length === 0) throw new UsageError(`no Pulumi.<stack>.yaml in ${projectDir}`);

    const fingerprintKey = process.env.DATA_INFRA_PLAN_KEY
        ? Buffer.from(process.env.DATA_INFRA_PLAN_KEY, "hex")
        : undefined;
    const docs: PlanDocument[] = [];
    for (const stack of stacks) {
        try {
            docs.push(await planStack({ projectDir, stack, fingerprintKey }));
        } catch (e) {
            console.error(`plan failed for stack "${stack}":\n${(e as Error).message}`);
            if (args.verbose) console.error((e as Error).stack);
            return 1;
        }
    }
    if (args.format === "json") {
        console.log(stableStringify(docs.length === 1 && args.stack ? docs[0] : docs));
    } else {
        console.log(docs.map((d) => renderText(d)).join("\n\n"));
    }
    return 0;
}

main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e) => {
        if (e instanceof UsageError) {
            console.error(`${e.message}\nRun "npm run plan -- --help" for usage.`);
            process.exit(2);
        }
        console.error(e instanceof Error ? (process.argv.includes("--verbose") ? e.stack : e.message) : e);
        process.exit(1);
    },
);
