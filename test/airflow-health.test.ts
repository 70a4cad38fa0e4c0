/**
 * The Airflow health gate against a fake of Airflow's REST API: a real HTTP server on 127.0.0.1 answering the
 * documented shapes of apache-airflow 2.10.5's `airflow/api_connexion/openapi/v1.yaml` (HealthInfo line 3651,
 * ImportErrorCollection line 3636, DAGCollection line 3304, paging by limit/offset with total_entries).
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import type { ClientOptions, Dag, HealthInfo, ImportError } from "../tools/airflow-health/api";
import { commitStatus, evaluate, lastLine, unhealthyParts } from "../tools/airflow-health/evaluate";
import { check, type Clock } from "../tools/airflow-health/run";
import { main } from "../tools/airflow-health";

const TOKEN = "ya29.fake-access-token-never-printed";
const HEALTHY: HealthInfo = {
    metadatabase: { status: "healthy" },
    scheduler: { status: "healthy", latest_scheduler_heartbeat: "2026-11-30T18:00:00+00:00" },
    triggerer: { status: "healthy", latest_triggerer_heartbeat: "2026-11-30T18:00:00+00:00" },
    dag_processor: { status: null, latest_dag_processor_heartbeat: null },
};

interface FakeState {
    /** Answers of successive GET /health calls; the last one repeats. */
    health: Array<HealthInfo | number>;
    importErrors: ImportError[];
    dags: Dag[];
    /** Milliseconds before answering any request. */
    delayMs?: number;
    /** `[api] maximum_page_limit`: a larger `limit` is silently cut to it (api_connexion/parameters.py:72-78). */
    maxLimit?: number;
    /** A broken server or proxy that answers every page as the first one. */
    ignoreOffset?: boolean;
    /** Airflow 3: no `/api/v1` at all (only `/api/v2`). */
    noV1?: boolean;
    requests: string[];
    authorizations: Array<string | undefined>;
}

