import * as path from "node:path";

/**
 * A path as providers receive it: `./<path>` relative to the project folder, where Pulumi runs the program and its
 * providers. Relative, so state and plans do not change with the checkout's location (a laptop vs CI); a path
 * outside the project stays absolute.
 */
export function projectPath(rootDir: string, p: string): string {
    const rel = path.relative(rootDir, path.resolve(rootDir, p)).split(path.sep).join("/");
    return rel.startsWith("../") || path.isAbsolute(rel) ? path.resolve(rootDir, p) : `./${rel}`;
}
