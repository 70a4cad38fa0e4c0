/**
 * DAG-sync benchmark (issue 4). For synthetic trees of 1,000 and 5,000 files it measures, each in a fresh child
 * process so peak RSS belongs to one measurement:
 *   (a) plan: the whole test stack under the mock runtime with the tree as the DAG source;
 *   (b) floor: the SDK alone registering the same number of BucketObjects with literal content, no file work;
 *   (c) coreutils md5sum over the same files, against our file listing + MD5 (listDagFiles).
 * Trees live in a temporary folder that is removed afterwards.
 */
import { execFileSync } from "node:child_process";
import { childEntry, measureInChild } from "./child";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { listDagFiles } from "../components/airflow/dag-files";
import { DEFAULT_DAG_EXCLUDES } from "../config/sections/dags";
import type * as RunProgram from "../runtime/run-program";
import { readEngineConfig } from "../runtime/stack-files";

// Loaded only by the children that plan, so the hashing child measures file work, not the SDK in memory.
const runProgram: typeof RunProgram.runProgram = (opts) =>
    (require("../runtime/run-program") as typeof RunProgram).runProgram(opts);

const REPO_ROOT = path.resolve(__dirname, "..");
// BENCH_DAG_SIZES=200,1000 for a quick run; the figures in README use the default.
const SIZES = (process.env.BENCH_DAG_SIZES ?? "1000,5000").split(",").map(Number);
const FLOOR_PROGRAM = path.join(__dirname, "floor-program.ts");

interface Sample {
    /** Wall time. */
    ms: number;
    /** CPU time (user + system) of the measured part: on a shared machine, far less sensitive to load than wall time. */
    cpuMs: number;
    maxRssMB: number;
    objects: number;
}

