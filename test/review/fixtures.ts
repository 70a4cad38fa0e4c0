/**
 * Hand-built plan documents for the review tests: the diff, domain sections, renderers and promotion check are
 * pure functions of documents, so most tests need no program run.
 */
import type { DiffableDocument, DiffableResource } from "../../lib/plan-document";
import type { RecordedOptions } from "../../runtime/recorder";

export const COMPOSER = "gcp:composer/environment:Environment";
export const OBJECT = "gcp:storage/bucketObject:BucketObject";
export const RELEASE = "kubernetes:helm.sh/v3:Release";
export const PROTECTION = "github:index/branchProtection:BranchProtection";
export const ENVIRONMENT = "github:index/repositoryEnvironment:RepositoryEnvironment";
export const SECRET_TYPE = "kubernetes:core/v1:Secret";

/** The component each resource type lives in, as the real program nests them. */
const COMPONENT: Record<string, string> = {
    [COMPOSER]: "data-infra:airflow:Environment",
    [OBJECT]: "data-infra:airflow:DagSync",
    [RELEASE]: "data-infra:releases:Releases",
    [SECRET_TYPE]: "data-infra:releases:Releases",
    [PROTECTION]: "data-infra:github:Governance",
    [ENVIRONMENT]: "data-infra:github:Governance",
};

export interface ResOpts {
    readonly options?: RecordedOptions;
    readonly secrets?: Record<string, string>;
}

/** A resource of `stack` as the plan document lists it, inside its component. */
export function res(
    stack: string,
    type: string,
    name: string,
    inputs: Record<string, unknown>,
    opts: ResOpts = {},
): DiffableResource {
    const component = COMPONENT[type];
    const prefix = `urn:pulumi:${stack}::data-infra::`;
    return {
        urn: component ? `${prefix}${component}$${type}::${name}` : `${prefix}${type}::${name}`,
        type,
        name,
        parent: component
            ? `${prefix}${component}::main`
            : `${prefix}pulumi:pulumi:Stack::data-infra-${stack}`,
        inputs,
        options: opts.options ?? {},
        ...(opts.secrets ? { secrets: opts.secrets } : {}),
    };
}

export function doc(stack: string, resources: DiffableResource[]): DiffableDocument {
    return { project: "data-infra", stack, resources };
}

export function composer(
    stack: string,
    software: Record<string, unknown>,
    extra: Record<string, unknown> = {},
) {
    return res(stack, COMPOSER, `composer-${stack}`, {
        name: `data-infra-${stack}`,
        region: "us-west2",
        config: { softwareConfig: software },
        ...extra,
    });
}

export function dagObject(stack: string, objectName: string, sha256: string): DiffableResource {
    return res(stack, OBJECT, objectName, {
        bucket: "(computed)",
        name: objectName,
        source: { asset: "file", path: `airflow/${objectName}`, sha256 },
    });
}

export function release(stack: string, name: string, inputs: Record<string, unknown>): DiffableResource {
    return res(stack, RELEASE, name, { name, namespace: name, ...inputs });
}

/** `n` DAG objects `dags/gen/dag_<i>.py` with content hashes derived from `salt` for the first `changed`. */
export function dagTree(stack: string, n: number, changed = 0, salt = "a"): DiffableResource[] {
    return Array.from({ length: n }, (_, i) =>
        dagObject(
            stack,
            `dags/gen/dag_${String(i).padStart(5, "0")}.py`,
            `${i < changed ? salt : "0"}${i}`.padEnd(64, "0"),
        ),
    );
}
