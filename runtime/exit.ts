/**
 * Ending a command-line tool without losing output. `process.exit` drops whatever Node still holds for a pipe:
 * once a slower reader lets the pipe's 64 KiB buffer fill, the rest of stdout waits in Node's queue, and exiting
 * discards it (`npm run -s plan -- --format json | wc -c` printed 65536). Every tool ends through here or by
 * setting `process.exitCode` and returning (Node then drains its queues before it exits).
 */

/** Waits until everything written so far to stdout and stderr has been handed to the OS, then exits. */
export async function exitAfterOutput(code: number): Promise<never> {
    // A write's callback runs after every earlier write to that stream has completed.
    await Promise.all(
        [process.stdout, process.stderr].map(
            (stream) => new Promise<void>((resolve) => stream.write("", () => resolve())),
        ),
    );
    process.exit(code);
}
