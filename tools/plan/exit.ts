/** The plan CLI's exit codes and the review's usage error, shared by the review modes and their git plumbing. */

/** Exit codes beyond the plan's own (0 ok, 1 invalid program or config, 2 usage). */
export const EXIT = { policy: 3, failOn: 4, promotion: 5 } as const;

/** A problem with the request (unknown git ref, base without a plan tool): reported as a usage error. */
export class ReviewUsageError extends Error {}
