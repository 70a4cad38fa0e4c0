/**
 * The PyPI preflight (issue 20): a Composer environment's new package set resolved with pip's own resolver against
 * the packages preinstalled in that exact image, before Composer spends 25–60 minutes finding the conflict itself.
 *
 * `pip install --dry-run --report` with the image's set as constraints (`-c`), the image's Python version and
 * platform (`--python-version`, `--platform`, `--implementation cp`, `--only-binary=:all:`, which pip requires with
 * those options), into a throwaway `--target` (pip < 24.1 demands one with platform options; nothing is installed).
 * The result names the resolved versions, or pip's own conflict chain ("The conflict is caused by: …").
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { stripUserinfo } from "../../../../lib/credentials";
import { TYPES, valueAt, type PlanDiff } from "../../../../lib/plan-document";
import { age, readImageSet, type ImageSet } from "./image-sets";

/** What to resolve: one Composer environment's PyPI map on its image version (the head side of the diff). */
export interface PreflightRequest {
    readonly urn: string;
    /** The environment's name. */
    readonly environment: string;
    readonly imageVersion: string;
    /** Composer's map `{name: "[extras]specifier"}` (`""` = any version). */
    readonly packages: Readonly<Record<string, string>>;
}

/** Where the preinstalled set came from and how old it is. */
export interface SetSource {
    readonly source: string;
    readonly readAt: string;
    /** `3 days` (at the review's time). */
    readonly age: string;
}

interface Common {
    readonly urn: string;
    readonly environment: string;
    readonly imageVersion: string;
}

export type PreflightResult =
    | (Common & {
          readonly status: "passed";
          readonly set: SetSource;
          readonly pip: string;
          /**
           * Every distribution of the resolution, name-sorted: `requested` = in the map, `preinstalled` = the image
           * already has this version (only the others are installed on top of it).
           */
          readonly resolved: ReadonlyArray<{
              name: string;
              version: string;
              requested: boolean;
              preinstalled: boolean;
          }>;
      })
    | (Common & {
          readonly status: "conflict";
          readonly set: SetSource;
          readonly pip: string;
          /** pip's first error line (`Cannot install x==1 because these package versions have conflicting …`). */
          readonly message: string;
          /** pip's chain, one line each (`x 1.0 depends on y>=2`, `y==1.5 is preinstalled in the image`). */
          readonly chain: readonly string[];
      })
    | (Common & {
          readonly status: "failed";
          readonly set: SetSource;
          readonly pip: string;
          /** pip's error lines (an unknown package: `No matching distribution found for x==1`). */
          readonly message: string;
      })
    | (Common & { readonly status: "skipped"; readonly reason: string });

/** How the preflight runs: which Python's pip, where the image sets are, the clock. */
export interface PreflightOptions {
    /** A Python with pip >= 22.2 (`--report`); `undefined`: the preflight is skipped. */
    readonly python?: string;
    /** The folders image sets are read from, first match wins (the tool cache; fixtures in tests). */
    readonly setDirs: readonly string[];
    readonly now: Date;
    /** `false` when the review was told not to reach the network (`DATA_INFRA_PYPI_PREFLIGHT=off`). */
    readonly online: boolean;
    /** Per pip run (default 5 minutes). */
    readonly timeoutMs?: number;
    /** The environment pip runs with (its `PIP_INDEX_URL`, `PIP_CERT`…); default `process.env`. */
    readonly env?: NodeJS.ProcessEnv;
}

// Reads the index's page of `pip` with the same CA bundle pip is told to use; exit 0 when the index answers.
const PROBE = [
    "import os, ssl, sys, urllib.request",
    "ctx = ssl.create_default_context(cafile=os.environ.get('PIP_CERT') or None)",
    "urllib.request.urlopen(sys.argv[1].rstrip('/') + '/pip/', timeout=15, context=ctx).read(1)",
].join("\n");

/**
 * Whether the package index answers (`PIP_INDEX_URL`, else PyPI): offline, pip reports every package as having "no
 * matching distribution", which reads like a conflict, so the preflight asks first. The reason when it does not.
 */
