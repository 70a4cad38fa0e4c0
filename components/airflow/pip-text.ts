/**
 * How pip turns the bytes of a requirements file into logical lines, reproduced rule by rule so the plan reads a
 * file exactly as `pip install -r` does. Reference: pip 25.3, `src/pip/_internal/req/req_file.py` (line numbers
 * below are of that file); the corpus in `test/airflow/pip-reference/` checks this module against pip itself.
 */

/** The decoded text, or why pip would not decode it the way a reviewer reads it. */
export type Decoded = { readonly text: string } | { readonly fault: string };

// req_file.py:83-93 — order matters: the UTF-16 LE mark is a prefix of the UTF-32 LE one.
const BOMS: ReadonlyArray<[readonly number[], string]> = [
    [[0xef, 0xbb, 0xbf], "utf-8"],
    [[0xff, 0xfe, 0x00, 0x00], "utf-32le"], // codecs.BOM_UTF32 (native order; little-endian on pip's platforms)
    [[0x00, 0x00, 0xfe, 0xff], "utf-32be"],
    [[0xff, 0xfe], "utf-16le"], // codecs.BOM_UTF16 (native) and BOM_UTF16_LE
    [[0xfe, 0xff], "utf-16be"],
];
// req_file.py:95 PEP263_ENCODING_RE, looked for in the first two lines when they start with `#` (req_file.py:599-603).
const PEP263 = /coding[:=][ \t\f\n\r\v]*([-\w.]+)/;

/**
 * pip's `_decode_req_file` (req_file.py:593-619): a byte-order mark decides the encoding, else a PEP 263
 * `# -*- coding: x -*-` comment in the first two lines, else UTF-8. pip then falls back to the machine's locale
 * encoding, which differs between a laptop and Composer: that case is a fault here, not a guess.
 */
export function decodeLikePip(bytes: Uint8Array): Decoded {
    for (const [bom, encoding] of BOMS) {
        if (bom.every((b, i) => bytes[i] === b)) {
            const text = decode(bytes.subarray(bom.length), encoding);
            if (text === undefined) return { fault: `file has a ${label(encoding)} byte-order mark but is not valid ${label(encoding)}` };
            return { text };
        }
    }
    const lines = Buffer.from(bytes).toString("latin1").split("\n").slice(0, 2);
    for (const line of lines) {
        const m = line.startsWith("#") ? PEP263.exec(line) : null;
        if (!m) continue;
        const encoding = pythonCodec(m[1]);
        if (encoding === undefined) {
            return { fault: `declares encoding ${JSON.stringify(m[1])} (PEP 263 comment), which the plan cannot check; save it as UTF-8` };
        }
        const text = decode(bytes, encoding);
        if (text === undefined) return { fault: `declares encoding ${m[1]} but is not valid ${m[1]}` };
        return { text };
    }
    const text = decode(bytes, "utf-8");
    if (text?.includes("\0")) {
        // pip decodes it and then fails on every line; say why once instead.
        return { fault: "file contains NUL bytes: it looks UTF-16 encoded without a byte-order mark; save it as UTF-8" };
    }
    if (text !== undefined) return { text };
    return {
        fault: "file is not valid UTF-8 and declares no encoding, so pip decodes it with the locale encoding of whichever machine installs it; save it as UTF-8",
    };
}

function label(encoding: string): string {
    return encoding.toUpperCase().replace(/^UTF-(\d+)(LE|BE)$/, "UTF-$1 $2");
}

/** Python codec names we decode exactly (others are refused rather than approximated). */
function pythonCodec(name: string): string | undefined {
    const n = name.toLowerCase().replace(/_/g, "-");
    if (/^utf-?8$/.test(n) || n === "u8" || n === "ascii" || n === "us-ascii") return n === "ascii" || n === "us-ascii" ? "ascii" : "utf-8";
    if (/^(latin-?1|iso-?8859-1|l1)$/.test(n)) return "latin1";
    return undefined;
}

function decode(bytes: Uint8Array, encoding: string): string | undefined {
    try {
        if (encoding === "latin1") return Buffer.from(bytes).toString("latin1"); // ISO-8859-1, byte = code point
        if (encoding === "ascii") return bytes.every((b) => b < 0x80) ? Buffer.from(bytes).toString("latin1") : undefined;
        if (encoding === "utf-32le" || encoding === "utf-32be") return decodeUtf32(bytes, encoding === "utf-32le");
        return new TextDecoder(encoding, { fatal: true, ignoreBOM: true }).decode(bytes);
    } catch {
        return undefined;
    }
}

