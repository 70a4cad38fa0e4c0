import {
    COMPUTED,
    SECRET,
    TYPES,
    isContentHashKey,
    isRemoteChart,
    leaves,
    valueAt,
} from "../lib/plan-document";
import type { Rule, RuleFinding } from "./rules";

export const composerProtected: Rule = {
    name: "composer-prod-protected",
    description: "The Composer environment of a production channel is protected against deletion.",
    check: (r, ctx) =>
        r.type === TYPES.composer &&
        ctx.production &&
        !r.options.protect &&
        !(ctx.composerNotServing ?? []).includes(r.name)
            ? [
                  {
                      path: "(options).protect",
                      message: `Composer environment of production channel ${ctx.channel} is not protected`,
                      fix: "set data-infra:composer.protect to true for this channel (the resource option protect)",
                  },
              ]
            : [],
};

export const composerNoReplace: Rule = {
    name: "composer-no-replace",
    description: "No Composer environment is replaced, only updated (a replace loses Airflow's metadata).",
    check: (r) => {
        if (r.type !== TYPES.composer) return [];
        const out: RuleFinding[] = [];
        if (r.options.replaceOnChanges?.length)
            out.push({
                path: "(options).replaceOnChanges",
                message: `replaceOnChanges (${r.options.replaceOnChanges.join(", ")}) turns updates into replacements`,
                fix: "remove the replaceOnChanges option from the Composer environment",
            });
        if (r.options.deleteBeforeReplace)
            out.push({
                path: "(options).deleteBeforeReplace",
                message: "deleteBeforeReplace deletes the running environment before a replacement exists",
                fix: "remove the deleteBeforeReplace option from the Composer environment",
            });
        return out;
    },
};

// An exact SemVer 2 version: no ranges, wildcards or tags.
const EXACT_VERSION = /^v?\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/;

export const chartPinned: Rule = {
    name: "helm-chart-pinned",
    description: "Remote Helm charts pin an exact version; local charts carry a content hash.",
    check: (r) => {
        if (r.type !== TYPES.release) return [];
        if (isRemoteChart(r.inputs)) {
            const version = valueAt(r.inputs, "version");
            return typeof version === "string" && EXACT_VERSION.test(version)
                ? []
                : [
                      {
                          path: "version",
                          message: `remote chart ${String(valueAt(r.inputs, "chart"))} is not pinned to an exact version (got ${JSON.stringify(version ?? null)})`,
                          fix: "set the release's version to an exact chart version such as 1.4.2",
                      },
                  ];
        }
        const hashed = leaves(r.inputs).some(
            ([, key, v]) => isContentHashKey(key) && typeof v === "string" && v !== "",
        );
        return hashed
            ? []
            : [
                  {
                      path: "values",
                      message: `local chart ${String(valueAt(r.inputs, "chart"))} carries no content hash, so template changes would not upgrade the release`,
                      fix: "pass the chart folder's content hash as a value or annotation (the releases component does this)",
                  },
              ];
    },
};

export const bucketObjectPrefix: Rule = {
    name: "bucket-object-prefix",
    description: "Bucket objects are only written under the managed prefixes (dags/, plugins/).",
    check: (r, ctx) => {
        if (r.type === TYPES.prefixManifest) {
            const prefix = valueAt(r.inputs, "prefix");
            if (typeof prefix !== "string" || ctx.managedPrefixes.includes(prefix)) return [];
            return [
                {
                    path: "prefix",
                    message: `manifest prefix ${prefix} is not a managed prefix (${ctx.managedPrefixes.join(", ")})`,
                    fix: "sync under a managed prefix, or add the prefix to data-infra:policy.managedPrefixes",
                },
            ];
        }
        if (r.type !== TYPES.bucketObject) return [];
        const name = valueAt(r.inputs, "name");
        if (typeof name !== "string" || name === COMPUTED) return [];
        return ctx.managedPrefixes.some((p) => name.startsWith(p))
            ? []
            : [
                  {
                      path: "name",
                      message: `object ${name} is outside the managed prefixes (${ctx.managedPrefixes.join(", ")})`,
                      fix: "write it under a managed prefix, or add the prefix to data-infra:policy.managedPrefixes",
                  },
              ];
    },
};

export const secretDataIsSecret: Rule = {
    name: "kubernetes-secret-data-secret",
    secretAware: true,
    description:
        "Kubernetes Secret data and stringData are Pulumi secrets (never plaintext in state or output).",
    check: (r) => {
        if (r.type !== TYPES.k8sSecret) return [];
        return ["data", "stringData"].flatMap((field) =>
            leaves(valueAt(r.inputs, field), field)
                .filter(([, , v]) => v !== SECRET && v !== undefined)
                .map(([path]) => ({
                    path,
                    message: "Kubernetes Secret data is not marked secret",
                    fix: "wrap the value with pulumi.secret() (or read it with a secret-returning lookup)",
                })),
        );
    },
};

/** Whether a string is an image reference pinned by digest. */
const byDigest = (ref: string) => /@sha256:[0-9a-f]{64}$/.test(ref);

export const imageDigest: Rule = {
    name: "image-digest",
    description: "Images deployed to a production (promote) channel are referenced by digest, not by tag.",
    check: (r, ctx) => {
        if (!ctx.production || !r.type.startsWith("kubernetes:")) return [];
        const out: RuleFinding[] = [];
        const fix = "reference the image as <repository>@sha256:<digest> (the digest that was tested)";
        const all = leaves(r.inputs);
        const byPath = new Map(all.map(([p, , v]) => [p, v]));
        for (const [path, key, v] of all) {
            if (typeof v !== "string" || v === COMPUTED || v === SECRET) continue;
            if (key === "image" && !byDigest(v))
                out.push({ path, message: `image ${v} is not referenced by digest`, fix });
            // Helm's common {image: {repository, tag, digest}} shape.
            if (key === "repository" && /(^|\.)image\.repository$/.test(path)) {
                const digestPath = `${path.slice(0, -".repository".length)}.digest`;
                const digest = byPath.get(digestPath);
                if (typeof digest !== "string" || !/^sha256:[0-9a-f]{64}$/.test(digest))
                    out.push({ path: digestPath, message: `image ${v} has no sha256 digest`, fix });
            }
        }
        return out;
    },
};
