/**
 * What counts as a credential in reviewable text, and how it is hidden: credential-named keys, key material,
 * URL userinfo. The policy rule `no-plaintext-credentials` flags such values; every text the plan and the review
 * print (values-file `old → new` lines, rendered manifests, error messages' `got …`) redacts them with these helpers.
 */

/** What a redacted value is printed as. */
export const REDACTED = "[redacted]";

// Words that name a credential when they end a key (`dbPassword`, `API_TOKEN`, `fernet_key`, `SENTRY_DSN`).
const CREDENTIAL_WORDS = new Set([
    "password",
    "passwd",
    "pwd",
    "passphrase",
    "token",
    "secret",
    "apikey",
    "credential",
    "credentials",
    "privatekey",
    // A DSN carries its key in the userinfo (`https://<key>@sentry.io/1`).
    "dsn",
]);
// Two-word endings that name a credential (`connectionString`, `CONN_URI`, `webhookUrl`'s kin are not included: a
// URL is checked by its userinfo instead).
const CREDENTIAL_PAIRS = new Set(["connection string", "conn uri", "auth string"]);
const PRIVATE_KEY = /-----BEGIN [A-Z ]*PRIVATE KEY-----/;

/** The words of a key: camelCase humps and runs separated by `_`, `-`, `.`, lowercased. */
export function keyWords(key: string): string[] {
    return key
        .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
        .split(/[\s_.-]+/)
        .filter(Boolean)
        .map((w) => w.toLowerCase());
}

/**
 * Whether a key names a credential: its last word does (`dbPassword`), it ends in `key` after a qualifier
 * (`apiKey`, `fernet_key`), in a credential pair (`connectionString`), or it is an Airflow connection variable
 * (`AIRFLOW_CONN_<ID>`, whose value is a URI with the password, Airflow `configuration.rst` "Storing connections in
 * environment variables").
 */
export function isCredentialKey(key: string): boolean {
    const words = keyWords(key);
    const last = words[words.length - 1] ?? "";
    // `existingSecret` names a Secret that holds the value; a bare `key` is a toleration or selector key.
    if (words.includes("existing")) return false;
    if (words[0] === "airflow" && words[1] === "conn" && words.length > 2) return true;
    return (
        CREDENTIAL_WORDS.has(last) ||
        (last === "key" && words.length > 1) ||
        CREDENTIAL_PAIRS.has(words.slice(-2).join(" "))
    );
}

// `scheme://user:password@host` or `scheme://token@host`: RFC 3986 userinfo, up to the first `@` of the authority.
const USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)([^/?#@\s"'`]+)@/gi;

/**
 * Whether a text holds a URL with userinfo that can be a credential (`user:password@`, `<token>@`). `ssh://git@…`
 * names the SSH user every Git host uses, not a credential.
 */
export function hasUserinfo(text: string): boolean {
    return [...text.matchAll(USERINFO)].some((m) => m[2] !== "git");
}

/** A text with the userinfo of every URL in it replaced by {@link REDACTED} (`https://[redacted]@host/`). */
export function stripUserinfo(text: string): string {
    return text.replace(USERINFO, (_, scheme: string) => `${scheme}${REDACTED}@`);
}

/** Whether a value has the shape of a private key or a JSON service-account key, whatever its key is called. */
export function looksLikeKeyMaterial(value: string): boolean {
    return (
        PRIVATE_KEY.test(value) ||
        (/"type"\s*:\s*"service_account"/.test(value) && /"private_key/.test(value))
    );
}

/** Whether a value must not be shown: key material, or a URL carrying userinfo. */
export function looksLikeCredential(value: string): boolean {
    return looksLikeKeyMaterial(value) || hasUserinfo(value);
}

/** The value shown for a scalar under `key`: redacted when the key names a credential or the value looks like one. */
export function redactScalar(key: string | undefined, value: unknown): unknown {
    if (value === null || typeof value === "object" || value === "" || value === undefined) return value;
    if (key !== undefined && isCredentialKey(key)) return REDACTED;
    if (typeof value === "string") return looksLikeKeyMaterial(value) ? REDACTED : stripUserinfo(value);
    return value;
}

/**
 * A deep copy of a value fit to print: every scalar under a credential-named key (at any depth below it, so
 * `credentials: {user, password}` is hidden whole) redacted, key material redacted, URL userinfo stripped, and in
 * `{name, value}` lists (container `env`) the `value` of a credential-named `name`.
 */
export function redactCredentials(value: unknown, key?: string): unknown {
    return redactBelow(value, key !== undefined && isCredentialKey(key));
}

function redactBelow(value: unknown, hidden: boolean): unknown {
    if (Array.isArray(value)) return value.map((v) => redactBelow(v, hidden));
    if (value === null || typeof value !== "object")
        return redactScalar(hidden ? "password" : undefined, value);
    const o = value as Record<string, unknown>;
    const namedCredential = typeof o.name === "string" && isCredentialKey(o.name);
    return Object.fromEntries(
        Object.entries(o).map(([k, v]) => [
            k,
            redactBelow(v, hidden || isCredentialKey(k) || (namedCredential && k === "value")),
        ]),
    );
}

/** A dotted or bracketed path's last key (`values.db.password` → `password`, `env[0]` → `env`). */
export function lastKey(path: string): string | undefined {
    return path
        .split(/[.[\]/]/)
        .filter((p) => p !== "" && !/^\d+$/.test(p))
        .pop();
}
