import type { RuleFinding } from "./rules";

/** `<input path>: <what is wrong>. Fix: <how>` — the text of a finding wherever it is reported. */
export function formatFinding(f: RuleFinding): string {
    return `${f.path}: ${f.message}. Fix: ${f.fix}`;
}
