/** JSON with object keys sorted at every level, so identical inputs give byte-identical text. */
export function stableStringify(value: unknown, indent = 2): string {
    return JSON.stringify(sortKeys(value), null, indent);
}

export function sortKeys(value: unknown): unknown {
    if (Array.isArray(value)) return value.map(sortKeys);
    if (value !== null && typeof value === "object") {
        return Object.fromEntries(
            Object.keys(value)
                .sort()
                .map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]),
        );
    }
    return value;
}
