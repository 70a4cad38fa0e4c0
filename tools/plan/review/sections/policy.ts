/**
 * Changes of the channel's `data-infra:policy` setting. They change no resource input by themselves (or only some:
 * `production` drives Composer's `protect` and `deletionPolicy`), yet they decide what blocks a deploy, so the
 * review shows each in words.
 */

/** One changed policy setting and the protection it takes away or adds, in words. */
export interface PolicyChange {
    /** `production`, `enforcement`, `rules.<rule>`, `managedPrefixes`. */
    readonly key: string;
    readonly old: string;
    readonly new: string;
    /** What this does to the channel's protection. */
    readonly what: string;
    /** `true` when it takes protection away. */
    readonly weakens: boolean;
}

interface Resolved {
    production: boolean;
    enforcement: string;
    rules: Record<string, string>;
    managedPrefixes: string;
}

/** The raw setting as a stack file holds it, with the defaults `policy/config.ts` applies. */
function resolve(raw: unknown): Resolved {
    const v = raw !== null && typeof raw === "object" ? (raw as Record<string, unknown>) : {};
    const production = v.production === true;
    const rules = v.rules !== null && typeof v.rules === "object" ? (v.rules as Record<string, unknown>) : {};
    return {
        production,
        enforcement:
            typeof v.enforcement === "string" ? v.enforcement : production ? "mandatory" : "advisory",
        rules: Object.fromEntries(Object.entries(rules).map(([k, x]) => [k, String(x)])),
        managedPrefixes: JSON.stringify(v.managedPrefixes ?? ["dags/", "plugins/"]),
    };
}

const LEVEL_RANK: Record<string, number> = { mandatory: 0, advisory: 1, disabled: 2 };

/**
 * What changed in the policy setting between two sides (raw stack values, `undefined` = not set), in words.
 * Sorted by key.
 */
export function policyChanges(before: unknown, after: unknown): PolicyChange[] {
    const a = resolve(before);
    const b = resolve(after);
    const out: PolicyChange[] = [];
    if (a.production !== b.production)
        out.push({
            key: "production",
            old: String(a.production),
            new: String(b.production),
            weakens: a.production,
            what: a.production
                ? "no longer a production channel: Composer loses `protect` and `deletionPolicy: PREVENT` (the next change can delete it), Secrets and Helm releases lose `retainOnDelete`, and rules default to advisory"
                : "becomes a production channel: Composer, Secrets and Helm releases are protected and rules default to mandatory",
        });
    if (a.enforcement !== b.enforcement)
        out.push({
            key: "enforcement",
            old: a.enforcement,
            new: b.enforcement,
            weakens: a.enforcement === "mandatory",
            what:
                a.enforcement === "mandatory"
                    ? "policy violations stop blocking: the plan gate of this channel passes whatever the rules find"
                    : "policy violations now block the plan gate",
        });
    for (const rule of [...new Set([...Object.keys(a.rules), ...Object.keys(b.rules)])].sort()) {
        const o = a.rules[rule] ?? `(default: ${a.enforcement})`;
        const n = b.rules[rule] ?? `(default: ${b.enforcement})`;
        if (o === n) continue;
        const rank = (x: string) => LEVEL_RANK[x.replace(/^\(default: (.*)\)$/, "$1")] ?? 0;
        const weakens = rank(n) > rank(o);
        out.push({
            key: `rules.${rule}`,
            old: o,
            new: n,
            weakens,
            what: weakens
                ? n.includes("disabled")
                    ? `rule ${rule} is no longer checked`
                    : `rule ${rule} no longer blocks`
                : `rule ${rule} is enforced more strictly`,
        });
    }
    if (a.managedPrefixes !== b.managedPrefixes)
        out.push({
            key: "managedPrefixes",
            old: a.managedPrefixes,
            new: b.managedPrefixes,
            weakens: true,
            what: "the bucket prefixes the DAG policy guards changed",
        });
    return out;
}