export function indexUnreachable(python: string, env: NodeJS.ProcessEnv): string | undefined {
    const index = env.PIP_INDEX_URL || "https://pypi.org/simple/";
    const r = spawnSync(python, ["-c", PROBE, index], { encoding: "utf8", env, timeout: 30_000 });
    if (r.status === 0) return undefined;
    const last = (r.stderr || r.error?.message || "").trim().split("\n").pop() ?? "";
    return `the package index ${stripUserinfo(index)} was not reachable (${last.slice(0, 160)})`;
}

/** `name[extras]specifier` lines of Composer's map, names sorted. */
export function requirementLines(packages: Readonly<Record<string, string>>): string[] {
    return Object.keys(packages)
        .sort()
        .map((name) => `${name}${packages[name]}`);
}

/** The preinstalled set as pip constraints (`name==version`), names sorted. */
export function constraintLines(set: ImageSet): string[] {
    return Object.keys(set.packages)
        .sort()
        .map((name) => `${name}==${set.packages[name]}`);
}

/** pip's arguments (after `python -m pip`) for one preflight. */
export function pipArgs(
    set: ImageSet,
    requirements: readonly string[],
    files: { constraints: string; report: string; target: string },
): string[] {
    return [
        "install",
        "--dry-run",
        "--ignore-installed",
        "--disable-pip-version-check",
        "--no-input",
        "--progress-bar",
        "off",
        // Fail fast offline instead of pip's five retries with backoff.
        "--retries",
        "0",
        "--timeout",
        "20",
        "--report",
        files.report,
        "--target",
        files.target,
        "--python-version",
        set.python,
        "--implementation",
        "cp",
        ...set.platforms.flatMap((p) => ["--platform", p]),
        "--only-binary=:all:",
        "-c",
        files.constraints,
        // After `--`, so a package name can never be read as an option.
        "--",
        ...requirements,
    ];
}

// pip's messages when PyPI cannot be reached (urllib3/requests errors it prints as warnings or errors).
const OFFLINE =
    /NewConnectionError|Failed to establish a new connection|Temporary failure in name resolution|Name or service not known|Network is unreachable|No route to host|ConnectTimeoutError|ProxyError/;

/** Reads pip's outcome: exit code, combined output, and the `--report` JSON (when pip wrote one). */
export function interpretPip(
    base: Common & { set: SetSource; pip: string },
    code: number | null,
    output: string,
    report: string | undefined,
    requested: readonly string[],
    preinstalled: Readonly<Record<string, string>> = {},
): PreflightResult {
    if (code === 0 && report !== undefined) {
        const install = (
            JSON.parse(report) as { install?: Array<{ metadata?: { name?: string; version?: string } }> }
        ).install;
        const names = new Set(requested.map(normalize));
        const resolved = (install ?? [])
            .map((i) => ({ name: normalize(String(i.metadata?.name)), version: String(i.metadata?.version) }))
            .map((i) => ({
                ...i,
                requested: names.has(i.name),
                preinstalled: preinstalled[i.name] === i.version,
            }))
            .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
        return { ...base, status: "passed", resolved };
    }
    const lines = output.split("\n").map((l) => l.trimEnd());
    if (OFFLINE.test(output)) return { ...skip(base), reason: "PyPI was not reachable" };
    const errors = lines.filter((l) => l.startsWith("ERROR: ")).map((l) => l.slice("ERROR: ".length));
    const at = lines.findIndex((l) => l.trim() === "The conflict is caused by:");
    if (at >= 0) {
        const chain: string[] = [];
        for (const l of lines.slice(at + 1)) {
            if (!l.startsWith("    ")) break;
            chain.push(
                l
                    .trim()
                    .replace(/^The user requested \(constraint\) (.+)$/, "$1 is preinstalled in the image")
                    .replace(/^The user requested (.+)$/, "requirements ask for $1"),
            );
        }
        return { ...base, status: "conflict", message: errors[0] ?? "pip found a conflict", chain };
    }
    return {
        ...base,
        status: "failed",
        message: errors.join("\n") || lines.filter(Boolean).slice(-3).join("\n") || `pip exited ${code}`,
    };
}

