import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { renderConfigTables, withConfigTables } from "../tools/docs/config-tables";
import { REPO_ROOT } from "./harness";

const DOCS = path.join(REPO_ROOT, "docs");
const pages = () => [
    path.join(REPO_ROOT, "README.md"),
    ...fs
        .readdirSync(DOCS)
        .filter((f) => f.endsWith(".md"))
        .map((f) => path.join(DOCS, f)),
];

describe("documentation", () => {
    it("has the configuration tables the config schemas generate (run npm run docs when this fails)", () => {
        const doc = fs.readFileSync(path.join(DOCS, "configuration.md"), "utf8");
        assert.equal(withConfigTables(doc), doc);
    });

    it("generates a row for every key and nested key, with defaults", () => {
        const tables = renderConfigTables();
        assert.ok(
            tables.includes(
                '| `environmentSize` | `"ENVIRONMENT_SIZE_SMALL"` \\| `"ENVIRONMENT_SIZE_MEDIUM"` \\| `"ENVIRONMENT_SIZE_LARGE"` |  | `"ENVIRONMENT_SIZE_SMALL"` |',
            ),
        );
        assert.ok(tables.includes("| `workloads.worker.maxCount` | integer; ≥ 1, ≤ 100 | yes |  |"));
        for (const key of ["gcp", "cluster", "github", "composer", "dags", "releases", "images", "policy"])
            assert.ok(tables.includes(`### \`data-infra:${key}\``), key);
    });

    it("never refers to issue numbers, and links only to pages that exist", () => {
        for (const page of pages()) {
            const text = fs.readFileSync(page, "utf8");
            assert.doesNotMatch(text, /\bissues? #?\d+|\(issue|^#+ .*#\d+/im, page);
            for (const [, target] of text.matchAll(/\]\(([^)#:]+\.md)(#[^)]*)?\)/g))
                assert.ok(fs.existsSync(path.resolve(path.dirname(page), target)), `${page} links ${target}`);
        }
    });
});
