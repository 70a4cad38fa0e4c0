import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { contextTag, validateImages } from "../../components/images/images";
import { formatProblem } from "../../lib/problems";
import type { ProgramRun } from "../../runtime/run-program";
import { isSecret, isUnknown } from "../../runtime/wire";
import { plan, REPO_ROOT, stackConfig } from "../harness";
import { tempTree } from "../releases/temp-tree";

const IMAGE = "docker:index/image:Image";
const RELEASE = "kubernetes:helm.sh/v3:Release";
const REGISTRY = "us-west2-docker.pkg.dev/transit-data-test/data-infra";
const DIGEST = `${REGISTRY}/postgresql-backup@sha256:${"ab".repeat(32)}`;
const defaults = { dockerfile: "Dockerfile", buildArgs: {} };


describe("Images", () => {
    describe("contextTag", () => {
        it("is stable, changed by a file change, unchanged by a .dockerignored file", () => {
            const dir = tempTree({
                Dockerfile: "FROM scratch\nCOPY app /app\n",
                ".dockerignore": "*.md\nnotes/\n",
                app: "v1",
            });
            const tag = contextTag(dir, defaults);
            assert.match(tag, /^ctx-[0-9a-f]{16}$/);
            assert.equal(contextTag(dir, defaults), tag, "stable across runs");

            fs.writeFileSync(path.join(dir, "README.md"), "docs");
            fs.mkdirSync(path.join(dir, "notes"));
            fs.writeFileSync(path.join(dir, "notes", "todo.txt"), "later");
            assert.equal(contextTag(dir, defaults), tag, ".dockerignored files do not count");

            fs.mkdirSync(path.join(dir, "sub"));
            fs.writeFileSync(path.join(dir, "sub", "README.md"), "nested: .dockerignore patterns are root-anchored");
            const nested = contextTag(dir, defaults);
            assert.notEqual(nested, tag);

            fs.writeFileSync(path.join(dir, "app"), "v2");
            assert.notEqual(contextTag(dir, defaults), nested, "a file change changes the tag");
            assert.notEqual(contextTag(dir, { ...defaults, buildArgs: { A: "1" } }), contextTag(dir, defaults));
        });

        it("counts the Dockerfile even when .dockerignore excludes it", () => {
            const dir = tempTree({ Dockerfile: "FROM scratch\n", ".dockerignore": "Dockerfile\n" });
            const tag = contextTag(dir, defaults);
            fs.writeFileSync(path.join(dir, "Dockerfile"), "FROM busybox\n");
            assert.notEqual(contextTag(dir, defaults), tag);
        });

        it("tags the shipped backup image the same on every run", () => {
            const dir = path.join(REPO_ROOT, "images/postgresql-backup");
            assert.equal(contextTag(dir, defaults), contextTag(dir, defaults));
        });
    });

    it("fails when a build context or Dockerfile is missing", () => {
        const problems = validateImages({
            source: "build",
            rootDir: REPO_ROOT,
            registryToken: "t",
            images: [
                { name: "nope", context: "images/nope", ...defaults },
                { name: "df", context: "images/postgresql-backup", ...defaults, dockerfile: "Other.Dockerfile" },
            ],
        });
        assert.deepEqual(problems.list.map(formatProblem), [
            "image nope: context images/nope: folder not found",
            "image df: images/postgresql-backup/Other.Dockerfile: Dockerfile not found",
        ]);
    });

    describe("under mocks", () => {
        let test: ProgramRun;
        let prod: ProgramRun;
        before(async () => {
            // The digest exists only after a push; give the mocks one to follow it into the Release.
            test = await plan("test", {}, { computed: { [IMAGE]: () => ({ repoDigest: DIGEST }) } });
            prod = await plan("prod", {}, {
                computed: {
                    "pulumi:pulumi:StackReference": () => ({
                        outputs: { images: { "postgresql-backup": DIGEST } },
                        secretOutputNames: [],
                    }),
                },
            });
        });

        it("builds in test: a registry, an image tagged by content hash, pushed with the gcp token", () => {
            const repo = test.recorder.get("gcp:artifactregistry/repository:Repository", "images-repository");
            assert.deepEqual(
                [repo.inputs.repositoryId, repo.inputs.format, repo.inputs.location, repo.inputs.project, repo.options.protect],
                ["data-infra", "DOCKER", "us-west2", "transit-data-test", true],
            );
            const image = test.recorder.get(IMAGE, "images-postgresql-backup");
            const context = "./images/postgresql-backup";
            const { registry, ...inputs } = image.inputs as { registry: Record<string, unknown> };
            assert.deepEqual(inputs, {
                imageName: `${REGISTRY}/postgresql-backup:${contextTag(path.join(REPO_ROOT, context), defaults)}`,
                build: { context, dockerfile: `${context}/Dockerfile`, args: {}, platform: "linux/amd64" },
                buildOnPreview: false,
                skipPush: false,
            });
            assert.equal(registry.server, "us-west2-docker.pkg.dev");
            assert.equal(registry.username, "oauth2accesstoken");
            assert.ok(isSecret(registry.password), "the push token is secret");
            assert.equal(image.provider, "urn:pulumi:test::data-infra::pulumi:providers:docker::docker");
            assert.equal(test.recorder.ofType("pulumi:pulumi:StackReference").length, 0);
        });

        it("keeps the per-run token off the docker provider, so an unchanged repository previews empty", () => {
            // A token in registryAuth would diff the provider on every run (pulumi-docker#952).
            assert.deepEqual(test.recorder.get("pulumi:providers:docker", "docker").inputs, {});
        });

        it("wires the built digest into the Release values and exports it", () => {
            const values = test.recorder.get(RELEASE, "releases-postgresql-backup-metabase").inputs.values as Record<string, unknown>;
            assert.equal(values.image, DIGEST);
            assert.deepEqual(test.outputs.images, { "postgresql-backup": DIGEST });
        });

        it("builds nothing in prod: it reads the digests through a StackReference", () => {
            assert.equal(prod.recorder.ofType(IMAGE).length, 0);
            assert.equal(prod.recorder.ofType("gcp:artifactregistry/repository:Repository").length, 0);
            assert.equal(prod.recorder.ofType("pulumi:providers:docker").length, 0);
            const ref = prod.recorder.get("pulumi:pulumi:StackReference", "images-source");
            assert.equal(ref.inputs.name, "organization/data-infra/test");
            for (const name of ["releases-postgresql-backup-metabase", "releases-postgresql-backup-sentry"]) {
                const values = prod.recorder.get(RELEASE, name).inputs.values as Record<string, unknown>;
                assert.equal(values.image, DIGEST, `${name} deploys the digest test built`);
            }
        });

        it("deploys the digests pinned in Pulumi.prod.yaml and reads no StackReference (issue 15, H6b)", async () => {
            // GIVEN the promotion commit's images.digests
            const pinned = `${REGISTRY}/postgresql-backup@sha256:${"cd".repeat(32)}`;
            const images = JSON.parse(stackConfig("prod").config["data-infra:images"]) as Record<string, unknown>;
            const run = await plan("prod", { images: { ...images, digests: { "postgresql-backup": pinned } } });
            // THEN every release deploys that digest, known at plan time, and test's live output is never read
            assert.equal(run.recorder.ofType("pulumi:pulumi:StackReference").length, 0);
            for (const name of ["releases-postgresql-backup-metabase", "releases-postgresql-backup-sentry"]) {
                const values = run.recorder.get(RELEASE, name).inputs.values as Record<string, unknown>;
                assert.equal(values.image, pinned, name);
            }
        });

        it("fails when pinned digests miss an image, name an unknown one, or pin by tag", () => {
            const img = [{ name: "a", context: "images/a", ...defaults }];
            const problems = validateImages({
                source: "promote",
                images: img,
                rootDir: REPO_ROOT,
                stackReference: "o/p/s",
                digests: { a: "r/a:latest" },
            });
            assert.deepEqual(problems.list.map(formatProblem), [
                "images.digests.a: needs a pinned reference <registry>/<name>@sha256:<64 hex>",
            ]);
        });

        it("plans prod offline with the digest unknown, not invented", async () => {
            const offline = await plan("prod");
            const values = offline.recorder.get(RELEASE, "releases-postgresql-backup-metabase").inputs.values as Record<string, unknown>;
            assert.ok(isUnknown(values.image));
        });
    });
});
