/**
 * Copies the bootstrap stack's outputs into the channel stack files, so nothing is copied by hand:
 *
 *   pulumi -C bootstrap stack output --json --stack <gcp-project> | npx tsx bootstrap/write-config.ts
 *
 * For every channel in the outputs it sets `data-infra:github.ci` in `Pulumi.<channel>.yaml` (keeping comments and
 * the other keys), then prints the `pulumi stack init` command that uses the bootstrap's backend and KMS key.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { parseDocument } from "yaml";
import type { CiIdentityConfig } from "../components/github/governance";
import { readEngineConfig } from "../runtime/stack-files";

/** What `pulumi stack output --json` prints for a bootstrap stack. */
export interface BootstrapOutputs {
    readonly backendUrl: string;
    readonly bootstrapSecretsProvider?: string;
    readonly workloadIdentityProvider: string;
    readonly channels: Record<
        string,
        { deployServiceAccount: string; previewServiceAccount: string; secretsProvider: string }
    >;
}

export function parseBootstrapOutputs(text: string): BootstrapOutputs {
    const o = JSON.parse(text) as Partial<BootstrapOutputs>;
    for (const k of ["backendUrl", "workloadIdentityProvider"] as const) {
        if (typeof o[k] !== "string")
            throw new Error(`bootstrap outputs: ${k} is missing (got ${JSON.stringify(o[k])})`);
    }
    if (!o.channels || typeof o.channels !== "object")
        throw new Error("bootstrap outputs: channels is missing");
    return o as BootstrapOutputs;
}

/** The `ci` config of one channel, from the bootstrap outputs. */
export function ciConfigFor(outputs: BootstrapOutputs, channel: string): CiIdentityConfig {
    const accounts = outputs.channels[channel];
    if (!accounts) throw new Error(`bootstrap outputs have no channel ${channel}`);
    return {
        workloadIdentityProvider: outputs.workloadIdentityProvider,
        deployServiceAccount: accounts.deployServiceAccount,
        previewServiceAccount: accounts.previewServiceAccount,
        backendUrl: outputs.backendUrl,
    };
}

/**
 * Returns the stack file with `data-infra:github.ci` set. When the stack file has no `data-infra:github` yet, it
 * starts from the effective value (`Pulumi.yaml`'s), because a stack value replaces the project's whole object.
 */
export function withCiConfig(
    stackFileText: string,
    effectiveGithub: Record<string, unknown>,
    ci: CiIdentityConfig,
    secretsProvider?: string,
): string {
    const doc = parseDocument(stackFileText);
    if (secretsProvider !== undefined) {
        // The CLI reads the stack's secrets provider from here; a different one needs `change-secrets-provider`,
        // which re-encrypts the stack's secrets: never swap it silently.
        const current = doc.get("secretsprovider");
        if (current !== undefined && current !== secretsProvider)
            throw new Error(
                `the stack file names secretsprovider ${String(current)}, not ${secretsProvider}: run ` +
                    `pulumi stack change-secrets-provider ${secretsProvider} first`,
            );
        doc.set("secretsprovider", secretsProvider);
    }
    const key = ["config", "data-infra:github"];
    if (!doc.hasIn(key)) doc.setIn(key, doc.createNode({ ...effectiveGithub }));
    doc.setIn([...key, "ci"], doc.createNode({ ...ci }));
    return doc.toString({ indent: 4 });
}

function main(argv: string[]): void {
    const { values } = parseArgs({
        args: argv,
        options: { outputs: { type: "string" }, help: { type: "boolean", default: false } },
    });
    const usage =
        "Usage: pulumi -C bootstrap stack output --json --stack <gcp-project> | npx tsx bootstrap/write-config.ts [--outputs <file>]\n\n" +
        "Writes data-infra:github.ci into Pulumi.<channel>.yaml for every channel in a bootstrap stack's outputs\n" +
        "(`pulumi stack output --json` of bootstrap/), keeping the rest of each file.\n\n" +
        "Examples:\n" +
        "  pulumi -C bootstrap stack output --json --stack transit-data-test > /tmp/test.json\n" +
        "  npx tsx bootstrap/write-config.ts --outputs /tmp/test.json";
    if (values.help) {
        console.log(usage);
        return;
    }
    if (values.outputs === undefined && process.stdin.isTTY) {
        // Reading a terminal would wait silently for input nobody knows to type.
        throw new Error(
            `write-config needs the bootstrap outputs: --outputs <file>, or pipe them in\n\n${usage}`,
        );
    }
    const root = path.resolve(__dirname, "..");
    const text = fs.readFileSync(values.outputs ?? 0, "utf8");
    if (!text.trim())
        throw new Error(
            `write-config needs the bootstrap outputs (got nothing on ${values.outputs ?? "stdin"})\n\n${usage}`,
        );
    const outputs = parseBootstrapOutputs(text);
    for (const channel of Object.keys(outputs.channels).sort()) {
        const file = path.join(root, `Pulumi.${channel}.yaml`);
        const effective = JSON.parse(
            readEngineConfig(root, channel).config["data-infra:github"] ?? "{}",
        ) as Record<string, unknown>;
        fs.writeFileSync(
            file,
            withCiConfig(
                fs.readFileSync(file, "utf8"),
                effective,
                ciConfigFor(outputs, channel),
                outputs.channels[channel].secretsProvider,
            ),
        );
        console.log(`wrote data-infra:github.ci and secretsprovider to Pulumi.${channel}.yaml`);
        console.log(
            `  create the stack once: pulumi login ${outputs.backendUrl} && ` +
                `pulumi stack init ${channel} --secrets-provider ${outputs.channels[channel].secretsProvider}`,
        );
    }
}

if (require.main === module) {
    try {
        main(process.argv.slice(2));
    } catch (e) {
        console.error((e as Error).message);
        process.exitCode = 1;
    }
}
