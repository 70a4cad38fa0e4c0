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

/** Reads every page of a collection endpoint: `key` is the array member, `total_entries` bounds the walk. */
export async function getAll<T>(options: ClientOptions, path: string, key: string): Promise<T[]> {
    const pageSize = options.pageSize ?? 100;
    const items: T[] = [];
    const sep = path.includes("?") ? "&" : "?";
    for (let offset = 0; ; offset += pageSize) {
        const page = (await getJson(options, `${path}${sep}limit=${pageSize}&offset=${offset}`)) as Record<
            string,
            unknown
        >;
        const list = page?.[key];
        const total = page?.total_entries;
        if (!Array.isArray(list) || typeof total !== "number")
            throw new ApiError(`GET ${path}: the answer has no ${key} array and total_entries number`, true);
        items.push(...(list as T[]));
        if (list.length === 0 || items.length >= total) return items;
    }
}
