/**
 * Every tool writes all of its output before it exits, also into a pipe whose reader is slower than the writer
 * (a pipe holds 64 KiB; `process.exit` used to drop the rest: `npm run -s plan -- --format json | wc -c` → 65536).
 */
import { strict as assert } from "node:assert";
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { REPO_ROOT, copyCheckout } from "./harness";

/** A reader slower than any writer: 8 KiB at a time with a pause, then the byte count and a JSON check. */
const SLOW_READER = [
    "import json, sys, time",
    "data = b''",
    "while True:",
    "    chunk = sys.stdin.buffer.read1(8192)",
    "    if not chunk: break",
    "    data += chunk",
    "    time.sleep(0.002)",
    "print(len(data))",
    "if sys.argv[1] == 'json': print(len(json.loads(data)['resources']))",
].join("\n");

/** Runs `command` (argv) piped into the slow reader; returns the reader's lines and the writer's exit code. */
function throughSlowPipe(cwd: string, command: string[], check: "json" | "bytes") {
    const quoted = command.map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(" ");
    const r = spawnSync(
        "bash",
        [
            "-c",
            `set -o pipefail; ${quoted} | python3 -c "$READER" ${check}; echo "writer exit \${PIPESTATUS[0]}"`,
        ],
        { cwd, encoding: "utf8", env: { ...process.env, READER: SLOW_READER }, maxBuffer: 1 << 26 },
    );
    return { lines: r.stdout.trim().split("\n"), stderr: r.stderr };
}

describe("output through a pipe", () => {
    it("exitAfterOutput delivers a megabyte to a slow reader, then exits with the code", () => {
        const script = path.join(REPO_ROOT, "test", "fixtures", "big-output.ts");
        const { lines, stderr } = throughSlowPipe(
            REPO_ROOT,
            [process.execPath, "--import", "tsx", script, String(1 << 20)],
            "bytes",
        );
        assert.deepEqual(lines, [String((1 << 20) + 1), "writer exit 3"], stderr);
    });

    it("no command-line tool ends with process.exit directly (runtime/exit.ts waits for the output first)", () => {
        const files = execFileSync(
            "git",
            ["ls-files", "--cached", "--others", "--exclude-standard", "*.ts"],
            {
                cwd: REPO_ROOT,
                encoding: "utf8",
            },
        )
            .split("\n")
            .filter(
                (f) =>
                    /^(tools|bench|bootstrap|runtime)\//.test(f) &&
                    f !== "runtime/exit.ts" &&
                    fs.existsSync(path.join(REPO_ROOT, f)),
            );
        const offenders = files.filter((f) =>
            /process\.exit\(/.test(fs.readFileSync(path.join(REPO_ROOT, f), "utf8")),
        );
        assert.deepEqual(offenders, []);
    });

    it("the plan's JSON of a 2,000-file DAG tree reaches a slow reader whole and parses", function () {
        this.timeout(180_000);
        // GIVEN a copy of this checkout with 2,000 more DAG files (the report: 259 files, cut at 64 KiB)
        const dir = copyCheckout("pipe-plan-");
        try {
            // 2,000 files: one manifest entry (~90 bytes) each since issue 22, so the JSON is well over 64 KiB.
            for (let i = 0; i < 2000; i++) {
                const folder = path.join(dir, "airflow", "dags", "generated", `group_${Math.floor(i / 25)}`);
                if (i % 25 === 0) fs.mkdirSync(folder, { recursive: true });
                fs.writeFileSync(path.join(folder, `dag_${String(i).padStart(4, "0")}.py`), `# dag ${i}\n`);
            }
            // WHEN its JSON plan is piped into a reader slower than the plan writes
            const { lines, stderr } = throughSlowPipe(
                dir,
                [process.execPath, "--import", "tsx", "tools/plan.ts", "--stack", "test", "--format", "json"],
                "json",
            );
            // THEN every byte arrives (well over 64 KiB), it parses, and the plan exits 0
            assert.equal(lines[lines.length - 1], "writer exit 0", stderr);
            assert.ok(Number(lines[0]) > 2 * 65536, `bytes: ${lines[0]}`);
            assert.ok(Number(lines[1]) > 10, `resources: ${lines[1]}`);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
