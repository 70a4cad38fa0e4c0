/**
 * `npm run doctor -- --stack <s>`: what a channel assumes outside the program. Offline it prints the checklist;
 * with gcloud/gh credentials it runs each read-only check and says what is missing.
 */
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { parse } from "yaml";
import * as fs from "node:fs";
import { parseStackConfig } from "../config";
import { listStacks, readEngineConfig } from "../runtime/stack-files";
import { checklist, type CommandOutput, type StateBackend } from "./doctor/checklist";

const REPO_ROOT = path.resolve(__dirname, "..");

const HELP = `Usage: npm run doctor -- --stack <name> [--offline]

Lists everything outside the program that the channel's stack assumes: enabled APIs, the shared state
bucket and the channel's secrets key, the CI deployer and previewer and their workload identity pool,
the GKE cluster, Composer's service account and role, buckets named in Composer variables, the Secret
Manager secrets its releases read (in the channel's own project), registry access, deployer RBAC for
third-party charts, the GitHub App's variable, secret and permissions, and placeholders left in the
stack file. Each item names the read-only command that checks it and how to create it.

When gcloud (and gh) are logged in, each check runs and the tool says what is missing; otherwise, or
with --offline, it prints the checklist.

Options:
  --stack <name>   The channel (required).
  --offline        Print the checklist without running any command.
  -h, --help       Show this help.

Exit codes: 0 nothing missing (or checklist printed); 1 something is missing; 2 bad usage.

Examples:
  npm run doctor -- --stack test --offline
  npm run doctor -- --stack prod`;

class UsageError extends Error {}

function run(argv: readonly string[]): CommandOutput {
    const r = spawnSync(argv[0], argv.slice(1), { encoding: "utf8", timeout: 60_000 });
    return { code: r.status ?? 1, stdout: r.stdout ?? "", stderr: r.stderr ?? String(r.error ?? "") };
}

/** The state project and location, from the bootstrap stack that creates the backend. */
function stateBackend(): StateBackend | undefined {
    const dir = path.join(REPO_ROOT, "bootstrap");
    for (const s of listStacks(dir)) {
        const c =
            (
                parse(fs.readFileSync(path.join(dir, `Pulumi.${s}.yaml`), "utf8")) as {
                    config?: Record<string, string>;
                }
            ).config ?? {};
        const project = c["data-infra-bootstrap:project"];
        const sp = c["data-infra-bootstrap:stateProject"];
        if (project && (sp === undefined || sp === project))
            return { project, location: c["data-infra-bootstrap:location"] };
    }
    return undefined;
}

function main(argv: string[]): number {
    let values;
    try {
        values = parseArgs({
            args: argv,
            options: {
                stack: { type: "string" },
                offline: { type: "boolean", default: false },
                help: { type: "boolean", short: "h", default: false },
            },
            strict: true,
        }).values;
    } catch (e) {
        throw new UsageError((e as Error).message);
    }
    if (values.help) {
        console.log(HELP);
        return 0;
    }
    const stacks = listStacks(REPO_ROOT);
    if (!values.stack || !stacks.includes(values.stack))
        throw new UsageError(
            `--stack must be one of ${stacks.join(", ")} (got ${values.stack ?? "nothing"})`,
        );
    const engine = readEngineConfig(REPO_ROOT, values.stack);
    const cfg = parseStackConfig(values.stack, engine.config, engine.secretKeys);
    const items = checklist(cfg, stateBackend());
    const gcloud =
        !values.offline &&
        run(["gcloud", "auth", "list", "--filter=status:ACTIVE", "--format=value(account)"]);
    const gh = !values.offline && run(["gh", "auth", "status"]);
    const canGcloud = gcloud && gcloud.code === 0 && gcloud.stdout.trim() !== "";
    const canGh = gh && gh.code === 0;
    console.log(
        `Channel ${values.stack}: what the stack assumes outside the program` +
            (canGcloud || canGh ? "" : " (offline checklist: no gcloud/gh credentials found, or --offline)"),
    );
    let missing = 0;
    items.forEach((item, i) => {
        const tool = item.command?.[0];
        const runnable =
            item.command !== undefined &&
            item.judge !== undefined &&
            (item.command.length === 0 || (tool === "gcloud" ? canGcloud : tool === "gh" ? canGh : false));
        if (!runnable) {
            console.log(`\n${i + 1}. [ ] ${item.what}`);
            if (item.command?.length) console.log(`      check: ${item.command.join(" ")}`);
            console.log(`      create: ${item.fix}`);
            return;
        }
        const verdict = item.judge!(
            item.command!.length ? run(item.command!) : { code: 0, stdout: "", stderr: "" },
        );
        if (verdict.ok) {
            console.log(`\n${i + 1}. [ok] ${item.what}`);
        } else {
            missing++;
            console.log(
                `\n${i + 1}. [MISSING] ${item.what}\n      ${verdict.missing}\n      create: ${item.fix}`,
            );
        }
    });
    if (missing) console.log(`\n${missing} item(s) missing.`);
    return missing ? 1 : 0;
}

try {
    process.exitCode = main(process.argv.slice(2));
} catch (e) {
    if (e instanceof UsageError) {
        console.error(`${e.message}\nRun "npm run doctor -- --help" for usage.`);
        process.exitCode = 2;
    } else {
        console.error(e instanceof Error ? e.message : e);
        process.exitCode = 1;
    }
}
