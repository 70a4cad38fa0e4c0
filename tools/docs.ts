/**
 * `npm run docs`: regenerates the configuration tables in docs/configuration.md from the config schemas.
 * `--check` only reports drift (a test runs the same comparison).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { withConfigTables } from "./docs/config-tables";

export const CONFIGURATION_DOC = path.resolve(__dirname, "..", "docs", "configuration.md");

const HELP = `Usage: npm run docs [-- --check]

Regenerates the per-key configuration tables of docs/configuration.md from the JSON Schemas in
config/sections/ (between the generated markers; the rest of the page is kept).

Options:
  --check      write nothing; exit 1 when the page differs from what the schemas generate
  -h, --help   show this help

Examples:
  npm run docs                # after changing a config schema
  npm run docs -- --check`;

function main(argv: string[]): number {
    let values;
    try {
        values = parseArgs({
            args: argv,
            options: {
                check: { type: "boolean", default: false },
                help: { type: "boolean", short: "h", default: false },
            },
            strict: true,
        }).values;
    } catch (e) {
        console.error(`${(e as Error).message}\nRun "npm run docs -- --help" for usage.`);
        return 2;
    }
    if (values.help) {
        console.log(HELP);
        return 0;
    }
    const before = fs.existsSync(CONFIGURATION_DOC)
        ? fs.readFileSync(CONFIGURATION_DOC, "utf8")
        : "# Configuration\n";
    const after = withConfigTables(before);
    if (values.check) {
        if (after !== before)
            console.error("docs/configuration.md differs from the config schemas; run: npm run docs");
        return after === before ? 0 : 1;
    }
    fs.writeFileSync(CONFIGURATION_DOC, after);
    console.log(after === before ? "docs/configuration.md is up to date" : "wrote docs/configuration.md");
    return 0;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
