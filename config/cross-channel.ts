import { byCodeUnit } from "../lib/order";
import { listStacks, readEngineConfig } from "../runtime/stack-files";
import { parseStackConfig, type StackConfig } from "./index";
import type { Problem } from "../lib/problems";
import { NAMESPACE, keyPath } from "./section";

/** One channel as the all-channel checks see it: its stack file, its validated config and its raw engine config. */
export interface ChannelConfig {
    readonly stack: string;
    /** The stack file, as messages name it (`Pulumi.test.yaml`). */
    readonly file: string;
    readonly config: StackConfig;
    /** The engine's config map of the stack (`data-infra:<key>` → value or JSON text). */
    readonly engineConfig: Readonly<Record<string, string>>;
}

/**
 * Values the shipped files use as documented placeholders: planning a deployable production channel with one of them
 * fails (it would, say, ask a team that does not exist to approve prod deploys).
 */
export const DOCUMENTED_PLACEHOLDERS: readonly {
    readonly path: readonly string[];
    readonly value: unknown;
    readonly how: string;
}[] = [
    {
        path: ["github", "environmentReviewers", "teams"],
        value: 4210001,
        how: "the approving team's id: gh api orgs/<org>/teams/<slug> --jq .id",
    },
    {
        path: ["github", "environmentReviewers", "users"],
        value: 4210001,
        how: "the approving user's id: gh api users/<login> --jq .id",
    },
];

/**
 * Config paths that legitimately name another channel: where a channel's releases come from and the stack whose
 * image digests it deploys.
 */
const MAY_NAME_OTHER_CHANNELS = new Set(["github.promotedFrom", "images.stackReference"]);

/**
 * Checks that need every channel at once, each problem naming both stack files:
 * - two channels declaring the same Composer environment (project + region + name), Artifact Registry repository
 *   (project + location + id, build channels only) or Helm release (cluster + namespace + release name);
 * - a value of one channel naming another channel (`transit-data-test` in staging's file: a copied stack file
 *   still pointing at its source), outside `github.promotedFrom` and `images.stackReference`;
 * - a documented placeholder in a production channel that can deploy (`github.ci` is set).
 */
export function crossChannelProblems(channels: readonly ChannelConfig[]): Problem[] {
    const problems: Problem[] = [];
    const sorted = [...channels].sort((a, b) => byCodeUnit(a.stack, b.stack));
    const claim = new Map<string, { channel: ChannelConfig; where: string }>();
    const declare = (channel: ChannelConfig, kind: string, id: string, where: string) => {
        const key = `${kind}\0${id}`;
        const first = claim.get(key);
        if (!first) {
            claim.set(key, { channel, where });
        } else if (first.channel.stack !== channel.stack) {
            problems.push({
                where: `${channel.file} ${where}`,
                what: `declares the same ${kind} as ${first.channel.file} ${first.where}; each channel needs its own`,
                got: id,
            });
        }
    };
    for (const channel of sorted) {
        const cfg = channel.config;
        const region = cfg.composer.region ?? cfg.gcp.region;
        declare(
            channel,
            "Composer environment (project/region/name)",
            `${cfg.gcp.project}/${region}/${cfg.composer.name}`,
            keyPath("composer", "name"),
        );
        if (cfg.images?.source === "build") {
            declare(
                channel,
                "Artifact Registry repository (project/location/id)",
                `${cfg.gcp.project}/${cfg.images.location ?? cfg.gcp.region}/${cfg.images.repository}`,
                keyPath("images", "repository"),
            );
        }
        const cluster =
            cfg.cluster.kind === "gke"
                ? `gke:${cfg.cluster.project ?? cfg.gcp.project}/${cfg.cluster.location}/${cfg.cluster.name}`
                : `kubeconfig:${cfg.cluster.kubeconfig}#${cfg.cluster.context ?? ""}`;
        cfg.releases.forEach((r, i) => {
            if (r.driver !== "helm") return;
            declare(
                channel,
                "Helm release (cluster/namespace/release name)",
                `${cluster}/${r.namespace}/${r.helmName}`,
                keyPath("releases", i),
            );
        });
    }
    for (const channel of sorted) {
        const others = sorted.filter((c) => c.stack !== channel.stack).map((c) => c.stack);
        const own = new Set(tokens(channel.stack));
        for (const [path, value] of leaves(channel.engineConfig)) {
            if (MAY_NAME_OTHER_CHANNELS.has(path.replace(/\[\d+\]/g, ""))) continue;
            if (typeof value !== "string") continue;
            const words = tokens(value);
            for (const other of others) {
                const otherWords = tokens(other);
                if (otherWords.every((w) => own.has(w))) continue;
                if (containsRun(words, otherWords)) {
                    problems.push({
                        where: `${channel.file} data-infra:${path}`,
                        what: `names channel "${other}" (Pulumi.${other}.yaml): a value copied from another channel; give this channel its own`,
                        got: value,
                    });
                }
            }
        }
        if (channel.config.policy.production && channel.config.github.ci) {
            for (const p of DOCUMENTED_PLACEHOLDERS) {
                const list = valueAt(channel.config, p.path);
                if (Array.isArray(list) ? list.includes(p.value) : list === p.value) {
                    problems.push({
                        where: `${channel.file} ${keyPath(p.path[0], ...p.path.slice(1))}`,
                        what: `is the documented placeholder of a production channel that can deploy; set ${p.how}`,
                        got: p.value,
                    });
                }
            }
        }
    }
    return problems;
}

