import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

/** A throwaway folder tree for tests: `files` maps relative paths to contents. Returns its absolute path. */
export function tempTree(files: Record<string, string>, prefix = "data-infra-"): string {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    for (const [rel, text] of Object.entries(files)) {
        fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
        fs.writeFileSync(path.join(root, rel), text);
    }
    return root;
}
