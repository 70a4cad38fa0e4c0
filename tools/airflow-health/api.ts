/**
 * The part of Airflow's stable REST API (v1) the health gate reads, and a small client for it.
 *
 * Shapes are Airflow's own OpenAPI document, `airflow/api_connexion/openapi/v1.yaml` in the apache-airflow 2.10.5
 * wheel (the Airflow 2 line Composer 2 and 3 images run): `GET /health` → `HealthInfo` (line 3651; each member's
 * `status` is `HealthStatus`, line 5539: "healthy" | "unhealthy" | null), `GET /importErrors` →
 * `ImportErrorCollection` (line 3636; `ImportError`, line 3615), `GET /dags` → `DAGCollection` (line 3304; `DAG`,
 * line 3097), paged by `limit` (default 100, line 5559) and `offset`; `only_active` defaults to true (line 5935).
 *
 * Composer serves this API on the environment's web server (`config.airflowUri` + `/api/v1`) and accepts a Google
 * OAuth 2.0 access token of an identity with Composer access as `Authorization: Bearer` ("Access the Airflow REST
 * API", cloud.google.com/composer/docs/composer-2/access-airflow-api). The token is sent and never printed.
 */

/** `HealthStatus`: null when Airflow has not seen the component. */
export type HealthStatus = "healthy" | "unhealthy" | null;

/** `HealthInfo`; `triggerer` and `dag_processor` are absent on older Airflow 2 releases. */
export interface HealthInfo {
    readonly metadatabase?: { readonly status?: HealthStatus };
    readonly scheduler?: {
        readonly status?: HealthStatus;
        readonly latest_scheduler_heartbeat?: string | null;
    };
    readonly triggerer?: {
        readonly status?: HealthStatus;
        readonly latest_triggerer_heartbeat?: string | null;
    };
    readonly dag_processor?: {
        readonly status?: HealthStatus;
        readonly latest_dag_processor_heartbeat?: string | null;
    };
}

/** `ImportError`. */
export interface ImportError {
    readonly import_error_id?: number;
    readonly timestamp?: string;
    readonly filename?: string;
    readonly stack_trace?: string;
}

/** `DAG`, the fields the gate reads. */
export interface Dag {
    readonly dag_id: string;
    readonly is_active?: boolean | null;
    readonly is_paused?: boolean | null;
    readonly fileloc?: string;
}

/** How the client talks to the web server. */
export interface ClientOptions {
    /** The web server's base URL (Composer's `config.airflowUri`), without `/api/v1`. */
    readonly baseUrl: string;
    /** OAuth 2.0 access token, or undefined for an unauthenticated server (tests). Never printed. */
    readonly token?: string;
    /** Per-request timeout, milliseconds. */
    readonly requestTimeoutMs: number;
    /** Attempts per request on a timeout, a refused connection or a 5xx answer (>= 1). */
    readonly attempts: number;
    /** Pause between attempts, milliseconds. */
    readonly retryDelayMs: number;
    /** Page size for list endpoints (Airflow's default maximum page is 100, `[api] maximum_page_limit`). */
    readonly pageSize?: number;
}

/** A failure the gate reports as-is: what was asked and what came back, never the token. */
export class ApiError extends Error {
    constructor(
        message: string,
        /** True when retrying cannot help (4xx other than 429, a body that is not the documented shape). */
        readonly permanent: boolean,
    ) {
        super(message);
    }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** GET `path` (relative to `/api/v1`) as JSON, retrying what can pass on retry. */
export async function getJson(options: ClientOptions, path: string): Promise<unknown> {
    const url = `${options.baseUrl.replace(/\/+$/, "")}/api/v1${path}`;
    let last: ApiError | undefined;
    for (let attempt = 1; attempt <= Math.max(1, options.attempts); attempt++) {
        if (attempt > 1) await sleep(options.retryDelayMs);
        try {
            const res = await fetch(url, {
                headers: {
                    Accept: "application/json",
                    ...(options.token ? { Authorization: `Bearer ${options.token}` } : {}),
                },
                signal: AbortSignal.timeout(options.requestTimeoutMs),
                redirect: "manual",
            });
            const text = await res.text();
            if (res.status === 200) {
                try {
                    return JSON.parse(text);
                } catch {
                    throw new ApiError(`GET ${path}: the answer is not JSON (status 200)`, true);
                }
            }
            const retryable = res.status >= 500 || res.status === 429;
            const hint =
                res.status === 401 || res.status === 403 || (res.status >= 300 && res.status < 400)
                    ? ": the identity is not allowed into Airflow (an access token of an identity with an Airflow role, e.g. Op; a redirect means a login page)"
                    : res.status === 404
                      ? // The gate reads only collection endpoints, which exist on every Airflow 2; Airflow 3 removed
                        // /api/v1 for /api/v2 (other paths and shapes, e.g. /api/v2/monitor/health).
                        ": no Airflow stable REST API v1 here (Airflow 3 serves only /api/v2, which this gate does not read yet)"
                      : "";
            last = new ApiError(`GET ${path}: HTTP ${res.status}${hint}`, !retryable);
            if (!retryable) throw last;
        } catch (e) {
            if (e instanceof ApiError) {
                if (e.permanent) throw e;
                last = e;
                continue;
            }
            const name = (e as Error).name;
            const cause = (e as { cause?: { code?: string; message?: string } }).cause;
            const reason =
                name === "TimeoutError" || name === "AbortError"
                    ? `no answer within ${options.requestTimeoutMs} ms`
                    : `${(e as Error).message}${cause ? ` (${cause.code ?? cause.message})` : ""}`;
            last = new ApiError(`GET ${path}: ${reason}`, false);
        }
    }
    throw new ApiError(`${last!.message} (after ${options.attempts} attempts)`, false);
}

/**
 * Reads every page of a collection endpoint: `key` is the array member, `total_entries` bounds the walk. The next
 * offset is what the page held, not the limit asked for: Airflow cuts a larger `limit` to `[api] maximum_page_limit`
 * without saying so (`check_limit`, airflow/api_connexion/parameters.py:72-78 in 2.10.5), and stepping by the limit
 * would skip DAGs and report them gone. A page equal to the one before it (a server or proxy that ignores `offset`)
 * stops the walk with an error instead of reading the same page until `total_entries`.
 */
export async function getAll<T>(options: ClientOptions, path: string, key: string): Promise<T[]> {
    const pageSize = options.pageSize ?? 100;
    const items: T[] = [];
    const sep = path.includes("?") ? "&" : "?";
    let previous: string | undefined;
    for (let offset = 0; ;) {
        const page = (await getJson(options, `${path}${sep}limit=${pageSize}&offset=${offset}`)) as Record<
            string,
            unknown
        >;
        const list = page?.[key];
        const total = page?.total_entries;
        if (!Array.isArray(list) || typeof total !== "number")
            throw new ApiError(`GET ${path}: the answer has no ${key} array and total_entries number`, true);
        const text = JSON.stringify(list);
        if (list.length > 0 && text === previous)
            throw new ApiError(
                `GET ${path}: the page at offset ${offset} repeats the one before it (the server ignores offset)`,
                true,
            );
        previous = text;
        items.push(...(list as T[]));
        if (list.length === 0 || items.length >= total) return items;
        offset += list.length;
    }
}
