/**
 * YAML read the way the tool that consumes the file reads it. The same text means different things to different
 * readers: `on` is `true` to Helm and a string to the Pulumi CLI, `0644` is 420 to both, `1:20` is 80 to PyYAML
 * and a string to Go; merge keys (`<<: *base`) are expanded by all three, with different precedence in Helm.
 *
 * - `helm`: Helm values files and the kubernetes provider's `valueYamlFiles`: `chartutil.ReadValues` →
 *   sigs.k8s.io/yaml → its go-yaml v2 fork (YAML 1.1 scalars), then JSON (helm/pkg/chartutil/values.go
 *   `ReadValues`; sigs.k8s.io/yaml/yaml.go `yamlToJSONTarget`; goyaml.v2/resolve.go `resolveTable`, `resolve`;
 *   goyaml.v2/decode.go `merge`, `mapping`). Checked against Helm 3.19's own reader (test/releases/helm-yaml).
 * - `pulumi`: stack and project files as the Pulumi CLI reads them: go-yaml v3 into `any`
 *   (pulumi/pulumi sdk/go/common/resource/config/object.go `UnmarshalYAML` → `unmarshalObject`; go-yaml v3
 *   resolve.go: only true/false booleans, 0777 still octal, decode.go `merge`: explicit keys win), duplicate keys
 *   are an error (v3 decode.go `mapping`).
 * - `pyyaml`: legacy channel files, read by the legacy deploy task with `yaml.safe_load` (PyYAML resolver.py
 *   `Resolver.add_implicit_resolver` table, YAML 1.1 without `y`/`n`; constructor.py `flatten_mapping`).
 *
 * Timestamps stay strings in all three (go-yaml keeps an untagged timestamp as its text in `any`; PyYAML would
 * give a datetime, which nothing we read expects).
 */
import { isAlias, isMap, isScalar, isSeq, parseAllDocuments, type Document, type Node } from "yaml";

export type YamlDialect = "helm" | "pulumi" | "pyyaml";

export type YamlRead = { readonly value: unknown } | { readonly problem: string };

/** Reads one YAML document as `dialect`'s tool does; a problem (first line of the reason) when it would refuse. */
export function readYaml(text: string, dialect: YamlDialect): YamlRead {
    const parsed = parseAllDocuments(text, { schema: "failsafe", uniqueKeys: false, merge: false });
    const docs = Array.isArray(parsed) ? parsed : [];
    const error = docs.flatMap((d) => d.errors)[0];
    if (error) return { problem: `not valid YAML: ${error.message.split("\n")[0]}` };
    // go-yaml's Unmarshal reads the first document and ignores the rest; PyYAML's safe_load refuses a stream.
    if (docs.length > 1 && dialect === "pyyaml") {
        return { problem: "not valid YAML: expected a single document in the stream, found more (---)" };
    }
    const doc = docs[0];
    if (!doc) return { value: null };
    try {
        return { value: new Reader(doc, dialect, text).node(doc.contents) };
    } catch (e) {
        if (e instanceof YamlFault) return { problem: e.message };
        throw e;
    }
}

class YamlFault extends Error {}

const STR_TAG = "tag:yaml.org,2002:str";
type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

class Reader {
    constructor(
        private readonly doc: Document,
        private readonly dialect: YamlDialect,
        private readonly text: string,
    ) {}

    node(n: unknown, depth = 0): Json {
        if (depth > 1000) throw new YamlFault("not valid YAML: nesting too deep (alias cycle?)");
        if (n === null || n === undefined) return null;
        if (isAlias(n)) {
            const target = n.resolve(this.doc);
            if (target === undefined)
                throw new YamlFault(`not valid YAML: unknown anchor '${n.source}' referenced`);
            return this.node(target, depth + 1);
        }
        if (isScalar(n)) {
            const text = String(n.value ?? "");
            if (n.tag === STR_TAG || (n.type !== "PLAIN" && n.tag === undefined)) return text;
            return resolveScalar(text, this.dialect, n.range?.[0]);
        }
        if (isSeq(n)) return n.items.map((i) => this.node(i, depth + 1));
        if (isMap(n)) return this.mapping(n.items as Array<{ key: unknown; value: unknown }>, depth);
        throw new YamlFault(`not valid YAML: unsupported node ${String(n)}`);
    }

