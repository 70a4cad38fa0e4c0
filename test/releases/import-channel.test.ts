import { strict as assert } from "node:assert";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse } from "yaml";
import { parseStackConfig } from "../../config";
import { convertChannel, goDurationSeconds, main, withReleases } from "../../tools/import-channel";
import { runProgram } from "../../runtime/run-program";
import { readEngineConfig } from "../../runtime/stack-files";
import { isSecret } from "../../runtime/wire";
import { buildPlanDocument } from "../../tools/plan/document/build";
import { REPO_ROOT } from "../harness";

const LEGACY_ROOT = path.join(REPO_ROOT, "test", "fixtures", "legacy-channel");
const LEGACY_FILE = path.join(LEGACY_ROOT, "prod.yaml");

/** The converted example from issue 5, in order. */
const CONVERTED = [
    {
        name: "archiver",
        driver: "kustomize",
        kustomizeDir: "kubernetes/apps/overlays/gtfs-rt-archiver-v3-prod",
        secrets: ["gtfs-rt-v3_gtfs-feed-secrets"],
    },
    {
        name: "metabase",
        driver: "helm",
        namespace: "metabase",
        chart: "kubernetes/apps/charts/metabase",
        valuesFiles: ["kubernetes/apps/values/metabase.yaml"],
        secrets: ["metabase_service_account_key"],
    },
    {
        name: "postgresql-backup-metabase",
        driver: "helm",
        namespace: "metabase",
        helmName: "postgresql-backup",
        chart: "kubernetes/apps/charts/postgresql-backup",
        valuesFiles: [
            "kubernetes/apps/values/postgresql-backup-metabase.yaml",
            "kubernetes/apps/values/postgresql-backup-metabase-prod.yaml",
        ],
        secrets: ["metabase_database-backup"],
    },
];

/** Secret values that must never show up outside a secret. */
const plaintext = (id: string) => `PLAINTEXT-${id}`;
const manifest = (id: string) =>
    `apiVersion: v1\nkind: Secret\nmetadata:\n  name: ${id.replace(/_/g, "-")}\nstringData:\n  token: ${plaintext(id)}\n`;