/**
 * Every stack of the project whose config is valid, read from its stack file (a stack with invalid config is left
 * out: its own plan reports why). Empty for a project of another config namespace (bootstrap).
 */
export function readChannelConfigs(projectDir: string): ChannelConfig[] {
    const out: ChannelConfig[] = [];
    for (const stack of listStacks(projectDir)) {
        let engine;
        try {
            engine = readEngineConfig(projectDir, stack);
        } catch {
            continue; // a stack file the engine refuses: its own plan says why
        }
        if (engine.project !== NAMESPACE) return [];
        try {
            const config = parseStackConfig(stack, engine.config, engine.secretKeys);
            out.push({ stack, file: `Pulumi.${stack}.yaml`, config, engineConfig: engine.config });
        } catch {
            continue;
        }
    }
    return out;
}

/** Documented placeholders a channel still uses (whether or not they fail its plan), as `<key path>: <how>`. */
export function placeholdersIn(config: StackConfig): string[] {
    return DOCUMENTED_PLACEHOLDERS.filter((p) => {
        const v = valueAt(config, p.path);
        return Array.isArray(v) ? v.includes(p.value) : v === p.value;
    }).map((p) => `${keyPath(p.path[0], ...p.path.slice(1))} = ${String(p.value)}: set ${p.how}`);
}

/** Lowercase alphanumeric words: `transit-data-test` → transit, data, test. */
export function tokens(text: string): string[] {
    return text
        .toLowerCase()
        .split(/[^a-z0-9]+/)
        .filter((t) => t.length > 0);
}

function containsRun(words: readonly string[], run: readonly string[]): boolean {
    for (let i = 0; i + run.length <= words.length; i++) {
        if (run.every((w, j) => words[i + j] === w)) return true;
    }
    return false;
}

/** Every string leaf of the `data-infra:` keys, with its path (`composer.envVariables.CHANNEL`, `releases[0].name`). */
function leaves(engineConfig: Readonly<Record<string, string>>): [string, unknown][] {
    const out: [string, unknown][] = [];
    const walk = (path: string, v: unknown) => {
        if (Array.isArray(v)) v.forEach((x, i) => walk(`${path}[${i}]`, x));
        else if (v !== null && typeof v === "object")
            for (const [k, x] of Object.entries(v)) walk(`${path}.${k}`, x);
        else out.push([path, v]);
    };
    for (const [full, text] of Object.entries(engineConfig)) {
        if (!full.startsWith("data-infra:")) continue;
        let value: unknown = text;
        try {
            if (/^\s*[[{]/.test(text)) value = JSON.parse(text);
        } catch {
            // a plain string that starts with a bracket
        }
        walk(full.slice("data-infra:".length), value);
    }
    return out.sort(([a], [b]) => byCodeUnit(a, b));
}

function valueAt(obj: unknown, path: readonly string[]): unknown {
    let v = obj;
    for (const p of path)
        v = v !== null && typeof v === "object" ? (v as Record<string, unknown>)[p] : undefined;
    return v;
}
