/**
 * Composer major upgrades as blue/green (issue 20 item 3): data-infra:composer.next plans a second environment and
 * a second DAG mirror, `serve` moves the channel's outputs, `retire` drops one; nothing else changes.
 */
import { strict as assert } from "node:assert";
import { parseStackConfig } from "../../config";
import { composerEnvironmentSlots, type ComposerConfig } from "../../config/sections/composer";
import { ValidationError } from "../../lib/problems";
import { plan, stackConfig } from "../harness";
import type { ProgramRun } from "../../runtime/run-program";

const ENV = "gcp:composer/environment:Environment";
const COMPONENT = "data-infra:airflow:ComposerEnvironment";
const DAG_SYNC = "data-infra:airflow:DagSync";
const NEXT = {
    name: "data-infra-test-c3",
    imageVersion: "composer-3-airflow-2.10.5-build.5",
    workloads: { dagProcessor: { cpu: 1, memoryGb: 4, storageGb: 1, count: 2 } },
};

function composer(stack: string, patch: Record<string, unknown>): Record<string, unknown> {
    return { ...JSON.parse(stackConfig(stack).config["data-infra:composer"]), ...patch };
}

function problems(stack: string, patch: Record<string, unknown>): string[] {
    const cfg = stackConfig(stack, { composer: composer(stack, patch) });
    try {
        parseStackConfig(stack, cfg.config, cfg.secretKeys);
        return [];
    } catch (e) {
        assert.ok(e instanceof ValidationError, String(e));
        return e.problems.map((p) => `${p.where}: ${p.what}${"got" in p ? ` (got ${JSON.stringify(p.got)})` : ""}`);
    }
}

/** What a plan declares, as `type::name parent-name` lines, sorted: the set a switch must leave unchanged. */
function resourceSet(run: ProgramRun): string[] {
    return run.recorder.resources.map((r) => `${r.type}::${r.name} <- ${r.parent?.split("::").pop() ?? ""}`).sort();
}