/** Deterministic pseudo-random numbers (mulberry32), so every run measures the same tree. */
function rng(seed: number): () => number {
    return () => {
        seed = (seed + 0x6d2b79f5) | 0;
        let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
        t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
}

/** `n` files, ~70% .py and ~30% .yml, 2-18 KB (10 KB on average), 25 per folder, two levels deep. */
export function generateTree(dir: string, n: number): number {
    const random = rng(n);
    const line = "    task = PythonOperator(task_id='load_feed', python_callable=load, retries=3)\n";
    let bytes = 0;
    for (let i = 0; i < n; i++) {
        const folder = path.join(dir, `team-${Math.floor(i / 250)}`, `group-${Math.floor(i / 25) % 10}`);
        if (i % 25 === 0) fs.mkdirSync(folder, { recursive: true });
        const size = 2048 + Math.floor(random() * 16384);
        const yml = random() < 0.3;
        const head = yml ? `# feed ${i}\nfeeds:\n` : `"""DAG ${i}."""\nfrom airflow import DAG\n`;
        const body = (yml ? `  - key: feed-${i}\n    url: https://example.com/${i}.zip\n` : line).repeat(
            Math.ceil(size / line.length),
        );
        const text = (head + body).slice(0, size);
        fs.writeFileSync(path.join(folder, `dag_${String(i).padStart(5, "0")}.${yml ? "yml" : "py"}`), text);
        bytes += size;
    }
    return bytes;
}

/** Runs one measurement in a fresh process and returns what it printed. */
function child(mode: string, ...args: string[]): Sample {
    return measureInChild<Sample>(__filename, mode, args);
}

/** Child side: one measurement, printed as one JSON line. */
async function runChild(mode: string, args: string[]): Promise<void> {
    // Warm: the same listing once before the clock starts, so JIT and first-use costs are left out.
    if (mode === "hash-warm") listTree(args[0]);
    const start = process.hrtime.bigint();
    const cpu = process.cpuUsage();
    let objects = 0;
    if (mode === "plan") {
        const base = readEngineConfig(REPO_ROOT, "test");
        const dags = { folders: [{ source: args[0], prefix: "dags/" }], exclude: [...DEFAULT_DAG_EXCLUDES] };
        const run = await runProgram({
            stack: "test",
            config: { ...base, config: { ...base.config, "data-infra:dags": JSON.stringify(dags) } },
        });
        objects = run.recorder.ofType("gcp:storage/bucketObject:BucketObject").length;
    } else if (mode === "floor") {
        process.env.BENCH_OBJECTS = args[0];
        const run = await runProgram({
            stack: "bench",
            config: { project: "bench", config: {}, secretKeys: new Set() },
            program: FLOOR_PROGRAM,
        });
        objects = run.recorder.ofType("gcp:storage/bucketObject:BucketObject").length;
    } else if (mode === "hash" || mode === "hash-warm") {
        objects = listTree(args[0]);
    } else {
        throw new Error(`unknown mode ${mode}`);
    }
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    const used = process.cpuUsage(cpu);
    const cpuMs = (used.user + used.system) / 1000;
    const maxRssMB = process.resourceUsage().maxRSS / 1024;
    console.log(JSON.stringify({ ms, cpuMs, maxRssMB, objects }));
}

function listTree(dir: string): number {
    return listDagFiles({
        projectDir: REPO_ROOT,
        folders: [{ source: dir, prefix: "dags/" }],
        exclude: DEFAULT_DAG_EXCLUDES,
    }).files.length;
}

/**
 * `md5sum` over every file of `dir` (coreutils; `find | xargs`, as `rsync -c` reads them): wall time, and CPU time
 * of the child processes from bash's `times`.
 */
function coreutils(dir: string): { ms: number; cpuMs: number } {
    const start = process.hrtime.bigint();
    const out = execFileSync(
        "bash",
        ["-c", 'find "$1" -type f -print0 | xargs -0 md5sum > /dev/null; times', "bash", dir],
        { encoding: "utf8" },
    );
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    // `times` prints the shell's then the children's "<user> <system>", each like 0m0.073s.
    const seconds = [...(out.trim().split("\n").pop() ?? "").matchAll(/(\d+)m([\d.]+)s/g)].map(
        (m) => Number(m[1]) * 60 + Number(m[2]),
    );
    return { ms, cpuMs: (seconds[0] + seconds[1]) * 1000 };
}

const fastest = <T extends { cpuMs: number }>(xs: T[]): T => xs.reduce((a, b) => (b.cpuMs < a.cpuMs ? b : a));

const fmt = (n: number, digits = 1) => n.toFixed(digits);

export async function benchDagSync(): Promise<void> {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "data-infra-dag-bench-"));
    try {
        console.log(
            `DAG sync benchmark (node ${process.version}, ${os.cpus().length} CPUs, ${os.platform()})`,
        );
        const a: Record<number, Sample> = {};
        const b: Record<number, Sample> = {};
        for (const n of SIZES) {
            const dir = path.join(root, `tree-${n}`);
            const bytes = generateTree(dir, n);
            const mb = bytes / 1024 / 1024;
            // Warm the page cache so (c) and our hashing read the same cached files.
            coreutils(dir);
            // Interleaved, best of 5 each: on a shared machine, neighbours slow down whatever runs at the time.
            const rounds = Array.from({ length: 5 }, () => ({
                core: coreutils(dir),
                cold: child("hash", dir),
                hash: child("hash-warm", dir),
            }));
            const core = fastest(rounds.map((r) => r.core));
            const cold = fastest(rounds.map((r) => r.cold));
            const hash = fastest(rounds.map((r) => r.hash));
            const plan = child("plan", dir);
            const floor = child("floor", String(n));
            if (plan.objects !== n || floor.objects !== n || hash.objects !== n) {
                throw new Error(`expected ${n} objects, got plan ${plan.objects}, floor ${floor.objects}`);
            }
            a[n] = plan;
            b[n] = floor;
            console.log(`\n${n} files, ${fmt(mb)} MB (${fmt(bytes / n / 1024)} KB average)`);
            const row = (label: string, s: Sample) =>
                console.log(
                    `  ${label.padEnd(34)} wall ${fmt(s.ms / 1000, 2).padStart(6)} s  CPU ${fmt(s.cpuMs / 1000, 2).padStart(6)} s  ` +
                        `${fmt(s.maxRssMB, 0).padStart(5)} MB peak RSS  ${fmt(s.cpuMs / n, 2)} ms CPU/file  ${fmt(s.maxRssMB / n, 3)} MB/file`,
                );
            row("(a) plan whole stack with the tree", plan);
            row("(b) floor: SDK registering objects", floor);
            console.log(
                `  a/b: wall ${fmt(plan.ms / floor.ms, 2)}, CPU ${fmt(plan.cpuMs / floor.cpuMs, 2)} (target <= 1.3); ` +
                    `peak RSS ${fmt(plan.maxRssMB / floor.maxRssMB, 2)} (target <= 1.3)`,
            );
            const rate = (ms: number) => mb / (ms / 1000);
            const pct = (ours: number, theirs: number) => fmt((rate(ours) / rate(theirs)) * 100, 0);
            console.log(
                `  hashing (CPU): listDagFiles ${fmt(hash.cpuMs)} ms = ${fmt(rate(hash.cpuMs))} MB/s; (c) md5sum ` +
                    `${fmt(core.cpuMs)} ms = ${fmt(rate(core.cpuMs))} MB/s; ratio ${pct(hash.cpuMs, core.cpuMs)}% ` +
                    `(target >= 50%); first call in a fresh process ${pct(cold.cpuMs, core.cpuMs)}%`,
            );
            console.log(
                `  hashing (wall): listDagFiles ${fmt(hash.ms)} ms, md5sum ${fmt(core.ms)} ms; ratio ${pct(hash.ms, core.ms)}%; ` +
                    `first call ${pct(cold.ms, core.ms)}%`,
            );
        }
        const [small, large] = [SIZES[0], SIZES[SIZES.length - 1]];
        const scale = (x: Record<number, Sample>, k: keyof Sample) => fmt(x[large][k] / x[small][k], 2);
        console.log(
            `\na(${large})/a(${small}): wall ${scale(a, "ms")}, CPU ${scale(a, "cpuMs")} (target <= 5.5), ` +
                `peak RSS ${scale(a, "maxRssMB")}; the floor alone: b(${large})/b(${small}) wall ${scale(b, "ms")}, ` +
                `CPU ${scale(b, "cpuMs")}, peak RSS ${scale(b, "maxRssMB")}`,
        );
    } finally {
        fs.rmSync(root, { recursive: true, force: true });
    }
}

childEntry(module, runChild);
