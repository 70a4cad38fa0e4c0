/**
 * `npx tsx tools/notify.ts <events.jsonl>`: the deploy job's last step. Writes the deploy notification to the job
 * summary and, when the environment secret `DEPLOY_WEBHOOK_URL` is set, posts `{"text": …}` to it (Slack and
 * Google Chat incoming webhooks). Env: JOB_STATUS, CHANNEL, COMMIT, RUN_URL, ENVIRONMENT_URL (optional). Never
 * fails the job (a notification is not the deploy) and never prints the webhook URL.
 */
import * as fs from "node:fs";
import { deployMessage, parseEventLog } from "./notify/message";

async function main(argv: readonly string[]): Promise<number> {
    const env = process.env;
    const events = argv[0] && fs.existsSync(argv[0]) ? parseEventLog(fs.readFileSync(argv[0], "utf8")) : [];
    const text = deployMessage({
        channel: env.CHANNEL ?? "?",
        status: env.JOB_STATUS ?? "unknown",
        commit: env.COMMIT ?? "",
        runUrl: env.RUN_URL ?? "",
        environmentUrl: env.ENVIRONMENT_URL || undefined,
        events,
    });
    console.log(text);
    if (env.GITHUB_STEP_SUMMARY) fs.appendFileSync(env.GITHUB_STEP_SUMMARY, `${text}\n`);
    const url = env.DEPLOY_WEBHOOK_URL;
    if (!url) return 0;
    try {
        const res = await fetch(url, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ text }),
            signal: AbortSignal.timeout(10_000),
        });
        if (!res.ok) console.log(`::warning::the deploy webhook answered HTTP ${res.status}`);
    } catch (e) {
        console.log(`::warning::the deploy webhook could not be reached (${(e as Error).name})`);
    }
    return 0;
}

main(process.argv.slice(2)).then((code) => (process.exitCode = code));
