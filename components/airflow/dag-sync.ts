import * as pulumi from "@pulumi/pulumi";
import { Problems } from "../../lib/problems";
import { listDagFiles, type DagFolder } from "./dag-files";
import { folderManifests, overlappingPrefixes } from "./dag-manifest";
import { PrefixManifest } from "./prefix-manifest";
import { throwIfInvalid } from "../platform/resource-error";

export interface DagSyncArgs {
    /** Bucket to mirror into: the Composer environment's bucket. */
    readonly bucket: pulumi.Input<string>;
    /** Repository root: folder sources resolve against it, and messages name paths relative to it. */
    readonly projectDir: string;
    /**
     * Local folders and the object-name prefix each is mirrored under. Objects outside these prefixes are never
     * touched.
     */
    readonly folders: readonly DagFolder[];
    /**
     * picomatch globs on folder-relative paths (dotfiles included); only matching files are mirrored.
     * @default every file
     */
    readonly include?: readonly string[];
    /**
     * picomatch globs; a matching file, or folder with everything under it, is skipped.
     * @default nothing is skipped (the `data-infra:dags` config defaults skip `__pycache__`, `*.pyc`, dotfiles)
     */
    readonly exclude?: readonly string[];
    /**
     * Files larger than this are errors.
     * @default 100 MiB
     */
    readonly maxFileSizeBytes?: number;
    /**
     * Put before each manifest's resource name (`<namePrefix><prefix>`), so two DagSyncs of one stack (the
     * blue/green second environment's mirror) do not share URNs: a child's URN holds its parent's type, not its name.
     * @default "" (the names every stack's state already holds)
     */
    readonly manifestNamePrefix?: string;
    /**
     * Delete objects under the prefixes that no file lists (the manifests' `deleteUnmanaged`).
     * @default false: they are reported as `unmanaged` (drift) and kept
     */
    readonly deleteUnmanaged?: boolean;
}

/**
 * Mirrors local folders (Airflow `dags/`, `plugins/`) into a bucket with one {@link PrefixManifest} per folder,
 * named by its prefix. Its input is the folder's manifest (object name → MD5, size, content type) computed offline
 * here, so `pulumi preview --diff` and the offline review name each added, changed or removed file, while the
 * engine handles one resource per prefix instead of one per file (issue 22). The provider uploads only what
 * changed, deletes removed files after the uploads succeed, and never touches objects outside the prefixes.
 * Replaces `gsutil rsync -d -c`.
 */
export class DagSync extends pulumi.ComponentResource {
    /** The component's type token: part of every child's URN, so never change it. */
    public static readonly TYPE = "data-infra:airflow:DagSync";

    /** Object names managed, sorted. */
    public readonly objectNames: readonly string[];
    /** The manifest resources by prefix. */
    public readonly manifests: Readonly<Record<string, PrefixManifest>>;

    constructor(name: string, args: DagSyncArgs, opts?: pulumi.ComponentResourceOptions) {
        super(DagSync.TYPE, name, {}, opts);
        const list = listDagFiles(args);
        const problems = new Problems();
        problems.addAll(list.problems);
        for (const what of overlappingPrefixes(args.folders)) problems.add("folders", what);
        throwIfInvalid(problems, `DagSync ${name}`, this);

        const manifests: Record<string, PrefixManifest> = {};
        for (const m of folderManifests(args.projectDir, args.folders, list.files)) {
            manifests[m.prefix] = new PrefixManifest(
                `${args.manifestNamePrefix ?? ""}${m.prefix}`,
                // Only when set, so stacks that never set it keep the inputs (and state) they have.
                { ...m, bucket: args.bucket, ...(args.deleteUnmanaged ? { deleteUnmanaged: true } : {}) },
                // Objects written by the per-file design (one BucketObject each) are adopted, not re-uploaded:
                // see README "Migrating from per-file objects" for the one state edit the switch needs.
                { parent: this },
            );
        }
        this.manifests = manifests;
        this.objectNames = list.files.map((f) => f.objectName);
        this.registerOutputs({ objectNames: this.objectNames });
    }
}
