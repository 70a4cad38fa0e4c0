/**
 * `npm run import-channel -- <legacy-channel.yaml> [--stack <name>]`: converts a legacy channel file
 * (`calitp.releases[]` with `helm_name`, `helm_chart`, `helm_values`, `kustomize_dir`, `secrets`) into this
 * program's `data-infra:releases` config, in the same order. Prints the YAML, or writes the key into
 * `Pulumi.<name>.yaml`, keeping the rest of that file (comments included).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { isMap as isMapNode, isSeq as isSeqNode, parseDocument, stringify, visit, type Node } from "yaml";
import { Problems, ValidationError } from "../lib/problems";
import { keyPath } from "../config/section";
import { dns1123LabelProblem } from "../components/releases/kubernetes-rules";
import { readYaml } from "../runtime/yaml-readers";
import { stackNameProblem } from "../runtime/stack-names";
import { importWarnings } from "./import-channel/checks";

const USAGE = `Usage: npm run import-channel -- <legacy-channel.yaml> [--stack <name> [--new]]

Converts a legacy channel file (calitp.channel, calitp.releases[]) into the data-infra:releases config.
  --stack <name>  write the key into the existing Pulumi.<name>.yaml (keeping the rest of the file) instead of
                  printing it
  --new           with --stack: create Pulumi.<name>.yaml when it does not exist yet
  -h, --help      show this help`;

const RELEASES_KEY = keyPath("releases");
const LEGACY_RELEASE_KEYS = [
    "name",
    "driver",
    "namespace",
    "helm_name",
    "helm_chart",
    "helm_values",
    "kustomize_dir",
    "secrets",
    "secret_helm_values",
    "timeout",
] as const;

/** A legacy channel converted: its channel name and the `data-infra:releases` value. */
export interface ImportedChannel {
    readonly channel?: string;
    readonly releases: Record<string, unknown>[];
    /** What the conversion dropped, per entry (comments, commented-out releases); printed, never fatal. */
    readonly warnings: string[];
}

type Entry = Record<string, unknown>;
const isMap = (v: unknown): v is Entry => v !== null && typeof v === "object" && !Array.isArray(v);

/**
 * Converts a parsed legacy channel file. Throws one {@link ValidationError} naming every bad entry: unknown keys,
 * unknown drivers, helm releases without a chart or namespace, kustomize releases without a folder.
 */
export function convertChannel(doc: unknown, text?: string): ImportedChannel {
    const problems = new Problems();
    const root = isMap(doc) ? doc : {};
    if (!isMap(root.calitp)) problems.add("calitp", "missing: a legacy channel file has calitp.releases");
    for (const k of Object.keys(root)) if (k !== "calitp") problems.add(k, "unknown top-level key");
    const calitp = isMap(root.calitp) ? root.calitp : {};
    for (const k of Object.keys(calitp)) {
        if (k !== "channel" && k !== "releases")
            problems.add(`calitp.${k}`, "unknown key (known: channel, releases)");
    }
    if (!Array.isArray(calitp.releases)) problems.add("calitp.releases", "must be a list of releases");
    const entries = Array.isArray(calitp.releases) ? (calitp.releases as unknown[]) : [];
    const releases = entries.map((e, i) => convertRelease(e, `calitp.releases[${i}]`, problems));
    problems.throwIfAny("legacy channel file");
    return {
        channel: typeof calitp.channel === "string" ? calitp.channel : undefined,
        releases,
        warnings: text === undefined ? [] : droppedComments(text, entries),
    };
}

