import { lastKey, redactCredentials } from "./credentials";
import { shortJson, shorten } from "./shorten";
/**
 * Collected validation problems. Every validator in this repository appends to one of these instead of throwing,
 * so a user sees every mistake in one run, each as `<where>: <what> (got <value>)`.
 */
export interface Problem {
    /** Where the problem is: a config key path (`data-infra:composer.imageVersion`), a `file:line`, a release name. */
    readonly where: string;
    /** What is wrong, in the user's terms, including what would be accepted. */
    readonly what: string;
    /** The offending value, if there is one. Rendered compactly; never pass a secret here. */
    readonly got?: unknown;
}

export class Problems {
    private readonly items: Problem[] = [];

    add(where: string, what: string, got?: unknown): void {
        this.items.push(arguments.length >= 3 ? { where, what, got } : { where, what });
    }

    addAll(other: Problems | readonly Problem[]): void {
        for (const p of other instanceof Problems ? other.list : other) this.items.push(p);
    }

    get list(): readonly Problem[] {
        return this.items;
    }

    get empty(): boolean {
        return this.items.length === 0;
    }

    /** Throws one {@link ValidationError} listing every problem, if there are any. */
    throwIfAny(title: string): void {
        if (!this.empty) throw new ValidationError(title, this.items);
    }
}

/** Renders a value for an error message: JSON, shortened so one bad value cannot flood the output. */
export function renderGot(value: unknown, max = 80): string {
    return value === undefined ? shorten("nothing", max) : shortJson(value, max);
}

/**
 * `<where>: <what> (got <value>)`. The value is printed redacted: under a credential-named key (`…dbPassword`) it is
 * `[redacted]`, and a URL's userinfo is stripped, so a mistyped credential never reaches a log through an error.
 */
export function formatProblem(p: Problem): string {
    return "got" in p
        ? `${p.where}: ${p.what} (got ${renderGot(redactCredentials(p.got, lastKey(p.where.split(/[\s:]+/).pop() ?? "")))})`
        : `${p.where}: ${p.what}`;
}

/**
 * The one error type for bad user input. Tools print `message` without a stack trace; it already lists every problem.
 */
export class ValidationError extends Error {
    readonly problems: readonly Problem[];

    constructor(title: string, problems: readonly Problem[]) {
        const n = problems.length;
        super(
            `${title}: ${n} problem${n === 1 ? "" : "s"}\n${problems.map((p) => `  - ${formatProblem(p)}`).join("\n")}`,
        );
        this.name = "ValidationError";
        this.problems = problems;
    }
}

/** `JSON.parse(text)` as `{value}`, or `undefined` after adding `<where>: is not JSON` to `problems`. */
export function parseJsonText(
    text: string,
    where: string,
    problems: Problems,
): { value: unknown } | undefined {
    try {
        return { value: JSON.parse(text) as unknown };
    } catch {
        problems.add(where, "is not JSON");
        return undefined;
    }
}
