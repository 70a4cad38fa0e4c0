/** The review's model: everything a reviewer is shown about one channel's change, before it is rendered. */
import type { PlanDiff, ProviderCascade, SecretStatus } from "../../../lib/plan-document";
import type { Violation } from "../../../policy/rules";
import type { summarize } from "./diff";
import type { ComposerChange } from "./sections/composer";
import type { PrefixChanges } from "./sections/dags";
import type { Weakening } from "./sections/github";
import type { HelmChange } from "./sections/helm";
import type { ManifestReview } from "./sections/manifests";
import type { PreflightResult } from "./preflight/pypi";
import type { PolicyChange } from "./sections/policy";
import type { RiskEntry, Tier } from "./risk";

/** Everything a reviewer is shown about one channel's change; rendered as text, JSON or a PR comment. */
export interface ReviewReport {
    readonly diff: PlanDiff;
    readonly summary: ReturnType<typeof summarize>;
    readonly composer: readonly ComposerChange[];
    readonly dags: readonly PrefixChanges[];
    /** Removed files under `dags/`, called out on their own. */
    readonly removedDags: readonly string[];
    readonly helm: readonly HelmChange[];
    readonly weakenings: readonly Weakening[];
    /** Changes of the channel's `data-infra:policy`, in words. */
    readonly policy: readonly PolicyChange[];
    /** PyPI preflights of changed Composer package sets (`--base` only). */
    readonly preflight?: readonly PreflightResult[];
    /** Rendered-manifest diffs of changed local charts (`--base` only). */
    readonly manifests?: ManifestReview;
    /** Providers whose inputs changed, with every resource under them (all planned as replaced). */
    readonly cascades: readonly ProviderCascade[];
    /** Secret inputs that changed, appeared or disappeared (fingerprints only). */
    readonly secretChanges: ReadonlyArray<SecretStatus & { readonly urn: string; readonly subject: string }>;
    /** Every change classified, most severe first. */
    readonly risks: readonly RiskEntry[];
    readonly highestTier?: Tier;
    /** Policy violations of the head side. */
    readonly violations: readonly Violation[];
}
