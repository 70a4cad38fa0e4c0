/**
 * `requirements.txt` → Composer's PyPI map (`config.softwareConfig.pypiPackages`). Pure: files are read through
 * the `read` callback, so tests feed text and the component reads the repository.
 *
 * Composer's map is `{name: "<[extras]><specifier>"}` and nothing else, so everything pip accepts that the map
 * cannot express (markers, URLs, paths, pip options) is rejected instead of silently dropped.
 */
import * as path from "node:path";
import type { Problem } from "../../lib/problems";
import { fileFaultReason, leavesProject } from "../platform/paths";
import { decodeLikePip, pipLogicalLines, PY_SPACE } from "./pip-text";

// ESM-only package; Node >= 20.19 (package.json engines) loads it through require().
const { parse: parseSpecifier } = require("@renovatebot/pep440/lib/specifier") as {
    parse(ranges: string): Array<{ operator: string; version?: string; legacy?: string; prefix?: string }> | null;
};

/**
 * Reads a requirements file by its repository-relative POSIX path: its bytes (a string counts as already decoded
 * text), or `undefined` when it does not exist. May throw a file-system error; it becomes a problem at that file.
 */
export type ReadRequirementsFile = (file: string) => Uint8Array | string | undefined;

export interface ParsedRequirements {
    /** `{normalized-name: "[extras]specifier"}`, keys sorted, so unchanged files give byte-identical inputs. */
    readonly packages: Readonly<Record<string, string>>;
    /** Every problem, each at `<file>:<line>`. The map is only meaningful when this is empty. */
    readonly problems: readonly Problem[];
}

/** PEP 503 normalization: lowercase; runs of `-`, `_`, `.` become one `-`. */
export function normalizePackageName(name: string): string {
    return name.toLowerCase().replace(/[-_.]+/g, "-");
}

const NAME = "[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?";
const REQUIREMENT = new RegExp(`^(?<name>${NAME})\\s*(?:\\[(?<extras>[^\\]]*)\\])?(?<rest>.*)$`);
const EXTRA = new RegExp(`^${NAME}$`);
const INCLUDE = /^(?:-r|--requirement)(?:\s*=\s*|\s+|(?=[^\s=-]))(?<file>\S+)$/;
// req_file.py:47 ENV_VAR_RE: pip substitutes `${NAME}` from the installing machine's environment.
const ENV_VAR = /\$\{[A-Z0-9_]+\}/;
// packaging's requirement grammar allows only space and tab as whitespace (packaging/_tokenizer.py `WS`).
const ODD_SPACE = new RegExp(`[${PY_SPACE.replace(" ", "").replace("\\t", "")}\\ufeff\\u200b]`);
const URL_OR_PATH = /^(?:[a-z][a-z0-9+.-]*:|\.{1,2}\/|\/|~)|\.(?:whl|zip|tar\.gz|tgz|tar\.bz2)$/i;

const OPTION_REASONS: ReadonlyArray<[RegExp, string]> = [
    [/^(?:-e|--editable)\b/, "editable installs (-e) are not supported: Composer installs released packages"],
    [/^(?:-c|--constraint)\b/, "constraint files (-c) are not supported: Composer's map has no constraints"],
];

interface Seen {
    readonly where: string;
}

/**
 * Parses `file` (repository-relative) and the files it includes with `-r other.txt` (resolved relative to the
 * including file). Collects every problem instead of stopping at the first.
 */
