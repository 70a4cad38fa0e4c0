/**
 * The PyPI preflight without the network: pip's arguments, how pip's real output reads (captured from pip 25.3
 * against PyPI into test/fixtures/pip-outputs/), image sets, which changes call for a preflight, the comment, and
 * the skipped paths. `npm run test:pypi` runs the resolver for real.
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { REPO_ROOT } from "../harness";
import {
    age,
    imageSetFromPipList,
    readImageSet,
    writeImageSet,
    type ImageSet,
} from "../../tools/plan/review/preflight/image-sets";
import {
    constraintLines,
    interpretPip,
    pipArgs,
    preflightRequests,
    requirementLines,
    runPypiPreflight,
} from "../../tools/plan/review/preflight/pypi";
import { diffPlans } from "../../tools/plan/review/diff";
import { renderMarkdown } from "../../tools/plan/review/render/markdown";
import { renderDiffText } from "../../tools/plan/review/render/text";
import { buildReport } from "../../tools/plan/review/report";
import { composer, doc } from "./fixtures";

const SETS = path.join(REPO_ROOT, "test/fixtures/composer-images");
const IMAGE = "composer-3-airflow-2.10.5-build.36";
const output = (name: string) =>
    fs.readFileSync(path.join(REPO_ROOT, "test/fixtures/pip-outputs", name), "utf8");
const set = readImageSet(SETS, IMAGE)!;
const base = {
    urn: "urn:pulumi:test::data-infra::gcp:composer/environment:Environment::composer-test",
    environment: "data-infra-test",
    imageVersion: IMAGE,
    set: { source: set.source, readAt: set.readAt, age: "3 days" },
    pip: "25.3",
};

describe("PyPI preflight", () => {
    it("asks pip for a dry run on the image's Python and platform, the image's set as constraints", () => {
        assert.deepEqual(
            requirementLines({ requests: "==2.32.3", "sentry-sdk": "[celery]==2.14.0", six: "" }),
            ["requests==2.32.3", "sentry-sdk[celery]==2.14.0", "six"],
        );
        assert.deepEqual(constraintLines(set).slice(0, 2), [
            "certifi==2024.8.30",
            "charset-normalizer==3.4.0",
        ]);
        assert.deepEqual(
            pipArgs(set, ["requests==2.32.3"], { constraints: "c.txt", report: "r.json", target: "t" }),
            [
                "install",
                "--dry-run",
                "--ignore-installed",
                "--disable-pip-version-check",
                "--no-input",
                "--progress-bar",
                "off",
                "--retries",
                "0",
                "--timeout",
                "20",
                "--report",
                "r.json",
                "--target",
                "t",
                "--python-version",
                "3.11",
                "--implementation",
                "cp",
                "--platform",
                "manylinux_2_31_x86_64",
                "--platform",
                "manylinux_2_28_x86_64",
                "--platform",
                "manylinux_2_17_x86_64",
                "--platform",
                "manylinux2014_x86_64",
                "--only-binary=:all:",
                "-c",
                "c.txt",
                "--",
                "requests==2.32.3",
            ],
        );
    });

    it("reads a conflict with pip's chain, the preinstalled pin named as such", () => {
        const r = interpretPip(base, 1, output("conflict.txt"), undefined, ["grpcio-status"]);
        assert.deepEqual(r, {
            ...base,
            status: "conflict",
            message:
                "Cannot install grpcio-status==1.66.0 because these package versions have conflicting dependencies.",
            chain: [
                "grpcio-status 1.66.0 depends on protobuf<6.0dev and >=5.26.1",
                "protobuf==4.25.3 is preinstalled in the image",
            ],
        });
    });

    it("reads an unknown package as failed, with pip's words", () => {
        const r = interpretPip(base, 1, output("unknown.txt"), undefined, ["data-infra-no-such-package"]);
        assert.equal(r.status, "failed");
        assert.equal(
            r.status === "failed" && r.message,
            "Could not find a version that satisfies the requirement data-infra-no-such-package==1.0 (from versions: none)\nNo matching distribution found for data-infra-no-such-package==1.0",
        );
    });

    it("reads a resolution from pip's report: requested, preinstalled and new versions", () => {
        const report = JSON.stringify({
            install: [
                { metadata: { name: "requests", version: "2.32.3" } },
                { metadata: { name: "Backoff", version: "2.2.1" } },
                { metadata: { name: "idna", version: "3.10" } },
                { metadata: { name: "soupsieve", version: "2.6" } },
            ],
        });
        const r = interpretPip(base, 0, "", report, ["backoff", "requests"], set.packages);
        assert.deepEqual(r.status === "passed" && r.resolved, [
            { name: "backoff", version: "2.2.1", requested: true, preinstalled: false },
            { name: "idna", version: "3.10", requested: false, preinstalled: true },
            { name: "requests", version: "2.32.3", requested: true, preinstalled: true },
            { name: "soupsieve", version: "2.6", requested: false, preinstalled: false },
        ]);
    });

    it("is skipped, saying why: turned off, no set for the image, no pip, an unreachable index", () => {
        const req = {
            urn: base.urn,
            environment: "e",
            imageVersion: IMAGE,
            packages: { requests: "==2.32.3" },
        };
        const now = new Date("2026-11-30T12:00:00Z");
        const reason = (r: ReturnType<typeof runPypiPreflight>) =>
            r.status === "skipped" ? r.reason : r.status;
        assert.equal(
            reason(runPypiPreflight(req, { setDirs: [SETS], now, online: false, python: "python3" })),
            "offline (DATA_INFRA_PYPI_PREFLIGHT=off)",
        );
        assert.match(
            reason(
                runPypiPreflight(
                    { ...req, imageVersion: "composer-9-airflow-9" },
                    { setDirs: [SETS], now, online: true },
                ),
            ),
            /^no preinstalled package set stored for composer-9-airflow-9/,
        );
        assert.equal(
            reason(
                runPypiPreflight(req, { setDirs: [SETS], now, online: true, python: "/nonexistent/python3" }),
            ),
            "no python3 with pip on PATH",
        );
        // A closed local port stands for no network: pip would call every package a conflict, so it is not asked.
        const env = { ...process.env, PIP_INDEX_URL: "http://127.0.0.1:9/simple" };
        assert.match(
            reason(runPypiPreflight(req, { setDirs: [SETS], now, online: true, python: "python3", env })),
            /^the package index http:\/\/127\.0\.0\.1:9\/simple was not reachable \(.*Connection refused/,
        );
    });

    it("stores one set per image version and tells its age", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "image-sets-"));
        const made: ImageSet = imageSetFromPipList(
            '[{"name": "Foo_Bar", "version": "1.0"}, {"name": "six", "version": "1.16.0"}]',
            {
                imageVersion: "composer-2.14.2-airflow-2.9.3",
                python: "3.11",
                platforms: ["manylinux_2_31_x86_64"],
                source: "image us-docker.pkg.dev/x",
                readAt: "2026-11-30T10:00:00Z",
            },
        );
        assert.deepEqual(made.packages, { "foo-bar": "1.0", six: "1.16.0" });
        writeImageSet(dir, made);
        assert.deepEqual(readImageSet(dir, made.imageVersion), made);
        assert.equal(readImageSet(dir, "composer-other"), undefined);
        assert.equal(readImageSet(dir, "../etc/passwd"), undefined);
        const now = new Date("2026-11-30T12:00:00Z");
        assert.deepEqual(
            [
                "2026-11-27T11:00:00Z",
                "2026-11-30T10:30:00Z",
                "2026-11-30T11:59:00Z",
                "2026-11-30T12:00:00Z",
            ].map((t) => age(t, now)),
            ["3 days", "1 hour", "1 minute", "less than a minute"],
        );
    });

    it("runs for an added environment or a changed package set or image, on the head side only", () => {
        const env = (image: string, pypi: Record<string, string>) =>
            composer("test", { imageVersion: image, pypiPackages: pypi });
        const reqs = (a: ReturnType<typeof env>[], b: ReturnType<typeof env>[]) =>
            preflightRequests(diffPlans(doc("test", a), doc("test", b), { base: "main", head: "pr" })).map(
                (r) => `${r.imageVersion} ${JSON.stringify(r.packages)}`,
            );
        const one = env(IMAGE, { requests: "==2.32.3" });
        assert.deepEqual(reqs([], [one]), [`${IMAGE} {"requests":"==2.32.3"}`]);
        assert.deepEqual(reqs([one], [one]), []);
        assert.deepEqual(reqs([one], [env(IMAGE, { requests: "==2.31.0" })]), [
            `${IMAGE} {"requests":"==2.31.0"}`,
        ]);
        assert.deepEqual(reqs([one], [env("composer-3-airflow-2.10.5-build.40", { requests: "==2.32.3" })]), [
            `composer-3-airflow-2.10.5-build.40 {"requests":"==2.32.3"}`,
        ]);
        assert.deepEqual(reqs([one], []), []);
    });

    it("shows a conflict in the Composer section with its chain, rated high; a pass with the versions", () => {
        const before = doc("test", [
            composer("test", { imageVersion: IMAGE, pypiPackages: { requests: "==2.32.3" } }),
        ]);
        const after = doc("test", [
            composer("test", {
                imageVersion: IMAGE,
                pypiPackages: { requests: "==2.32.3", "grpcio-status": "==1.66.0" },
            }),
        ]);
        const diff = diffPlans(before, after, { base: "main", head: "pr" });
        const conflict = interpretPip(
            { ...base, urn: diff.resources[0].urn },
            1,
            output("conflict.txt"),
            undefined,
            [],
        );
        const report = buildReport(diff, [], undefined, { preflight: [conflict] });
        assert.equal(report.highestTier, "high");
        const md = renderMarkdown(report);
        assert.match(
            md,
            /> \*\*PyPI preflight: conflict\*\* against the packages preinstalled in `composer-3-airflow-2\.10\.5-build\.36` \(set from fixture test\/fixtures\/composer-images \(a small excerpt, not the image's real set\), read 3 days ago; pip 25\.3\)\. Composer would fail this update 25–60 minutes in\./,
        );
        assert.match(
            md,
            /- grpcio-status 1\.66\.0 depends on protobuf\\<6\.0dev and \\>=5\.26\.1\n- protobuf==4\.25\.3 is preinstalled in the image/,
        );
        assert.match(
            renderDiffText(report),
            /PyPI preflight: CONFLICT against composer-3-airflow-2\.10\.5-build\.36's preinstalled set/,
        );

        const passed = interpretPip(
            { ...base, urn: diff.resources[0].urn },
            0,
            "",
            JSON.stringify({
                install: [
                    { metadata: { name: "backoff", version: "2.2.1" } },
                    { metadata: { name: "idna", version: "3.10" } },
                ],
            }),
            ["backoff"],
            set.packages,
        );
        const ok = renderMarkdown(buildReport(diff, [], undefined, { preflight: [passed] }));
        assert.match(
            ok,
            /✅ \*\*PyPI preflight passed\*\* against the packages preinstalled in `composer-3-airflow-2\.10\.5-build\.36` .*: `backoff==2\.2\.1`\./,
        );
        const skipped = renderMarkdown(
            buildReport(diff, [], undefined, {
                preflight: [
                    {
                        urn: diff.resources[0].urn,
                        environment: "e",
                        imageVersion: IMAGE,
                        status: "skipped",
                        reason: "offline (DATA_INFRA_PYPI_PREFLIGHT=off)",
                    },
                ],
            }),
        );
        assert.match(skipped, /_PyPI preflight skipped: offline \(DATA_INFRA_PYPI_PREFLIGHT=off\)\._/);
    });
});
