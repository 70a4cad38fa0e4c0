/**
 * The health gate's two steps, against a live web server: `snapshot` (before a deploy: the active DAG ids) and
 * `check` (after it: wait until healthy, optionally soak, then read import errors and the DAGs).
 */
import {
    ApiError,
    getAll,
    getJson,
    type ClientOptions,
    type Dag,
    type HealthInfo,
    type ImportError,
} from "./api";
import { evaluate, unhealthyParts, type HealthVerdict } from "./evaluate";

/** Clock and sleep, injectable so the wait loop is testable without real minutes. */
export interface Clock {
    now(): number;
    sleep(ms: number): Promise<void>;
}

export const realClock: Clock = {
    now: () => Date.now(),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** The active DAG ids, sorted (what `snapshot` writes and `check --baseline` reads). */
export async function activeDagIds(client: ClientOptions): Promise<string[]> {
    const dags = await getAll<Dag>(client, "/dags?only_active=true", "dags");
    return [...new Set(dags.filter((d) => d.is_active !== false).map((d) => d.dag_id))].sort();
}

export interface CheckOptions {
    readonly client: ClientOptions;
    /** How long to wait for every component to be healthy, milliseconds. */
    readonly waitMs: number;
    /** Pause between health polls, milliseconds. */
    readonly pollMs: number;
    /** After healthy: wait this long before reading import errors, so the DAG processor re-parses the new files. */
    readonly soakMs: number;
    /** Active DAG ids before the deploy (from `snapshot`). */
    readonly baseline?: readonly string[];
    readonly clock?: Clock;
    /** Progress lines (the job log). */
    readonly log?: (line: string) => void;
}

/**
 * Waits for health, soaks, reads. Resolves to the verdict; rejects with {@link ApiError} when Airflow could not be
 * read at all (a timeout while it answers "unhealthy" is a verdict, not an error).
 */
export async function check(options: CheckOptions): Promise<HealthVerdict> {
    const clock = options.clock ?? realClock;
    const log = options.log ?? (() => undefined);
    const deadline = clock.now() + options.waitMs;
    let unhealthy: string[];
    for (;;) {
        let health: HealthInfo;
        try {
            health = (await getJson(options.client, "/health")) as HealthInfo;
        } catch (e) {
            // The web server restarts during an update: keep asking until the deadline, then report the last error.
            if (!(e instanceof ApiError) || e.permanent || clock.now() >= deadline) throw e;
            log(`waiting: ${e.message}`);
            await clock.sleep(options.pollMs);
            continue;
        }
        unhealthy = unhealthyParts(health ?? {});
        if (unhealthy.length === 0 || clock.now() >= deadline) break;
        log(`waiting: ${unhealthy.join(", ")}`);
        await clock.sleep(options.pollMs);
    }
    if (unhealthy.length === 0 && options.soakMs > 0) {
        log(`healthy; soaking ${Math.round(options.soakMs / 1000)} s before reading import errors`);
        await clock.sleep(options.soakMs);
    }
    const importErrors = await getAll<ImportError>(options.client, "/importErrors", "import_errors");
    const dags = await getAll<Dag>(options.client, "/dags?only_active=true", "dags");
    return evaluate({ unhealthy, importErrors, dags, baseline: options.baseline });
}
