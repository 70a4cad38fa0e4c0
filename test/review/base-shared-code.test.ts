/**
 * What lets a review plan its base with the head's modules (tools/plan/git/checkout.ts, `share`): a shared module
 * runs from the working tree's path, so it must not find files by its own location. Only a project's entry may
 * (its `__dirname` is the base's checkout, and everything else gets its paths from it as arguments). This walks
 * the modules each project's entry and the review's entry (tools/plan/for-review.ts) load, by their relative
 * imports, and checks that none of them but the entries names its own location or the working directory.
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import * as ts from "typescript";
import { resolveEntryPoint } from "../../runtime/entry-point";
import { REVIEW_ENTRY } from "../../tools/plan/git/base";
import { REPO_ROOT } from "../harness";

/** Modules that may, and why. */
const ALLOWED: Record<string, readonly string[]> = {
    // DEFAULT_PROGRAM, for callers that give no `program` (planStack always gives the project's entry), and
    // `require.resolve(program)` of that absolute path.
    "runtime/run-program.ts": ["__dirname", "require.resolve"],
};

/** What in `source` finds files by the module's location or the working directory, and its relative imports. */
function scan(source: string, file = "m.ts"): { locates: string[]; imports: string[] } {
    const sf = ts.createSourceFile(file, source, ts.ScriptTarget.Latest, true);
    const locates: string[] = [];
    const imports: string[] = [];
    const visit = (node: ts.Node): void => {
        if (ts.isIdentifier(node) && (node.text === "__dirname" || node.text === "__filename"))
            locates.push(node.text);
        else if (ts.isMetaProperty(node) && node.keywordToken === ts.SyntaxKind.ImportKeyword)
            locates.push("import.meta");
        else if (ts.isPropertyAccessExpression(node)) {
            const text = node.getText(sf);
            if (text === "process.cwd" || text === "require.resolve") locates.push(text);
        }
        if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier)
            imports.push((node.moduleSpecifier as ts.StringLiteral).text);
        if (
            ts.isCallExpression(node) &&
            (node.expression.kind === ts.SyntaxKind.ImportKeyword ||
                (ts.isIdentifier(node.expression) && node.expression.text === "require")) &&
            node.arguments.length === 1 &&
            ts.isStringLiteralLike(node.arguments[0])
        )
            imports.push(node.arguments[0].text);
        ts.forEachChild(node, visit);
    };
    visit(sf);
    return { locates, imports: imports.filter((s) => s.startsWith(".")) };
}

/** The file a relative import names, as Node with tsx resolves it (`.ts`, `/index.ts`, `.js`, `.json`). */
function resolveImport(from: string, spec: string): string | undefined {
    const base = path.resolve(path.dirname(from), spec);
    for (const candidate of [base, `${base}.ts`, path.join(base, "index.ts"), `${base}.js`, `${base}.json`])
        if (fs.existsSync(candidate) && fs.statSync(candidate).isFile()) return candidate;
    return undefined;
}

/** Every module `entry` loads through relative imports, with what each names of its location. */
function closure(entry: string): Map<string, string[]> {
    const seen = new Map<string, string[]>();
    const queue = [entry];
    while (queue.length) {
        const file = queue.pop()!;
        if (seen.has(file) || !/\.[cm]?ts$/.test(file)) continue;
        const { locates, imports } = scan(fs.readFileSync(file, "utf8"), file);
        seen.set(file, locates);
        for (const spec of imports) {
            const target = resolveImport(file, spec);
            assert.ok(target, `${path.relative(REPO_ROOT, file)}: cannot resolve ${spec}`);
            queue.push(target);
        }
    }
    return seen;
}

describe("Modules a review may share between head and base", () => {
    const scanCases: Array<[string, string[]]> = [
        ["export const a = 1;", []],
        ['const f = path.join(__dirname, "x.yaml");', ["__dirname"]],
        ["const me = __filename;", ["__filename"]],
        ["const u = import.meta.url;", ["import.meta"]],
        ["const here = process.cwd();", ["process.cwd"]],
        ['const p = require.resolve("./schema.json");', ["require.resolve"]],
        ["// __dirname in a comment\nconst s = '__dirname in a string';", []],
    ];
    for (const [source, locates] of scanCases)
        it(`finds ${locates.join(", ") || "nothing"} in ${JSON.stringify(source)}`, () =>
            assert.deepEqual(scan(source).locates, locates));

    it("follows static, dynamic and require imports, relative ones only", () =>
        assert.deepEqual(
            scan(
                'import a from "./a";\nexport * from "../b";\nconst c = require("./c");\nimport("./d");\nimport "x";',
            ).imports,
            ["./a", "../b", "./c", "./d"],
        ));

    const entries = [
        ...["", "bootstrap", "governance"].map((p) => resolveEntryPoint(path.join(REPO_ROOT, p)).program),
        path.join(REPO_ROOT, REVIEW_ENTRY),
    ];
    for (const entry of entries) {
        it(`no module ${path.relative(REPO_ROOT, entry)} loads finds files by its own location`, () => {
            const modules = closure(entry);
            assert.ok(modules.size > 3, `${modules.size} modules`);
            const found = [...modules]
                .filter(([file]) => file !== entry || entry.endsWith(REVIEW_ENTRY))
                .map(([file, locates]) => [path.relative(REPO_ROOT, file), locates] as const)
                .filter(([file, locates]) => locates.some((l) => !ALLOWED[file]?.includes(l)))
                .map(([file, locates]) => `${file}: ${locates.join(", ")}`);
            assert.deepEqual(found, []);
        });
    }
});
