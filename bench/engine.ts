/**
 * Engine benchmark (`npm run bench -- engine`, issue 14): `pulumi preview` and `pulumi up` of the test channel with
 * synthetic DAG trees of 1,000 and 5,000 files, through the real CLI and engine (test/engine/build.sh), the
 * stand-in providers, the real gcsmanifest plugin on fake-gcs-server and a `file://` backend. For each: wall time, peak
 * RSS of the CLI, of the program (the Node process the language host starts) and of the largest plugin (a stand-in or
 * gcsmanifest), the state file's size, and the ratio to the
 * offline plan of the same tree (`npm run plan -- --stack test` in the same copy, under GNU time as in bench dag-sync).
 *
 * Peak RSS is read from /proc/<pid>/status (VmHWM, the kernel's high-water mark) every 100 ms while the command
 * runs, so each process's own peak is counted, not the sum of a process tree.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { generateTree, timeProcess } from "./dag-sync";
import { EngineWorkspace, commandTimeoutS, findEngineBin, killTree } from "../test/engine/harness";
import { startEmulator } from "../test/gcs/emulator";

const SIZES = (process.env.BENCH_DAG_SIZES ?? "1000,5000").split(",").map(Number);

interface Measured {
    ms: number;
    status: number;
    cliMB: number;
    programMB: number;
    pluginMB: number;
    stdout: string;
    stderr: string;
}

type Role = "cli" | "program" | "plugin";

function roleOf(pid: string, cli: string): Role | undefined {
    let cmd: string;
    try {
        cmd = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8");
    } catch {
        return undefined;
    }
    const argv = cmd.split("\0");
    if (argv[0] === cli) return "cli";
    if (argv.some((a) => a.endsWith(path.join("standin", "provider.ts")))) return "plugin";
    if (argv.some((a) => a.endsWith(path.join("gcs-manifest", "main.ts")))) return "plugin";
    if (argv.some((a) => /@pulumi[/\\]pulumi[/\\]cmd[/\\]run/.test(a))) return "program";
    return undefined;
}

function hwmMB(pid: string): number {
    try {
        const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"));
        return m ? Number(m[1]) / 1024 : 0;
    } catch {
        return 0;
    }
}

/** Runs `pulumi <args>` in the workspace and samples the peak RSS of the CLI, the program and the plugins. */
function measure(ws: EngineWorkspace, args: string[], stack: string): Promise<Measured> {
    const cli = path.join(ws.bin, "pulumi");
    const peak: Record<Role, number> = { cli: 0, program: 0, plugin: 0 };
    const start = Date.now();
    const child = spawn(cli, [...args, "--non-interactive"], { cwd: ws.project, env: ws.env(stack) });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const sample = () => {
        for (const pid of fs.readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
            const role = roleOf(pid, cli);
            if (role) peak[role] = Math.max(peak[role], hwmMB(pid));
        }
    };
    const timer = setInterval(sample, 100);
    // As in the engine tier: a command past its time limit is killed with everything it started.
    const limit = setTimeout(() => killTree(child.pid!), commandTimeoutS() * 1000);
    return new Promise((resolve) =>
        child.on("close", (code) => {
            clearInterval(timer);
            clearTimeout(limit);
            resolve({
                ms: Date.now() - start,
                status: code ?? -1,
                cliMB: peak.cli,
                programMB: peak.program,
                pluginMB: peak.plugin,
                stdout,
                stderr,
            });
        }),
    );
}

const fmt = (n: number, digits = 1) => n.toFixed(digits);

export async function benchEngine(): Promise<void> {
    const bin = findEngineBin();
    console.log(`Engine benchmark (node ${process.version}, ${os.cpus().length} CPUs, CLI in ${bin})`);
    for (const n of SIZES) {
        const ws = EngineWorkspace.create(bin);
        // The DAG files go through the real gcsmanifest plugin into fake-gcs-server, as in the engine tier.
        const gcs = await startEmulator();
        ws.gcsUrl = gcs.url;
        try {
            const dags = path.join(ws.project, "airflow", "dags");
            fs.rmSync(dags, { recursive: true, force: true });
            const bytes = generateTree(dags, n);
            // The user's own plan command on the same tree, as bench dag-sync measures it.
            const plan = timeProcess(
                "npm",
                ["run", "plan", "--", "--stack", "test", "--format", "json"],
                ws.project,
                path.join(ws.root, "plan.json"),
            );
            await ws.initStack("test");
            const rows: [string, Measured][] = [];
            for (const [label, args] of [
                ["preview (fresh stack: all creates)", ["preview", "--stack", "test"]],
                ["up (all creates)", ["up", "--stack", "test", "--yes", "--skip-preview"]],
                ["preview (no changes)", ["preview", "--stack", "test"]],
                ["up (no changes)", ["up", "--stack", "test", "--yes", "--skip-preview"]],
            ] as const) {
                const m = await measure(ws, [...args], "test");
                if (m.status !== 0)
                    throw new Error(
                        `pulumi ${args.join(" ")} failed (${m.status}):\n${m.stdout}\n${m.stderr}`,
                    );
                rows.push([label, m]);
            }
            const state = path.join(ws.backend, ".pulumi", "stacks", "data-infra", "test.json");
            const stateMB = fs.statSync(state).size / 1024 / 1024;
            console.log(
                `\n${n} DAG files (${fmt(bytes / 1024 / 1024)} MB); offline plan of the same tree: ` +
                    `${fmt(plan.ms / 1000, 2)} s, ${fmt(plan.maxRssMB, 0)} MB peak RSS`,
            );
            for (const [label, m] of rows) {
                console.log(
                    `  ${label.padEnd(36)} ${fmt(m.ms / 1000, 1).padStart(6)} s (${fmt(m.ms / plan.ms, 1).padStart(4)}x plan)  ` +
                        `peak RSS: CLI ${fmt(m.cliMB, 0).padStart(5)} MB, program ${fmt(m.programMB, 0).padStart(5)} MB, ` +
                        `largest plugin ${fmt(m.pluginMB, 0).padStart(4)} MB`,
                );
            }
            console.log(
                `  state file: ${fmt(stateMB, 2)} MB (${fmt((stateMB * 1024) / n, 2)} KB per DAG file)`,
            );
        } finally {
            await gcs.stop();
            ws.remove();
        }
    }
}
