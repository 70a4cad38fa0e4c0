import type { ConfigSection } from "../section";
import { keyPath } from "../section";
import { leavesProject } from "../../components/platform/paths";
import { globProblem } from "../../components/airflow/dag-files";

/** One local folder mirrored under one prefix of the Composer bucket. */
export interface DagFolderConfig {
    /** Folder, relative to the repository root (absolute paths are used as they are). */
    readonly source: string;
    /** Object-name prefix in the bucket, ending in `/`, e.g. `dags/`. */
    readonly prefix: string;
}

/** What the DAG sync mirrors into the Composer environment's bucket. */
export interface DagsConfig {
    readonly folders: readonly DagFolderConfig[];
    /** picomatch globs on folder-relative paths; a file is synced if it matches one (default: everything). */
    readonly include: readonly string[];
    /** picomatch globs; matching files, and everything under matching folders, are skipped. */
    readonly exclude: readonly string[];
    readonly maxFileSizeMiB: number;
    /**
     * Delete objects under a managed prefix that no file lists (written by hand, or left by another tool). Off by
     * default: such objects are reported as drift (`unmanaged` in the manifest's state after `pulumi refresh`) and kept.
     */
    readonly deleteUnmanaged: boolean;
}

/**
 * Skipped by default: bytecode, and dotfiles except `.airflowignore`, the one dotfile Airflow reads (its DAG
 * processor and plugin manager skip what it lists; without it Composer parses helper modules as DAGs).
 */
export const DEFAULT_DAG_EXCLUDES: readonly string[] = ["**/__pycache__", "**/*.pyc", "**/.!(airflowignore)"];

export const dagsSection: ConfigSection<DagsConfig> = {
    description:
        "Folders mirrored file by file into the Composer bucket: {folders: [{source, prefix}], include, exclude, maxFileSizeMiB, deleteUnmanaged}.",
    required: false,
    schema: {
        type: "object",
        additionalProperties: false,
        properties: {
            folders: {
                type: "array",
                minItems: 1,
                items: {
                    type: "object",
                    additionalProperties: false,
                    required: ["source", "prefix"],
                    properties: {
                        source: { type: "string", minLength: 1 },
                        // Never the bucket root: Composer keeps data/, logs/ and its own files there.
                        prefix: {
                            type: "string",
                            // No `.` or `..` segment: `dags/../` would reach objects outside the prefix.
                            pattern: "^[a-z0-9_-]+(?:/(?!\\.\\.?/)[a-z0-9_.-]+)*/$",
                            description: "a folder prefix such as dags/ or plugins/ (lowercase, ends with /)",
                        },
                    },
                },
                default: [
                    { source: "airflow/dags", prefix: "dags/" },
                    { source: "airflow/plugins", prefix: "plugins/" },
                ],
            },
            include: { type: "array", items: { type: "string", minLength: 1 }, default: ["**"] },
            exclude: {
                type: "array",
                items: { type: "string", minLength: 1 },
                default: [...DEFAULT_DAG_EXCLUDES],
            },
            maxFileSizeMiB: { type: "number", exclusiveMinimum: 0, maximum: 5 * 1024 * 1024, default: 100 },
            deleteUnmanaged: { type: "boolean", default: false },
        },
        default: {},
    },
    resolve(value, _ctx, problems) {
        const v = (value ?? {}) as DagsConfig;
        const folders = v.folders ?? [];
        folders.forEach((f, i) => {
            if (leavesProject(f.source)) {
                problems.add(
                    keyPath("dags", "folders", i, "source"),
                    "must be a folder inside the repository",
                    f.source,
                );
            }
        });
        for (const list of ["include", "exclude"] as const) {
            (v[list] ?? []).forEach((glob, i) => {
                const bad = globProblem(glob);
                if (bad) problems.add(keyPath("dags", list, i), bad, glob);
            });
        }
        folders.forEach((f, i) => {
            const clash = folders.findIndex((g, j) => j !== i && f.prefix.startsWith(g.prefix));
            if (clash >= 0) {
                problems.add(
                    keyPath("dags", "folders", i, "prefix"),
                    `overlaps folders[${clash}].prefix ${JSON.stringify(folders[clash].prefix)}: two folders would manage the same objects`,
                    f.prefix,
                );
            }
        });
        return v;
    },
};