const normalize = (name: string) => name.toLowerCase().replace(/[-_.]+/g, "-");
const skip = (c: Common): Common & { status: "skipped" } => ({
    urn: c.urn,
    environment: c.environment,
    imageVersion: c.imageVersion,
    status: "skipped",
});

/** The pip version a Python has (`25.3`), or `undefined` without pip. */
export function pipVersion(python: string): string | undefined {
    const r = spawnSync(python, ["-m", "pip", "--version"], { encoding: "utf8" });
    return r.status === 0 ? /^pip (\S+)/.exec(r.stdout)?.[1] : undefined;
}

/** Runs the preflight of one environment's package set. Never throws: every failure is a result. */
export function runPypiPreflight(req: PreflightRequest, opts: PreflightOptions): PreflightResult {
    const c: Common = { urn: req.urn, environment: req.environment, imageVersion: req.imageVersion };
    if (!opts.online) return { ...skip(c), reason: "offline (DATA_INFRA_PYPI_PREFLIGHT=off)" };
    const set = opts.setDirs.map((d) => readImageSet(d, req.imageVersion)).find((s) => s !== undefined);
    if (!set)
        return {
            ...skip(c),
            reason: `no preinstalled package set stored for ${req.imageVersion} (docs/composer-and-dags.md, "PyPI preflight")`,
        };
    const pip = opts.python ? pipVersion(opts.python) : undefined;
    if (!opts.python || !pip) return { ...skip(c), reason: "no python3 with pip on PATH" };
    const env = opts.env ?? process.env;
    const unreachable = indexUnreachable(opts.python, env);
    if (unreachable) return { ...skip(c), reason: unreachable };
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "data-infra-preflight-"));
    try {
        const files = {
            constraints: path.join(tmp, "constraints.txt"),
            report: path.join(tmp, "report.json"),
            target: path.join(tmp, "target"),
        };
        fs.writeFileSync(files.constraints, `${constraintLines(set).join("\n")}\n`);
        const requirements = requirementLines(req.packages);
        if (!requirements.length) return { ...skip(c), reason: "no PyPI packages to resolve" };
        const r = spawnSync(opts.python, ["-m", "pip", ...pipArgs(set, requirements, files)], {
            encoding: "utf8",
            timeout: opts.timeoutMs ?? 300_000,
            maxBuffer: 1 << 26,
            env,
        });
        if (r.error) return { ...skip(c), reason: `pip did not finish: ${r.error.message}` };
        const report = fs.existsSync(files.report) ? fs.readFileSync(files.report, "utf8") : undefined;
        const base = {
            ...c,
            set: { source: set.source, readAt: set.readAt, age: age(set.readAt, opts.now) },
            pip,
        };
        return interpretPip(
            base,
            r.status,
            `${r.stdout}\n${r.stderr}`,
            report,
            Object.keys(req.packages),
            set.packages,
        );
    } finally {
        fs.rmSync(tmp, { recursive: true, force: true });
    }
}

/**
 * The preflights a diff calls for: every Composer environment added, or changed in its PyPI map or image version,
 * resolved on its head side. A removed environment or an unchanged package set needs none.
 */
export function preflightRequests(diff: PlanDiff): PreflightRequest[] {
    const software = "config.softwareConfig";
    return diff.resources.flatMap((r) => {
        if (r.type !== TYPES.composer || !r.head) return [];
        const image = valueAt(r.head.inputs, `${software}.imageVersion`);
        const packages = valueAt(r.head.inputs, `${software}.pypiPackages`);
        const changed =
            r.kind === "add" ||
            JSON.stringify(valueAt(r.base?.inputs, `${software}.pypiPackages`)) !==
                JSON.stringify(packages) ||
            valueAt(r.base?.inputs, `${software}.imageVersion`) !== image;
        if (!changed || typeof image !== "string" || packages === null || typeof packages !== "object")
            return [];
        const map = Object.fromEntries(
            Object.entries(packages as Record<string, unknown>).map(([k, v]) => [k, String(v)]),
        );
        return [
            {
                urn: r.urn,
                environment: String(valueAt(r.head.inputs, "name") ?? r.name),
                imageVersion: image,
                packages: map,
            },
        ];
    });
}
