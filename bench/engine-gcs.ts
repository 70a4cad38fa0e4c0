/**
 * Engine benchmark (issue 22): `pulumi up` with the real CLI, this repository's gcsmanifest plugin and
 * fake-gcs-server, on a `file://` backend, for 1,000 and 10,000 files: the first sync and a one-file change, each
 * a whole process under GNU time, plus the size of the stack's state file. The project is a minimal one in a
 * temporary folder (a plain-JS program declaring one PrefixManifest with the tree's manifest), so the figures
 * are the engine's and the provider's, not the rest of the data-infra program's.
 *
 * The CLI is the one the engine tier caches (~/.cache/data-infra/pulumi-v*), or PULUMI_BIN_DIR.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { startEmulator } from "../test/gcs/emulator";
import { generateTree, type ProcessSample } from "./dag-sync";

const REPO_ROOT = path.resolve(__dirname, "..");
const SIZES = (process.env.BENCH_ENGINE_GCS_SIZES ?? "1000,10000").split(",").map(Number);
const TARGET = { firstS: 180, changeS: 20, stateMB: 3 };

/** The folder holding `pulumi` and `pulumi-language-nodejs`. */
function pulumiBinDir(): string {
    if (process.env.PULUMI_BIN_DIR) return process.env.PULUMI_BIN_DIR;
    const cache = path.join(os.homedir(), ".cache", "data-infra");
    const dirs = fs.existsSync(cache) ? fs.readdirSync(cache).filter((d) => d.startsWith("pulumi-v")) : [];
    const found = dirs.sort().pop();
    if (!found) throw new Error(`no Pulumi CLI in ${cache}/pulumi-v* (set PULUMI_BIN_DIR)`);
    return path.join(cache, found);
}

const PROGRAM = `
const crypto = require("node:crypto"), fs = require("node:fs"), path = require("node:path");
const pulumi = require("@pulumi/pulumi");
const dir = path.join(__dirname, "dags");
const files = {};
for (const rel of fs.readdirSync(dir, { recursive: true }).sort()) {
    const p = path.join(dir, rel);
    if (!fs.statSync(p).isFile()) continue;
    const body = fs.readFileSync(p);
    files["dags/" + rel.split(path.sep).join("/")] =
        crypto.createHash("md5").update(body).digest("base64") + " " + body.length + " text/x-python";
}
new pulumi.CustomResource("gcsmanifest:index:PrefixManifest", "dags/", {
    bucket: "composer-bench", prefix: "dags/", source: dir, files, parallelUploads: 32,
});
`;

/**
 * A whole command under GNU time, without blocking this process: the emulator's counting proxy runs in it and
 * must keep answering the provider while `pulumi up` runs.
 */
function timeProcessAsync(
    args: readonly string[],
    cwd: string,
    env: NodeJS.ProcessEnv,
    log: string,
): Promise<ProcessSample> {
    const timing = `${log}.time`;
    return new Promise((resolve, reject) => {
        const out = fs.openSync(log, "w");
        const child = spawn("/usr/bin/time", ["-o", timing, "-f", "%e %U %S %M", ...args], {
            cwd,
            env,
            stdio: ["ignore", out, out],
        });
        child.on("error", reject);
        child.on("close", (code) => {
            fs.closeSync(out);
            if (code !== 0) return reject(new Error(`${args.join(" ")} failed (${code})`));
            const [wall, user, sys, rssKB] = fs
                .readFileSync(timing, "utf8")
                .trim()
                .split("\n")
                .pop()!
                .split(" ");
            resolve({
                ms: Number(wall) * 1000,
                cpuMs: (Number(user) + Number(sys)) * 1000,
                maxRssMB: Number(rssKB) / 1024,
            });
        });
    });
}

