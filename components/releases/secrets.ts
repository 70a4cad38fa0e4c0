import * as pulumi from "@pulumi/pulumi";
import * as gcp from "@pulumi/gcp";
import type * as k8s from "@pulumi/kubernetes";
import { parse } from "yaml";
import type { SecretRef } from "./types";
import { isMap } from "./values";
import { byCodeUnit } from "../../lib/order";
import { secretKeysProblem, secretTypeProblem } from "./kubernetes-rules";

/** A Kubernetes Secret's content, read from one Secret Manager payload. */
export interface SecretContent {
    readonly name?: string;
    readonly namespace?: string;
    readonly type: string;
    readonly data?: Record<string, string>;
    readonly stringData?: Record<string, string>;
}

/**
 * Reads a Secret Manager payload as `ref.format` says. Errors name the secret, never the payload's content.
 * Runs at deploy time (the payload is unknown at plan time), so a malformed payload fails `pulumi up` here.
 */
export function secretContent(ref: SecretRef, payload: string): SecretContent {
    const fail = (what: string): never => {
        throw new Error(`Secret Manager secret ${ref.secret}: ${what}`);
    };
    const content = readSecretContent(ref, payload, fail);
    // The API server's per-type rules (kubernetes-rules.ts), before it answers 422 with the whole object.
    const keys = [...Object.keys(content.data ?? {}), ...Object.keys(content.stringData ?? {})];
    const problem = secretTypeProblem(content.type) ?? secretKeysProblem(content.type, keys);
    if (problem) fail(`${problem} (payload keys: ${keys.sort().join(", ") || "none"}; type ${content.type})`);
    return content;
}

function readSecretContent(ref: SecretRef, payload: string, fail: (what: string) => never): SecretContent {
    if (ref.format === "value") {
        return { name: ref.name, type: ref.type ?? "Opaque", stringData: { [ref.key as string]: payload } };
    }
    let doc: unknown;
    try {
        doc = parse(payload);
    } catch {
        fail(`payload is not valid YAML/JSON (format ${ref.format})`);
    }
    if (!isMap(doc)) return fail(`payload must be a YAML/JSON map (format ${ref.format})`);
    if (ref.format === "map") {
        return { name: ref.name, type: ref.type ?? "Opaque", stringData: stringMap(doc) };
    }
    // The legacy form: a whole Secret manifest, as `kubectl apply` took it.
    const metadata = isMap(doc.metadata) ? doc.metadata : {};
    if (doc.kind !== undefined && doc.kind !== "Secret")
        fail(`payload is a ${String(doc.kind)}, not a Secret manifest`);
    const name =
        ref.name ??
        (typeof metadata.name === "string" ? metadata.name : fail("manifest has no metadata.name"));
    return {
        name,
        namespace: typeof metadata.namespace === "string" ? metadata.namespace : undefined,
        type: typeof doc.type === "string" ? doc.type : "Opaque",
        data: isMap(doc.data) ? stringMap(doc.data) : undefined,
        stringData: isMap(doc.stringData) ? stringMap(doc.stringData) : undefined,
    };
}

function stringMap(m: Record<string, unknown>): Record<string, string> {
    return Object.fromEntries(
        Object.entries(m)
            .sort(([a], [b]) => byCodeUnit(a, b))
            .map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]),
    );
}

/** Annotation on every Secret naming its Secret Manager secret and version. */
export const SECRET_SOURCE_ANNOTATION = "data-infra/secret-source";

/** `<secret>@<version>`, `latest` when the version is not pinned. */
export function secretSource(ref: Pick<SecretRef, "secret" | "version">): string {
    return `${ref.secret}@${ref.version ?? "latest"}`;
}

/**
 * The Secret's args from a payload output. Data stays secret end to end; only name, namespace and type are
 * unsecreted (they are names, and the plan must show them). Config-stated name and namespace are known at plan time.
 */
export function secretArgs(
    ref: SecretRef,
    payload: pulumi.Output<string>,
    namespace?: string,
): k8s.core.v1.SecretArgs {
    const content = pulumi.secret(payload).apply((p) => secretContent(ref, p));
    const plain = <T>(f: (c: SecretContent) => T) => pulumi.unsecret(content.apply(f));
    return {
        metadata: {
            name: ref.name ?? plain((c) => c.name as string),
            namespace: namespace ?? plain((c) => c.namespace ?? "default"),
            // Where the data comes from, in the clear: the payload is unknown offline, so a changed version pin
            // is what the plan diff can show (and `kubectl describe` tells operators where to rotate it).
            annotations: { [SECRET_SOURCE_ANNOTATION]: secretSource(ref) },
        },
        type: ref.format === "manifest" ? plain((c) => c.type) : (ref.type ?? "Opaque"),
        // Only a manifest carries base64 `data`; the other forms write `stringData`.
        data: ref.format === "manifest" ? content.apply((c) => c.data) : undefined,
        stringData: content.apply((c) => c.stringData),
    };
}

/** The payload of one Secret Manager secret version (`latest` unless pinned), read through the gcp provider. */
export function secretPayload(ref: SecretRef, opts: pulumi.InvokeOutputOptions): pulumi.Output<string> {
    return gcp.secretmanager.getSecretVersionOutput({ secret: ref.secret, version: ref.version }, opts)
        .secretData;
}
