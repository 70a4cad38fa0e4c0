/**
 * The DAG sync's manifests: one per mirrored folder, built offline from the file list (no bucket read), in the
 * form the `gcsmanifest` provider takes. Pure, so the program, the tests and the benchmark share it.
 */
import * as path from "node:path";
import { formatEntry, type ManifestInputs } from "../../providers/gcs-manifest/manifest";
import { projectPath } from "../platform/paths";
import type { DagFile, DagFolder } from "./dag-files";

/** Everything of a manifest resource's inputs but the bucket. */
export type FolderManifest = Omit<ManifestInputs, "bucket">;

/**
 * One manifest per folder, in folder order: its files (object name → `"<md5> <size> <content type>"`), and the
 * local path of any object whose name is not prefix + its folder-relative path.
 */
export function folderManifests(
    projectDir: string,
    folders: readonly DagFolder[],
    files: readonly DagFile[],
): FolderManifest[] {
    return folders.map((folder) => {
        const root = path.resolve(projectDir, folder.source);
        const entries: Record<string, string> = {};
        const paths: Record<string, string> = {};
        for (const f of files) {
            if (!f.objectName.startsWith(folder.prefix)) continue;
            entries[f.objectName] = formatEntry({ md5: f.md5, size: f.sizeBytes, contentType: f.contentType });
            const local = path.relative(root, f.path).split(path.sep).join("/");
            if (local !== f.objectName.slice(folder.prefix.length)) paths[f.objectName] = local;
        }
        return {
            prefix: folder.prefix,
            // Project-relative, so state does not depend on where the repository is checked out.
            source: projectPath(projectDir, folder.source),
            files: entries,
            ...(Object.keys(paths).length ? { paths } : {}),
        };
    });
}

/** Folders whose prefixes overlap (`dags/` and `dags/sub/`): each manifest would see the other's objects. */
export function overlappingPrefixes(folders: readonly DagFolder[]): string[] {
    const problems: string[] = [];
    for (const [i, a] of folders.entries()) {
        for (const b of folders.slice(i + 1)) {
            if (a.prefix.startsWith(b.prefix) || b.prefix.startsWith(a.prefix))
                problems.push(`prefixes ${a.prefix} and ${b.prefix} overlap`);
        }
    }
    return problems;
}
