// Flat config: typescript-eslint's recommended rules, Pulumi's rule against outputs in template literals (they
// render as "Calling [toString] on an [Output<T>]..." instead of the value), and the dependency rules: no import
// cycle between modules, and top-level folders import only the layers below them (see docs/contributing.md).
import tseslint from "typescript-eslint";
import pulumi from "@pulumi/eslint-plugin";
import importPlugin from "eslint-plugin-import";

// The layers, lowest first: a folder may import from the folders before it, never from the ones after it.
// runtime (engine glue) < lib (plan-document kernel, shared helpers) < components, policy < config < tools.
// bootstrap is a project of its own beside tools; test and bench may import anything, nothing imports them.
const above = (...folders) => folders.map((f) => `./${f}`);
const layers = [
    {
        target: "./runtime",
        from: above(
            "lib",
            "components",
            "policy",
            "config",
            "tools",
            "bootstrap",
            "test",
            "bench",
            "index.ts",
        ),
    },
    {
        target: "./lib",
        from: above("components", "policy", "config", "tools", "bootstrap", "test", "bench", "index.ts"),
    },
    { target: "./policy", from: above("components", "tools", "bootstrap", "test", "bench", "index.ts") },
    { target: "./components", from: above("policy", "tools", "bootstrap", "test", "bench", "index.ts") },
    { target: "./config", from: above("tools", "bootstrap", "test", "bench", "index.ts") },
    { target: "./tools", from: above("bootstrap", "test", "bench", "index.ts") },
    { target: "./bootstrap", from: above("tools", "test", "bench", "index.ts") },
];

export default tseslint.config(
    { ignores: ["node_modules/**", "bin/**", "airflow/**", "charts/**", "images/**", ".bench/**"] },
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
        languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
        plugins: { "@pulumi": pulumi, import: importPlugin },
        settings: {
            "import/parsers": { "@typescript-eslint/parser": [".ts"] },
            "import/resolver": { node: { extensions: [".ts", ".js"] } },
        },
        rules: {
            "import/no-cycle": ["error", { ignoreExternal: true }],
            "import/no-restricted-paths": ["error", { zones: layers }],
            "@pulumi/no-output-in-template-literal": "error",
            "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_" }],
            "@typescript-eslint/no-require-imports": "off",
        },
    },
);
