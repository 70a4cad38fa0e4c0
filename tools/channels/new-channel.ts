/**
 * The pure part of `npm run new-channel`: from a source channel's stack file, the files a new channel needs, and
 * what is left to do by hand. Reads nothing; the CLI (`tools/new-channel.ts`) passes file contents in and writes
 * the result.
 */
import { isMap, isScalar, parseDocument, type Document, type YAMLMap } from "yaml";

/** What the generator needs to know about the repository, as plain data. */
export interface NewChannelInput {
    /** The new channel (stack) name. */
    readonly name: string;
    /** The channel whose stack file is copied. */
    readonly from: string;
    /** `main` or the channel the new one is promoted from (its releases come from there). */
    readonly promotedFrom: string;
    /** The GCP project of the new channel; by default the source's project with the channel name replaced. */
    readonly project?: string;
    /** Text of `Pulumi.<from>.yaml`. */
    readonly sourceText: string;
    /** `Pulumi.yaml`'s value of `data-infra:github` (a stack value replaces it whole). */
    readonly projectGithub: Readonly<Record<string, unknown>>;
    /** Every existing channel's stack-file text, by channel. */
    readonly channels: Readonly<Record<string, string>>;
    /** Every bootstrap stack file's text, by bootstrap stack (GCP project) name. */
    readonly bootstrapStacks: Readonly<Record<string, string>>;
    /** Reads a repository-relative file or lists a folder; `undefined` when it does not exist. */
    readonly read: (path: string) => { file: string } | { dir: string[] } | undefined;
}

/** A file to write (repository-relative path) and the list of things a person still has to do. */
export interface NewChannelResult {
    readonly files: { readonly path: string; readonly text: string }[];
    readonly todo: string[];
}

const WORD = "[A-Za-z0-9]";

/** Replaces `from` where it stands as a whole word (`transit-data-test`, `CHANNEL: test`, not `latest`). */
export function renameWord(text: string, from: string, to: string): string {
    const escaped = from.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    return text.replace(new RegExp(`(?<!${WORD})${escaped}(?!${WORD})`, "g"), to);
}

/** Channel names: what the workflows, branch names and KMS key names accept. */
export const CHANNEL_NAME = /^[a-z][a-z0-9-]{0,19}$/;

/**
 * The files of a new channel: `Pulumi.<name>.yaml` (every value naming the source channel renamed, `github.ci`
 * dropped, its place in the promotion chain, images promoted from the upstream channel's digests, the secrets
 * provider), copies of channel-specific values files and folders, and the bootstrap stack entry.
 */
