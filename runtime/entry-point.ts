/**
 * Which file the Pulumi CLI runs for a Node.js project, resolved the way the CLI and the Node language host do, so
 * the offline plan runs exactly that file and a project that would run someone else's program fails here first.
 *
 * Upstream (pulumi 3.270):
 * - `getPwdMain` in pulumi `pkg/engine/project.go`: Pulumi.yaml `main` (a file or a folder, relative to the project)
 *   sets the program's working directory and entry point; without it the entry point is `.`.
 * - `constructArguments` in `sdk/nodejs/cmd/pulumi-language-nodejs/main.go` passes both to the SDK's `cmd/run`.
 * - `run` in `@pulumi/pulumi/cmd/run/run.js`: for `.` it reads the nearest `package.json` (or `package.yaml`) found
 *   walking up from the program folder and takes its `exports`, else its `main`, when that file exists; then it
 *   `require`s the result, so a folder falls back to Node's own `index` lookup.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";

export interface EntryPoint {
    /** The working directory the language host gives the program (`--pwd`). */
    readonly pwd: string;
    /** The absolute path of the module that runs. */
    readonly program: string;
}

// Node's `require` tries these in registration order; ts-node (runtime.options.typescript) adds `.ts` last.
const EXTENSIONS = [".js", ".json", ".node", ".ts"];
const MANIFESTS = ["package.json", "package.yaml"];

/** The file the CLI would run for the project in `projectDir`; throws the CLI's error when `main` is unreadable. */
export function resolveEntryPoint(projectDir: string): EntryPoint {
    const projectFile = path.join(projectDir, "Pulumi.yaml");
    const project = parse(fs.readFileSync(projectFile, "utf8")) as { main?: unknown } | null;
    const main = typeof project?.main === "string" && project.main !== "" ? project.main : undefined;

    let pwd = projectDir;
    let entry = ".";
    if (main !== undefined) {
        const target = path.resolve(projectDir, main);
        let stat: fs.Stats;
        try {
            stat = fs.statSync(target);
        } catch (e) {
            throw new Error(`${projectFile}: project 'main' could not be read: ${(e as Error).message}`);
        }
        pwd = stat.isDirectory() ? target : path.dirname(target);
        entry = stat.isDirectory() ? "." : path.basename(target);
    }

    let program = path.join(pwd, entry);
    if (entry === ".") {
        const manifest = searchUp(pwd);
        const pkg = manifest ? readManifest(manifest) : {};
        const declared = packageEntry(pkg);
        if (manifest && declared !== undefined) {
            const candidate = path.join(path.dirname(manifest), declared);
            // run.js `resolveEntrypoint`: a declared entry that does not exist is only warned about.
            if (fs.existsSync(candidate)) program = candidate;
        }
    }
    const resolved = requireResolve(program);
    if (resolved === undefined)
        throw new Error(`${projectFile}: the language host would find no program at ${program}`);
    return { pwd, program: resolved };
}

function searchUp(dir: string): string | undefined {
    for (let d = dir; ; d = path.dirname(d)) {
        for (const name of MANIFESTS) {
            const p = path.join(d, name);
            if (fs.existsSync(p)) return p;
        }
        if (path.dirname(d) === d) return undefined;
    }
}

interface Manifest {
    main?: unknown;
    exports?: unknown;
}

function readManifest(file: string): Manifest {
    try {
        const text = fs.readFileSync(file, "utf8");
        return ((file.endsWith(".json") ? JSON.parse(text) : parse(text)) ?? {}) as Manifest;
    } catch {
        return {}; // run.js reads the manifest best-effort, too
    }
}

/** `exports` (a string, or `.` as a string or `{default|require|import}`), else `main`, as run.js reads them. */
function packageEntry(pkg: Manifest): string | undefined {
    const str = (v: unknown) => (typeof v === "string" && v !== "" ? v : undefined);
    if (typeof pkg.exports === "string") return str(pkg.exports);
    if (pkg.exports !== null && typeof pkg.exports === "object") {
        const dot = (pkg.exports as Record<string, unknown>)["."];
        if (typeof dot === "string") return dot;
        if (dot !== null && typeof dot === "object") {
            const d = dot as Record<string, unknown>;
            return str(d.default) ?? str(d.require) ?? str(d.import);
        }
        return undefined;
    }
    return str(pkg.main);
}

/** Node's CommonJS resolution of an absolute path: the file, the file plus an extension, or a folder's index. */
function requireResolve(target: string): string | undefined {
    const isFile = (p: string) => fs.existsSync(p) && fs.statSync(p).isFile();
    if (isFile(target)) return target;
    for (const ext of EXTENSIONS) if (isFile(target + ext)) return target + ext;
    if (!fs.existsSync(target) || !fs.statSync(target).isDirectory()) return undefined;
    const own = path.join(target, "package.json");
    const ownMain = fs.existsSync(own) ? (readManifest(own).main as unknown) : undefined;
    if (typeof ownMain === "string" && ownMain !== "") {
        const viaMain = requireResolve(path.join(target, ownMain));
        if (viaMain) return viaMain;
    }
    for (const ext of EXTENSIONS)
        if (isFile(path.join(target, "index" + ext))) return path.join(target, "index" + ext);
    return undefined;
}
