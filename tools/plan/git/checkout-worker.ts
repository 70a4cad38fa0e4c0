/**
 * Runs {@link checkoutBase} on a worker thread (started by ./base.ts): the review's main thread spends its first
 * second loading modules, during which the checkout's steps between its git processes would wait for it, and the
 * base could not be planned before the checkout is done. Posts `{ ok: true, sharedCode }`, or `{ ok: false, message }`.
 */
import { parentPort, workerData } from "node:worker_threads";
import { checkoutBase } from "./checkout";

/** What ./base.ts passes as `workerData`: {@link checkoutBase}'s arguments. */
export interface CheckoutJob {
    readonly commit: string;
    readonly tree: string;
    readonly repoRoot: string;
    readonly indexFile: string;
    /** {@link checkoutBase}'s `share`. */
    readonly share?: { readonly entry: string };
}

const job = workerData as CheckoutJob;
/** Settles once the result is posted (./base.ts then builds this worker's bundle, see ./worker-bundle.ts). */
export const done: Promise<void> = checkoutBase(
    job.commit,
    job.tree,
    job.repoRoot,
    job.indexFile,
    job.share,
).then(
    ({ sharedCode }) => parentPort!.postMessage({ ok: true, sharedCode }),
    (e: unknown) => parentPort!.postMessage({ ok: false, message: (e as Error).message }),
);
