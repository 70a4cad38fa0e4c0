/**
 * Hand-built plan documents for the review tests: the diff, domain sections, renderers and promotion check are
 * pure functions of documents, so most tests need no program run.
 */
import { ComposerEnvironment } from "../../components/airflow/environment";
import { DagSync } from "../../components/airflow/dag-sync";
import { GithubGovernance } from "../../components/github/governance";
import { Releases } from "../../components/releases/releases";
import { TYPES, type DiffableDocument, type DiffableResource } from "../../lib/plan-document";
import type { RecordedOptions } from "../../runtime/recorder";

/** The component each resource type lives in, as the real program nests them (the real type tokens). */
const COMPONENT: Record<string, string> = {
    [TYPES.composer]: ComposerEnvironment.TYPE,
    [TYPES.bucketObject]: DagSync.TYPE,
    [TYPES.prefixManifest]: DagSync.TYPE,
    [TYPES.release]: Releases.TYPE,
    [TYPES.k8sSecret]: Releases.TYPE,
    [TYPES.branchProtection]: GithubGovernance.TYPE,
    [TYPES.environment]: GithubGovernance.TYPE,
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
    return res(stack, TYPES.composer, `composer-${stack}`, {
        name: `data-infra-${stack}`,
        region: "us-west2",
        config: { softwareConfig: software },
        ...extra,
    });
}

export function dagObject(stack: string, objectName: string, sha256: string): DiffableResource {
    return res(stack, TYPES.bucketObject, objectName, {
        bucket: "(computed)",
        name: objectName,
        source: { asset: "file", path: `airflow/${objectName}`, sha256 },
    });
}

export function release(stack: string, name: string, inputs: Record<string, unknown>): DiffableResource {
    return res(stack, TYPES.release, name, { name, namespace: name, ...inputs });
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
