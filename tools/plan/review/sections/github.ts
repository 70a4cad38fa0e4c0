import { TYPES, valueAt, type PlanDiff } from "../../../../lib/plan-document";

/** One way a change weakens repository governance. */
export interface Weakening {
    readonly urn: string;
    /** `branch releases/prod` or `environment prod`. */
    readonly subject: string;
    readonly what: string;
}

type Inputs = Record<string, unknown> | undefined;

/** Per governance type: how its subject is named, what its removal means, and what weakens it. */
const GOVERNANCE: Readonly<
    Record<string, { label: string; key: string; removed: string; check: (b: Inputs, h: Inputs) => string[] }>
> = {
    [TYPES.branchProtection]: {
        label: "branch",
        key: "pattern",
        removed: "branch protection removed",
        check: protectionWeakenings,
    },
    [TYPES.environment]: {
        label: "environment",
        key: "environment",
        removed: "environment removed",
        check: environmentWeakenings,
    },
};

/** Every weakening of branch protection or environment protection in a diff. */
export function githubWeakenings(diff: PlanDiff): Weakening[] {
    return diff.resources.flatMap((r) => {
        const g = GOVERNANCE[r.type];
        if (!g) return [];
        const subject = `${g.label} ${String(valueAt(r.head?.inputs ?? r.base?.inputs, g.key) ?? r.name)}`;
        const whats =
            r.kind === "remove"
                ? [g.removed]
                : r.kind === "change"
                  ? g.check(r.base?.inputs, r.head?.inputs)
                  : [];
        return whats.map((what) => ({ urn: r.urn, subject, what }));
    });
}

// Boolean settings whose flip in the given direction weakens protection.
const PROTECTION_FLAGS: ReadonlyArray<[path: string, weakWhen: boolean, what: string]> = [
    ["allowsForcePushes", true, "force pushes allowed"],
    ["allowsDeletions", true, "branch deletion allowed"],
    ["enforceAdmins", false, "admins no longer bound by the rules"],
    ["requireConversationResolution", false, "conversation resolution no longer required"],
    ["requiredLinearHistory", false, "linear history no longer required"],
    ["requireSignedCommits", false, "signed commits no longer required"],
    ["requiredStatusChecks.0.strict", false, "branches no longer need to be up to date before merging"],
    ["requiredPullRequestReviews.0.dismissStaleReviews", false, "stale reviews no longer dismissed"],
    ["requiredPullRequestReviews.0.requireCodeOwnerReviews", false, "code owner review no longer required"],
    ["requiredPullRequestReviews.0.requireLastPushApproval", false, "last push approval no longer required"],
];

function protectionWeakenings(b: Inputs, h: Inputs): string[] {
    const out: string[] = [];
    for (const [path, weakWhen, what] of PROTECTION_FLAGS) {
        const before = valueAt(b, path) ?? false;
        const after = valueAt(h, path) ?? false;
        if (before !== after && after === weakWhen) out.push(what);
    }
    const removedChecks = strings(b, "requiredStatusChecks.0.contexts").filter(
        (c) => !strings(h, "requiredStatusChecks.0.contexts").includes(c),
    );
    if (removedChecks.length) out.push(`required checks removed: ${removedChecks.join(", ")}`);
    const reviewsBefore = reviewCount(b);
    const reviewsAfter = reviewCount(h);
    if (reviewsAfter < reviewsBefore) out.push(`required reviews ${reviewsBefore} → ${reviewsAfter}`);
    return out;
}

function environmentWeakenings(b: Inputs, h: Inputs): string[] {
    const out: string[] = [];
    for (const kind of ["users", "teams"]) {
        const gone = reviewers(b, kind).filter((x) => !reviewers(h, kind).includes(x));
        if (gone.length) out.push(`reviewers removed (${kind}: ${gone.join(", ")})`);
    }
    if (valueAt(b, "preventSelfReview") === true && valueAt(h, "preventSelfReview") !== true)
        out.push("self-review no longer prevented");
    // The provider's default for canAdminsBypass is true, so only an explicit false counts as the stronger side.
    if (valueAt(b, "canAdminsBypass") === false && valueAt(h, "canAdminsBypass") !== false)
        out.push("admins may bypass the environment's protection");
    if (
        valueAt(b, "deploymentBranchPolicy") !== undefined &&
        valueAt(h, "deploymentBranchPolicy") === undefined
    )
        out.push("deployment branch policy removed (any branch may deploy)");
    const waitBefore = Number(valueAt(b, "waitTimer") ?? 0);
    const waitAfter = Number(valueAt(h, "waitTimer") ?? 0);
    if (waitAfter < waitBefore) out.push(`wait timer ${waitBefore} → ${waitAfter} minutes`);
    return out;
}

function reviewCount(inputs: Inputs): number {
    if (!Array.isArray(valueAt(inputs, "requiredPullRequestReviews"))) return 0;
    const n = valueAt(inputs, "requiredPullRequestReviews.0.requiredApprovingReviewCount");
    // GitHub's default when a review block exists without a count is one approving review.
    return typeof n === "number" ? n : 1;
}

function strings(inputs: Inputs, path: string): string[] {
    const v = valueAt(inputs, path);
    return Array.isArray(v) ? v.map(String) : [];
}

function reviewers(inputs: Inputs, kind: string): string[] {
    const list = valueAt(inputs, "reviewers");
    if (!Array.isArray(list)) return [];
    return list.flatMap((entry) => {
        const ids = (entry as Record<string, unknown> | null)?.[kind];
        return Array.isArray(ids) ? ids.map(String) : [];
    });
}
