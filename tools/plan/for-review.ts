/**
 * The entry through which a later revision's review plans this revision in its own process (issue 22): the review
 * (`npm run plan -- --base <ref>`, tools/plan/git/base.ts) checks out `<ref>`, and when the checkout has this file
 * with a `FOR_REVIEW_VERSION` it knows, it loads this file and calls {@link planForReview} once its own plans are
 * done. The process has already loaded the SDKs for the head, so the base costs only its own run (0.3 s against
 * 1.8 s for a plan process of its own).
 *
 * This is a contract between revisions: keep the file's path, and the shape of the options and of the result.
 * For any change a review of an earlier shape could not call, change `FOR_REVIEW_VERSION`: a review that does not
 * know the new number plans such a revision with its own plan tool in a child process, as for revisions older
 * than this file.
 */
import type { PlanDocument } from "../../lib/plan-document";
import { planStack } from "./document/plan-stack";

/** The shape of {@link planForReview}; see this module's comment. */
export const FOR_REVIEW_VERSION = 1;

/** What the review passes. */
export interface ForReviewOptions {
    /** The project folder (with `Pulumi.yaml` and the stack files) in the checkout of this revision. */
    readonly projectDir: string;
    /** The stacks to plan, each with a `Pulumi.<stack>.yaml` in `projectDir`, in this order. */
    readonly stacks: readonly string[];
    /** The review's key for secret fingerprints: base and head must use the same one. */
    readonly fingerprintKey: Buffer;
    /** Whether the workflows deploy this project's stacks (see `PlanStackOptions.deployedByWorkflows`). */
    readonly deployedByWorkflows: boolean;
}

/**
 * Each stack's plan document, in the order of `stacks`, as `npm run plan -- --format json` prints it (the same
 * `planStack`); no policy run and no check across channels: the review judges the head, the base is what it
 * compares with.
 *
 * @throws Error with the user-facing message of the first stack that fails to plan.
 */
export async function planForReview(opts: ForReviewOptions): Promise<PlanDocument[]> {
    const docs: PlanDocument[] = [];
    for (const stack of opts.stacks)
        docs.push(
            await planStack({
                projectDir: opts.projectDir,
                stack,
                fingerprintKey: opts.fingerprintKey,
                deployedByWorkflows: opts.deployedByWorkflows,
            }),
        );
    return docs;
}
