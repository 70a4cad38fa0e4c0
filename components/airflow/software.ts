/**
 * Composer's software rules (image version, Airflow overrides, environment variables) as pure checks, shared by the
 * config loader (messages name `data-infra:composer.…`) and the component (messages name its args), plus the
 * base → head comparison the PR review uses.
 */
import type { Problems } from "../../lib/problems";
import { overrideProblems } from "./override-rules";

/**
 * `composer-<major>|<x.y.z>[-preview.<n>]|latest-airflow-<x>[.<y>[.<z>]]`, from the provider's `imageVersion` doc,
 * plus Composer 3's `-build.<n>` suffix (`composer-3-airflow-2.10.5-build.36`).
 */
export const IMAGE_VERSION =
    /^composer-([0-9]+(\.[0-9]+\.[0-9]+(-preview\.[0-9]+)?)?|latest)-airflow-([0-9]+(\.[0-9]+(\.[0-9]+)?)?)(-build\.[0-9]+)?$/;

/** `section-key`: section without `-`, `[`, `]`, `.`; snake_case property without `=`, `;`, `.` (provider doc). */
export const OVERRIDE_KEY = /^[A-Za-z0-9_]+-[a-z0-9_]+$/;

export const ENV_VAR_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const AIRFLOW_OVERRIDE_ENV = /^AIRFLOW__([A-Z0-9_]+)__([A-Z0-9_]+)$/;

/** Names Composer sets itself and refuses in `envVariables` (provider doc of `softwareConfig.envVariables`). */
export const RESERVED_ENV_VARS: readonly string[] = [
    "AIRFLOW_HOME",
    "C_FORCE_ROOT",
    "CONTAINER_NAME",
    "DAGS_FOLDER",
    "GCP_PROJECT",
    "GCS_BUCKET",
    "GKE_CLUSTER_NAME",
    "SQL_DATABASE",
    "SQL_INSTANCE",
    "SQL_PASSWORD",
    "SQL_PROJECT",
    "SQL_REGION",
    "SQL_USER",
];

export interface SoftwareSettings {
    readonly imageVersion: string;
    readonly envVariables?: Readonly<Record<string, string>>;
    readonly airflowConfigOverrides?: Readonly<Record<string, string>>;
}

/** Where a setting lives, for messages: `at("envVariables", "FOO")`. */
export type PathOf = (...segments: string[]) => string;

/** The Composer major of an image version (`composer-2.14.2-…` → 2, `composer-3-…` → 3); `undefined` for `latest`. */
export function composerMajor(imageVersion: string): number | undefined {
    const m = IMAGE_VERSION.exec(imageVersion);
    return m && m[1] !== "latest" ? Number(m[1].split(".")[0]) : undefined;
}

/**
 * Why an environment cannot move from `from` to `to` in place, or `undefined` when it can: the provider rejects a
 * change of Composer major at preview (`imageVersionChangeValidationFunc` in magic-modules
 * `resource_composer_environment.go.tmpl`: "upgrade to composer 3 is not yet supported"), and Google documents a
 * migration to a second environment instead.
 */
export function composerMajorChangeProblem(from: string, to: string): string | undefined {
    const a = composerMajor(from);
    const b = composerMajor(to);
    if (a === undefined || b === undefined || a === b) return undefined;
    return (
        `imageVersion ${from} → ${to} changes Composer ${a} to Composer ${b}, which the provider refuses in place ` +
        `("upgrade to composer 3 is not yet supported"). Migrate to a second environment instead: keep this ` +
        `imageVersion and declare the Composer ${b} environment under data-infra:composer.next (its own name), ` +
        `move data to it if needed (Composer snapshots: save on the old, load on the new), switch with ` +
        `serve: next, then retire the old one (docs/composer-and-dags.md, "Major upgrades as blue/green"). ` +
        `https://cloud.google.com/composer/docs/composer-3/migrate-composer-2-snapshots-af-2`
    );
}

