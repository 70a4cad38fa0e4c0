/**
 * The engine tier's workspace: the real Pulumi CLI (found or built by build.sh), a throw-away copy of the project,
 * a `file://` backend, a test PULUMI_HOME whose plugin folder holds the stand-in providers under the real plugin
 * names and versions, and one stand-in store per stack (each channel has its own cloud project and cluster).
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

export const REPO = path.resolve(__dirname, "../..");
const STANDIN = path.join(__dirname, "standin", "provider.ts");
/** The packages whose plugins are replaced by stand-ins. */
export const STANDIN_PACKAGES = ["gcp", "github", "docker", "kubernetes"] as const;

export interface CliRun {
    status: number;
    stdout: string;
    stderr: string;
    ms: number;
}

/** Runs test/engine/build.sh and returns the directory holding `pulumi` and `pulumi-language-nodejs`. */
export function findEngineBin(): string {
    const r = spawnSync("bash", [path.join(__dirname, "build.sh")], {
        encoding: "utf8",
        stdio: ["ignore", "pipe", "inherit"],
    });
    if (r.status !== 0) throw new Error(`test/engine/build.sh failed (${r.status})`);
    return r.stdout.trim().split("\n").pop() ?? "";
}

/** Name and version of a package's resource plugin, as its package.json declares it (what the SDK requests). */
export function pluginOf(pkg: string): { name: string; version: string } {
    const meta = JSON.parse(
        fs.readFileSync(path.join(REPO, "node_modules", "@pulumi", pkg, "package.json"), "utf8"),
    ) as {
        version: string;
        pulumi?: { name?: string; version?: string };
    };
    return { name: meta.pulumi?.name ?? pkg, version: meta.pulumi?.version ?? meta.version };
}

export class EngineWorkspace {
    readonly project: string;
    readonly home: string;
    readonly backend: string;
    readonly stores: string;

    private constructor(
        readonly root: string,
        readonly bin: string,
    ) {
        this.project = path.join(root, "project");
        this.home = path.join(root, "pulumi-home");
        this.backend = path.join(root, "backend");
        this.stores = path.join(root, "stores");
    }

    /** A fresh workspace: project copy (node_modules linked), backend, PULUMI_HOME with the stand-ins. */
    static create(bin: string): EngineWorkspace {
        const ws = new EngineWorkspace(fs.mkdtempSync(path.join(os.tmpdir(), "data-infra-engine-")), bin);
        const skip = new Set(["node_modules", ".git"]);
        fs.cpSync(REPO, ws.project, {
            recursive: true,
            filter: (src) => !skip.has(path.basename(src)) || path.dirname(src) !== REPO,
        });
        fs.symlinkSync(path.join(REPO, "node_modules"), path.join(ws.project, "node_modules"));
        fs.mkdirSync(ws.backend, { recursive: true });
        fs.mkdirSync(ws.stores, { recursive: true });
        ws.installStandins();
        return ws;
    }

    private installStandins(): void {
        const tsx = require.resolve("tsx/cjs", { paths: [REPO] });
        for (const pkg of STANDIN_PACKAGES) {
            const { name, version } = pluginOf(pkg);
            const dir = path.join(this.home, "plugins", `resource-${name}-v${version}`);
            fs.mkdirSync(dir, { recursive: true });
            const exe = path.join(dir, `pulumi-resource-${name}`);
            fs.writeFileSync(
                exe,
                `#!/bin/sh\n# data-infra engine tier: stand-in for the ${name} provider (test/engine/standin).\n` +
                    `exec ${JSON.stringify(process.execPath)} --require ${JSON.stringify(tsx)} ` +
                    `${JSON.stringify(STANDIN)} ${name} ${version} "$@"\n`,
                { mode: 0o755 },
            );
        }
    }

