/**
 * Reading plan-form values (inputs with secrets as `[secret]`, unknowns as `(computed)`), shared by the diff, the
 * review sections, the promotion check and the policy rules; and the resource types they read.
 */

/** Resource type tokens the review and the policy know about. */
export const TYPES = {
    composer: "gcp:composer/environment:Environment",
    bucket: "gcp:storage/bucket:Bucket",
    bucketObject: "gcp:storage/bucketObject:BucketObject",
    release: "kubernetes:helm.sh/v3:Release",
    namespace: "kubernetes:core/v1:Namespace",
    k8sSecret: "kubernetes:core/v1:Secret",
    branchProtection: "github:index/branchProtection:BranchProtection",
    environment: "github:index/repositoryEnvironment:RepositoryEnvironment",
} as const;

/** The value at a dotted path (`config.softwareConfig.pypiPackages`, `reviewers.0.users`); arrays index by number. */
export function valueAt(value: unknown, path: string): unknown {
    let v = value;
    for (const key of path.split(".")) {
        if (v === null || typeof v !== "object") return undefined;
        v = (v as Record<string, unknown>)[key];
    }
    return v;
}

/**
 * Every leaf of a value with its path in the plan document's syntax (`a.b[0].c`, as its `secrets` map uses) and
 * the object key it sits under; objects' keys sorted. A secret is a leaf (`[secret]`).
 */
export function leaves(value: unknown, base = ""): Array<[path: string, key: string, value: unknown]> {
    const out: Array<[string, string, unknown]> = [];
    const walk = (v: unknown, p: string, key: string) => {
        if (Array.isArray(v)) v.forEach((e, i) => walk(e, `${p}[${i}]`, key));
        else if (v !== null && typeof v === "object")
            for (const k of Object.keys(v).sort())
                walk((v as Record<string, unknown>)[k], p ? `${p}.${k}` : k, k);
        else out.push([p, key, v]);
    };
    walk(value, base, base.split(".").pop() ?? "");
    return out;
}

/** A value's leaves by path. */
export function flatten(value: unknown): Map<string, unknown> {
    return new Map(leaves(value).map(([p, , v]) => [p, v]));
}
