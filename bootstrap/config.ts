import { Problems } from "../lib/problems";

/** The bootstrap project's config namespace (`data-infra-bootstrap:<key>`). */
export const BOOTSTRAP_NAMESPACE = "data-infra-bootstrap";

/** One bootstrap stack's config: the GCP project it prepares for the channels that deploy into it. */
export interface BootstrapConfig {
    readonly project: string;
    readonly projectNumber: string;
    readonly location: string;
    readonly keepNoncurrentVersions: number;
    readonly buildChannels: readonly string[];
    /**
     * Project whose bootstrap stack holds the one state backend of all channels (bucket and keys); this stack
     * creates it when it is its own project. One backend, because a channel reads its upstream channel's outputs
     * with a StackReference, which only sees stacks of the same backend.
     */
    readonly stateProject: string;
}

/** Every key of the namespace; `bootstrap/Pulumi.yaml` declares exactly these (a test checks). */
export const BOOTSTRAP_KEYS = [
    "project",
    "projectNumber",
    "location",
    "keepNoncurrentVersions",
    "buildChannels",
    "stateProject",
] as const;

const key = (k: string) => `${BOOTSTRAP_NAMESPACE}:${k}`;

/**
 * Turns the engine's config map into the typed bootstrap config, reporting every problem at once
 * (`<key>: <what> (got <value>)`). Unknown keys of this namespace are errors.
 */
export function parseBootstrapConfig(
    stack: string,
    engineConfig: Readonly<Record<string, string>>,
): BootstrapConfig {
    const problems = new Problems();
    const known: readonly string[] = BOOTSTRAP_KEYS;
    for (const full of Object.keys(engineConfig).sort()) {
        const k = full.slice(BOOTSTRAP_NAMESPACE.length + 1);
        if (full.startsWith(`${BOOTSTRAP_NAMESPACE}:`) && !known.includes(k)) {
            problems.add(full, `unknown config key (known: ${known.join(", ")})`);
        }
    }
    const text = (k: string, pattern: RegExp, what: string): string => {
        const v = engineConfig[key(k)];
        if (v === undefined)
            problems.add(key(k), `required key is missing: set it in bootstrap/Pulumi.${stack}.yaml`);
        else if (!pattern.test(v)) problems.add(key(k), `must be ${what}`, v);
        return v ?? "";
    };
    const project = text("project", /^[a-z][a-z0-9-]{4,28}[a-z0-9]$/, "a Google Cloud project id");
    const projectNumber = text("projectNumber", /^[1-9][0-9]{5,19}$/, "the project's number (digits)");
    const location = text("location", /^[a-z]+-[a-z]+[0-9]$/, "a region such as us-west2");
    const keepText = engineConfig[key("keepNoncurrentVersions")] ?? "10";
    const keepNoncurrentVersions = Number(keepText);
    if (
        !Number.isInteger(keepNoncurrentVersions) ||
        keepNoncurrentVersions < 1 ||
        keepNoncurrentVersions > 100
    ) {
        problems.add(key("keepNoncurrentVersions"), "must be an integer from 1 to 100", keepText);
    }
    let buildChannels: string[] = [];
    try {
        const parsed = JSON.parse(engineConfig[key("buildChannels")] ?? "[]") as unknown;
        if (!Array.isArray(parsed) || !parsed.every((c) => typeof c === "string")) throw new Error();
        buildChannels = parsed as string[];
    } catch {
        problems.add(
            key("buildChannels"),
            "must be a list of channel names",
            engineConfig[key("buildChannels")],
        );
    }
    const stateProject = engineConfig[key("stateProject")] ?? project;
    if (!/^[a-z][a-z0-9-]{4,28}[a-z0-9]$/.test(stateProject)) {
        problems.add(key("stateProject"), "must be a Google Cloud project id", stateProject);
    }
    problems.throwIfAny(`invalid config for bootstrap stack "${stack}"`);
    return { project, projectNumber, location, keepNoncurrentVersions, buildChannels, stateProject };
}
