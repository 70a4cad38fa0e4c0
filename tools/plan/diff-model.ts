/**
 * The desired-state diff of two plan documents (base → head): what reviewers read instead of a cloud preview.
 * Only the document fields the diff needs are named here, so it accepts any plan document of the CLI contract
 * (`npm run plan -- --format json`).
 */

import type { RecordedOptions } from "../../runtime/recorder";

/** How the plan document renders a secret value, and a value only the cloud knows. */
export { SECRET, COMPUTED, COMPUTED_FINGERPRINT } from "./values";

/** One resource of a plan document (the fields the diff reads). */
export interface DiffableResource {
    readonly urn: string;
    readonly type: string;
    readonly name: string;
    readonly parent: string | null;
    /** `false` for components, which carry no inputs (their children carry the change). */
    readonly custom?: boolean;
    readonly inputs: Record<string, unknown>;
    readonly options?: RecordedOptions;
    /** Keyed fingerprints of secret inputs by dotted input path (`a.b[0].c`). */
    readonly secrets?: Record<string, string>;
}

/** A plan document (the fields the diff reads). */
export interface DiffableDocument {
    readonly project: string;
    readonly stack: string;
    readonly resources: readonly DiffableResource[];
}

export type ChangeKind = "add" | "remove" | "change";

/** One changed input path of a changed resource. Secret values are never carried, only fingerprints. */
export type InputChange =
    | { readonly path: string; readonly kind: "added"; readonly new: unknown }
    | { readonly path: string; readonly kind: "removed"; readonly old: unknown }
    | { readonly path: string; readonly kind: "changed"; readonly old: unknown; readonly new: unknown }
    | {
          readonly path: string;
          readonly kind: "secret";
          /** What happened to the secret: `changed`, `added`, `removed`, `now-secret`, `no-longer-secret`. */
          readonly secret: SecretChange;
          /** Keyed fingerprints (12 hex); absent when the document had no fingerprint key. */
          readonly oldFingerprint?: string;
          readonly newFingerprint?: string;
      };

export type SecretChange = "changed" | "unchanged" | "added" | "removed" | "now-secret" | "no-longer-secret";

/** A secret input of a changed resource and whether it changed (reviewers see both). */
export interface SecretStatus {
    readonly path: string;
    readonly status: SecretChange;
    readonly oldFingerprint?: string;
    readonly newFingerprint?: string;
}

export interface ResourceDiff {
    readonly urn: string;
    readonly type: string;
    readonly name: string;
    readonly kind: ChangeKind;
    /** The component group the resource belongs to (top-level component type), for the summary. */
    readonly group: string;
    /** Changed input paths (kind `change`), sorted by path. */
    readonly changes: readonly InputChange[];
    /** Changed resource options (`protect`, `deleteBeforeReplace`, …), same shape as input changes. */
    readonly optionChanges: readonly InputChange[];
    /** Every secret input of the resource and its status (added/removed resources: their secret paths). */
    readonly secrets: readonly SecretStatus[];
    /** The resource as planned on each side (inputs with secrets as `[secret]`). */
    readonly base?: DiffableResource;
    readonly head?: DiffableResource;
}

export interface PlanDiff {
    readonly project: string;
    readonly stack: string;
    /** What the base side is: a git ref, or another stack for `--compare`. */
    readonly baseLabel: string;
    readonly headLabel: string;
    /** Added, removed and changed resources, sorted by URN. Unchanged resources are only counted. */
    readonly resources: readonly ResourceDiff[];
    readonly unchanged: number;
}
