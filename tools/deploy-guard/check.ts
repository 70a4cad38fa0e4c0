/**
 * The deploy job's last gate before `pulumi up`: read what `pulumi preview --json` plans and refuse a replace or
 * delete of a provider or of a stateful type unless the run says it is intended. A pure function of the preview's
 * JSON; `tools/deploy-guard.ts` is its command line.
 *
 * The document is the CLI's `PreviewDigest` (pulumi/pulumi `sdk/pkg/display/json.go:30-46`, steps at :57-74): `steps[]`
 * with `op`, `urn`, `provider`, `oldState`/`newState` (`apitype.ResourceV3`: `type`, `retainOnDelete`, …) and
 * `replaceReasons`. A replacement appears as `create-replacement`, `replace` and `delete-replaced` steps of the same URN
 * (op names: `StepOp` in pulumi `pkg/resource/deploy/step.go`).
 */
import { byCodeUnit } from "../../lib/order";
import { STATEFUL } from "../../lib/force-new";
import { TYPES, isProviderType } from "../../lib/plan-document";

/** The fields of one preview step this check reads. */
export interface PreviewStep {
    readonly op: string;
    readonly urn: string;
    readonly oldState?: { readonly type?: string; readonly retainOnDelete?: boolean };
    readonly newState?: { readonly type?: string };
    readonly replaceReasons?: readonly string[];
}

/** The fields of `pulumi preview --json` this check reads. */
export interface PreviewDigest {
    readonly steps?: readonly PreviewStep[];
}

/** Types a replace or delete of which needs an explicit override: stateful ones, plus Kubernetes Secrets. */
export const GUARDED_TYPES: readonly string[] = [...Object.keys(STATEFUL), TYPES.k8sSecret].sort();

const REPLACE_OPS = new Set(["replace", "create-replacement", "delete-replaced"]);

/** One guarded resource the preview plans to replace or delete. */
export interface Destruction {
    readonly urn: string;
    readonly type: string;
    readonly action: "replace" | "delete";
    /** Inputs that force the replacement, as the provider reported them. */
    readonly reasons: readonly string[];
}

/** The type of a step's resource: from its state, else the last type of its URN's chain. */
function typeOf(step: PreviewStep): string {
    return (
        step.newState?.type ?? step.oldState?.type ?? (step.urn.split("::")[2] ?? "").split("$").pop() ?? ""
    );
}

const isGuarded = (type: string) => isProviderType(type) || GUARDED_TYPES.includes(type);

/** The github provider's type: a channel stack kept it until governance moved to its own project. */
export const GITHUB_PROVIDER = "pulumi:providers:github";
const isGithubResource = (type: string) => type.startsWith("github:");

/**
 * Every guarded resource the preview replaces or deletes, one entry per URN, sorted by URN (code units). A delete of
 * a resource marked `retainOnDelete` only forgets it, so it is not counted.
 */
export function destructions(digest: PreviewDigest): Destruction[] {
    const found = new Map<string, Destruction>();
    for (const step of digest.steps ?? []) {
        const type = typeOf(step);
        // After `pulumi state move` of the governance, the channel's old github provider manages nothing: forgetting
        // it calls no API. Any github resource a channel deletes is caught by governanceRemovals instead.
        if (type === GITHUB_PROVIDER && step.op === "delete") continue;
        if (!isGuarded(type)) continue;
        const replace = REPLACE_OPS.has(step.op);
        const deleted = step.op === "delete" && step.oldState?.retainOnDelete !== true;
        if (!replace && !deleted) continue;
        const prev = found.get(step.urn);
        found.set(step.urn, {
            urn: step.urn,
            type,
            action: replace || prev?.action === "replace" ? "replace" : "delete",
            reasons: [...new Set([...(prev?.reasons ?? []), ...(step.replaceReasons ?? [])])].sort(),
        });
    }
    return [...found.values()].sort((a, b) => byCodeUnit(a.urn, b.urn));
}

/**
 * GitHub settings (branch protection, rulesets, environments, variables) a channel's deploy would delete or replace,
 * by URN, sorted. A channel's program declares none since governance moved to the governance project, so the only way
 * a channel deploy plans this is a stack whose governance was not moved yet: deleting it would remove the live
 * protection of a release branch (the deploy holds no token for it anyway). Never overridable: move the governance
 * first (`pulumi state move`, docs/governance.md). Also a delete of a retained resource counts: it would leave the
 * live setting managed by no stack.
 */
export function governanceRemovals(digest: PreviewDigest): string[] {
    const found = new Set<string>();
    for (const step of digest.steps ?? []) {
        if (!isGithubResource(typeOf(step))) continue;
        if (step.op === "delete" || REPLACE_OPS.has(step.op)) found.add(step.urn);
    }
    return [...found].sort(byCodeUnit);
}

/** The guard's verdict on {@link governanceRemovals}, one line each. */
export function governanceReport(urns: readonly string[]): { ok: boolean; lines: string[] } {
    if (!urns.length) return { ok: true, lines: [] };
    return {
        ok: false,
        lines: [
            `deploy guard: this channel's stack still holds ${urns.length} GitHub setting(s), which its program no longer declares; deploying would delete them; nothing was deployed:`,
            ...urns.map((u) => `  delete ${u}`),
            '  Move them to the governance stack first (docs/governance.md, "Moving governance out of the channel stacks"); allow_destroy does not override this.',
        ],
    };
}

/** The guard's verdict in words: what it blocks (or lets through with the override), one line each. */
export function guardReport(
    found: readonly Destruction[],
    override: boolean,
): { ok: boolean; lines: string[] } {
    if (!found.length)
        return { ok: true, lines: ["deploy guard: no provider or stateful resource is replaced or deleted"] };
    const lines = found.map(
        (d) =>
            `  ${d.action} ${d.urn}${d.reasons.length ? ` (replace caused by: ${d.reasons.join(", ")})` : ""}`,
    );
    return override
        ? {
              ok: true,
              lines: [
                  `deploy guard: overridden; ${found.length} guarded resource(s) will be replaced or deleted:`,
                  ...lines,
              ],
          }
        : {
              ok: false,
              lines: [
                  `deploy guard: the preview replaces or deletes ${found.length} provider or stateful resource(s); nothing was deployed:`,
                  ...lines,
                  "  If this is intended, run the deploy workflow by hand with input allow-destroy set to true.",
              ],
          };
}