function convertRelease(raw: unknown, at: string, problems: Problems): Entry {
    if (!isMap(raw)) {
        problems.add(at, "must be a map");
        return {};
    }
    const where = typeof raw.name === "string" ? `${at} (${raw.name})` : at;
    for (const k of Object.keys(raw)) {
        if (!(LEGACY_RELEASE_KEYS as readonly string[]).includes(k)) {
            problems.add(`${where}.${k}`, `unknown key (known: ${LEGACY_RELEASE_KEYS.join(", ")})`);
        }
    }
    if (typeof raw.name !== "string") problems.add(`${where}.name`, "required");
    // The plan's rules for these names (Kubernetes DNS labels), said here rather than in a file the plan rejects.
    for (const k of ["name", "namespace", "helm_name"] as const) {
        const v = raw[k];
        if (typeof v === "string" && dns1123LabelProblem(v)) {
            const hint = dns1123LabelProblem(v.toLowerCase())
                ? ""
                : ` (lowercase it: ${JSON.stringify(v.toLowerCase())})`;
            problems.add(`${where}.${k}`, `${dns1123LabelProblem(v)}${hint}`, v);
        }
    }
    const out: Entry = { name: raw.name, driver: raw.driver };
    const forbid = (keys: string[], driver: string) => {
        for (const k of keys)
            if (raw[k] !== undefined) problems.add(`${where}.${k}`, `not valid for driver ${driver}`);
    };
    if (raw.driver === "helm") {
        forbid(["kustomize_dir"], "helm");
        if (raw.namespace === undefined) problems.add(`${where}.namespace`, "required for a helm release");
        if (raw.helm_chart === undefined) problems.add(`${where}.helm_chart`, "required for a helm release");
        out.namespace = raw.namespace;
        // helmName defaults to name: state it only where the legacy file used a different Helm name.
        if (raw.helm_name !== undefined && raw.helm_name !== raw.name) out.helmName = raw.helm_name;
        out.chart = raw.helm_chart;
        const values = raw.helm_values === undefined ? [] : raw.helm_values;
        if (!Array.isArray(values)) problems.add(`${where}.helm_values`, "must be a list of values files");
        // Some legacy entries are `a.yaml:b.yaml` pairs: the legacy task passed each as its own --values. A URL's
        // `:` is not such a separator, and a URL is no repository file.
        const files: string[] = [];
        for (const v of Array.isArray(values) ? values : []) {
            const text = String(v);
            if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) {
                problems.add(
                    `${where}.helm_values`,
                    "values URLs are not supported: keep values files in the repository",
                    text,
                );
            } else {
                files.push(...text.split(":").filter(Boolean));
            }
        }
        if (files.length) out.valuesFiles = files;
        if (raw.secret_helm_values !== undefined) {
            const ids = raw.secret_helm_values;
            if (!Array.isArray(ids) || ids.some((s) => typeof s !== "string")) {
                problems.add(`${where}.secret_helm_values`, "must be a list of Secret Manager secret names");
            } else if (ids.length) {
                out.secretValues = ids;
            }
        }
        if (raw.timeout !== undefined) {
            const seconds = goDurationSeconds(String(raw.timeout));
            if (seconds === undefined) {
                problems.add(
                    `${where}.timeout`,
                    "must be a Go duration such as 10m or 600s (helm --timeout)",
                    raw.timeout,
                );
            } else {
                out.timeoutSeconds = Math.max(1, Math.ceil(seconds));
            }
        }
    } else if (raw.driver === "kustomize") {
        forbid(["helm_name", "helm_chart", "helm_values", "secret_helm_values", "timeout"], "kustomize");
        if (raw.kustomize_dir === undefined)
            problems.add(`${where}.kustomize_dir`, "required for a kustomize release");
        if (raw.namespace !== undefined) out.namespace = raw.namespace;
        out.kustomizeDir = raw.kustomize_dir;
    } else {
        problems.add(
            `${where}.driver`,
            `unknown driver (known: helm, kustomize) (got ${JSON.stringify(raw.driver)})`,
        );
    }
    if (raw.secrets !== undefined) {
        if (!Array.isArray(raw.secrets) || raw.secrets.some((s) => typeof s !== "string")) {
            problems.add(`${where}.secrets`, "must be a list of Secret Manager secret names");
        } else if (raw.secrets.length) {
            // A bare secret id keeps the legacy meaning: the payload is a whole Secret manifest.
            out.secrets = raw.secrets;
        }
    }
    return out;
}

/** Seconds of a Go duration (`time.ParseDuration`, what `helm --timeout` takes): `10m`, `1h30m`, `90s`, `0`. */
export function goDurationSeconds(text: string): number | undefined {
    if (text === "0") return 0;
    const unit: Record<string, number> = { ns: 1e-9, us: 1e-6, µs: 1e-6, ms: 1e-3, s: 1, m: 60, h: 3600 };
    const re = /([0-9]*(?:\.[0-9]*)?)(ns|us|µs|ms|s|m|h)/gy;
    let total = 0;
    let at = 0;
    for (let m = re.exec(text); m; m = re.exec(text)) {
        if (m[1] === "" || m[1] === ".") return undefined;
        total += Number(m[1]) * unit[m[2]];
        at = re.lastIndex;
    }
    return at === text.length && at > 0 ? total : undefined;
}

/**
 * Comments of the legacy file, which the conversion cannot carry, as one warning per release entry; a comment that
 * holds a `name:` line is a disabled (commented-out) release, said so.
 */
function droppedComments(text: string, entries: readonly unknown[]): string[] {
    const doc = parseDocument(text);
    const releases = doc.getIn(["calitp", "releases"], true);
    if (!isSeqNode(releases)) return [];
    const label = (i: number) => {
        const e = entries[i];
        const name = isMap(e) && typeof e.name === "string" ? ` (${e.name})` : "";
        return `calitp.releases[${i}]${name}`;
    };
    const out: string[] = [];
    const say = (where: string, comment: string | null | undefined) => {
        if (!comment) return;
        const disabled = /^\s*-?\s*name\s*:/m.test(comment);
        const first = comment.trim().split("\n")[0];
        out.push(
            disabled
                ? `${where}: a commented-out (disabled) release is dropped: "${first}"`
                : `${where}: comment dropped: "${first}${comment.trim().includes("\n") ? " …" : ""}"`,
        );
    };
    say(label(0), releases.commentBefore);
    releases.items.forEach((item, i) => {
        const texts: Array<string | null | undefined> = [];
        visit(item as Node, {
            Node: (_k, n) => {
                texts.push(
                    (n as { commentBefore?: string | null }).commentBefore,
                    (n as { comment?: string | null }).comment,
                );
            },
            Pair: (_k, p) => {
                texts.push((p.key as { commentBefore?: string | null } | null)?.commentBefore);
            },
        });
        for (const t of texts) say(label(i), t);
    });
    say(`after ${label(releases.items.length - 1)}`, releases.comment);
    return out;
}

