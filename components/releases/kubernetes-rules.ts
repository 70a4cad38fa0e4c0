/**
 * Kubernetes API-server rules that are known offline, so the plan fails where `pulumi up` would be answered
 * `422 Invalid`. Each rule cites its upstream source (kubernetes/kubernetes at v1.31; the apimachinery rules are
 * in k8s.io/apimachinery/pkg/util/validation/validation.go).
 */

/** Built-in Secret types (k8s.io/api core/v1 types.go `SecretType` constants) and the data keys each requires. */
export const SECRET_TYPES: Readonly<
    Record<
        string,
        { readonly rule: string; readonly check?: (keys: readonly string[]) => string | undefined }
    >
> = {
    Opaque: { rule: "any keys" },
    // pkg/apis/core/validation/validation.go ValidateSecret, case core.SecretTypeServiceAccountToken: the
    // kubernetes.io/service-account.name annotation is required, and data-infra sets no such annotation.
    "kubernetes.io/service-account-token": {
        rule: "the kubernetes.io/service-account.name annotation, which data-infra does not set",
        check: () =>
            "a kubernetes.io/service-account-token Secret needs the kubernetes.io/service-account.name annotation, which data-infra does not set; let Kubernetes create service-account tokens",
    },
    // ValidateSecret, case core.SecretTypeDockercfg: data[.dockercfg] required (and valid JSON).
    "kubernetes.io/dockercfg": {
        rule: ".dockercfg",
        check: requireAll(["kubernetes.io/dockercfg", ".dockercfg"]),
    },
    // ValidateSecret, case core.SecretTypeDockerConfigJSON: data[.dockerconfigjson] required (and valid JSON).
    "kubernetes.io/dockerconfigjson": {
        rule: ".dockerconfigjson",
        check: requireAll(["kubernetes.io/dockerconfigjson", ".dockerconfigjson"]),
    },
    // ValidateSecret, case core.SecretTypeBasicAuth: username or password (at least one).
    "kubernetes.io/basic-auth": {
        rule: "username and/or password",
        check: (keys) =>
            keys.includes("username") || keys.includes("password")
                ? undefined
                : `a kubernetes.io/basic-auth Secret keeps its payload under "username" or "password"`,
    },
    // ValidateSecret, case core.SecretTypeSSHAuth: data[ssh-privatekey] required.
    "kubernetes.io/ssh-auth": {
        rule: "ssh-privatekey",
        check: requireAll(["kubernetes.io/ssh-auth", "ssh-privatekey"]),
    },
    // ValidateSecret, case core.SecretTypeTLS: data[tls.crt] and data[tls.key] required.
    "kubernetes.io/tls": {
        rule: "tls.crt and tls.key",
        check: requireAll(["kubernetes.io/tls", "tls.crt", "tls.key"]),
    },
    // Bootstrap tokens (k8s.io/cluster-bootstrap/token/api): checked by the token controller, not the API server.
    "bootstrap.kubernetes.io/token": { rule: "token-id and token-secret" },
};

function requireAll([type, ...keys]: string[]): (have: readonly string[]) => string | undefined {
    return (have) => {
        const missing = keys.filter((k) => !have.includes(k));
        if (!missing.length) return undefined;
        if (keys.length === 1) return `a ${type} Secret keeps its payload under ${JSON.stringify(keys[0])}`;
        return `a ${type} Secret needs the keys ${keys.map((k) => JSON.stringify(k)).join(" and ")} (missing ${missing.map((k) => JSON.stringify(k)).join(", ")})`;
    };
}

/**
 * A Secret type's problem, if any: an unknown type in a reserved Kubernetes namespace (`kubernetes.io/…`,
 * `*.k8s.io/…`) is a typo of a built-in one, since only Kubernetes defines types there.
 */
export function secretTypeProblem(type: string): string | undefined {
    if (type in SECRET_TYPES) return undefined;
    if (/^([a-z0-9.-]+\.)?(kubernetes\.io|k8s\.io)\//.test(type)) {
        const near = nearestType(type);
        return `unknown built-in Secret type; Kubernetes defines ${Object.keys(SECRET_TYPES).join(", ")}${near ? ` (did you mean ${near}?)` : ""}`;
    }
    // ValidateSecret does not constrain custom type names beyond being non-empty; keep them usable as labels.
    return type.length > 253 ? "must be at most 253 characters" : undefined;
}

