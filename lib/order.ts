/**
 * The project's one ordering of strings: by UTF-16 code unit, which is what `Array.prototype.sort()` does without
 * a comparator. `localeCompare` depends on the machine's locale and ICU data, so anything that reaches resource
 * inputs or output (image tags, rendered files, the plan) would differ between machines; lint forbids it.
 */
export const byCodeUnit = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
