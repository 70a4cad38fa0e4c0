/**
 * Schema `pattern`s as helm evaluates them: Go's regexp (RE2), unanchored (santhosh-tekuri/jsonschema v6.0.2
 * `compiler.go:330-331`, the default engine of helm v3.19.5 `pkg/chartutil/jsonschema.go:136`). Each row: pattern,
 * value, RE2's answer, and JavaScript's RegExp answer (with ajv's `u` flag) where it differs. `npm test` checks our
 * validator against the `re2` column; `npm run test:helm` checks the column against the real helm.
 */
export interface Re2Case {
    readonly pattern: string;
    readonly value: string;
    readonly re2: "match" | "no match" | "refused";
    readonly js?: "match" | "no match";
}

export const RE2_CASES: readonly Re2Case[] = [
    { pattern: "^/", value: "/", re2: "match" },
    { pattern: "^/", value: "/healthz", re2: "match" },
    { pattern: "^/", value: "healthz", re2: "no match" },
    // Unanchored, as Go's MatchString.
    { pattern: "foo", value: "xfoox", re2: "match" },
    {
        pattern: "^(@(hourly|daily|weekly|monthly)|\\S+ \\S+ \\S+ \\S+ \\S+)$",
        value: "15 3 * * *",
        re2: "match",
    },
    {
        pattern: "^(@(hourly|daily|weekly|monthly)|\\S+ \\S+ \\S+ \\S+ \\S+)$",
        value: "15 3 * *",
        re2: "no match",
    },
    // RE2's \s is [\t\n\f\r ]; JavaScript's includes U+00A0.
    { pattern: "^\\s$", value: "\u00a0", re2: "no match", js: "match" },
    // Lookahead, lookbehind and backreferences are not RE2 syntax.
    { pattern: "^(?=a)a$", value: "a", re2: "refused", js: "match" },
    { pattern: "(?<=a)b", value: "ab", re2: "refused", js: "match" },
    { pattern: "^(a)\\1$", value: "aa", re2: "refused", js: "match" },
];