function nearestType(type: string): string | undefined {
    const squash = (s: string) => s.toLowerCase().replace(/[^a-z0-9]/g, "");
    return Object.keys(SECRET_TYPES).find((t) => squash(t) === squash(type));
}

/** The problem with the data keys a Secret of `type` will carry, when they are all known. */
export function secretKeysProblem(type: string, keys: readonly string[]): string | undefined {
    return SECRET_TYPES[type]?.check?.(keys);
}

// --- apimachinery/pkg/util/validation/validation.go -----------------------------------------------------

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const QUALIFIED_NAME_PART = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const CONFIG_MAP_KEY = /^[-._a-zA-Z0-9]+$/;

/** IsDNS1123Label: namespaces, most object names that become DNS labels. */
export function dns1123LabelProblem(v: string): string | undefined {
    if (v.length > 63) return "must be at most 63 characters (a DNS label)";
    if (!DNS1123_LABEL.test(v)) {
        return "must be a DNS label: lowercase letters, digits and '-', starting and ending with a letter or digit";
    }
    return undefined;
}

/** IsDNS1123Subdomain: Secret, ConfigMap and most other object names. */
export function dns1123SubdomainProblem(v: string): string | undefined {
    if (v.length > 253) return "must be at most 253 characters (a DNS subdomain)";
    if (!DNS1123_SUBDOMAIN.test(v)) {
        return "must be a DNS subdomain: lowercase letters, digits, '-' and '.', each part starting and ending with a letter or digit";
    }
    return undefined;
}

/** IsQualifiedName: label and annotation keys, `[prefix/]name` with a DNS-subdomain prefix and a 63-char name. */
export function qualifiedNameProblem(v: string): string | undefined {
    const parts = v.split("/");
    if (parts.length > 2) return "must be a qualified name [prefix/]name with at most one '/'";
    const [prefix, name] = parts.length === 2 ? parts : [undefined, parts[0]];
    if (prefix !== undefined) {
        if (!prefix) return "prefix part must not be empty";
        const p = dns1123SubdomainProblem(prefix);
        if (p) return `prefix part ${p}`;
    }
    if (!name) return "name part must not be empty";
    if (name.length > 63) return "name part must be at most 63 characters";
    if (!QUALIFIED_NAME_PART.test(name)) {
        return "name part must consist of letters, digits, '-', '_' or '.', starting and ending with a letter or digit";
    }
    return undefined;
}

/** IsValidLabelValue: empty, or up to 63 characters of letters, digits, '-', '_', '.', alphanumeric at both ends. */
export function labelValueProblem(v: string): string | undefined {
    if (v.length > 63) return "must be at most 63 characters";
    if (!LABEL_VALUE.test(v)) {
        return "must be empty or letters, digits, '-', '_' or '.', starting and ending with a letter or digit";
    }
    return undefined;
}

/** Annotations: keys are qualified names; all keys and values together at most 256 KiB (TotalAnnotationSizeLimitB). */
export function annotationsProblems(annotations: Readonly<Record<string, string>>): string[] {
    const out: string[] = [];
    let size = 0;
    for (const [k, v] of Object.entries(annotations)) {
        const p = qualifiedNameProblem(k);
        if (p) out.push(`annotation key ${JSON.stringify(k)}: ${p}`);
        size += Buffer.byteLength(k) + Buffer.byteLength(v);
    }
    if (size > 256 * 1024) out.push(`annotations total ${size} bytes; at most 262144`);
    return out;
}

/** Labels: keys are qualified names, values label values (apimachinery/pkg/apis/meta/v1/validation ValidateLabels). */
export function labelsProblems(labels: Readonly<Record<string, string>>): string[] {
    const out: string[] = [];
    for (const [k, v] of Object.entries(labels)) {
        const pk = qualifiedNameProblem(k);
        if (pk) out.push(`label key ${JSON.stringify(k)}: ${pk}`);
        const pv = labelValueProblem(v);
        if (pv) out.push(`label ${JSON.stringify(k)} value: ${pv}`);
    }
    return out;
}

/** IsConfigMapKey: Secret and ConfigMap data keys. */
export function dataKeyProblem(v: string): string | undefined {
    if (v.length > 253) return "must be at most 253 characters";
    if (!CONFIG_MAP_KEY.test(v)) return "must consist of letters, digits, '-', '_' or '.'";
    if (v === "." || v === "..") return `must not be ${JSON.stringify(v)}`;
    if (v.startsWith("..")) return "must not start with '..'";
    return undefined;
}