describe("import-channel", () => {
    it("converts the legacy example to releases config, in order", () => {
        const imported = convertChannel(parse(fs.readFileSync(LEGACY_FILE, "utf8")));
        assert.equal(imported.channel, "prod");
        assert.deepEqual(imported.releases, CONVERTED);
    });

    it("splits a:b values pairs into two files, in order", () => {
        const legacy = {
            calitp: {
                releases: [
                    {
                        name: "x",
                        driver: "helm",
                        namespace: "n",
                        helm_chart: "c",
                        helm_values: ["a.yaml:b.yaml", "c.yaml"],
                    },
                ],
            },
        };
        assert.deepEqual(convertChannel(legacy).releases[0].valuesFiles, ["a.yaml", "b.yaml", "c.yaml"]);
    });

    const failing: Array<[string, unknown, string[]]> = [
        [
            "an entry has an unknown key",
            { name: "a", driver: "helm", namespace: "n", helm_chart: "c", helm_set: "x" },
            [
                "calitp.releases[0] (a).helm_set: unknown key (known: name, driver, namespace, helm_name, helm_chart, helm_values, kustomize_dir, secrets, secret_helm_values, timeout)",
            ],
        ],
        [
            "the driver is unknown",
            { name: "a", driver: "kubectl" },
            ['calitp.releases[0] (a).driver: unknown driver (known: helm, kustomize) (got "kubectl")'],
        ],
        [
            "a helm release has no chart",
            { name: "a", driver: "helm", namespace: "n" },
            ["calitp.releases[0] (a).helm_chart: required for a helm release"],
        ],
        [
            "a release name is uppercase (the plan would reject it)",
            { name: "Metabase", driver: "kustomize", kustomize_dir: "k" },
            [
                'calitp.releases[0] (Metabase).name: must be a DNS label: lowercase letters, digits and \'-\', starting and ending with a letter or digit (lowercase it: "metabase") (got "Metabase")',
            ],
        ],
        [
            "a namespace is not a DNS label",
            { name: "a", driver: "helm", namespace: "Data_Infra", helm_chart: "c" },
            [
                "calitp.releases[0] (a).namespace: must be a DNS label: lowercase letters, digits and '-', starting and ending with a letter or digit (got \"Data_Infra\")",
            ],
        ],
        [
            "a values file is a URL (never split at its colon)",
            {
                name: "a",
                driver: "helm",
                namespace: "n",
                helm_chart: "c",
                helm_values: ["https://example.com/v.yaml"],
            },
            [
                'calitp.releases[0] (a).helm_values: values URLs are not supported: keep values files in the repository (got "https://example.com/v.yaml")',
            ],
        ],
        [
            "a timeout is no Go duration",
            { name: "a", driver: "helm", namespace: "n", helm_chart: "c", timeout: "600" },
            [
                'calitp.releases[0] (a).timeout: must be a Go duration such as 10m or 600s (helm --timeout) (got "600")',
            ],
        ],
        [
            "secret_helm_values is not a list of names",
            { name: "a", driver: "helm", namespace: "n", helm_chart: "c", secret_helm_values: "x" },
            ["calitp.releases[0] (a).secret_helm_values: must be a list of Secret Manager secret names"],
        ],
    ];
    for (const [what, entry, expected] of failing) {
        it(`fails when ${what}, naming the entry`, () => {
            assert.throws(
                () => convertChannel({ calitp: { channel: "prod", releases: [entry] } }),
                (e: Error) => {
                    assert.deepEqual(
                        e.message.split("\n").slice(1),
                        expected.map((m) => `  - ${m}`),
                    );
                    return true;
                },
            );
        });
    }

    it("carries today's legacy keys: secret_helm_values become a secret values layer, timeout seconds", () => {
        const entry = {
            name: "sentry",
            driver: "helm",
            namespace: "sentry",
            helm_chart: "charts/sentry",
            helm_values: ["values/sentry.yaml"],
            secret_helm_values: ["sentry-sensitive-values"],
            timeout: "1h30m",
        };
        assert.deepEqual(convertChannel({ calitp: { channel: "prod", releases: [entry] } }).releases, [
            {
                name: "sentry",
                driver: "helm",
                namespace: "sentry",
                chart: "charts/sentry",
                valuesFiles: ["values/sentry.yaml"],
                secretValues: ["sentry-sensitive-values"],
                timeoutSeconds: 5400,
            },
        ]);
    });

    const durations: Array<[string, number | undefined]> = [
        ["10m", 600],
        ["600s", 600],
        ["1h30m", 5400],
        ["1.5h", 5400],
        ["0", 0],
        ["600", undefined],
        ["10 m", undefined],
        ["m", undefined],
    ];
    for (const [text, seconds] of durations) {
        it(`reads the Go duration ${JSON.stringify(text)} as ${seconds ?? "an error"}`, () => {
            assert.equal(goDurationSeconds(text), seconds);
        });
    }

    it("warns, per entry, for comments and commented-out releases it drops", () => {
        const text = [
            "calitp:",
            "  channel: prod",
            "  releases:",
            "    # raw feeds",
            "    - name: archiver",
            "      driver: kustomize",
            "      kustomize_dir: k # prod overlay",
            "    # - name: old-dashboards",
            "    #   driver: helm",
            "",
        ].join("\n");
        assert.deepEqual(convertChannel(parse(text), text).warnings, [
            'calitp.releases[0] (archiver): comment dropped: "raw feeds"',
            'calitp.releases[0] (archiver): comment dropped: "prod overlay"',
            'after calitp.releases[0] (archiver): a commented-out (disabled) release is dropped: "- name: old-dashboards"',
        ]);
    });

    it("reads the legacy file as PyYAML did: merge keys expanded", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "import-channel-"));
        const file = path.join(dir, "legacy.yaml");
        fs.writeFileSync(
            file,
            "base: &helm {driver: helm, namespace: metabase}\ncalitp:\n  releases:\n    - <<: *helm\n      name: metabase\n      helm_chart: c\n",
        );
        const out: string[] = [];
        const err: string[] = [];
        const io = { projectDir: dir, out: (s: string) => out.push(s), err: (s: string) => err.push(s) };
        // "base" is no legacy key: the point is that the entry itself reads as PyYAML expands it
        assert.equal(main([file], io), 1);
        assert.deepEqual(err, ["legacy channel file: 1 problem\n  - base: unknown top-level key"]);
    });

    it("warns, through the command, about a chart missing from the tree and a legacy channel other than --stack", () => {
        // GIVEN a project holding only a test stack file, and a prod legacy channel whose chart was vendored elsewhere
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "import-channel-"));
        fs.writeFileSync(path.join(dir, "Pulumi.test.yaml"), "config: {}\n");
        const file = path.join(dir, "legacy.yaml");
        fs.writeFileSync(
            file,
            "calitp:\n  channel: prod\n  releases:\n    - name: metabase\n      driver: helm\n      namespace: metabase\n      helm_chart: kubernetes/apps/charts/metabase\n",
        );
        const err: string[] = [];
        const io = { projectDir: dir, out: () => undefined, err: (s: string) => err.push(s) };
        // WHEN it is imported into the test stack
        assert.equal(main([file, "--stack", "test"], io), 0, err.join("\n"));
        // THEN both are said, once each
        assert.deepEqual(err, [
            'warning: calitp.channel: the legacy channel is "prod" but --stack is "test"; its values files and secrets are prod\'s (got prod)',
            "warning: calitp.releases[0] (metabase).helm_chart: chart kubernetes/apps/charts/metabase is not in this repository (hologit vendored it); vendor it under charts/, or for a third-party chart set chart: <name>, repo: <helm repository URL>, version: <exact version>",
        ]);
    });

    it("refuses a --stack that leaves the project or names no stack file, and creates one only with --new", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "import-channel-"));
        fs.copyFileSync(path.join(REPO_ROOT, "Pulumi.prod.yaml"), path.join(dir, "Pulumi.prod.yaml"));
        const err: string[] = [];
        const io = { projectDir: dir, out: () => undefined, err: (s: string) => err.push(s) };
        assert.equal(main([LEGACY_FILE, "--stack", "../x"], io), 2);
        assert.match(
            err.pop()!,
            /^--stack "\.\.\/x": a stack name may only contain alphanumeric, hyphens, underscores, or periods: invalid character "\/" at position 2/,
        );
        assert.equal(main([LEGACY_FILE, "--stack", "prdo"], io), 2);
        assert.equal(
            err.pop(),
            "--stack prdo: Pulumi.prdo.yaml does not exist (stacks here: prod); pass --new to create it",
        );
        assert.ok(!fs.existsSync(path.join(dir, "Pulumi.prdo.yaml")));
        assert.equal(main([LEGACY_FILE, "--stack", "staging", "--new"], io), 0);
        assert.ok(fs.existsSync(path.join(dir, "Pulumi.staging.yaml")));
        assert.ok(!fs.existsSync(path.join(path.dirname(dir), "x.yaml")));
    });

    it("writes the key into an empty or config-less stack file", () => {
        const releases = [{ name: "a", driver: "kustomize", kustomizeDir: "k" }];
        for (const text of ["", "config:\n", "# channel x\nconfig: {}\n"]) {
            assert.deepEqual(parse(withReleases(text, releases)), {
                config: { "data-infra:releases": releases },
            });
        }
    });

    it("prints help and rejects a missing file argument", () => {
        const out: string[] = [];
        const io = {
            projectDir: REPO_ROOT,
            out: (s: string) => out.push(s),
            err: (s: string) => out.push(s),
        };
        assert.equal(main(["--help"], io), 0);
        assert.match(
            out[0],
            /^Usage: npm run import-channel -- <legacy-channel.yaml> \[--stack <name> \[--new\]\]/,
        );
        assert.equal(main([], io), 2);
    });

    it("writes the releases into a stack file, keeping the rest, and the result plans as the legacy channel did", async () => {
        // GIVEN a project with the shipped Pulumi.yaml and prod stack file
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "import-channel-"));
        for (const f of ["Pulumi.yaml", "Pulumi.prod.yaml"])
            fs.copyFileSync(path.join(REPO_ROOT, f), path.join(dir, f));
        const before = fs.readFileSync(path.join(dir, "Pulumi.prod.yaml"), "utf8");
        // WHEN the legacy example is imported into it
        const out: string[] = [];
        const io = { projectDir: dir, out: (s: string) => out.push(s), err: (s: string) => out.push(s) };
        assert.equal(main([LEGACY_FILE, "--stack", "prod"], io), 0, out.join("\n"));
        // (the temporary project holds none of the legacy paths, so the missing-path warnings come first)
        assert.match(out.at(-1)!, /^wrote 3 releases \(legacy channel prod\) to data-infra:releases in /);
        // THEN comments and other keys survive, and the key holds the converted releases
        const after = fs.readFileSync(path.join(dir, "Pulumi.prod.yaml"), "utf8");
        assert.ok(after.startsWith(before.split("\n")[0]), "the header comment survives");
        assert.ok(after.includes("# Prod builds nothing"), "comments between keys survive");
        const config = readEngineConfig(dir, "prod");
        assert.deepEqual(JSON.parse(config.config["data-infra:releases"]), CONVERTED);
        assert.equal(parseStackConfig("prod", config.config).releases.length, 3);

        // AND planning it with the paths it names gives the legacy channel's objects
        const run = await runProgram({
            stack: "prod",
            config,
            program: path.join(__dirname, "legacy-program.ts"),
            invokes: {
                "gcp:secretmanager/getSecretVersion:getSecretVersion": (inputs) => ({
                    secret: inputs.secret,
                    secretData: manifest(String(inputs.secret)),
                }),
            },
        });
        const rec = run.recorder;
        const releases = rec
            .ofType("kubernetes:helm.sh/v3:Release")
            .map((r) => [r.inputs.name, r.inputs.namespace]);
        assert.deepEqual(releases, [
            ["metabase", "metabase"],
            ["postgresql-backup", "metabase"],
        ]);
        const kustomize = rec.get("kubernetes:kustomize/v2:Directory", "releases-archiver");
        assert.equal(kustomize.inputs.directory, "./kubernetes/apps/overlays/gtfs-rt-archiver-v3-prod");
        assert.deepEqual(
            rec.ofType("kubernetes:core/v1:Namespace").map((n) => n.inputs.metadata),
            [{ name: "metabase" }],
        );
        const secrets = rec.ofType("kubernetes:core/v1:Secret");
        assert.deepEqual(
            secrets.map((s) => [s.name, s.inputs.metadata]),
            [
                [
                    "releases-secret-@archiver/gtfs-rt-v3_gtfs-feed-secrets",
                    {
                        name: "gtfs-rt-v3-gtfs-feed-secrets",
                        namespace: "default",
                        annotations: { "data-infra/secret-source": "gtfs-rt-v3_gtfs-feed-secrets@latest" },
                    },
                ],
                [
                    "releases-secret-metabase/metabase_service_account_key",
                    {
                        name: "metabase-service-account-key",
                        namespace: "metabase",
                        annotations: { "data-infra/secret-source": "metabase_service_account_key@latest" },
                    },
                ],
                [
                    "releases-secret-metabase/metabase_database-backup",
                    {
                        name: "metabase-database-backup",
                        namespace: "metabase",
                        annotations: { "data-infra/secret-source": "metabase_database-backup@latest" },
                    },
                ],
            ],
        );
        for (const s of secrets) assert.ok(isSecret(s.inputs.stringData), `${s.name}: stringData is secret`);
        // AND the plan's JSON (--format json) shows no secret value anywhere
        const json = JSON.stringify(buildPlanDocument(run, { root: LEGACY_ROOT }));
        assert.ok(!json.includes("PLAINTEXT"), "no plaintext secret data in the plan document");
        assert.equal(json.match(/"stringData":"\[secret\]"/g)?.length, 3);
    });

    it("renders the fixture's kustomize overlay with kubectl", function () {
        try {
            execFileSync("kubectl", ["version", "--client"], { stdio: "ignore" });
        } catch {
            this.skip();
        }
        const rendered = execFileSync(
            "kubectl",
            ["kustomize", path.join(LEGACY_ROOT, "kubernetes/apps/overlays/gtfs-rt-archiver-v3-prod")],
            {
                encoding: "utf8",
            },
        );
        const doc = parse(rendered) as {
            kind: string;
            metadata: { namespace: string };
            spec: { replicas: number };
        };
        assert.deepEqual(
            [doc.kind, doc.metadata.namespace, doc.spec.replicas],
            ["Deployment", "gtfs-rt-v3", 2],
        );
    });
});
