/**
 * Pulumi's rule for stack names (pulumi/pulumi sdk/go/common/tokens `ParseStackName`: `^[A-Za-z0-9_.-]{1,100}$`,
 * the same the Pulumi Service enforces). A name that passes cannot hold a path separator, so `Pulumi.<stack>.yaml`
 * always stays in the project folder.
 */
const STACK_NAME = /^[A-Za-z0-9_.-]+$/;

/** Why `name` is not a stack name the Pulumi CLI accepts, in its own words; `undefined` when it is. */
export function stackNameProblem(name: string): string | undefined {
    if (name === "") return "a stack name may not be empty";
    if (name.length > 100) return "a stack name cannot exceed 100 characters";
    const bad = [...name].findIndex((c) => !STACK_NAME.test(c));
    if (bad >= 0) {
        return `a stack name may only contain alphanumeric, hyphens, underscores, or periods: invalid character ${JSON.stringify(name[bad])} at position ${bad}`;
    }
    // Legal for Pulumi, but Pulumi.<stack>.yaml would then name a file that is not this stack's ("Pulumi....yaml").
    if (name === "." || name === "..") return "a stack name may not be . or ..";
    return undefined;
}
