/**
 * `npx tsx tools/try.ts check|report|return|borrowed <channel>`: trying a pull request's head in a channel
 * (docs/try-in-test.md). The commands are in tools/try/cli.ts.
 */
import { tryMain } from "./try/cli";

process.exitCode = tryMain(process.argv.slice(2));
