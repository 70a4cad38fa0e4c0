import { strict as assert } from "node:assert";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as ts from "typescript";
import * as YAML from "yaml";
import { resolveEntryPoint } from "../runtime/entry-point";
import { planStack } from "../tools/plan/document/plan-stack";
import { policyViolations } from "../tools/plan/review/run";
import { parse } from "yaml";
import { listStacks } from "../runtime/stack-files";
import { REPO_ROOT } from "./harness";

/** Writes `files` (path → content) under a fresh temporary folder and returns it. */
function tree(files: Record<string, string>): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "entry-point-"));
    for (const [file, text] of Object.entries(files)) {
        fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
        fs.writeFileSync(path.join(dir, file), text);
    }
    return dir;
}

describe("entry point (the Node language host's resolution)", () => {
    const dirs: string[] = [];
    const make = (files: Record<string, string>) => {
        const d = tree(files);
        dirs.push(d);
        return d;
    };
    after(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

    it("runs the nearest package.json's main when Pulumi.yaml has none: a sub-project runs its parent's program", () => {
        // GIVEN the layout bootstrap/ had before it declared `main` (pulumi cmd/run/run.js searches up for package.json)
        const root = make({
            "package.json": '{"main": "index.ts"}',
            "index.ts": "",
            "sub/Pulumi.yaml": "name: sub\nruntime: nodejs\n",
            "sub/index.ts": "",
        });
        // THEN the language host would run the root program, not sub/index.ts
        assert.deepEqual(resolveEntryPoint(path.join(root, "sub")), {
            pwd: path.join(root, "sub"),
            program: path.join(root, "index.ts"),
        });
    });

    it("runs Pulumi.yaml's main, a file relative to the project, in the project folder", () => {
        const root = make({
            "package.json": '{"main": "index.ts"}',
            "index.ts": "",
            "sub/Pulumi.yaml": "name: sub\nmain: index.ts\nruntime: nodejs\n",
            "sub/index.ts": "",
        });
        assert.deepEqual(resolveEntryPoint(path.join(root, "sub")), {
            pwd: path.join(root, "sub"),
            program: path.join(root, "sub", "index.ts"),
        });
    });

    it("runs a main folder from inside it (pulumi pkg/engine/project.go getPwdMain), index.js before index.ts", () => {
        const root = make({
            "Pulumi.yaml": "name: p\nmain: src/\n",
            "src/index.ts": "",
            "src/index.js": "",
        });
        assert.deepEqual(resolveEntryPoint(root), {
            pwd: path.join(root, "src"),
            program: path.join(root, "src", "index.js"),
        });
    });

    it("prefers package.json exports over main, and ignores a declared entry that does not exist", () => {
        const exportsRoot = make({
            "Pulumi.yaml": "name: p\n",
            "package.json": '{"exports": {".": {"require": "lib/run.ts"}}, "main": "index.ts"}',
            "lib/run.ts": "",
            "index.ts": "",
        });
        assert.equal(resolveEntryPoint(exportsRoot).program, path.join(exportsRoot, "lib", "run.ts"));
        const missing = make({
            "Pulumi.yaml": "name: p\n",
            "package.json": '{"main": "gone.ts"}',
            "index.ts": "",
        });
        assert.equal(resolveEntryPoint(missing).program, path.join(missing, "index.ts"));
    });

    it("fails as the CLI does when main cannot be read, and when there is no program at all", () => {
        const badMain = make({ "Pulumi.yaml": "name: p\nmain: nope.ts\n" });
        assert.throws(() => resolveEntryPoint(badMain), /project 'main' could not be read: .*nope\.ts/);
        const empty = make({ "Pulumi.yaml": "name: p\n" });
        assert.throws(() => resolveEntryPoint(empty), /the language host would find no program/);
    });

    it("resolves the shipped projects to their own programs", () => {
        assert.equal(resolveEntryPoint(REPO_ROOT).program, path.join(REPO_ROOT, "index.ts"));
        const bootstrap = path.join(REPO_ROOT, "bootstrap");
        assert.deepEqual(resolveEntryPoint(bootstrap), {
            pwd: bootstrap,
            program: path.join(bootstrap, "index.ts"),
        });
    });

    it("plans the bootstrap project by running bootstrap/index.ts", async () => {
        // Before bootstrap/Pulumi.yaml declared main, this ran the root program and failed on data-infra:* keys.
        const doc = await planStack({
            projectDir: path.join(REPO_ROOT, "bootstrap"),
            stack: "transit-data-prod",
        });
        assert.equal(doc.project, "data-infra-bootstrap");
        assert.ok(doc.resources.some((r) => r.type === "data-infra:bootstrap:StateBackend"));
        assert.ok(!doc.resources.some((r) => r.type.startsWith("data-infra:airflow")));
    });

    // Every deployable project of the repository (test fixtures are never deployed).
    const projects = execFileSync("git", ["-C", REPO_ROOT, "ls-files", "*Pulumi.yaml"], { encoding: "utf8" })
        .split("\n")
        .filter((f) => f && !f.startsWith("test/"))
        .map((f) => path.dirname(f));
    it("finds the deployable projects", () => assert.deepEqual(projects, [".", "bootstrap", "governance"]));
    for (const project of projects) {
        it(`compiles ${project === "." ? "the root program" : `${project}/`} for preview and up without type checking, with npm test's options otherwise`, () => {
            // @pulumi/pulumi cmd/run/run.js: with runtime.options.tsconfig (→ PULUMI_NODEJS_TSCONFIG_PATH, relative to
            // the project folder), ts-node's transpileOnly is that file's own compilerOptions.noCheck (tsutils.js
            // loadTypeScriptCompilerOptions reads the file alone, no `extends`); unset, ts-node type-checks every run.
            const dir = path.join(REPO_ROOT, project);
            const yaml = YAML.parse(fs.readFileSync(path.join(dir, "Pulumi.yaml"), "utf8")) as {
                runtime: { options: { typescript: boolean; tsconfig: string } };
            };
            assert.equal(yaml.runtime.options.typescript, true);
            const file = path.join(dir, yaml.runtime.options.tsconfig);
            const own = ts.parseConfigFileTextToJson(file, fs.readFileSync(file, "utf8")).config as {
                extends: string;
                compilerOptions: Record<string, unknown>;
            };
            assert.equal(own.compilerOptions.noCheck, true);
            // AND ts-node's resolved options (it follows `extends`) are exactly what npm test checks with, plus noCheck
            const resolved = (f: string) =>
                ts.parseJsonConfigFileContent(
                    ts.readConfigFile(f, ts.sys.readFile).config,
                    ts.sys,
                    dir,
                    undefined,
                    f,
                ).options;
            // (each file's options name the file itself: configFilePath differs by design)
            const deploy = { ...resolved(file), configFilePath: undefined };
            const checked = { ...resolved(path.join(dir, "tsconfig.json")), configFilePath: undefined };
            assert.equal(deploy.noCheck, true);
            checked.noCheck = true;
            assert.deepEqual(deploy, checked);
        });
    }

    it("gives bootstrap/ the root's strict compiler options (ts-node reads bootstrap/tsconfig.json there)", () => {
        const read = (p: string) =>
            ts.parseConfigFileTextToJson(p, fs.readFileSync(p, "utf8")).config as {
                compilerOptions: Record<string, unknown>;
            };
        const root = read(path.join(REPO_ROOT, "tsconfig.json"));
        const bootstrap = read(path.join(REPO_ROOT, "bootstrap", "tsconfig.json"));
        assert.deepEqual(bootstrap.compilerOptions, root.compilerOptions);
        assert.equal(bootstrap.compilerOptions.strict, true);
        // governance/ too (its program runs there as well)
        const governance = read(path.join(REPO_ROOT, "governance", "tsconfig.json"));
        assert.deepEqual(governance.compilerOptions, root.compilerOptions);
    });

    it("plans the governance project (one stack per channel) by running governance/index.ts on the channel's settings", async () => {
        // GIVEN governance/ and its stack files, which carry only a secrets provider
        const dir = path.join(REPO_ROOT, "governance");
        assert.deepEqual(resolveEntryPoint(dir), { pwd: dir, program: path.join(dir, "index.ts") });
        assert.deepEqual(listStacks(dir), listStacks(REPO_ROOT), "one governance stack per channel");
        for (const stack of listStacks(dir)) {
            const file = parse(fs.readFileSync(path.join(dir, `Pulumi.${stack}.yaml`), "utf8")) as Record<
                string,
                unknown
            >;
            assert.deepEqual(Object.keys(file), ["secretsprovider"], `governance/Pulumi.${stack}.yaml`);
        }
        // WHEN prod's is planned THEN it holds the GitHub settings read from ../Pulumi.prod.yaml, and nothing else
        const doc = await planStack({ projectDir: dir, stack: "prod", deployedByWorkflows: true });
        assert.equal(doc.project, "data-infra-governance");
        assert.deepEqual(
            [...new Set(doc.resources.map((r) => r.type))].filter(
                (t) => !t.startsWith("github:") && t !== "pulumi:providers:github",
            ),
            ["data-infra:github:Governance", "pulumi:pulumi:Stack"],
        );
        assert.deepEqual(doc.outputs.githubProtectedBranches, ["releases/prod", "main"]);
        // AND prod's GitHub policy rules judge it with prod's data-infra:policy (the channel plan has no GitHub
        // resource left to judge): none now, and prod's environment without reviewers is a mandatory violation
        assert.deepEqual(policyViolations(doc, dir), []);
        const env = doc.resources.find((r) => r.name === "github-environment")!;
        (env.inputs as Record<string, unknown>).reviewers = [];
        assert.deepEqual(
            policyViolations(doc, dir).map((v) => [v.rule, v.level]),
            [["prod-environment-reviewers", "mandatory"]],
        );
    });
});