export function newChannel(input: NewChannelInput): NewChannelResult {
    const { name, from, promotedFrom } = input;
    const problems: string[] = [];
    if (!CHANNEL_NAME.test(name))
        problems.push(`channel name must be lowercase letters, digits and -, at most 20 (got ${name})`);
    if (name in input.channels) problems.push(`channel ${name} exists already (Pulumi.${name}.yaml)`);
    if (name === "bootstrap") problems.push(`"bootstrap" names the bootstrap stacks' secrets key`);
    if (promotedFrom !== "main" && !(promotedFrom in input.channels))
        problems.push(`--promoted-from must be main or an existing channel (got ${promotedFrom})`);
    if (problems.length) throw new NewChannelError(problems);

    const files: { path: string; text: string }[] = [];
    const todo: string[] = [];
    const source = parseDocument(input.sourceText);
    const sourceProject = String(source.getIn(["config", "data-infra:gcp", "project"]) ?? "");
    let text = renameWord(input.sourceText, from, name);
    const renamedProject = renameWord(sourceProject, from, name);
    if (input.project && renamedProject) text = text.split(renamedProject).join(input.project);
    // The source's header describes the source; the new file gets its own.
    text = text.replace(/^(#[^\n]*\n)+/, "");
    const doc = parseDocument(text);
    const project = String(doc.getIn(["config", "data-infra:gcp", "project"]) ?? "");
    const region = String(doc.getIn(["config", "data-infra:gcp", "region"]) ?? "");

    // Channel-specific files (values files, kustomize folders, requirements): copy those whose renamed path is new.
    for (const [before, after] of changedStrings(source, doc)) {
        // Only repository paths (a folder part), never a bare word that happens to name a folder (`CHANNEL: test`).
        if (!before.includes("/") || input.read(after) !== undefined) continue;
        copyTree(before, after, input, from, name, files);
    }

    // The CI identity belongs to the channel that bootstrapped it; bootstrap/write-config.ts writes the new one.
    if (doc.hasIn(["config", "data-infra:github", "ci"])) doc.deleteIn(["config", "data-infra:github", "ci"]);
    if (!doc.hasIn(["config", "data-infra:github"])) {
        doc.setIn(["config", "data-infra:github"], doc.createNode({ ...input.projectGithub }));
    }
    doc.setIn(["config", "data-infra:github", "promotedFrom"], promotedFrom);
    // Only a channel promoted from main can be borrowed by a pull request's try (config/sections/github.ts).
    if (promotedFrom !== "main" && doc.getIn(["config", "data-infra:github", "tryPullRequests"]) === true) {
        doc.deleteIn(["config", "data-infra:github", "tryPullRequests"]);
        todo.push(`${name} is promoted from ${promotedFrom}: it was not given ${from}'s tryPullRequests`);
    }
    if (doc.getIn(["config", "data-infra:github", "manageDefaultBranch"]) === true) {
        doc.setIn(["config", "data-infra:github", "manageDefaultBranch"], false);
        todo.push(
            `${name} was copied with manageDefaultBranch: true; exactly one channel owns main: set to false`,
        );
    }

    // A source in the middle of a blue/green upgrade: the new channel starts with one environment, the one serving.
    const composer = doc.getIn(["config", "data-infra:composer"]);
    if (isMap(composer) && (composer.has("next") || composer.has("serve") || composer.has("retire"))) {
        const next = composer.get("next");
        if (composer.get("serve") === "next" && isMap(next)) {
            for (const key of [...composer.items.map((p) => (isScalar(p.key) ? String(p.key.value) : ""))])
                if (key !== "adopt") composer.delete(key);
            for (const pair of next.items) composer.set(pair.key, pair.value);
        }
        for (const key of ["next", "serve", "retire"]) composer.delete(key);
        todo.push(
            `${from} is in a blue/green upgrade (data-infra:composer.next); ${name} was given only the environment ${from} serves`,
        );
    }

    // Images: a channel promoted from another deploys the digests that one ran, never a build of its own.
    const images = doc.getIn(["config", "data-infra:images"]);
    if (isMap(images) && promotedFrom !== "main" && images.get("source") === "build") {
        images.set("source", "promote");
        images.set("stackReference", `${stackOrganization(input.channels)}/data-infra/${promotedFrom}`);
        images.delete("repository");
        images.delete("location");
        const pair = isMap(doc.get("config"))
            ? (doc.get("config") as YAMLMap).items.find(
                  (p) => isScalar(p.key) && p.key.value === "data-infra:images",
              )
            : undefined;
        if (pair && isScalar(pair.key))
            pair.key.commentBefore = ` ${name} builds nothing: it deploys exactly the digests ${promotedFrom} ran.`;
    } else if (isMap(images) && promotedFrom === "main" && images.get("source") === "promote") {
        todo.push(
            `${name} is promoted from main but its images are promoted (from ${String(images.get("stackReference"))}); ` +
                "set data-infra:images.source: build, or --promoted-from a channel",
        );
    }
    const builds = isMap(images) && images.get("source") === "build";

    // Bootstrap: the project's stack (new or existing) and the secrets provider of the shared backend.
    const boot = bootstrapEntry(input, project, region, builds);
    files.push(...boot.files);
    todo.push(...boot.todo);
    doc.set("secretsprovider", boot.secretsProvider);

    // Its governance stack (governance/, named like the channel): the same governance key as the source's.
    const gov = input.read(`governance/Pulumi.${from}.yaml`);
    const govProvider = gov && "file" in gov ? parseDocument(gov.file).get("secretsprovider") : undefined;
    if (typeof govProvider === "string") {
        files.push({
            path: `governance/Pulumi.${name}.yaml`,
            text:
                `# The governance of the ${name} channel (its settings are data-infra:github in ../Pulumi.${name}.yaml).\n` +
                "# `pulumi stack init --secrets-provider` adds the encryptedkey.\n" +
                `secretsprovider: ${govProvider}\n`,
        });
        todo.push(
            `create its governance stack: pulumi -C governance stack init ${name} --secrets-provider ${govProvider}; ` +
                "it is applied by governance.yml when this reaches the governing branch, or by hand (docs/governance.md)",
        );
    }

    doc.commentBefore = ` The ${name} channel: deployed from releases/${name}, promoted from ${promotedFrom === "main" ? "main" : `releases/${promotedFrom}`}.\n Written by npm run new-channel from Pulumi.${from}.yaml; only what differs from Pulumi.yaml lives here.`;
    files.unshift({ path: `Pulumi.${name}.yaml`, text: doc.toString({ indent: 4, lineWidth: 0 }) });

    todo.unshift(
        ...[
            `check every value in Pulumi.${name}.yaml (project ${project}, cluster, Composer name, sizes); ` +
                `values still naming "${from}" fail the plan`,
            `create what the channel assumes outside the program: npm run doctor -- --stack ${name}`,
            `bootstrap the project: npm run plan -- --project bootstrap, then pulumi -C bootstrap up --stack ${project} ` +
                `(docs/bootstrap.md)`,
            `write the CI identity: npx tsx bootstrap/write-config.ts --outputs <bootstrap outputs of ${project}>`,
            `create the stack: pulumi stack init ${name} --secrets-provider ${boot.secretsProvider}`,
            `create the release branch: git push origin ${promotedFrom === "main" ? "main" : `releases/${promotedFrom}`}:refs/heads/releases/${name}`,
        ],
    );
    const downstream = Object.entries(input.channels)
        .filter(
            ([, t]) =>
                parseDocument(t).getIn(["config", "data-infra:github", "promotedFrom"]) === promotedFrom,
        )
        .map(([c]) => c)
        .sort();
    if (promotedFrom !== "main" && downstream.length)
        todo.push(
            `to put ${name} between ${promotedFrom} and ${downstream.join(", ")}: set their data-infra:github.promotedFrom ` +
                `and data-infra:images.stackReference to ${name}, then npm run workflows`,
        );
    return { files, todo };
}

/** An invalid new-channel request; `problems` are the user's mistakes. */
export class NewChannelError extends Error {
    constructor(readonly problems: string[]) {
        super(problems.join("\n"));
    }
}

/** `<org>` of the existing `<org>/data-infra/<stack>` references, so the new one looks like its siblings. */
function stackOrganization(channels: Readonly<Record<string, string>>): string {
    for (const text of Object.values(channels)) {
        const ref = parseDocument(text).getIn(["config", "data-infra:images", "stackReference"]);
        if (typeof ref === "string" && ref.split("/").length === 3) return ref.split("/")[0];
    }
    return "organization";
}

/** Pairs of string values that the rename changed, in document order. */
function changedStrings(before: Document, after: Document): [string, string][] {
    const a = leaves(before.toJS());
    const b = leaves(after.toJS());
    const out: [string, string][] = [];
    for (const [path, value] of a) {
        const renamed = b.get(path);
        if (typeof value === "string" && typeof renamed === "string" && renamed !== value)
            out.push([value, renamed]);
    }
    return out;
}

function leaves(value: unknown, path = "", out = new Map<string, unknown>()): Map<string, unknown> {
    if (Array.isArray(value)) value.forEach((v, i) => leaves(v, `${path}[${i}]`, out));
    else if (value !== null && typeof value === "object")
        for (const [k, v] of Object.entries(value)) leaves(v, `${path}.${k}`, out);
    else out.set(path, value);
    return out;
}

/** Copies a repository file or folder under its renamed path, renaming the channel inside each file too. */
function copyTree(
    before: string,
    after: string,
    input: NewChannelInput,
    from: string,
    name: string,
    files: { path: string; text: string }[],
): void {
    const entry = input.read(before);
    if (!entry) return;
    if ("file" in entry) {
        files.push({ path: after, text: renameWord(entry.file, from, name) });
        return;
    }
    for (const child of [...entry.dir].sort()) {
        copyTree(`${before}/${child}`, `${after}/${renameWord(child, from, name)}`, input, from, name, files);
    }
}

/**
 * The bootstrap side: a new `bootstrap/Pulumi.<project>.yaml` for a new GCP project (or the channel added to the
 * existing one's build channels), and the channel's `gcpkms://` secrets provider in the shared backend. The key
 * name follows `secretsKeyId` in bootstrap/state-backend.ts (a test checks they agree).
 */
function bootstrapEntry(
    input: NewChannelInput,
    project: string,
    region: string,
    builds: boolean,
): { files: { path: string; text: string }[]; todo: string[]; secretsProvider: string } {
    const stacks = Object.entries(input.bootstrapStacks).map(([stack, text]) => ({
        stack,
        doc: parseDocument(text),
    }));
    const cfg = (d: Document, k: string) => d.getIn(["config", `data-infra-bootstrap:${k}`]);
    const state =
        stacks.find((s) => {
            const sp = cfg(s.doc, "stateProject");
            return sp === undefined || sp === cfg(s.doc, "project");
        }) ?? stacks[0];
    const stateProject = String(state ? cfg(state.doc, "project") : project);
    const stateLocation = String(state ? cfg(state.doc, "location") : region);
    const secretsProvider = `gcpkms://projects/${stateProject}/locations/${stateLocation}/keyRings/pulumi/cryptoKeys/pulumi-secrets-${input.name}`;
    const files: { path: string; text: string }[] = [];
    const todo: string[] = [];
    const existing = stacks.find((s) => cfg(s.doc, "project") === project);
    if (existing) {
        if (builds) {
            const list = (cfg(existing.doc, "buildChannels") as unknown) ?? undefined;
            const current = Array.isArray(list) ? list : isYamlSeq(list) ? (list.toJSON() as string[]) : [];
            if (!current.includes(input.name)) {
                existing.doc.setIn(
                    ["config", "data-infra-bootstrap:buildChannels"],
                    [...current, input.name],
                );
                files.push({
                    path: `bootstrap/Pulumi.${existing.stack}.yaml`,
                    text: existing.doc.toString(),
                });
            }
        }
        return { files, todo, secretsProvider };
    }
    const lines = [
        `# Bootstraps the GCP project of the ${input.name} channel (written by npm run new-channel).`,
        `# Run by an administrator after the state project's stack; see docs/bootstrap.md.`,
        "config:",
        `    data-infra-bootstrap:project: ${project}`,
        `    # PLACEHOLDER: gcloud projects describe ${project} --format='value(projectNumber)'`,
        `    data-infra-bootstrap:projectNumber: "123456789012"`,
        `    data-infra-bootstrap:location: ${region}`,
        ...(builds ? [`    data-infra-bootstrap:buildChannels:`, `        - ${input.name}`] : []),
        `    data-infra-bootstrap:stateProject: ${stateProject}`,
        "",
    ];
    files.push({ path: `bootstrap/Pulumi.${project}.yaml`, text: lines.join("\n") });
    todo.push(
        `set data-infra-bootstrap:projectNumber in bootstrap/Pulumi.${project}.yaml: ` +
            `gcloud projects describe ${project} --format='value(projectNumber)'`,
    );
    return { files, todo, secretsProvider };
}

function isYamlSeq(v: unknown): v is { toJSON(): unknown } {
    return v !== null && typeof v === "object" && "items" in v && "toJSON" in v;
}