async function fakeAirflow(state: FakeState): Promise<{ url: string; close: () => Promise<void> }> {
    const server = http.createServer((req, res) => {
        state.requests.push(req.url!);
        state.authorizations.push(req.headers.authorization);
        const answer = () => {
            const url = new URL(req.url!, "http://x");
            const send = (status: number, body: unknown) => {
                res.writeHead(status, { "Content-Type": "application/json" });
                res.end(JSON.stringify(body));
            };
            if (req.headers.authorization !== `Bearer ${TOKEN}`)
                return send(401, { title: "Unauthorized", status: 401, type: "about:blank" });
            const limit = Math.min(Number(url.searchParams.get("limit") ?? 100), state.maxLimit ?? Infinity);
            const offset = state.ignoreOffset ? 0 : Number(url.searchParams.get("offset") ?? 0);
            if (state.noV1 && url.pathname.startsWith("/api/v1/")) return send(404, { detail: "Not Found" });
            switch (url.pathname) {
                case "/api/v1/health": {
                    const next = state.health.length > 1 ? state.health.shift()! : state.health[0];
                    return typeof next === "number"
                        ? send(next, { title: "down", status: next })
                        : send(200, next);
                }
                case "/api/v1/importErrors":
                    return send(200, {
                        import_errors: state.importErrors.slice(offset, offset + limit),
                        total_entries: state.importErrors.length,
                    });
                case "/api/v1/dags": {
                    const active =
                        url.searchParams.get("only_active") === "false"
                            ? state.dags
                            : state.dags.filter((d) => d.is_active !== false);
                    return send(200, {
                        dags: active.slice(offset, offset + limit),
                        total_entries: active.length,
                    });
                }
                default:
                    return send(404, { title: "Not Found", status: 404 });
            }
        };
        if (state.delayMs) setTimeout(answer, state.delayMs);
        else answer();
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    return {
        url: `http://127.0.0.1:${port}`,
        close: () =>
            new Promise<void>((resolve) => {
                server.closeAllConnections();
                server.close(() => resolve());
            }),
    };
}

const dag = (dag_id: string, is_active = true): Dag => ({ dag_id, is_active, is_paused: false });
const fakeClock = (): Clock & { slept: number[] } => {
    let t = 0;
    const slept: number[] = [];
    return { slept, now: () => t, sleep: async (ms) => void (slept.push(ms), (t += ms)) };
};

function newState(partial: Partial<FakeState> = {}): FakeState {
    return { health: [HEALTHY], importErrors: [], dags: [], requests: [], authorizations: [], ...partial };
}

describe("Airflow health gate", () => {
    describe("verdict (pure)", () => {
        const cases: Array<[string, HealthInfo, string[]]> = [
            ["all healthy, no DAG processor deployed", HEALTHY, []],
            [
                "scheduler unhealthy",
                { ...HEALTHY, scheduler: { status: "unhealthy" } },
                ["scheduler: unhealthy"],
            ],
            ["metadatabase without status", { ...HEALTHY, metadatabase: {} }, ["metadatabase: no status"]],
            [
                "scheduler null (never heartbeat)",
                { ...HEALTHY, scheduler: { status: null } },
                ["scheduler: no status"],
            ],
            [
                "triggerer unhealthy",
                { ...HEALTHY, triggerer: { status: "unhealthy" } },
                ["triggerer: unhealthy"],
            ],
            [
                "dag processor unhealthy",
                { ...HEALTHY, dag_processor: { status: "unhealthy" } },
                ["dag_processor: unhealthy"],
            ],
            ["empty answer", {}, ["metadatabase: no status", "scheduler: no status"]],
        ];
        for (const [name, health, expected] of cases) {
            it(`health: ${name}`, () => assert.deepEqual(unhealthyParts(health), expected));
        }

        it("takes a traceback's last line, shortened", () => {
            assert.equal(
                lastLine(
                    "Traceback (most recent call last):\n  File \"x.py\", line 1\nModuleNotFoundError: No module named 'pandas'\n\n",
                ),
                "ModuleNotFoundError: No module named 'pandas'",
            );
            assert.equal(lastLine(undefined), "(no stack trace)");
            assert.equal(lastLine("E".repeat(500)).length, 200);
        });

        it("counts a DAG gone or turned inactive since the snapshot as missing, sorted, once", () => {
            const v = evaluate({
                unhealthy: [],
                importErrors: [],
                dags: [dag("b"), dag("c", false), dag("d")],
                baseline: ["c", "a", "b", "a"],
            });
            assert.deepEqual(v.missing, ["a", "c"]);
            assert.equal(v.dagCount, 2);
        });

        it("renders GitHub commit statuses within 140 characters", () => {
            const ok = commitStatus("test", evaluate({ unhealthy: [], importErrors: [], dags: [dag("a")] }));
            assert.deepEqual(ok, {
                context: "airflow-health (test)",
                state: "success",
                description: "healthy; 1 DAGs active, no import errors",
            });
            const bad = commitStatus(
                "test",
                evaluate({
                    unhealthy: ["scheduler: unhealthy"],
                    importErrors: Array.from({ length: 40 }, (_, i) => ({
                        filename: `/home/airflow/gcs/dags/${"deep/".repeat(10)}dag_${i}.py`,
                        stack_trace: "SyntaxError: invalid syntax",
                    })),
                    dags: [],
                    baseline: ["gone_dag"],
                }),
            );
            assert.equal(bad.state, "failure");
            assert.ok(bad.description.length <= 140, bad.description);
            assert.match(bad.description, /^unhealthy: scheduler: unhealthy; 40 import errors \(/);
            const err = commitStatus("prod", { apiError: "GET /health: HTTP 503 (after 3 attempts)" });
            assert.deepEqual(err, {
                context: "airflow-health (prod)",
                state: "error",
                description: "could not read Airflow: GET /health: HTTP 503 (after 3 attempts)",
            });
        });
    });

    describe("against a fake Airflow REST API", () => {
        let fake: { url: string; close: () => Promise<void> } | undefined;
        afterEach(async () => {
            await fake?.close();
            fake = undefined;
        });
        const client = (url: string, extra: Partial<ClientOptions> = {}): ClientOptions => ({
            baseUrl: url,
            token: TOKEN,
            requestTimeoutMs: 2000,
            attempts: 2,
            retryDelayMs: 1,
            ...extra,
        });

        it("passes a healthy environment with no import errors and every DAG of the snapshot, reading every page", async () => {
            const state = newState({ dags: Array.from({ length: 7 }, (_, i) => dag(`dag_${i}`)) });
            fake = await fakeAirflow(state);
            const v = await check({
                client: client(fake.url, { pageSize: 3 }),
                waitMs: 0,
                pollMs: 1,
                soakMs: 0,
                baseline: ["dag_0", "dag_6"],
                clock: fakeClock(),
            });
            assert.deepEqual(v, { unhealthy: [], importErrors: [], missing: [], dagCount: 7 });
            assert.deepEqual(
                state.requests.filter((r) => r.startsWith("/api/v1/dags")),
                [
                    "/api/v1/dags?only_active=true&limit=3&offset=0",
                    "/api/v1/dags?only_active=true&limit=3&offset=3",
                    "/api/v1/dags?only_active=true&limit=3&offset=6",
                ],
            );
            assert.ok(state.authorizations.every((a) => a === `Bearer ${TOKEN}`));
        });

        describe("paging a server that does not page as asked", () => {
            const dags = Array.from({ length: 7 }, (_, i) => dag(`dag_${i}`));
            it("reads every DAG when the server cuts the page to its maximum_page_limit", async () => {
                const state = newState({ dags, maxLimit: 2 });
                fake = await fakeAirflow(state);
                const v = await check({
                    client: client(fake.url, { pageSize: 3 }),
                    waitMs: 0,
                    pollMs: 1,
                    soakMs: 0,
                    baseline: dags.map((d) => d.dag_id),
                    clock: fakeClock(),
                });
                assert.deepEqual(v, { unhealthy: [], importErrors: [], missing: [], dagCount: 7 });
                assert.deepEqual(
                    state.requests
                        .filter((r) => r.startsWith("/api/v1/dags"))
                        .map((r) => r.split("&offset=")[1]),
                    ["0", "2", "4", "6"],
                );
            });
            it("stops with an error when the server answers the same page again (offset ignored)", async () => {
                const state = newState({ dags, ignoreOffset: true });
                fake = await fakeAirflow(state);
                await assert.rejects(
                    check({
                        client: client(fake.url, { pageSize: 3 }),
                        waitMs: 0,
                        pollMs: 1,
                        soakMs: 0,
                        clock: fakeClock(),
                    }),
                    {
                        message:
                            "GET /dags?only_active=true: the page at offset 3 repeats the one before it (the server ignores offset)",
                    },
                );
            });
        });

        it("says an Airflow without /api/v1 (Airflow 3 serves /api/v2) is not read by this gate", async () => {
            const state = newState({ noV1: true });
            fake = await fakeAirflow(state);
            await assert.rejects(
                check({ client: client(fake.url), waitMs: 0, pollMs: 1, soakMs: 0, clock: fakeClock() }),
                {
                    message:
                        "GET /health: HTTP 404: no Airflow stable REST API v1 here (Airflow 3 serves only /api/v2, which this gate does not read yet)",
                },
            );
            assert.equal(state.requests.length, 1);
        });

        it("waits through a restart (503, then unhealthy) until healthy, then soaks before reading import errors", async () => {
            const state = newState({
                health: [503, { ...HEALTHY, scheduler: { status: "unhealthy" } }, HEALTHY],
                importErrors: [
                    {
                        import_error_id: 1,
                        timestamp: "2026-11-30T18:01:00+00:00",
                        filename: "/home/airflow/gcs/dags/transit.py",
                        stack_trace: "Traceback:\nModuleNotFoundError: No module named 'shapely'",
                    },
                ],
                dags: [dag("a")],
            });
            fake = await fakeAirflow(state);
            const clock = fakeClock();
            const log: string[] = [];
            const v = await check({
                client: client(fake.url, { attempts: 1 }),
                waitMs: 600_000,
                pollMs: 30_000,
                soakMs: 300_000,
                clock,
                log: (l) => log.push(l),
            });
            assert.deepEqual(clock.slept, [30_000, 30_000, 300_000]);
            assert.deepEqual(v.importErrors, [
                {
                    filename: "/home/airflow/gcs/dags/transit.py",
                    error: "ModuleNotFoundError: No module named 'shapely'",
                },
            ]);
            assert.deepEqual(log, [
                "waiting: GET /health: HTTP 503 (after 1 attempts)",
                "waiting: scheduler: unhealthy",
                "healthy; soaking 300 s before reading import errors",
            ]);
        });

        it("fails with the components still unhealthy at the deadline, without soaking", async () => {
            const state = newState({ health: [{ ...HEALTHY, scheduler: { status: "unhealthy" } }] });
            fake = await fakeAirflow(state);
            const clock = fakeClock();
            const v = await check({
                client: client(fake.url),
                waitMs: 90_000,
                pollMs: 30_000,
                soakMs: 600_000,
                clock,
            });
            assert.deepEqual(v.unhealthy, ["scheduler: unhealthy"]);
            assert.deepEqual(clock.slept, [30_000, 30_000, 30_000]);
        });

        it("gives up on a server that does not answer within the request timeout, after its attempts", async () => {
            fake = await fakeAirflow(newState({ delayMs: 500 }));
            await assert.rejects(
                check({
                    client: client(fake.url, { requestTimeoutMs: 100, attempts: 2 }),
                    waitMs: 0,
                    pollMs: 1,
                    soakMs: 0,
                    clock: fakeClock(),
                }),
                { message: "GET /health: no answer within 100 ms (after 2 attempts)" },
            );
        });

        it("stops at once on 401 and says why, never echoing the token", async () => {
            const state = newState();
            fake = await fakeAirflow(state);
            await assert.rejects(
                check({
                    client: client(fake.url, { token: "wrong-token" }),
                    waitMs: 600_000,
                    pollMs: 1,
                    soakMs: 0,
                    clock: fakeClock(),
                }),
                (e: Error) => {
                    assert.match(
                        e.message,
                        /^GET \/health: HTTP 401: the identity is not allowed into Airflow/,
                    );
                    assert.ok(!e.message.includes("wrong-token"));
                    return true;
                },
            );
            assert.equal(state.requests.length, 1);
        });

        it("the command: snapshot, then check writes the failing status and exits 1 when a DAG disappeared", async () => {
            const state = newState({ dags: [dag("keep"), dag("lost")] });
            fake = await fakeAirflow(state);
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), "airflow-health-"));
            const env = { AIRFLOW_ACCESS_TOKEN: TOKEN };
            const out: string[] = [];
            const orig = { log: console.log, error: console.error };
            console.log = console.error = (...a: unknown[]) => void out.push(a.join(" "));
            try {
                assert.equal(
                    await main(["snapshot", "--url", fake.url, "--out", `${dir}/before.json`], env),
                    0,
                );
                assert.deepEqual(JSON.parse(fs.readFileSync(`${dir}/before.json`, "utf8")), {
                    activeDags: ["keep", "lost"],
                });
                state.dags = [dag("keep"), dag("lost", false)];
                const args = ["check", "--url", fake.url, "--channel", "test", "--wait", "0"];
                const code = await main(
                    [...args, "--baseline", `${dir}/before.json`, "--status-out", `${dir}/status.json`],
                    env,
                );
                assert.equal(code, 1);
                assert.deepEqual(JSON.parse(fs.readFileSync(`${dir}/status.json`, "utf8")), {
                    context: "airflow-health (test)",
                    state: "failure",
                    description: "1 DAG gone (lost)",
                });
                assert.equal(await main([...args, "--status-out", `${dir}/status.json`], {}), 3);
                assert.equal(JSON.parse(fs.readFileSync(`${dir}/status.json`, "utf8")).state, "error");
                assert.equal(await main(["check", "--url", "ftp://x", "--channel", "test"], env), 2);
                assert.equal(
                    await main(["check", "--url", fake.url, "--channel", "test", "--wait", "5m"], env),
                    2,
                );
            } finally {
                Object.assign(console, orig);
                fs.rmSync(dir, { recursive: true, force: true });
            }
            assert.ok(!out.join("\n").includes(TOKEN), "the token is never printed");
            assert.ok(
                out.some((l) => l.includes("DAG gone since the deploy began: lost")),
                out.join("\n"),
            );
        });
    });
});
