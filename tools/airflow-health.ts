/**
 * The Airflow health gate (docs/airflow-health.md): reads a Composer environment's Airflow REST API before and after
 * a deploy and decides the `airflow-health (<channel>)` commit status that `releases/<next channel>` requires.
 *
 *   tsx tools/airflow-health.ts snapshot --url <airflowUri> --out before.json
 *   tsx tools/airflow-health.ts check --url <airflowUri> --channel test [--baseline before.json] [--wait 1200]
 *       [--soak 0] [--poll 30] [--request-timeout 30] [--status-out status.json]
 *
 * The access token comes from AIRFLOW_ACCESS_TOKEN (e.g. `gcloud auth print-access-token` of the deployer's
 * identity), never from an argument, and is never printed.
 * Exit codes: 0 passed (or snapshot written); 1 the gate failed; 2 bad usage; 3 Airflow could not be read.
 */
import * as fs from "node:fs";
import { parseArgs } from "node:util";
import { ApiError, type ClientOptions } from "./airflow-health/api";
import { commitStatus, passed, report } from "./airflow-health/evaluate";
import { activeDagIds, check } from "./airflow-health/run";

const USAGE = `usage:
  tsx tools/airflow-health.ts snapshot --url <airflowUri> --out <file>
  tsx tools/airflow-health.ts check --url <airflowUri> --channel <name> [--baseline <file>] [--wait <s>=1200]
      [--soak <s>=0] [--poll <s>=30] [--request-timeout <s>=30] [--status-out <file>]
AIRFLOW_ACCESS_TOKEN: the bearer token (never printed). Exit: 0 passed, 1 failed, 2 usage, 3 Airflow unreadable.`;

class UsageError extends Error {}

function seconds(name: string, value: string | undefined, fallback: number): number {
    if (value === undefined) return fallback * 1000;
    if (!/^\d+$/.test(value)) throw new UsageError(`--${name} takes whole seconds (got ${value})`);
    return Number(value) * 1000;
}

export async function main(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
    let parsed;
    try {
        parsed = parseArgs({
            args: [...argv],
            allowPositionals: true,
            options: {
                url: { type: "string" },
                out: { type: "string" },
                channel: { type: "string" },
                baseline: { type: "string" },
                wait: { type: "string" },
                soak: { type: "string" },
                poll: { type: "string" },
                "request-timeout": { type: "string" },
                "status-out": { type: "string" },
                help: { type: "boolean", short: "h" },
            },
        });
    } catch (e) {
        console.error(`${(e as Error).message}\n${USAGE}`);
        return 2;
    }
    const { values: o, positionals } = parsed;
    if (o.help) {
        console.log(USAGE);
        return 0;
    }
    try {
        const [command, ...extra] = positionals;
        if (command !== "snapshot" && command !== "check")
            throw new UsageError(`unknown command (got ${command})`);
        if (extra.length) throw new UsageError(`unexpected arguments (got ${extra.join(" ")})`);
        if (!o.url || !/^https?:\/\//.test(o.url))
            throw new UsageError(`--url must be an http(s) URL (got ${o.url})`);
        const client: ClientOptions = {
            baseUrl: o.url,
            token: env.AIRFLOW_ACCESS_TOKEN || undefined,
            requestTimeoutMs: seconds("request-timeout", o["request-timeout"], 30),
            attempts: 3,
            retryDelayMs: 2000,
        };
        if (command === "snapshot") {
            if (!o.out) throw new UsageError("snapshot needs --out <file>");
            const ids = await activeDagIds(client);
            fs.writeFileSync(o.out, JSON.stringify({ activeDags: ids }, null, 2) + "\n");
            console.log(`${ids.length} active DAGs written to ${o.out}`);
            return 0;
        }
        if (!o.channel || !/^[A-Za-z0-9_.-]+$/.test(o.channel))
            throw new UsageError(`check needs --channel <stack name> (got ${o.channel})`);
        let baseline: string[] | undefined;
        if (o.baseline) {
            const doc = JSON.parse(fs.readFileSync(o.baseline, "utf8")) as { activeDags?: unknown };
            if (!Array.isArray(doc.activeDags) || doc.activeDags.some((d) => typeof d !== "string"))
                throw new UsageError(`--baseline ${o.baseline}: not a snapshot file ({"activeDags": [ids]})`);
            baseline = doc.activeDags as string[];
        }
        const writeStatus = (status: object) => {
            if (o["status-out"]) fs.writeFileSync(o["status-out"], JSON.stringify(status, null, 2) + "\n");
        };
        try {
            const verdict = await check({
                client,
                waitMs: seconds("wait", o.wait, 1200),
                soakMs: seconds("soak", o.soak, 0),
                pollMs: seconds("poll", o.poll, 30),
                baseline,
                log: (line) => console.log(line),
            });
            const status = commitStatus(o.channel, verdict);
            writeStatus(status);
            (passed(verdict) ? console.log : console.error)(report(o.channel, verdict).join("\n"));
            return passed(verdict) ? 0 : 1;
        } catch (e) {
            if (!(e instanceof ApiError)) throw e;
            writeStatus(commitStatus(o.channel, { apiError: e.message }));
            console.error(`Airflow health (${o.channel}): could not read Airflow: ${e.message}`);
            return 3;
        }
    } catch (e) {
        if (e instanceof UsageError) {
            console.error(`${e.message}\n${USAGE}`);
            return 2;
        }
        console.error(`airflow-health: ${(e as Error).message}`);
        return 3;
    }
}

if (require.main === module) void main(process.argv.slice(2)).then((code) => (process.exitCode = code));