export async function benchEngineGcs(): Promise<void> {
    const bin = pulumiBinDir();
    const emulator = await startEmulator();
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "data-infra-engine-bench-"));
    try {
        const version = fs.existsSync(path.join(bin, "pulumi")) ? path.basename(bin) : "?";
        console.log(
            `Engine benchmark (${version}, node ${process.version}, ${os.cpus().length} CPUs): pulumi up of one ` +
                `PrefixManifest against fake-gcs-server, file:// backend`,
        );
        for (const n of SIZES) {
            const project = path.join(root, `p${n}`);
            fs.mkdirSync(project);
            fs.symlinkSync(path.join(REPO_ROOT, "node_modules"), path.join(project, "node_modules"));
            fs.writeFileSync(path.join(project, "index.js"), PROGRAM);
            fs.writeFileSync(
                path.join(project, "Pulumi.yaml"),
                `name: engine-bench\nruntime: nodejs\nmain: index.js\nplugins:\n  providers:\n` +
                    `    - name: gcsmanifest\n      path: ${path.join(REPO_ROOT, "providers/gcs-manifest/bin")}\n`,
            );
            generateTree(path.join(project, "dags"), n);
            const bucket = "composer-bench";
            await emulator.createBucket(bucket).catch(() => undefined);
            const state = path.join(project, ".state");
            fs.mkdirSync(state);
            const env = {
                ...process.env,
                PATH: `${bin}:${process.env.PATH}`,
                PULUMI_HOME: path.join(project, ".pulumi-home"),
                PULUMI_BACKEND_URL: `file://${state}`,
                PULUMI_CONFIG_PASSPHRASE: "bench",
                PULUMI_SKIP_UPDATE_CHECK: "true",
                PULUMI_DIY_BACKEND_NO_LEGACY_WARNING: "true",
                STORAGE_EMULATOR_HOST: emulator.url,
            };
            const out = path.join(project, "out.log");
            // The plugin logs its time per gRPC call (providers/gcs-manifest/main.ts), one file per run.
            let runs = 0;
            const pluginLog = (i: number) => path.join(project, `plugin-times-${i}.log`);
            const run = (...args: string[]) =>
                timeProcessAsync(
                    ["pulumi", ...args],
                    project,
                    { ...env, GCSMANIFEST_TIMING_LOG: pluginLog(++runs) },
                    out,
                );
            /** `check 0.1 s, diff 0.3 s, update 2.1 s`: the plugin's time per method in run `i`. */
            const pluginTimes = (i: number): string => {
                const byMethod = new Map<string, number>();
                const text = fs.existsSync(pluginLog(i)) ? fs.readFileSync(pluginLog(i), "utf8") : "";
                for (const line of text.split("\n").filter(Boolean)) {
                    const [method, ms] = line.split(" ");
                    byMethod.set(method, (byMethod.get(method) ?? 0) + Number(ms));
                }
                return (
                    [...byMethod].map(([m, ms]) => `${m} ${(ms / 1000).toFixed(1)} s`).join(", ") ||
                    "none logged"
                );
            };
            try {
                await run("stack", "init", `bench${n}`);
                emulator.resetCounts();
                const first = await run("up", "--yes", "--skip-preview", "--non-interactive");
                const firstUploads = emulator.uploads.size;
                const stateFile = fs
                    .readdirSync(state, { recursive: true })
                    .map(String)
                    .find((f) => f.endsWith(`bench${n}.json`));
                const stateMB = stateFile ? fs.statSync(path.join(state, stateFile)).size / 1024 / 1024 : NaN;
                // Any up pays the CLI, the language host, the program and the plugin starting: measured with no change.
                const noChange = await run("up", "--yes", "--skip-preview", "--non-interactive");
                fs.appendFileSync(
                    path.join(project, "dags", "team-0", "group-0", "dag_00000.py"),
                    "\n# changed\n",
                );
                emulator.resetCounts();
                const change = await run("up", "--yes", "--skip-preview", "--non-interactive");
                const changeUploads = emulator.uploads.size;
                // The engine's own account of the update, to tell it apart from process start-up and shutdown.
                const duration = /Duration: (.*)/.exec(fs.readFileSync(out, "utf8"))?.[1] ?? "?";
                const verdict = (ok: boolean) => (ok ? "met" : "NOT met");
                console.log(`\n${n} files`);
                console.log(
                    `  first sync:       wall ${(first.ms / 1000).toFixed(1).padStart(6)} s  CPU ${(first.cpuMs / 1000).toFixed(1)} s  ` +
                        `${first.maxRssMB.toFixed(0)} MB peak RSS  ${firstUploads} uploads`,
                );
                console.log(
                    `  one-file change:  wall ${(change.ms / 1000).toFixed(1).padStart(6)} s  CPU ${(change.cpuMs / 1000).toFixed(1)} s  ` +
                        `${change.maxRssMB.toFixed(0)} MB peak RSS  ${changeUploads} uploads (engine: ${duration})`,
                );
                console.log(
                    `  no-change up:     wall ${(noChange.ms / 1000).toFixed(1).padStart(6)} s  CPU ${(noChange.cpuMs / 1000).toFixed(1)} s  ` +
                        `${noChange.maxRssMB.toFixed(0)} MB peak RSS (the fixed cost of any up here)`,
                );
                console.log(`  state file: ${stateMB.toFixed(2)} MB`);
                console.log(
                    `  plugin time per method (the rest is CLI, engine and program): first sync: ${pluginTimes(2)}; ` +
                        `no-change: ${pluginTimes(3)}; one-file change: ${pluginTimes(4)}`,
                );
                if (n >= 10_000) {
                    console.log(
                        `  targets: first sync < ${TARGET.firstS} s ${verdict(first.ms < TARGET.firstS * 1000)}; ` +
                            `change < ${TARGET.changeS} s ${verdict(change.ms < TARGET.changeS * 1000)}; ` +
                            `state < ${TARGET.stateMB} MB ${verdict(stateMB < TARGET.stateMB)}`,
                    );
                }
            } catch (e) {
                console.log(fs.existsSync(out) ? fs.readFileSync(out, "utf8").slice(-3000) : "");
                throw e;
            }
        }
    } finally {
        await emulator.stop();
        fs.rmSync(root, { recursive: true, force: true });
    }
}
