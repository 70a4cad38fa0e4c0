// Flat config: typescript-eslint's recommended rules, Pulumi's rule against outputs in template literals (they
// render as "Calling [toString] on an [Output<T>]..." instead of the value), and the dependency rules: no import
// cycle between folders: top-level folders import only the layers below them (see docs/contributing.md). Cycles
// between modules are dependency-cruiser's check (`npm run lint:cycles`, .dependency-cruiser.cjs): import/no-cycle
// took 94% of lint's time.
import tseslint from "typescript-eslint";
import pulumi from "@pulumi/eslint-plugin";
import importPlugin from "eslint-plugin-import";
import * as fs from "node:fs";

// Which top-level folders each folder may import (see docs/contributing.md). Read bottom-up, the folders form
// layers: runtime (engine glue) < lib (the plan-document kernel, validation and text helpers) < providers <
// components < policy < config < tools and bootstrap; nothing imports test, bench or the program's index.ts.
// An import outside this table fails lint, so no cycle between folders can form.
// Every top-level folder with code, so a new folder is forbidden to every importer until it gets a row below.
const FOLDERS = [
    ...fs
        .readdirSync(import.meta.dirname, { withFileTypes: true })
        .filter((d) => d.isDirectory() && !d.name.startsWith(".") && d.name !== "node_modules")
        .map((d) => d.name),
    "index.ts",
];
// The code that declares resources (see the last block below and tsconfig.lint.json).
const PROGRAM = [
    "index.ts",
    "components/**/*.ts",
    "governance/**/*.ts",
    "bootstrap/**/*.ts",
    "runtime/**/*.ts",
    "providers/**/*.ts",
];
const MAY_IMPORT = {
    runtime: [],
    lib: ["runtime"],
    // Resource providers served from this repository (a plugin process of their own).
    providers: ["lib", "runtime"],
    components: ["lib", "runtime", "providers"],
    // Policy rules read plan documents through the kernel; the branch names are governance's naming contract.
    policy: ["lib", "runtime", "components/github/naming.ts"],
    config: ["lib", "runtime", "components", "policy"],
    tools: ["lib", "runtime", "providers", "components", "policy", "config"],
    bootstrap: ["lib", "runtime", "components", "config"],
};
// Composition roots read config and wire everything, like the program's index.ts; the pack's entry must live in
// policy/ (pulumi preview --policy-pack policy).
const ROOTS = { policy: ["index.ts"] };
const layers = Object.entries(MAY_IMPORT).flatMap(([folder, allowed]) =>
    FOLDERS.filter((f) => f !== folder && !allowed.includes(f)).map((f) => ({
        target: ROOTS[folder] ? `./${folder}/!(${ROOTS[folder].join("|")})` : `./${folder}`,
        from: `./${f}`,
        except: allowed.filter((a) => a.startsWith(`${f}/`)).map((a) => `./${a.slice(f.length + 1)}`),
        message: `${folder}/ may import only ${allowed.join(", ") || "nothing of this project"}.`,
    })),
);

export default tseslint.config(
    {
        ignores: [
            "node_modules/**",
            "bin/**",
            "airflow/**",
            "charts/**",
            "images/**",
            ".bench/**",
            ".tmp/**",
            "packages/**",
        ],
    },
    ...tseslint.configs.recommended,
    {
        files: ["**/*.cjs"],
        languageOptions: {
            sourceType: "commonjs",
            globals: { require: "readonly", module: "writable", console: "readonly" },
        },
        rules: { "@typescript-eslint/no-require-imports": "off" },
    },
    {
        files: ["**/*.ts"],
        plugins: { "@pulumi": pulumi, import: importPlugin },
        settings: {
            "import/parsers": { "@typescript-eslint/parser": [".ts"] },
            "import/resolver": { node: { extensions: [".ts", ".js"] } },
        },
        rules: {
            "no-restricted-properties": [
                "error",
                {
                    property: "localeCompare",
                    message:
                        "Order strings by code unit (byCodeUnit in lib/order.ts): localeCompare depends on the machine's locale.",
                },
            ],
            "import/no-restricted-paths": ["error", { zones: layers }],
            "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_" }],
            "@typescript-eslint/no-require-imports": "off",
        },
    },
    // The one rule that needs type information, where Outputs live: the code that declares resources. Building the
    // type-checked program for every file (the tests are most of it) took half of lint's time; tsconfig.lint.json
    // holds these files and what they import. tools/, config/, lib/ and policy/ read plan documents, not Outputs.
    {
        files: PROGRAM,
        languageOptions: {
            parserOptions: { project: "./tsconfig.lint.json", tsconfigRootDir: import.meta.dirname },
        },
        rules: { "@pulumi/no-output-in-template-literal": "error" },
    },
);