    private mapping(pairs: Array<{ key: unknown; value: unknown }>, depth: number): { [k: string]: Json } {
        const out: { [k: string]: Json } = {};
        const explicit = new Set<string>();
        const merges: unknown[] = [];
        for (const p of pairs) {
            if (
                isScalar(p.key) &&
                p.key.type === "PLAIN" &&
                p.key.value === "<<" &&
                p.key.tag === undefined
            ) {
                merges.push(p.value);
                if (this.dialect === "helm") this.mergeInto(out, p.value, depth, undefined); // go-yaml v2: in order
                continue;
            }
            const key = this.key(p.key, depth);
            if (explicit.has(key) && this.dialect === "pulumi") {
                const line = lineOf(this.text, p.key);
                throw new YamlFault(
                    `not valid YAML: mapping key ${JSON.stringify(key)} already defined${line ? ` (line ${line})` : ""}`,
                );
            }
            explicit.add(key);
            out[key] = this.node(p.value, depth + 1);
        }
        // go-yaml v3 and PyYAML: merged keys never override the mapping's own keys, and in `<<: [*a, *b]` the
        // first map listed wins.
        if (this.dialect !== "helm") for (const m of merges) this.mergeInto(out, m, depth, explicit);
        return out;
    }

    private mergeInto(
        out: { [k: string]: Json },
        source: unknown,
        depth: number,
        keep: Set<string> | undefined,
    ): void {
        const target = isAlias(source) ? source.resolve(this.doc) : source;
        const maps = isSeq(target)
            ? target.items.map((i) => (isAlias(i) ? i.resolve(this.doc) : i))
            : [target];
        // go-yaml v2 applies a list of merges from the last to the first, so the first wins; each overrides
        // keys set before it (goyaml.v2/decode.go `merge`).
        const ordered = this.dialect === "helm" ? [...maps].reverse() : maps;
        for (const m of ordered) {
            if (!isMap(m))
                throw new YamlFault(
                    "not valid YAML: map merge requires map or sequence of maps as the value",
                );
            const merged = this.node(m, depth + 1) as { [k: string]: Json };
            for (const [k, v] of Object.entries(merged)) {
                if (keep === undefined) out[k] = v;
                else if (!keep.has(k)) {
                    out[k] = v;
                    keep.add(k);
                }
            }
        }
    }

    private key(k: unknown, depth: number): string {
        const v = this.node(k, depth + 1);
        if (v !== null && typeof v === "object") {
            throw new YamlFault("not valid YAML: a map key must be a scalar");
        }
        if (typeof v === "number") return goNumberText(v, k);
        if (v !== null) return String(v);
        // sigs.k8s.io/yaml refuses a null key; Pulumi formats it with %v; PyYAML keeps None.
        if (this.dialect === "helm")
            throw new YamlFault("not valid for Helm: a map key is null (unsupported map key)");
        return this.dialect === "pulumi" ? "<nil>" : "None";
    }
}

function lineOf(text: string, n: unknown): number | undefined {
    const offset = (n as Node).range?.[0];
    return offset === undefined ? undefined : text.slice(0, offset).split("\n").length;
}

/** A number used as a map key, spelled as Go's `%v` / strconv does (integers without exponent). */
function goNumberText(v: number, _node: unknown): string {
    return Number.isInteger(v) && Math.abs(v) < 1e21 ? v.toFixed(0) : String(v);
}

// --- scalar resolution, one table per reader -------------------------------------------------------------

