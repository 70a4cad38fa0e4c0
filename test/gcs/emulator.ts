/**
 * A real GCS JSON API for tests: fake-gcs-server built from its Go module at a pinned tag, cached outside the
 * repository by version, started on 127.0.0.1. In front of it a small proxy counts uploads per object and can fail
 * chosen ones, so tests see what went over the wire and how the provider survives a failing upload. It also keeps a
 * log of every request in the order it arrived and was answered, so a test can tell whether an upload was answered
 * before a delete was sent (the engine tier's rename scenario).
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";

export const FAKE_GCS_VERSION = "v1.56.1";
const MODULE = "github.com/fsouza/fake-gcs-server";

/** The emulator binary, built once per version with `go install` into ~/.cache/data-infra (or DATA_INFRA_CACHE). */
export function emulatorBinary(): string {
    const cache = process.env.DATA_INFRA_CACHE ?? path.join(os.homedir(), ".cache", "data-infra");
    const dir = path.join(cache, "fake-gcs-server", FAKE_GCS_VERSION);
    const bin = path.join(dir, "fake-gcs-server");
    if (fs.existsSync(bin)) return bin;
    fs.mkdirSync(dir, { recursive: true });
    const r = spawnSync("go", ["install", `${MODULE}@${FAKE_GCS_VERSION}`], {
        env: { ...process.env, GOBIN: dir },
        stdio: "inherit",
    });
    if (r.status !== 0 || !fs.existsSync(bin)) {
        throw new Error(
            `building ${MODULE}@${FAKE_GCS_VERSION} failed (is Go installed?): ${r.error ?? r.status}`,
        );
    }
    return bin;
}

async function freePort(): Promise<number> {
    const server = http.createServer();
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as AddressInfo).port;
    await new Promise((r) => server.close(r));
    return port;
}

export interface Emulator {
    /** Base URL for clients (`STORAGE_EMULATOR_HOST`), through the counting proxy. */
    readonly url: string;
    /** Upload requests seen per object name since the last `resetCounts`. */
    readonly uploads: Map<string, number>;
    /** Object name → how many more uploads of it to answer with 503. */
    readonly failUploads: Map<string, number>;
    /**
     * Every request since the last `resetCounts`, in order: `> <what>` when it arrived, `< <status> <what>` when it
     * was answered, `<what>` as {@link describeRequest} names it (`upload composer-1/dags/a.py`).
     */
    readonly log: readonly string[];
    /** Clears `uploads` and `log`. */
    resetCounts(): void;
    createBucket(name: string): Promise<void>;
    stop(): Promise<void>;
}

/**
 * One GCS JSON API request as the log names it: `upload <bucket>/<object>`, `delete|get|patch… <bucket>/<object>`,
 * `list <bucket>/<prefix>*`, else `<METHOD> <path>` (bucket calls and anything else).
 */
export function describeRequest(method: string, url: URL): string {
    const upload = /^\/upload\/storage\/v1\/b\/([^/]+)\/o$/.exec(url.pathname);
    if (upload) return `upload ${decodeURIComponent(upload[1])}/${url.searchParams.get("name") ?? "?"}`;
    const object = /^\/storage\/v1\/b\/([^/]+)\/o\/(.+)$/.exec(url.pathname);
    if (object)
        return `${method.toLowerCase()} ${decodeURIComponent(object[1])}/${decodeURIComponent(object[2])}`;
    const list = /^\/storage\/v1\/b\/([^/]+)\/o$/.exec(url.pathname);
    if (list && method === "GET")
        return `list ${decodeURIComponent(list[1])}/${url.searchParams.get("prefix") ?? ""}*`;
    return `${method} ${url.pathname}`;
}

export async function startEmulator(): Promise<Emulator> {
    const bin = emulatorBinary();
    const port = await freePort();
    // The filesystem backend: the memory one slows down with every object in the bucket (an upload into a bucket
    // of 4,000 objects took 4x one into an empty bucket), which would make the 10,000-file scenario measure it.
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "data-infra-fake-gcs-"));
    const child: ChildProcess = spawn(
        bin,
        [
            ...["-scheme", "http", "-host", "127.0.0.1", "-port", String(port)],
            ...["-backend", "filesystem", "-filesystem-root", root, "-log-level", "error"],
        ],
        { stdio: ["ignore", "ignore", "inherit"] },
    );
    const upstream = `http://127.0.0.1:${port}`;
    for (let i = 0; ; i++) {
        try {
            const r = await fetch(`${upstream}/storage/v1/b`);
            if (r.ok) break;
        } catch {
            if (i > 100) throw new Error(`fake-gcs-server did not start on ${upstream}`);
        }
        await new Promise((r) => setTimeout(r, 100));
    }
    const uploads = new Map<string, number>();
    const failUploads = new Map<string, number>();
    const log: string[] = [];
    const proxy = http.createServer((req, res) => {
        const url = new URL(req.url ?? "/", upstream);
        const what = describeRequest(req.method ?? "GET", url);
        log.push(`> ${what}`);
        const name = url.pathname.startsWith("/upload/") ? url.searchParams.get("name") : null;
        if (name !== null) {
            uploads.set(name, (uploads.get(name) ?? 0) + 1);
            const failures = failUploads.get(name) ?? 0;
            if (failures > 0) {
                failUploads.set(name, failures - 1);
                req.resume();
                log.push(`< 503 ${what}`);
                res.writeHead(503, { "content-type": "application/json" });
                res.end(JSON.stringify({ error: { code: 503, message: "injected failure" } }));
                return;
            }
        }
        const out = http.request(url, { method: req.method, headers: req.headers }, (up) => {
            log.push(`< ${up.statusCode} ${what}`);
            res.writeHead(up.statusCode ?? 502, up.headers);
            up.pipe(res);
        });
        out.on("error", (e) => {
            res.writeHead(502);
            res.end(e.message);
        });
        req.pipe(out);
    });
    proxy.keepAliveTimeout = 1000;
    await new Promise<void>((r) => proxy.listen(0, "127.0.0.1", r));
    const url = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    return {
        url,
        uploads,
        failUploads,
        log,
        resetCounts: () => {
            uploads.clear();
            log.length = 0;
        },
        async createBucket(name) {
            const r = await fetch(`${upstream}/storage/v1/b?project=test`, {
                method: "POST",
                headers: { "content-type": "application/json" },
                body: JSON.stringify({ name }),
            });
            if (!r.ok) throw new Error(`creating bucket ${name}: ${r.status} ${await r.text()}`);
        },
        async stop() {
            proxy.closeAllConnections();
            await new Promise((r) => proxy.close(r));
            child.kill();
            await new Promise((r) => child.once("exit", r));
            fs.rmSync(root, { recursive: true, force: true });
        },
    };
}