    /** The environment every CLI run gets: nothing from the user's Pulumi setup leaks in. */
    env(stack?: string): NodeJS.ProcessEnv {
        const env: NodeJS.ProcessEnv = {};
        for (const k of ["PATH", "HOME", "TMPDIR", "LANG", "XDG_CACHE_HOME"])
            if (process.env[k]) env[k] = process.env[k];
        return {
            ...env,
            PATH: `${this.bin}${path.delimiter}${path.dirname(process.execPath)}${path.delimiter}${env.PATH ?? ""}`,
            PULUMI_HOME: this.home,
            PULUMI_BACKEND_URL: `file://${this.backend}`,
            PULUMI_CONFIG_PASSPHRASE: "engine-tier",
            PULUMI_SKIP_UPDATE_CHECK: "true",
            PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
            // Only the plugin folder and the language host next to the CLI count, never a provider on PATH.
            PULUMI_IGNORE_AMBIENT_PLUGINS: "true",
            // Type checking is npm test's job; the engine tier measures the engine, not tsc.
            PULUMI_NODEJS_TRANSPILE_ONLY: "true",
            NO_COLOR: "1",
            DATA_INFRA_ENGINE_TIER: "1",
            DATA_INFRA_STANDIN_STORE: path.join(this.stores, stack ?? "none"),
        };
    }

    /** Runs `pulumi <args>` in the project copy (or `cwd`), for `stack` (also selects its stand-in store). */
    pulumi(args: readonly string[], opts: { stack?: string; cwd?: string; input?: string } = {}): CliRun {
        const start = Date.now();
        const r = spawnSync(path.join(this.bin, "pulumi"), [...args, "--non-interactive"], {
            cwd: opts.cwd ?? this.project,
            env: this.env(opts.stack),
            encoding: "utf8",
            input: opts.input,
            maxBuffer: 512 * 1024 * 1024,
        });
        return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr, ms: Date.now() - start };
    }

    /** Like `pulumi`, but throws with the CLI's own output when it fails. */
    must(args: readonly string[], opts: { stack?: string; cwd?: string; input?: string } = {}): CliRun {
        const r = this.pulumi(args, opts);
        if (r.status !== 0) {
            throw new Error(
                `pulumi ${args.join(" ")} exited ${r.status}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`,
            );
        }
        return r;
    }

    /** `pulumi config set --path <path> <value>` (the CLI rewrites the stack file; YAML comments are lost). */
    setConfig(stack: string, keyPath: string, value: string): void {
        this.must(["config", "set", "--stack", stack, "--path", keyPath, value], { stack });
    }

    /** `pulumi stack init` with the passphrase provider (the DIY backend's default). */
    initStack(stack: string, cwd?: string): void {
        this.must(["stack", "init", stack, "--secrets-provider", "passphrase"], { stack, cwd });
    }

    preview(stack: string, cwd?: string): { run: CliRun; json: PreviewJson } {
        const run = this.pulumi(["preview", "--stack", stack, "--json"], { stack, cwd });
        // A CLI that fails before the program runs (config, stack) prints its error on stderr and no JSON.
        let json: PreviewJson = {};
        try {
            json = JSON.parse(run.stdout) as PreviewJson;
        } catch {
            if (run.status === 0)
                throw new Error(`pulumi preview --stack ${stack} printed no JSON:\n${run.stdout}`);
        }
        return { run, json };
    }

    up(stack: string, extra: readonly string[] = []): CliRun {
        return this.pulumi(["up", "--stack", stack, "--yes", "--skip-preview", ...extra], { stack });
    }

    /** The stack's state as `pulumi stack export` prints it. */
    exportState(stack: string): StateJson {
        return JSON.parse(this.must(["stack", "export", "--stack", stack], { stack }).stdout) as StateJson;
    }

    remove(): void {
        fs.rmSync(this.root, { recursive: true, force: true });
    }
}

export interface PreviewStep {
    op: string;
    urn: string;
    diffReasons?: string[];
    replaceReasons?: string[];
    newState?: { type: string; inputs?: Record<string, unknown>; parent?: string; custom?: boolean };
    oldState?: { type: string; inputs?: Record<string, unknown>; parent?: string };
}
export interface PreviewJson {
    steps?: PreviewStep[];
    diagnostics?: { message: string; severity: string; urn?: string }[];
    changeSummary?: Record<string, number>;
}
export interface StateResource {
    urn: string;
    type: string;
    id?: string;
    custom?: boolean;
    parent?: string;
    provider?: string;
    inputs?: Record<string, unknown>;
    outputs?: Record<string, unknown>;
    protect?: boolean;
}
export interface StateJson {
    deployment: { resources?: StateResource[] };
}

/** Steps of a preview that change something (anything but `same`), as `op urn`, sorted. */
export function changes(json: PreviewJson): string[] {
    return (json.steps ?? [])
        .filter((s) => s.op !== "same")
        .map((s) => `${s.op} ${s.urn}`)
        .sort();
}
