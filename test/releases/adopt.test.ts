import { strict as assert } from "node:assert";
import { plan } from "../harness";

const NAMESPACE = "kubernetes:core/v1:Namespace";
const SECRET = "kubernetes:core/v1:Secret";
const RELEASE = "kubernetes:helm.sh/v3:Release";
const COMPOSER = "gcp:composer/environment:Environment";

describe("adoption (config adopt: the import option, for a fresh stack)", () => {
    it("declares no import when the stack adopts nothing", async () => {
        const run = await plan("test");
        assert.deepEqual(
            run.recorder.resources.filter((r) => r.options.importId !== undefined).map((r) => r.name),
            [],
        );
    });

    it("imports exactly the named namespaces, Secrets, Helm releases and the Composer environment, by provider id", async () => {
        // GIVEN the legacy system created these objects before the stack's first up
        const run = await plan("test", {
            adopt: {
                namespaces: ["metabase"],
                secrets: ["metabase/metabase-database"],
                releases: ["postgresql-backup-metabase"],
                composer: true,
            },
        });
        // THEN each one carries the import option with the provider's id format, the rest none
        const imported = Object.fromEntries(
            run.recorder.resources
                .filter((r) => r.options.importId !== undefined)
                .map((r) => [`${r.type} ${r.name}`, r.options.importId]),
        );
        assert.deepEqual(imported, {
            // kubernetes: cluster-scoped by name, namespaced as <namespace>/<name>
            [`${NAMESPACE} releases-namespace-metabase`]: "metabase",
            [`${SECRET} releases-secret-metabase/metabase-database`]: "metabase/metabase-database",
            // helm.v3.Release: <namespace>/<release name> (release.d.ts "pulumi import ... <namespace>/<releaseName>")
            [`${RELEASE} releases-postgresql-backup-metabase`]: "metabase/postgresql-backup",
            // gcp composer: projects/{project}/locations/{region}/environments/{name} (environment.d.ts)
            [`${COMPOSER} composer`]:
                "projects/transit-data-test/locations/us-west2/environments/data-infra-test",
        });
        // AND the imported resources keep their parents: nothing needs to be in state before (no import --parent)
        const release = run.recorder.get(RELEASE, "releases-postgresql-backup-metabase");
        assert.match(release.parent!, /::data-infra:releases:Releases::releases$/);
    });

    it("fails, naming every entry, when adopt names something the stack does not declare", async () => {
        await assert.rejects(
            plan("test", {
                adopt: {
                    namespaces: ["sentry"],
                    secrets: ["reports/metabase-database"],
                    releases: ["metabase-app"],
                },
            }),
            (e: Error) => {
                for (const part of [
                    'adopt.namespaces[0]: not a namespace this stack declares (declared: metabase, reports) (got "sentry")',
                    "adopt.secrets[0]: not a Secret this stack declares",
                    'adopt.releases[0]: not a release of data-infra:releases (helm releases: postgresql-backup-metabase, reports-site) (got "metabase-app")',
                ])
                    assert.ok(e.message.includes(part), `${part}\nin:\n${e.message}`);
                return true;
            },
        );
    });

    it("refuses a Secret not written as <namespace>/<name> when it loads the config", async () => {
        await assert.rejects(
            plan("test", { adopt: { secrets: ["metabase-database"] } }),
            /data-infra:adopt\.secrets\[0\]: must be <namespace>\/<Secret name> \(got "metabase-database"\)/,
        );
    });
});