/** The `config:` snippet to paste into a stack file. */
export function renderReleases(releases: readonly Entry[]): string {
    return stringify({ config: { [RELEASES_KEY]: releases } }, { indent: 4 });
}

/** Sets `config.data-infra:releases` in a stack file's text, keeping every other key and comment. */
export function withReleases(stackFileText: string, releases: readonly Entry[]): string {
    const doc = parseDocument(stackFileText);
    if (doc.errors.length) throw new Error(doc.errors[0].message);
    if (!isMapNode(doc.contents)) doc.contents = doc.createNode({}) as unknown as typeof doc.contents;
    if (!isMapNode(doc.get("config"))) doc.set("config", doc.createNode({}));
    doc.setIn(["config", RELEASES_KEY], doc.createNode(releases));
    return doc.toString({ indent: 4 });
}

/** The CLI. Returns the exit code; `projectDir` holds the stack files. */
export function main(
    argv: string[],
    io: { projectDir: string; out: (s: string) => void; err: (s: string) => void },
): number {
    let parsed;
    try {
        parsed = parseArgs({
            args: argv,
            allowPositionals: true,
            options: {
                stack: { type: "string" },
                new: { type: "boolean" },
                help: { type: "boolean", short: "h" },
            },
        });
    } catch (e) {
        io.err(`${(e as Error).message}\n\n${USAGE}`);
        return 2;
    }
    if (parsed.values.help) {
        io.out(USAGE);
        return 0;
    }
    if (parsed.positionals.length !== 1) {
        io.err(`expected one legacy channel file\n\n${USAGE}`);
        return 2;
    }
    const file = parsed.positionals[0];
    const stack = parsed.values.stack;
    const badStack = stack === undefined ? undefined : stackNameProblem(stack);
    if (badStack) {
        io.err(`--stack ${JSON.stringify(stack)}: ${badStack}\n\n${USAGE}`);
        return 2;
    }
    if (parsed.values.new && stack === undefined) {
        io.err(`--new needs --stack\n\n${USAGE}`);
        return 2;
    }
    try {
        const text = fs.readFileSync(file, "utf8");
        // The legacy task read channel files with PyYAML's safe_load: YAML 1.1 scalars, merge keys.
        const read = readYaml(text, "pyyaml");
        if ("problem" in read) throw new Error(read.problem);
        const imported = convertChannel(read.value, text);
        const warnings = [
            ...imported.warnings,
            ...importWarnings({
                legacyChannel: imported.channel,
                stack,
                releases: imported.releases,
                exists: (p) => fs.existsSync(path.join(io.projectDir, p)),
            }),
        ];
        for (const w of warnings) io.err(`warning: ${w}`);
        if (!stack) {
            io.out(renderReleases(imported.releases));
            return 0;
        }
        const stackFile = path.join(io.projectDir, `Pulumi.${stack}.yaml`);
        if (!fs.existsSync(stackFile) && !parsed.values.new) {
            // A typo must not quietly start a new channel.
            const known = fs
                .readdirSync(io.projectDir)
                .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
                .filter((s): s is string => s !== undefined)
                .sort();
            io.err(
                `--stack ${stack}: ${path.basename(stackFile)} does not exist (stacks here: ${known.join(", ") || "none"}); pass --new to create it`,
            );
            return 2;
        }
        const before = fs.existsSync(stackFile) ? fs.readFileSync(stackFile, "utf8") : "config: {}\n";
        fs.writeFileSync(stackFile, withReleases(before, imported.releases));
        const from = imported.channel ? ` (legacy channel ${imported.channel})` : "";
        io.out(`wrote ${imported.releases.length} releases${from} to ${RELEASES_KEY} in ${stackFile}`);
        return 0;
    } catch (e) {
        io.err(e instanceof ValidationError ? e.message : `${file}: ${(e as Error).message}`);
        return 1;
    }
}

if (require.main === module) {
    process.exitCode = main(process.argv.slice(2), {
        projectDir: path.resolve(__dirname, ".."),
        out: (s) => process.stdout.write(s.endsWith("\n") ? s : `${s}\n`),
        err: (s) => process.stderr.write(s.endsWith("\n") ? s : `${s}\n`),
    });
}