// goyaml.v2/resolve.go resolveTable (init): the YAML 1.1 spellings Go accepts.
const GO_V2_BOOL: Record<string, boolean> = Object.fromEntries([
    ...["y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"].map((s) => [s, true]),
    ...["n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"].map((s) => [s, false]),
]);
// go-yaml v3 resolve.go resolveTable: YAML 1.2 booleans only (yes/no/on/off stay strings in `any`).
const GO_V3_BOOL: Record<string, boolean> = {
    true: true,
    True: true,
    TRUE: true,
    false: false,
    False: false,
    FALSE: false,
};
const GO_NULL = new Set(["", "~", "null", "Null", "NULL"]);
// goyaml resolve.go yamlStyleFloat.
const GO_FLOAT = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;
const GO_SPECIAL_FLOAT: Record<string, number> = {
    ".nan": NaN,
    ".NaN": NaN,
    ".NAN": NaN,
    ".inf": Infinity,
    ".Inf": Infinity,
    ".INF": Infinity,
    "+.inf": Infinity,
    "+.Inf": Infinity,
    "+.INF": Infinity,
    "-.inf": -Infinity,
    "-.Inf": -Infinity,
    "-.INF": -Infinity,
};

// PyYAML resolver.py implicit resolvers (bool, float, int, null; timestamps kept as text).
const PY_BOOL = /^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$/;
const PY_FLOAT =
    /^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/;
const PY_INT =
    /^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$/;
const PY_NULL = /^(?:~|null|Null|NULL|)$/;

function resolveScalar(text: string, dialect: YamlDialect, _offset?: number): Json {
    if (dialect === "pyyaml") return resolvePy(text);
    if (GO_NULL.has(text)) return null;
    const bools = dialect === "helm" ? GO_V2_BOOL : GO_V3_BOOL;
    if (text in bools) return bools[text];
    if (text in GO_SPECIAL_FLOAT) {
        // sigs.k8s.io/yaml converts to JSON, which has no NaN or infinity: Helm fails to read the file.
        if (dialect === "helm")
            throw new YamlFault(`not valid for Helm: ${text} has no JSON form (json: unsupported value)`);
        return GO_SPECIAL_FLOAT[text];
    }
    const n = goNumber(text);
    return n === undefined ? text : n;
}

/** go-yaml's plain-scalar number rule: `_` removed, then strconv.ParseInt(s, 0, 64) (so `0644` is octal), then floats. */
function goNumber(text: string): number | undefined {
    if (!/^[-+0-9.]/.test(text)) return undefined;
    const plain = text.replace(/_/g, "");
    const m = /^([-+]?)(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)$/.exec(plain);
    if (m) {
        const sign = m[1] === "-" ? -1 : 1;
        const body = m[2];
        const value = /^0[xX]/.test(body)
            ? parseInt(body.slice(2), 16)
            : /^0[oO]/.test(body)
              ? parseInt(body.slice(2), 8)
              : /^0[bB]/.test(body)
                ? parseInt(body.slice(2), 2)
                : body.length > 1 && body.startsWith("0")
                  ? parseInt(body.slice(1), 8)
                  : parseInt(body, 10);
        return sign * value;
    }
    if (GO_FLOAT.test(plain)) return parseFloat(plain);
    return undefined;
}

function resolvePy(text: string): Json {
    if (PY_NULL.test(text)) return null;
    if (PY_BOOL.test(text)) return /^(?:yes|true|on)$/i.test(text);
    if (PY_INT.test(text)) {
        // constructor.py construct_yaml_int
        let v = text.replace(/_/g, "");
        let sign = 1;
        if (v[0] === "-") sign = -1;
        if ("+-".includes(v[0])) v = v.slice(1);
        if (v === "0") return 0;
        if (v.startsWith("0b")) return sign * parseInt(v.slice(2), 2);
        if (v.startsWith("0x")) return sign * parseInt(v.slice(2), 16);
        if (v[0] === "0") return sign * parseInt(v, 8);
        if (v.includes(":")) return sign * v.split(":").reduce((acc, d) => acc * 60 + parseInt(d, 10), 0);
        return sign * parseInt(v, 10);
    }
    if (PY_FLOAT.test(text)) {
        // constructor.py construct_yaml_float
        let v = text.replace(/_/g, "").toLowerCase();
        let sign = 1;
        if (v[0] === "-") sign = -1;
        if ("+-".includes(v[0])) v = v.slice(1);
        if (v === ".inf") return sign * Infinity;
        if (v === ".nan") return NaN;
        if (v.includes(":")) return sign * v.split(":").reduce((acc, d) => acc * 60 + parseFloat(d), 0);
        return sign * parseFloat(v);
    }
    return text;
}
