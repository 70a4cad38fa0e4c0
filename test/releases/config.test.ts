import { strict as assert } from "node:assert";
import { parseStackConfig } from "../../config";
import { ValidationError } from "../../lib/problems";
import { HELM_DEFAULTS } from "../../config/sections/releases";
import { stackConfig } from "../harness";

const parse = (overrides: Record<string, unknown>) =>
    parseStackConfig("test", stackConfig("test", overrides).config);
const problemsOf = (overrides: Record<string, unknown>): string[] => {
    try {
        parse(overrides);
        return [];
    } catch (e) {
        if (!(e instanceof ValidationError)) throw e;
        return e.message
            .split("\n")
            .slice(1)
            .map((l) => l.replace(/^ {2}- /, ""));
    }
};

describe("config releases", () => {
    it("resolves defaults: helmName = name, Helm safety defaults, secrets by format", () => {
        const cfg = parse({
            releases: [
                {
                    name: "app",
                    driver: "helm",
                    namespace: "apps",
                    chart: "charts/web-service",
                    secrets: [
                        "legacy_manifest",
                        { secret: "db", name: "db", key: "password" },
                        { secret: "m", name: "m" },
                    ],
                },
                { name: "k", driver: "kustomize", kustomizeDir: "kubernetes/overlays/k" },
            ],
        });
        assert.deepEqual(cfg.releases[0], {
            name: "app",
            driver: "helm",
            namespace: "apps",
            helmName: "app",
            chart: "charts/web-service",
            repo: undefined,
            version: undefined,
            valuesFiles: [],
            values: {},
            images: {},
            ...HELM_DEFAULTS,
            secrets: [
                { secret: "legacy_manifest", format: "manifest" },
                { secret: "db", name: "db", key: "password", format: "value" },
                { secret: "m", name: "m", format: "map" },
            ],
            dependsOn: [],
        });
        assert.deepEqual(cfg.releases[1], {
            name: "k",
            driver: "kustomize",
            namespace: undefined,
            kustomizeDir: "kubernetes/overlays/k",
            secrets: [],
            dependsOn: [],
        });
    });

    const helm = { name: "app", driver: "helm", namespace: "apps", chart: "charts/x" };
    const cases: Array<[string, unknown, string[]]> = [
        [
            "a helm release has no chart",
            [{ ...helm, chart: undefined }],
            [
                "data-infra:releases[0].chart: required for driver helm: a local chart folder or, with repo, a name",
            ],
        ],
        [
            "a helm release has no namespace",
            [{ ...helm, namespace: undefined }],
            ["data-infra:releases[0].namespace: required for driver helm"],
        ],
        [
            "a remote chart has no version",
            [{ ...helm, repo: "https://charts.example.com" }],
            ["data-infra:releases[0].version: required with repo: pin the exact chart version"],
        ],
        [
            "a local chart has a version",
            [{ ...helm, version: "1.0.0" }],
            [
                "data-infra:releases[0].version: only valid with repo: a local chart's version is its Chart.yaml",
            ],
        ],
        [
            "two releases have the same name",
            [helm, helm],
            ['data-infra:releases[1].name: duplicate release name, also used by releases[0] (got "app")'],
        ],
        [
            "a kustomize release has helm keys and no folder",
            [{ name: "k", driver: "kustomize", chart: "c" }],
            [
                "data-infra:releases[0].chart: only valid for driver helm",
                "data-infra:releases[0].kustomizeDir: required for driver kustomize: the kustomization folder",
            ],
        ],
        [
            "the driver is unknown",
            [{ ...helm, driver: "kubectl" }],
            ['data-infra:releases[0].driver: must be one of "helm", "kustomize" (got "kubectl")'],
        ],
        [
            "a structured secret has no name",
            [{ ...helm, secrets: [{ secret: "db", key: "password" }] }],
            ["data-infra:releases[0].secrets[0].name: required for format value: the Kubernetes Secret name"],
        ],
        [
            "a value secret has no key",
            [{ ...helm, secrets: [{ secret: "db", name: "db", format: "value" }] }],
            [
                "data-infra:releases[0].secrets[0].key: required for format value: the data key that holds the payload",
            ],
        ],
    ];
    for (const [what, releases, expected] of cases) {
        it(`fails when ${what}`, () => assert.deepEqual(problemsOf({ releases }), expected));
    }
});

describe("config images", () => {
    const img = { name: "backup", context: "images/backup" };
    const cases: Array<[string, unknown, string[]]> = [
        [
            "promote has no stack reference",
            { source: "promote", images: [img] },
            [
                "data-infra:images.stackReference: required with source promote: the stack that builds, e.g. organization/data-infra/test",
            ],
        ],
        [
            "pinned digests miss an image and name one the channel does not have",
            {
                source: "promote",
                stackReference: "o/p/s",
                images: [img],
                digests: { other: `r/o@sha256:${"a".repeat(64)}` },
            },
            [
                'data-infra:images.digests.other: not an image of this channel (got "other")',
                "data-infra:images.digests: no digest for image backup",
            ],
        ],
        [
            "a build channel pins digests",
            { source: "build", images: [img], digests: { backup: `r/b@sha256:${"a".repeat(64)}` } },
            ['data-infra:images.digests: only valid with source promote (got ["backup"])'],
        ],
        [
            "build has a stack reference",
            { source: "build", stackReference: "o/p/s", images: [img] },
            ["data-infra:images.stackReference: only valid with source promote"],
        ],
        [
            "two images share a name",
            { source: "build", images: [img, img] },
            ['data-infra:images.images[1].name: duplicate (got "backup")'],
        ],
        [
            "a context is outside images/",
            { source: "build", images: [{ name: "x", context: "src/x" }] },
            [
                'data-infra:images.images[0].context: must be a folder under images/ (images/<name>) (got "src/x")',
            ],
        ],
    ];
    for (const [what, images, expected] of cases) {
        it(`fails when ${what}`, () => assert.deepEqual(problemsOf({ images }), expected));
    }

    it("resolves defaults: repository data-infra, Dockerfile, no build args", () => {
        assert.deepEqual(parse({ images: { source: "build", images: [img] } }).images, {
            source: "build",
            repository: "data-infra",
            images: [{ ...img, dockerfile: "Dockerfile", buildArgs: {} }],
        });
    });
});
