import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse } from "yaml";
import { secretsProviderUri } from "../bootstrap/state-backend";
import { parseStackConfig } from "../config";
import {
    crossChannelProblems,
    placeholdersIn,
    readChannelConfigs,
    type ChannelConfig,
} from "../config/cross-channel";
import { formatProblem } from "../lib/problems";
import { listStacks, readEngineConfig } from "../runtime/stack-files";
import { NewChannelError, newChannel, renameWord, type NewChannelInput } from "../tools/channels/new-channel";
import { REPO_ROOT } from "./harness";

/** A shipped channel, optionally under another stack name and with edited `data-infra:` keys. */
function channel(stack: string, as = stack, edits: Record<string, unknown> = {}): ChannelConfig {
    const engine = readEngineConfig(REPO_ROOT, stack);
    const config: Record<string, string> = { ...engine.config };
    for (const [k, v] of Object.entries(edits)) config[`data-infra:${k}`] = JSON.stringify(v);
    return {
        stack: as,
        file: `Pulumi.${as}.yaml`,
        config: parseStackConfig(as, config, engine.secretKeys),
        engineConfig: config,
    };
}
const shipped = () => listStacks(REPO_ROOT).map((s) => channel(s));
const messages = (cs: ChannelConfig[]) => crossChannelProblems(cs).map(formatProblem);

describe("cross-channel checks", () => {
    it("passes on the shipped channels", () => {
        assert.deepEqual(messages(shipped()), []);
    });

    it("fails an unedited copy of Pulumi.test.yaml, naming both stack files", () => {
        // GIVEN Pulumi.staging.yaml = Pulumi.test.yaml WHEN every channel is checked
        const found = messages([...shipped(), channel("test", "staging")]);
        // THEN the same Composer environment, registry and Helm releases are reported, and test's values
        assert.deepEqual(found.slice(0, 4), [
            'Pulumi.test.yaml data-infra:composer.name: declares the same Composer environment (project/region/name) as Pulumi.staging.yaml data-infra:composer.name; each channel needs its own (got "transit-data-test/us-west2/data-infra-test")',
            'Pulumi.test.yaml data-infra:images.repository: declares the same Artifact Registry repository (project/location/id) as Pulumi.staging.yaml data-infra:images.repository; each channel needs its own (got "transit-data-test/us-west2/data-infra")',
            'Pulumi.test.yaml data-infra:releases[0]: declares the same Helm release (cluster/namespace/release name) as Pulumi.staging.yaml data-infra:releases[0]; each channel needs its own (got "gke:transit-data-test/us-west2/data-infra-apps-test/metabase/postgresql-backup")',
            'Pulumi.test.yaml data-infra:releases[1]: declares the same Helm release (cluster/namespace/release name) as Pulumi.staging.yaml data-infra:releases[1]; each channel needs its own (got "gke:transit-data-test/us-west2/data-infra-apps-test/reports/reports-site")',
        ]);
        assert.ok(
            found.includes(
                'Pulumi.staging.yaml data-infra:composer.envVariables.CHANNEL: names channel "test" (Pulumi.test.yaml): a value copied from another channel; give this channel its own (got "test")',
            ),
        );
        assert.ok(
            found.some((m) => m.startsWith("Pulumi.staging.yaml data-infra:gcp.project: names channel")),
        );
    });

    it("allows naming another channel only where a channel must: promotedFrom and the image stack reference", () => {
        const prod = channel("prod");
        assert.equal(prod.config.github.promotedFrom, "test");
        assert.equal(prod.config.images?.stackReference, "organization/data-infra/test");
        assert.deepEqual(messages([prod, channel("test")]), []);
    });

    it("reads channel names as whole words: `latest` does not name a channel `test`", () => {
        const t = channel("test", "test", {
            composer: { ...channel("test").config.composer, envVariables: { TAG: "latest", X: "pytest" } },
        });
        assert.deepEqual(messages([channel("prod"), t]), []);
    });

    it("fails a documented placeholder in a production channel that can deploy, not before", () => {
        const ci = {
            workloadIdentityProvider:
                "projects/210987654321/locations/global/workloadIdentityPools/github-actions/providers/github",
            deployServiceAccount: "deploy-prod@transit-data-prod.iam.gserviceaccount.com",
            previewServiceAccount: "preview-prod@transit-data-prod.iam.gserviceaccount.com",
            backendUrl: "gs://transit-data-prod-pulumi-state",
        };
        const prod = channel("prod");
        assert.deepEqual(placeholdersIn(prod.config), [
            "data-infra:github.environmentReviewers.teams = 4210001: set the approving team's id: gh api orgs/<org>/teams/<slug> --jq .id",
        ]);
        const github = parse(fs.readFileSync(path.join(REPO_ROOT, "Pulumi.prod.yaml"), "utf8")).config[
            "data-infra:github"
        ];
        const deployable = channel("prod", "prod", { github: { ...github, ci } });
        assert.deepEqual(messages([deployable, channel("test")]), [
            "Pulumi.prod.yaml data-infra:github.environmentReviewers.teams: is the documented placeholder of a production channel that can deploy; set the approving team's id: gh api orgs/<org>/teams/<slug> --jq .id (got 4210001)",
        ]);
        const real = channel("prod", "prod", {
            github: { ...github, ci, environmentReviewers: { teams: [123] } },
        });
        assert.deepEqual(messages([real, channel("test")]), []);
    });
});

