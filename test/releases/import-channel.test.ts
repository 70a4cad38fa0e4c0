import { strict as assert } from "node:assert";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse } from "yaml";
import { parseStackConfig } from "../../config";
import { convertChannel, main, withReleases } from "../../tools/import-channel";
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
                "calitp.releases[0] (a).helm_set: unknown key (known: name, driver, namespace, helm_name, helm_chart, helm_values, kustomize_dir, secrets)",
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
        assert.match(out[0], /^Usage: npm run import-channel -- <legacy-channel.yaml> \[--stack <name>\]/);
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
        assert.match(out[0], /^wrote 3 releases \(legacy channel prod\) to data-infra:releases in /);
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