function decodeUtf32(bytes: Uint8Array, little: boolean): string | undefined {
    if (bytes.length % 4) return undefined;
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    let out = "";
    for (let i = 0; i < bytes.length; i += 4) {
        const cp = view.getUint32(i, little);
        if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return undefined;
        out += String.fromCodePoint(cp);
    }
    return out;
}

/** Python's `str.isspace()` set, which is what `\s` and `str.strip()` mean in pip's code (not JavaScript's `\s`). */
export const PY_SPACE = "\\t\\n\\x0b\\x0c\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";
// req_file.py:41 COMMENT_RE = (^|\s+)#.*$
const COMMENT = new RegExp(`(^|[${PY_SPACE}]+)#.*$`, "s");
const COMMENT_AT_START = new RegExp(`^[${PY_SPACE}]*#`);
const STRIP = new RegExp(`^[${PY_SPACE}]+|[${PY_SPACE}]+$`, "g");
// Python's str.splitlines() boundaries (req_file.py:177): \r\n, \n, \r, \v, \f, \x1c-\x1e, \x85, U+2028, U+2029.
const LINE_BREAK = /\r\n|[\n\r\x0b\x0c\x1c-\x1e\x85\u2028\u2029]/;

/** One logical line as pip sees it after joining, comment removal and stripping. */
export interface LogicalLine {
    /** 1-based number of its first physical line (pip's numbering). */
    readonly line: number;
    readonly text: string;
}

/** A line-level finding: pip reads the file differently from how it looks. */
export interface Swallowed {
    /** Physical line holding the comment whose trailing `\` pulled the next line(s) in. */
    readonly line: number;
    /** The physical lines pip joined into the comment and so never reads. */
    readonly lost: readonly number[];
    readonly text: string;
}

/**
 * `preprocess` (req_file.py:172-181) minus environment variables: `splitlines`, `join_lines` (req_file.py:494-522),
 * `ignore_comments` (req_file.py:525-533). pip joins a line ending in `\` with the next one *before* it strips
 * comments, unless the line itself starts as a comment; so an inline comment ending in `\` swallows the next
 * line. Such lines are returned in `swallowed` (with pip's result still in `lines`).
 */
export function pipLogicalLines(text: string): { lines: LogicalLine[]; swallowed: Swallowed[] } {
    const physical = text.split(LINE_BREAK);
    // splitlines() yields no empty last element for a trailing line break.
    if (physical.length && physical[physical.length - 1] === "" && LINE_BREAK.test(text.slice(-2))) physical.pop();
    const lines: LogicalLine[] = [];
    const swallowed: Swallowed[] = [];
    let group: Array<{ n: number; part: string }> = [];
    const flush = () => {
        const joined = group.map((g) => g.part).join("");
        const first = group[0].n;
        const m = COMMENT.exec(joined);
        if (m && group.length > 1) {
            // Which physical line holds the comment start, and which later lines vanish into it.
            let offset = 0;
            for (let i = 0; i < group.length; i++) {
                const end = offset + group[i].part.length;
                const hash = m.index + m[0].indexOf("#");
                if (hash < end && i < group.length - 1) {
                    const rest = group.slice(i + 1).filter((g) => g.part.replace(STRIP, "") && !COMMENT_AT_START.test(g.part));
                    if (rest.length) swallowed.push({ line: group[i].n, lost: rest.map((g) => g.n), text: joined.replace(STRIP, "") });
                    break;
                }
                offset = end;
            }
        }
        const stripped = joined.replace(COMMENT, "").replace(STRIP, "");
        if (stripped) lines.push({ line: first, text: stripped });
        group = [];
    };
    physical.forEach((raw, i) => {
        const n = i + 1;
        const isComment = COMMENT_AT_START.test(raw); // COMMENT_RE.match: anchored at the line start
        if (!raw.endsWith("\\") || isComment) {
            group.push({ n, part: isComment ? ` ${raw}` : raw });
            flush();
        } else {
            // Python's str.strip("\\") removes backslashes at both ends.
            group.push({ n, part: raw.replace(/^\\+|\\+$/g, "") });
        }
    });
    if (group.length) flush();
    return { lines, swallowed };
}