describe("new-channel", () => {
    // The channel these tests create is hidden from their view of the repository, so they also pass in a copy where
    // `npm run new-channel -- staging --from test` has already run (npm run test:new-channel does exactly that).
    const NEW = "staging";
    const existing = listStacks(REPO_ROOT).filter((s) => s !== NEW);
    const read = (rel: string): ReturnType<NewChannelInput["read"]> => {
        const abs = path.join(REPO_ROOT, rel);
        if (rel.includes(NEW) || !fs.existsSync(abs)) return undefined;
        return fs.statSync(abs).isDirectory()
            ? { dir: fs.readdirSync(abs) }
            : { file: fs.readFileSync(abs, "utf8") };
    };
    const text = (rel: string) => fs.readFileSync(path.join(REPO_ROOT, rel), "utf8");
    const input = (over: Partial<NewChannelInput> = {}): NewChannelInput => ({
        name: "staging",
        from: "test",
        promotedFrom: "test",
        sourceText: text("Pulumi.test.yaml"),
        projectGithub: (
            parse(text("Pulumi.yaml")) as { config: { github: { value: Record<string, unknown> } } }
        ).config.github.value,
        channels: Object.fromEntries(existing.map((s) => [s, text(`Pulumi.${s}.yaml`)])),
        bootstrapStacks: Object.fromEntries(
            listStacks(path.join(REPO_ROOT, "bootstrap"))
                .filter((s) => !s.includes(NEW))
                .map((s) => [s, text(`bootstrap/Pulumi.${s}.yaml`)]),
        ),
        read,
        ...over,
    });

    it("renames whole words only", () => {
        assert.equal(
            renameWord("transit-data-test latest pytest test_x CHANNEL: test", "test", "staging"),
            "transit-data-staging latest pytest staging_x CHANNEL: staging",
        );
    });

    it("writes a channel that names no test value and passes the cross-channel checks", () => {
        // GIVEN new-channel staging --from test
        const result = newChannel(input());
        assert.deepEqual(
            result.files.map((f) => f.path),
            [
                "Pulumi.staging.yaml",
                "kubernetes/values/postgresql-backup-metabase-staging.yaml",
                "bootstrap/Pulumi.transit-data-staging.yaml",
                // its governance stack (issue 15, item 7), with the governance key
                "governance/Pulumi.staging.yaml",
            ],
        );
        const stackFile = parse(result.files[0].text) as { config: object; secretsprovider: string };
        // THEN, next to the shipped stack files, every channel's config is valid and no check fails
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "new-channel-"));
        for (const f of ["Pulumi.yaml", ...existing.map((s) => `Pulumi.${s}.yaml`)])
            fs.copyFileSync(path.join(REPO_ROOT, f), path.join(dir, f));
        fs.writeFileSync(path.join(dir, "Pulumi.staging.yaml"), result.files[0].text);
        const channels = readChannelConfigs(dir);
        fs.rmSync(dir, { recursive: true });
        assert.deepEqual(
            channels.map((c) => c.stack),
            [...existing, "staging"].sort(),
        );
        assert.deepEqual(messages(channels), []);
        const staging = channels.find((c) => c.stack === "staging")!;
        // AND it names test only where it must: where its releases and image digests come from
        const named = JSON.stringify(stackFile.config)
            .replace('"promotedFrom":"test"', "")
            .replace('"stackReference":"organization/data-infra/test"', "");
        assert.doesNotMatch(named, /(?<![A-Za-z0-9])test(?![A-Za-z0-9])/);
        // AND it is promoted from test, deploying test's digests, with its own secrets key in the shared backend
        assert.equal(staging.config.github.promotedFrom, "test");
        assert.deepEqual(
            [staging.config.images?.source, staging.config.images?.stackReference],
            ["promote", "organization/data-infra/test"],
        );
        assert.equal(
            stackFile.secretsprovider,
            secretsProviderUri({ project: "transit-data-prod", location: "us-west2" }, "staging"),
        );
        assert.equal(staging.config.github.ci, undefined);
        // AND its bootstrap stack is in its own project, using the shared state project
        assert.deepEqual(parse(result.files[2].text).config, {
            "data-infra-bootstrap:project": "transit-data-staging",
            "data-infra-bootstrap:projectNumber": "123456789012",
            "data-infra-bootstrap:location": "us-west2",
            "data-infra-bootstrap:stateProject": "transit-data-prod",
        });
        assert.match(result.todo.join("\n"), /projectNumber in bootstrap\/Pulumi.transit-data-staging.yaml/);
    });

    it("adds a build channel sharing a project to that project's bootstrap build channels", () => {
        const result = newChannel(input({ promotedFrom: "main", project: "transit-data-test" }));
        const boot = result.files.find((f) => f.path === "bootstrap/Pulumi.transit-data-test.yaml");
        assert.deepEqual(parse(boot!.text).config["data-infra-bootstrap:buildChannels"], ["test", "staging"]);
    });

    it("gives a channel copied from one in a blue/green upgrade only the environment that serves", () => {
        // GIVEN test in the middle of an upgrade, once serving the old environment and once the new one
        const withNext = (serve: string) =>
            text("Pulumi.test.yaml").replace(
                /^( {4}data-infra:composer:\n)/m,
                `$1        next:\n            name: data-infra-test-c3\n            imageVersion: composer-3-airflow-2.10.5-build.5\n        serve: ${serve}\n`,
            );
        for (const [serve, name, image] of [
            ["current", "data-infra-staging", "composer-2.14.2-airflow-2.9.3"],
            ["next", "data-infra-staging-c3", "composer-3-airflow-2.10.5-build.5"],
        ]) {
            assert.notEqual(withNext(serve), text("Pulumi.test.yaml"));
            const result = newChannel(input({ sourceText: withNext(serve) }));
            const composer = (
                parse(result.files[0].text) as { config: Record<string, Record<string, unknown>> }
            ).config["data-infra:composer"];
            // THEN one environment, the serving one, renamed for the new channel
            assert.deepEqual(
                [composer.name, composer.imageVersion, composer.next, composer.serve],
                [name, image, undefined, undefined],
            );
            assert.ok(
                result.todo.some((t) => t.includes("blue/green")),
                result.todo.join("\n"),
            );
        }
    });

    it("fails on an existing channel, a bad name and an unknown upstream, all at once", () => {
        assert.throws(
            () => newChannel(input({ name: "test", promotedFrom: "nope" })),
            (e: NewChannelError) =>
                assert.deepEqual(e.problems, [
                    "channel test exists already (Pulumi.test.yaml)",
                    "--promoted-from must be main or an existing channel (got nope)",
                ]) === undefined,
        );
        assert.throws(() => newChannel(input({ name: "Staging" })), /lowercase letters/);
    });
});
