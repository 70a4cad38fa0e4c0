/**
 * How long values are cut for one line of output (error messages, review lines, the plan's text view): at `max`
 * characters, the last one an ellipsis, so one long value cannot flood the output.
 */
export function shorten(text: string, max: number): string {
    return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** A value as compact JSON (`String()` where JSON has no text for it), shortened to `max` characters. */
export function shortJson(value: unknown, max: number): string {
    let text: string;
    try {
        text = JSON.stringify(value) ?? String(value);
    } catch {
        text = String(value);
    }
    return shorten(text, max);
}