export function parseRequirements(file: string, read: ReadRequirementsFile): ParsedRequirements {
    const problems: Problem[] = [];
    const found = new Map<string, { value: string } & Seen>();
    const visit = (current: string, chain: readonly string[], includedAt?: string) => {
        if (leavesProject(current)) {
            problems.push(
                includedAt
                    ? { where: includedAt, what: `included file ${current} is outside the repository; keep requirements files inside it` }
                    : { where: current, what: "requirements file is outside the repository" },
            );
            return;
        }
        let content: Uint8Array | string | undefined;
        try {
            content = read(current);
        } catch (e) {
            problems.push({ where: current, what: `requirements file ${fileFaultReason(e)}` });
            return;
        }
        if (content === undefined) {
            problems.push(
                includedAt
                    ? { where: includedAt, what: `included file ${current} does not exist` }
                    : { where: current, what: "requirements file does not exist" },
            );
            return;
        }
        const decoded = typeof content === "string" ? { text: content } : decodeLikePip(content);
        if ("fault" in decoded) {
            problems.push({ where: current, what: decoded.fault });
            return;
        }
        const { lines, swallowed } = pipLogicalLines(decoded.text);
        for (const s of swallowed) {
            const lost = s.lost.map(String).join(", ");
            problems.push({
                where: `${current}:${s.line}`,
                what: `the inline comment ends in "\\", so pip joins line${s.lost.length > 1 ? "s" : ""} ${lost} into the comment and never installs ${s.lost.length > 1 ? "them" : "it"}; remove the backslash`,
            });
        }
        for (const { line, text: logical } of lines) {
            const where = `${current}:${line}`;
            const include = INCLUDE.exec(logical)?.groups?.file;
            if (include !== undefined) {
                // pip resolves an include against the including file's folder (req_file.py `_parse_and_recurse`).
                const target = path.posix.isAbsolute(include)
                    ? include
                    : path.posix.normalize(path.posix.join(path.posix.dirname(current), include));
                if (chain.includes(target)) {
                    problems.push({ where, what: `circular include of ${target}`, got: logical });
                } else {
                    visit(target, [...chain, target], where);
                }
                continue;
            }
            const parsed = parseLine(logical);
            if ("reason" in parsed) {
                problems.push({ where, what: parsed.reason, got: logical });
                continue;
            }
            const first = found.get(parsed.key);
            if (first) {
                problems.push({
                    where,
                    what: `duplicate package ${parsed.key} (also at ${first.where}); names are compared after PEP 503 normalization`,
                    got: logical,
                });
                continue;
            }
            found.set(parsed.key, { value: parsed.value, where });
        }
    };
    visit(file, [file]);
    const packages: Record<string, string> = {};
    for (const key of [...found.keys()].sort()) packages[key] = found.get(key)!.value;
    return { packages, problems };
}

type LineResult = { key: string; value: string } | { reason: string };

function parseLine(line: string): LineResult {
    const odd = ODD_SPACE.exec(line);
    if (odd) {
        const cp = odd[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0");
        return {
            reason: `contains the invisible character U+${cp}${cp === "00A0" ? " (no-break space)" : ""}; pip rejects the line (only spaces and tabs separate parts of a requirement): remove it or type a plain space`,
        };
    }
    const env = ENV_VAR.exec(line);
    if (env) {
        return {
            reason: `environment variable ${env[0]}: pip substitutes it from the installing machine's environment, which Composer's PyPI map cannot express`,
        };
    }
    if (line.startsWith("-")) {
        for (const [re, reason] of OPTION_REASONS) if (re.test(line)) return { reason };
        return {
            reason: "pip options are not supported: Composer's map holds only packages (configure package indexes on the environment)",
        };
    }
    const m = REQUIREMENT.exec(line);
    if (m?.groups?.rest.trim().startsWith("@")) {
        return { reason: "direct URL references (name @ url) are not supported: Composer installs from PyPI" };
    }
    if (URL_OR_PATH.test(line) || line.includes("://")) {
        return { reason: "URLs, VCS references and local paths are not supported: Composer installs from PyPI" };
    }
    if (!m?.groups) return { reason: "not a requirement: expected <name>[extras]<specifier>, e.g. pandas>=2.1,<3" };
    const { name, extras = "", rest } = m.groups;
    let spec = rest.trim();
    if (spec.includes(";")) {
        return { reason: "environment markers (; ...) are not supported: Composer's PyPI map cannot express them" };
    }
    if (/(^|\s)--?[a-z]/.test(spec)) {
        return { reason: "per-requirement options (e.g. --hash) are not supported by Composer's PyPI map" };
    }
    if (spec.startsWith("(") && spec.endsWith(")")) spec = spec.slice(1, -1).trim();

    const extraNames = extras
        .split(",")
        .map((e) => e.trim())
        .filter(Boolean);
    const badExtra = extraNames.find((e) => !EXTRA.test(e));
    if (badExtra !== undefined) return { reason: `invalid extra name ${JSON.stringify(badExtra)}` };
    const extrasText = extraNames.length
        ? `[${[...new Set(extraNames.map((e) => e.toLowerCase()))].sort().join(",")}]`
        : "";

    let specText = "";
    if (spec) {
        const clauses = parseSpecifier(spec);
        if (!clauses) {
            return { reason: "malformed version specifier: expected PEP 440 clauses like ==1.2.3, >=2,<3, ~=1.4" };
        }
        specText = clauses
            .map((c) => c.operator + (c.legacy ?? `${c.version!.toLowerCase()}${c.prefix ?? ""}`))
            .join(",");
    }
    return { key: normalizePackageName(name), value: extrasText + specText };
}
