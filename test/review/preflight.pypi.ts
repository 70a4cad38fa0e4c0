/**
 * The PyPI preflight with pip's real resolver against PyPI (`npm run test:pypi`; `.ci/run` provides pip 25.3 from
 * `.ci/install-pip.sh` as DATA_INFRA_PIP_PYTHON). Small constraint sets, the fixture image set of
 * test/fixtures/composer-images: one that resolves, one that conflicts (with pip's chain), one unknown package, and
 * the review comment end to end. Kept out of `npm test`: it needs PyPI.
 */
import { strict as assert } from "node:assert";
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { runPypiPreflight, type PreflightResult } from "../../tools/plan/review/preflight/pypi";
import { REPO_ROOT, copyCheckout } from "../harness";

const SETS = path.join(REPO_ROOT, "test/fixtures/composer-images");
const IMAGE = "composer-3-airflow-2.10.5-build.36";
const python = process.env.DATA_INFRA_PIP_PYTHON || "python3";

function preflight(packages: Record<string, string>): PreflightResult {
    return runPypiPreflight(
        { urn: "urn:x", environment: "data-infra-test", imageVersion: IMAGE, packages },
        { python, setDirs: [SETS], now: new Date(), online: true },
    );
}

describe("PyPI preflight against PyPI", function () {
    this.timeout(300_000);

    it("passes a set that resolves on the image, with the versions pip chose", () => {
        const r = preflight({ requests: "==2.32.3", backoff: "==2.2.1" });
        assert.equal(r.status, "passed", JSON.stringify(r));
        assert.deepEqual(r.status === "passed" && r.resolved.filter((x) => x.requested || !x.preinstalled), [
            { name: "backoff", version: "2.2.1", requested: true, preinstalled: false },
            { name: "requests", version: "2.32.3", requested: true, preinstalled: true },
        ]);
    });

    it("finds the conflict with a preinstalled pin, naming the chain", () => {
        const r = preflight({ "grpcio-status": "==1.66.0" });
        assert.equal(r.status, "conflict", JSON.stringify(r));
        assert.deepEqual(r.status === "conflict" && r.chain, [
            "grpcio-status 1.66.0 depends on protobuf<6.0dev and >=5.26.1",
            "protobuf==4.25.3 is preinstalled in the image",
        ]);
    });

    it("finds a direct pin the preinstalled set forbids", () => {
        const r = preflight({ requests: "==2.31.0" });
        assert.deepEqual(r.status === "conflict" && r.chain, [
            "requirements ask for requests==2.31.0",
            "requests==2.32.3 is preinstalled in the image",
        ]);
    });

    it("fails an unknown package with pip's words", () => {
        const r = preflight({ "data-infra-no-such-package": "==1.0" });
        assert.equal(r.status, "failed", JSON.stringify(r));
        assert.match(
            r.status === "failed" ? r.message : "",
            /No matching distribution found for data-infra-no-such-package==1\.0/,
        );
    });

    it("shows the conflict in the review comment's Composer section, and a pass with the resolved versions", () => {
        // GIVEN a scratch repository with the review's fixture program, then a commit adding a conflicting package
        const repo = copyCheckout("preflight-e2e-");
        const git = (...args: string[]) =>
            execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@example.com", ...args], {
                cwd: repo,
            });
        try {
            const requirements = path.join(repo, "test/review/fixture-program/requirements.txt");
            fs.writeFileSync(requirements, "requests==2.32.3\n");
            git("init", "--quiet");
            git("add", "-A");
            git("commit", "--quiet", "-m", "base");
            const review = () =>
                spawnSync(
                    process.execPath,
                    [
                        require.resolve("tsx/cli"),
                        "tools/plan.ts",
                        "--project",
                        "test/review/fixture-program",
                        "--stack",
                        "test",
                        "--base",
                        "HEAD~1",
                        "--format",
                        "markdown",
                    ],
                    {
                        cwd: repo,
                        encoding: "utf8",
                        env: {
                            ...process.env,
                            DATA_INFRA_PIP_PYTHON: python,
                            DATA_INFRA_COMPOSER_IMAGE_SETS: SETS,
                        },
                    },
                );
            // WHEN a package that needs protobuf 5 is added (the image has 4.25.3)
            fs.writeFileSync(requirements, "requests==2.32.3\ngrpcio-status==1.66.0\n");
            git("commit", "--quiet", "-am", "conflict");
            const bad = review();
            // THEN the comment shows the conflict and its chain
            assert.equal(bad.status, 0, bad.stderr);
            assert.match(
                bad.stdout,
                /\*\*PyPI preflight: conflict\*\* against the packages preinstalled in `composer-3-airflow-2\.10\.5-build\.36`/,
            );
            assert.match(
                bad.stdout,
                /- grpcio-status 1\.66\.0 depends on protobuf\\<6\.0dev and \\>=5\.26\.1/,
            );
            assert.match(bad.stdout, /PyPI preflight found a conflict/);
            // WHEN instead a compatible package is added
            fs.writeFileSync(requirements, "requests==2.32.3\nbackoff==2.2.1\n");
            git("commit", "--quiet", "-am", "compatible");
            const good = review();
            // THEN it says the preflight passed, with the resolved versions
            assert.equal(good.status, 0, good.stderr);
            assert.match(
                good.stdout,
                /✅ \*\*PyPI preflight passed\*\* .*: `backoff==2\.2\.1`, `requests==2\.32\.3`\./,
            );
        } finally {
            fs.rmSync(repo, { recursive: true, force: true });
        }
    });
});