/** Adds a problem for every software setting Composer would reject. */
export function checkSoftwareSettings(s: SoftwareSettings, at: PathOf, problems: Problems): void {
    if (!IMAGE_VERSION.test(s.imageVersion)) {
        problems.add(
            at("imageVersion"),
            "must be composer-<major|x.y.z|latest>-airflow-<x[.y[.z]]>[-build.<n>], e.g. composer-2.14.2-airflow-2.9.3",
            s.imageVersion,
        );
    } else if (composerMajor(s.imageVersion) === 1) {
        problems.add(
            at("imageVersion"),
            "Composer 1 is not supported: the environment sets fields Composer 1 lacks (environmentSize, " +
                "workloadsConfig); use a composer-2 or composer-3 image",
            s.imageVersion,
        );
    }
    for (const key of Object.keys(s.airflowConfigOverrides ?? {})) {
        if (!OVERRIDE_KEY.test(key)) {
            problems.add(
                at("airflowConfigOverrides", key),
                "key must be <section>-<property> with a snake_case property, e.g. core-dags_are_paused_at_creation",
                key,
            );
        }
    }
    // Composer's own limits and blocked options (override-rules.ts, with their source).
    for (const p of overrideProblems(s.imageVersion, s.airflowConfigOverrides ?? {})) {
        problems.add(at("airflowConfigOverrides", p.key), p.what, p.got);
    }
    for (const name of Object.keys(s.envVariables ?? {})) {
        const override = AIRFLOW_OVERRIDE_ENV.exec(name);
        if (!ENV_VAR_NAME.test(name)) {
            problems.add(at("envVariables", name), "name must match [a-zA-Z_][a-zA-Z0-9_]*", name);
        } else if (override) {
            const key = `${override[1].toLowerCase()}-${override[2].toLowerCase()}`;
            problems.add(
                at("envVariables", name),
                `Airflow settings go in airflowConfigOverrides, not env variables: use key "${key}"`,
                name,
            );
        } else if (RESERVED_ENV_VARS.includes(name)) {
            problems.add(at("envVariables", name), "name is reserved by Composer", name);
        }
    }
}

/** What the review compares: the two fields Composer updates with separate, long, failure-prone operations. */
export interface ComposerSoftware {
    readonly imageVersion: string;
    readonly pypiPackages: Readonly<Record<string, string>>;
}

export interface ComposerSoftwareChange {
    /** `{from, to}` when the image version differs. */
    readonly imageVersion?: { readonly from: string; readonly to: string };
    /** Package names (normalized, sorted) added, removed, or with a different `[extras]specifier`. */
    readonly pypiPackages: {
        readonly added: readonly string[];
        readonly removed: readonly string[];
        readonly changed: readonly string[];
    };
    /**
     * `true` when one update would upgrade the image and change PyPI packages: Composer applies them as separate
     * operations and has built the new image with the old pins (terraform-provider-google#15373). Ship them apart.
     */
    readonly imageAndPackagesTogether: boolean;
}

/** Compares base and head Composer software (pure; the PR review surfaces `imageAndPackagesTogether`). */
export function compareComposerSoftware(base: ComposerSoftware, head: ComposerSoftware): ComposerSoftwareChange {
    const names = [...new Set([...Object.keys(base.pypiPackages), ...Object.keys(head.pypiPackages)])].sort();
    const added = names.filter((n) => !(n in base.pypiPackages));
    const removed = names.filter((n) => !(n in head.pypiPackages));
    const changed = names.filter(
        (n) => n in base.pypiPackages && n in head.pypiPackages && base.pypiPackages[n] !== head.pypiPackages[n],
    );
    const imageChanged = base.imageVersion !== head.imageVersion;
    return {
        ...(imageChanged ? { imageVersion: { from: base.imageVersion, to: head.imageVersion } } : {}),
        pypiPackages: { added, removed, changed },
        imageAndPackagesTogether: imageChanged && added.length + removed.length + changed.length > 0,
    };
}

/**
 * The Composer software of a planned `gcp:composer/environment:Environment` (recorded wire inputs or plan JSON
 * `inputs`); `undefined` when either field is not a plain value (unknown or secret).
 */
export function composerSoftwareOfInputs(inputs: Readonly<Record<string, unknown>>): ComposerSoftware | undefined {
    const software = (inputs.config as { softwareConfig?: Record<string, unknown> } | undefined)?.softwareConfig;
    const imageVersion = software?.imageVersion;
    const pypi = software?.pypiPackages ?? {};
    if (typeof imageVersion !== "string" || typeof pypi !== "object" || pypi === null) return undefined;
    if (!Object.values(pypi).every((v) => typeof v === "string")) return undefined;
    return { imageVersion, pypiPackages: pypi as Record<string, string> };
}
