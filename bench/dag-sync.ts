/**
 * DAG-sync benchmark (issues 4 and 22). For synthetic trees of 1,000, 5,000 and 10,000 files it measures, each as a
 * whole process under GNU time (wall, CPU, peak RSS of the largest process):
 *   (a) the user's command, `npm run plan -- --stack test --format json`, in a copy of the project whose
 *       `airflow/dags/` is the tree (npm, tsx and all);
 *   (b) a plain-node floor: `node` without tsx or any of our code, reading and MD5-hashing the same files and
 *       registering one resource with the N-entry manifest under the SDK's mock runtime: the least any offline
 *       plan of this design can cost;
 *   (c) coreutils `md5sum` over the same files (warm page cache).
 * The copy and the trees live in a temporary folder that is removed afterwards.
 */
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const REPO_ROOT = path.resolve(__dirname, "..");
// BENCH_DAG_SIZES=200,1000 for a quick run; the figures in README use the default.
const SIZES = (process.env.BENCH_DAG_SIZES ?? "1000,5000,10000").split(",").map(Number);
const ROUNDS = 3;
const TARGET = { wallS: 5, rssMB: 512, scale: 2 };

export interface ProcessSample {
    /** Wall time. */
    ms: number;
    /** CPU time (user + system) of the process and its children. */
    cpuMs: number;
    /** Peak RSS of the largest process of the tree (GNU time's %M). */
    maxRssMB: number;
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

/**
 * A copy of the project's tracked files in `dir` (sharing this checkout's node_modules), so a benchmark can replace
 * `airflow/dags/` and run the user's own commands in it.
 */
export function copyProject(dir: string): void {
    const files = execFileSync("git", ["-C", REPO_ROOT, "ls-files", "-z"], { encoding: "utf8" })
        .split("\0")
        .filter((f) => f !== "" && !f.startsWith("airflow/dags/") && fs.existsSync(path.join(REPO_ROOT, f)));
    for (const f of files) {
        fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
        const from = path.join(REPO_ROOT, f);
        // A tracked symlink (to a folder, say) is copied as the link it is.
        if (fs.lstatSync(from).isSymbolicLink()) fs.symlinkSync(fs.readlinkSync(from), path.join(dir, f));
        else fs.copyFileSync(from, path.join(dir, f));
    }
    fs.symlinkSync(path.join(REPO_ROOT, "node_modules"), path.join(dir, "node_modules"));
}

/** Runs a whole command under GNU time; its stdout goes to `stdoutFile`. */
export function timeProcess(
    command: string,
    args: readonly string[],
    cwd: string,
    stdoutFile: string,
    okCodes: readonly number[] = [0],
): ProcessSample {
    const timing = path.join(os.tmpdir(), `data-infra-bench-time-${process.pid}`);
    const out = fs.openSync(stdoutFile, "w");
    try {
        const r = spawnSync("/usr/bin/time", ["-o", timing, "-f", "%e %U %S %M", command, ...args], {
            cwd,
            stdio: ["ignore", out, "pipe"],
            encoding: "utf8",
            maxBuffer: 64 * 1024 * 1024,
        });
        if (r.status === null || !okCodes.includes(r.status)) {
            throw new Error(`${command} ${args.join(" ")} failed (${r.status}):\n${r.stderr}`);
        }
        const [wall, user, sys, rssKB] = fs.readFileSync(timing, "utf8").trim().split("\n").pop()!.split(" ");
        return {
            ms: Number(wall) * 1000,
            cpuMs: (Number(user) + Number(sys)) * 1000,
            maxRssMB: Number(rssKB) / 1024,
        };
    } finally {
        fs.closeSync(out);
        fs.rmSync(timing, { force: true });
    }
}

/** Files the plan declares: entries of manifest resources plus per-file bucket objects. */
export function plannedFiles(planJson: string): number {
    // npm prints its "> data-infra@… plan" header before the document.
    const doc = JSON.parse(planJson.slice(planJson.search(/^[{[]/m))) as {
        resources: { type: string; inputs?: { files?: object } }[];
    };
    let n = 0;
    for (const r of doc.resources) {
        if (r.type === "gcp:storage/bucketObject:BucketObject") n++;
        else if (r.type.startsWith("gcsmanifest:")) n += Object.keys(r.inputs?.files ?? {}).length;
    }
    return n;
}

/**
 * The floor, plain node: hash every file under `dir` and register one resource with the manifest under the mock
 * runtime, as any program of this design must. It prints the number of entries.
 */
const FLOOR = `
const crypto = require("node:crypto"), fs = require("node:fs"), path = require("node:path");
const pulumi = require("@pulumi/pulumi");
pulumi.runtime.setMocks({
    newResource: (a) => ({ id: a.name + "-id", state: a.inputs }),
    call: () => { throw new Error("no invokes"); },
}, "bench", "bench", false);
const dir = process.argv[1];
const files = {};
for (const rel of fs.readdirSync(dir, { recursive: true }).sort()) {
    const p = path.join(dir, rel);
    if (!fs.statSync(p).isFile()) continue;
    const body = fs.readFileSync(p);
    files["dags/" + rel] = crypto.createHash("md5").update(body).digest("base64") + " " + body.length + " text/x-python";
}
const r = new pulumi.CustomResource("gcsmanifest:index:PrefixManifest", "dags", { bucket: "b", prefix: "dags/", files });
r.urn.apply(() => console.log(Object.keys(files).length));
`;

const fmt = (n: number, digits = 1) => n.toFixed(digits);
const best = (xs: ProcessSample[]): ProcessSample => xs.reduce((a, b) => (b.ms < a.ms ? b : a));

export async function benchDagSync(): Promise<void> {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "data-infra-dag-bench-"));
    try {
        console.log(
            `DAG sync benchmark (node ${process.version}, ${os.cpus().length} CPUs, ${os.platform()}); ` +
                `best of ${ROUNDS} wall, each a whole process`,
        );
        const project = path.join(root, "project");
        copyProject(project);
        const dags = path.join(project, "airflow", "dags");
        const out = path.join(root, "out.json");
        const a: Record<number, ProcessSample> = {};
        for (const n of SIZES) {
            fs.rmSync(dags, { recursive: true, force: true });
            const bytes = generateTree(dags, n);
            execFileSync("bash", [
                "-c",
                'find "$1" -type f -print0 | xargs -0 cat > /dev/null',
                "bash",
                dags,
            ]);
            const plans: ProcessSample[] = [];
            const floors: ProcessSample[] = [];
            const sums: ProcessSample[] = [];
            for (let i = 0; i < ROUNDS; i++) {
                // Exit 3 (mandatory policy violations) is a finished plan too.
                plans.push(
                    timeProcess(
                        "npm",
                        ["run", "plan", "--", "--stack", "test", "--format", "json"],
                        project,
                        out,
                        [0, 3],
                    ),
                );
                const planned = plannedFiles(fs.readFileSync(out, "utf8"));
                floors.push(timeProcess(process.execPath, ["-e", FLOOR, dags], REPO_ROOT, out));
                const floorFiles = Number(fs.readFileSync(out, "utf8").trim());
                // The plan also holds the repository's own plugins/ files.
                if (planned < n || floorFiles !== n) {
                    throw new Error(`expected ${n} files, got plan ${planned}, floor ${floorFiles}`);
                }
                sums.push(
                    timeProcess(
                        "bash",
                        ["-c", 'find "$1" -type f -print0 | xargs -0 md5sum', "bash", dags],
                        root,
                        "/dev/null",
                    ),
                );
            }
            const plan = (a[n] = best(plans));
            const floor = best(floors);
            console.log(`\n${n} files, ${fmt(bytes / 1024 / 1024)} MB (${fmt(bytes / n / 1024)} KB average)`);
            const row = (label: string, s: ProcessSample) =>
                console.log(
                    `  ${label.padEnd(46)} wall ${fmt(s.ms / 1000, 2).padStart(6)} s  CPU ${fmt(s.cpuMs / 1000, 2).padStart(6)} s  ` +
                        `${fmt(s.maxRssMB, 0).padStart(5)} MB peak RSS`,
                );
            row("(a) npm run plan -- --stack test --format json", plan);
            row("(b) floor: plain node, hash + one manifest", floor);
            row("(c) md5sum over the files", best(sums));
            console.log(
                `  a/b: wall ${fmt(plan.ms / floor.ms, 2)}, CPU ${fmt(plan.cpuMs / floor.cpuMs, 2)}, ` +
                    `peak RSS ${fmt(plan.maxRssMB / floor.maxRssMB, 2)}`,
            );
        }
        const [small, large] = [SIZES[0], SIZES[SIZES.length - 1]];
        const last = a[large];
        const verdict = (ok: boolean) => (ok ? "met" : "NOT met");
        console.log(
            `\nplan of ${large} files: wall ${fmt(last.ms / 1000, 2)} s (target < ${TARGET.wallS} s: ` +
                `${verdict(last.ms < TARGET.wallS * 1000)}), peak RSS ${fmt(last.maxRssMB, 0)} MB (target < ` +
                `${TARGET.rssMB} MB: ${verdict(last.maxRssMB < TARGET.rssMB)})`,
        );
        const scale = last.ms / a[small].ms;
        console.log(
            `a(${large})/a(${small}): wall ${fmt(scale, 2)} (target <= ${TARGET.scale}: ` +
                `${verdict(scale <= TARGET.scale)}), CPU ${fmt(last.cpuMs / a[small].cpuMs, 2)}, peak RSS ` +
                `${fmt(last.maxRssMB / a[small].maxRssMB, 2)}`,
        );
    } finally {
        fs.rmSync(root, { recursive: true, force: true });
    }
}
