import * as pulumi from "@pulumi/pulumi";
import * as gcp from "@pulumi/gcp";
import { Problems } from "../../lib/problems";
import { listDagFiles, type DagFolder } from "./dag-files";
import { projectPath } from "../platform/paths";
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
}

/**
 * Mirrors local folders (Airflow `dags/`, `plugins/`) into a bucket, one `gcp.storage.BucketObject` per file,
 * named by its object name, so `pulumi preview` shows each added, changed or removed file and a removed file
 * deletes exactly its object. Replaces `gsutil rsync -d -c` without touching anything outside the prefixes.
 */
export class DagSync extends pulumi.ComponentResource {
    /** The component's type token: part of every child's URN, so never change it. */
    public static readonly TYPE = "data-infra:airflow:DagSync";

    /** Object names managed, sorted. */
    public readonly objectNames: readonly string[];
    /** The objects by object name. */
    public readonly objects: Readonly<Record<string, gcp.storage.BucketObject>>;

    constructor(name: string, args: DagSyncArgs, opts?: pulumi.ComponentResourceOptions) {
        super(DagSync.TYPE, name, {}, opts);
        const list = listDagFiles(args);
        const problems = new Problems();
        problems.addAll(list.problems);
        throwIfInvalid(problems, `DagSync ${name}`, this);

        const objects: Record<string, gcp.storage.BucketObject> = {};
        for (const file of list.files) {
            objects[file.objectName] = new gcp.storage.BucketObject(
                file.objectName,
                {
                    bucket: args.bucket,
                    name: file.objectName,
                    // Project-relative, so state does not depend on where the repository is checked out.
                    source: new pulumi.asset.FileAsset(projectPath(args.projectDir, file.path)),
                    // Content hash as an input: an unchanged file never diffs, a changed one shows which file.
                    sourceMd5hash: file.md5,
                    contentType: file.contentType,
                },
                // A changed hash replaces the object under the same name; creating first and then deleting the
                // old resource would delete the new upload (pulumi/pulumi-gcp#152), so delete first.
                { parent: this, deleteBeforeReplace: true },
            );
        }
        this.objects = objects;
        this.objectNames = list.files.map((f) => f.objectName);
        this.registerOutputs({ objectNames: this.objectNames });
    }
}
