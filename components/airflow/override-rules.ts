/**
 * Composer's own rules for `airflowConfigOverrides`, known before `pulumi up` reaches the API (which answers 400).
 * Source: Cloud Composer, "Airflow configuration options that are blocked or limited"
 * (https://cloud.google.com/composer/docs/airflow-configurations, read 2026-11): the Composer 3 limits table and
 * the blocked options listed for every Airflow version Composer ships. Unknown keys stay allowed: only what the page
 * lists is checked, so a new Airflow option is never refused here.
 */

/** A numeric limit: `min`/`max` are numbers, or another override key whose value is the bound. */
interface Limit {
    readonly min?: number | string;
    readonly max?: number | string;
    /** The bound's factor when it refers to another key (`2 * scheduler-scheduler_heartbeat_sec`). */
    readonly factor?: number;
}

/** Composer major version → override key → limit. Only Composer 3 publishes limits. */
export const OVERRIDE_LIMITS: Readonly<Record<number, Readonly<Record<string, Limit>>>> = {
    3: {
        "core-min_file_process_interval": { min: 30 },
        "core-dag_file_processor_timeout": { max: 600 },
        "core-dagbag_import_timeout": { min: "core-dag_file_processor_timeout", max: 600 },
        "celery-worker_concurrency": { min: 1, max: 24 },
        "kubernetes_executor-worker_pods_queued_check_interval": { min: 30, max: 60 },
        "scheduler-scheduler_heartbeat_sec": { min: 15 },
        "scheduler-scheduler_health_check_threshold": { min: "scheduler-scheduler_heartbeat_sec", factor: 2 },
        "triggerer-triggerer_health_check_threshold": { min: 30 },
        "triggerer-job_heartbeat_sec": { min: 30 },
    },
};
// "triggerer_health_check_threshold: 30, or 2 * job_heartbeat_sec": the larger of the two when both are known.
const TRIGGERER_PAIR = ["triggerer-triggerer_health_check_threshold", "triggerer-job_heartbeat_sec"] as const;

/** Options Composer manages itself and refuses to override, in every Composer version (same page, "Blocked"). */
export const BLOCKED_OVERRIDES: ReadonlySet<string> = new Set([
    "kubernetes-pod_template_file",
    "kubernetes-namespace",
    "celery-celery_app_name",
    "celery-worker_log_server_port",
    "celery-broker_url",
    "celery-result_backend",
    "celery-pool",
    "celery-default_queue",
    "operators-default_queue",
    "core-dags_folder",
    "core-fernet_key",
    "core-plugins_folder",
    "core-security",
    "core-sql_alchemy_conn",
    "core-sql_alchemy_pool_recycle",
    "core-sql_alchemy_pool_size",
    "core-load_examples",
    "core-store_serialized_dags",
    "core-store_dag_code",
    "core-wait_dag_not_found_timeout",
    "core-base_log_folder",
    "core-encrypt_s3_logs",
    "core-logging_config_class",
    "core-remote_base_log_folder",
    "core-remote_log_conn_id",
    "core-remote_logging",
    "core-task_log_reader",
    "core-log_format",
    "database-sql_alchemy_conn",
    "database-sql_alchemy_pool_recycle",
    "database-sql_alchemy_pool_size",
    "database-alembic_ini_file_path",
    "smtp-smtp_password",
]);
/** Sections blocked as a whole (same page: "cli: all configuration options"). */
export const BLOCKED_SECTIONS: ReadonlySet<string> = new Set(["cli"]);

/** `composer-3-airflow-…` → 3; `composer-2.14.2-airflow-…` → 2; `composer-latest-…` → undefined (unknown). */
export function composerMajor(imageVersion: string): number | undefined {
    const m = /^composer-([0-9]+)/.exec(imageVersion);
    return m ? Number(m[1]) : undefined;
}

/** One problem per override Composer would refuse, keyed by override key. */
export function overrideProblems(
    imageVersion: string,
    overrides: Readonly<Record<string, string>>,
): Array<{ key: string; what: string; got: string }> {
    const out: Array<{ key: string; what: string; got: string }> = [];
    for (const key of Object.keys(overrides).sort()) {
        const section = key.split("-")[0];
        if (BLOCKED_SECTIONS.has(section)) {
            out.push({ key, what: `Composer blocks every [${section}] option; it cannot be overridden`, got: key });
        } else if (BLOCKED_OVERRIDES.has(key)) {
            out.push({ key, what: "Composer manages this option itself and blocks overrides of it", got: key });
        }
    }
    const major = composerMajor(imageVersion);
    const limits = major === undefined ? undefined : OVERRIDE_LIMITS[major];
    if (!limits) return out;
    const num = (key: string): number | undefined => {
        const v = overrides[key];
        return v !== undefined && /^\s*-?[0-9]+(\.[0-9]+)?\s*$/.test(v) ? Number(v) : undefined;
    };
    for (const key of Object.keys(overrides).sort()) {
        const limit = limits[key];
        if (!limit) continue;
        const value = num(key);
        const got = overrides[key];
        if (value === undefined) {
            out.push({ key, what: `must be a number (Composer ${major} limits this option)`, got });
            continue;
        }
        const bound = (b: number | string | undefined): { n: number; text: string } | undefined => {
            if (b === undefined) return undefined;
            if (typeof b === "number") return { n: b, text: String(b) };
            // A bound set by another override: checked only when that override is set (Composer's default for
            // it is not published).
            const other = num(b);
            if (other === undefined) return undefined;
            const f = limit.factor ?? 1;
            return { n: f * other, text: `${f === 1 ? "" : `${f} × `}${b} (${f * other})` };
        };
        let min = bound(limit.min);
        if (key === TRIGGERER_PAIR[0]) {
            const hb = num(TRIGGERER_PAIR[1]);
            if (hb !== undefined && 2 * hb > 30) min = { n: 2 * hb, text: `2 × ${TRIGGERER_PAIR[1]} (${2 * hb})` };
        }
        const max = bound(limit.max);
        if (min && value < min.n) {
            out.push({
                key,
                what: `must be at least ${min.text} on Composer ${major}`,
                got,
            });
        }
        if (max && value > max.n) out.push({ key, what: `must be at most ${max.text} on Composer ${major}`, got });
    }
    return out;
}