describe("Composer blue/green (composer.next)", () => {
    describe("config rules", () => {
        const cases: Array<[string, Record<string, unknown>, string[]]> = [
            ["a second environment", { next: NEXT }, []],
            ["serving the second", { next: NEXT, serve: "next" }, []],
            ["retiring the first once the second serves", { next: NEXT, serve: "next", retire: "current" }, []],
            [
                "serve: next without next",
                { serve: "next" },
                ['data-infra:composer.serve: is next, but data-infra:composer.next is not set (got "next")'],
            ],
            [
                "retiring the serving environment",
                { next: NEXT, retire: "current" },
                [
                    'data-infra:composer.retire: retires the environment that serves the channel (serve: current); switch serve first, in its own change (got "current")',
                ],
            ],
            [
                "retire: next without next",
                { retire: "next" },
                ['data-infra:composer.retire: is next, but data-infra:composer.next is not set (got "next")'],
            ],
            [
                "the same environment name twice",
                { next: { ...NEXT, name: "data-infra-test" } },
                ['data-infra:composer.next.name: must differ from data-infra:composer.name (got "data-infra-test")'],
            ],
            [
                "a DAG processor on Composer 2",
                { workloads: { dagProcessor: { cpu: 1, memoryGb: 2, count: 1 } } },
                [
                    'data-infra:composer.workloads.dagProcessor: is a Composer 3 workload; this imageVersion is Composer 2 (got "composer-2.14.2-airflow-2.9.3")',
                ],
            ],
            [
                "next's own settings are checked like the first's",
                { next: { ...NEXT, imageVersion: "airflow-3", labels: { channel: "x" } } },
                [
                    "data-infra:composer.next.imageVersion:",
                    "data-infra:composer.next.labels.channel: is set by the program to the stack name",
                ],
            ],
            ["an unknown serve value", { next: NEXT, serve: "blue" }, ["data-infra:composer.serve:"]],
        ];
        for (const [name, patch, expected] of cases) {
            it(name, () => {
                const got = problems("test", patch);
                assert.equal(got.length, expected.length, got.join("\n"));
                expected.forEach((e, i) => assert.ok(got[i].startsWith(e), `${got[i]}\n  expected ${e}`));
            });
        }

        it("keeps the current environment's resource names whatever the slots", () => {
            const base = { name: "a", next: { name: "b" } } as unknown as ComposerConfig;
            const names = (c: Partial<ComposerConfig>) =>
                composerEnvironmentSlots({ ...base, serve: "current", ...c }).map(
                    (s) =>
                        `${s.resourceName}/${s.dagSyncName}/${s.manifestNamePrefix}/${s.settings.name}${s.serving ? "*" : ""}`,
                );
            assert.deepEqual(names({ next: undefined }), ["composer/dags//a*"]);
            assert.deepEqual(names({}), ["composer/dags//a*", "composer-next/dags-next/next:/b"]);
            assert.deepEqual(names({ serve: "next" }), ["composer/dags//a", "composer-next/dags-next/next:/b*"]);
            assert.deepEqual(names({ serve: "next", retire: "current" }), ["composer-next/dags-next/next:/b*"]);
            assert.deepEqual(names({ retire: "next" }), ["composer/dags//a*"]);
        });
    });

    describe("the program", () => {
        let single: ProgramRun, both: ProgramRun, switched: ProgramRun, retired: ProgramRun;
        before(async () => {
            single = await plan("prod");
            both = await plan("prod", { composer: composer("prod", { next: NEXT }) });
            switched = await plan("prod", { composer: composer("prod", { next: NEXT, serve: "next" }) });
            retired = await plan("prod", {
                composer: composer("prod", { next: NEXT, serve: "next", retire: "current" }),
            });
        });

        it("plans two environments and two DAG mirrors, the first one's resources unchanged", () => {
            const before = resourceSet(single);
            const after = resourceSet(both);
            assert.deepEqual(
                before.filter((r) => !after.includes(r)),
                [],
                "nothing of the single-environment plan disappears",
            );
            const added = after.filter((r) => !before.includes(r));
            assert.ok(added.includes(`${COMPONENT}::composer-next <- data-infra-prod`), added.join("\n"));
            assert.ok(added.includes(`${ENV}::composer-next <- composer-next`), added.join("\n"));
            assert.ok(added.includes(`${DAG_SYNC}::dags-next <- data-infra-prod`), added.join("\n"));
            const env = both.recorder.get(ENV, "composer-next");
            assert.equal(env.inputs.name, "data-infra-test-c3");
            const cfg = env.inputs.config as {
                softwareConfig: { imageVersion: string };
                workloadsConfig: { dagProcessor: object };
            };
            assert.equal(cfg.softwareConfig.imageVersion, "composer-3-airflow-2.10.5-build.5");
            assert.deepEqual(cfg.workloadsConfig.dagProcessor, { cpu: 1, memoryGb: 4, storageGb: 1, count: 2 });
            // Production protection follows the channel's policy for the new environment too.
            assert.equal(env.options.protect, true);
            // The same DAG tree goes to both buckets.
            const mirrored = (run: ProgramRun, parentName: string, namePrefix: string) =>
                run.recorder.resources
                    .filter((r) => r.parent?.endsWith(`::${parentName}`))
                    .map((r) => {
                        assert.ok(r.name.startsWith(namePrefix), r.name);
                        return JSON.stringify([r.type, r.name.slice(namePrefix.length), { ...r.inputs, bucket: 0 }]);
                    })
                    .sort();
            assert.deepEqual(mirrored(both, "dags-next", "next:"), mirrored(both, "dags", ""));
            assert.ok(mirrored(both, "dags", "").length > 0);
        });

        it("switching serve changes no resource, only the outputs", () => {
            assert.deepEqual(resourceSet(switched), resourceSet(both));
            for (const r of both.recorder.resources) {
                const s = switched.recorder.get(r.type, r.name);
                assert.deepEqual(s.inputs, r.inputs, `${r.type}::${r.name} inputs`);
                assert.deepEqual(s.options.protect, r.options.protect, `${r.type}::${r.name} protect`);
            }
            const slots = (run: ProgramRun) =>
                Object.entries(run.outputs.composerEnvironments as Record<string, { serving: boolean; name: string }>)
                    .map(([slot, e]) => `${slot}:${e.name}:${e.serving}`)
                    .sort();
            assert.deepEqual(slots(both), ["current:data-infra-prod:true", "next:data-infra-test-c3:false"]);
            assert.deepEqual(slots(switched), ["current:data-infra-prod:false", "next:data-infra-test-c3:true"]);
        });

        it("retiring the first environment drops exactly it and its mirror", () => {
            const gone = resourceSet(switched).filter((r) => !resourceSet(retired).includes(r));
            assert.ok(gone.length > 0);
            for (const r of gone)
                assert.match(r, /<- (composer|dags)$|::(composer|dags) <- data-infra-prod$/, `unexpected removal ${r}`);
            assert.ok(gone.includes(`${COMPONENT}::composer <- data-infra-prod`));
            assert.ok(gone.includes(`${DAG_SYNC}::dags <- data-infra-prod`));
            assert.ok(!gone.some((r) => r.includes("composer-next") || r.includes("dags-next")));
            assert.deepEqual(Object.keys(retired.outputs.composerEnvironments as object), ["next"]);
        });
    });
});
