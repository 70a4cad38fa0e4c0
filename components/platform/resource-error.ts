import * as pulumi from "@pulumi/pulumi";
import { ValidationError, type Problems } from "../../lib/problems";

/**
 * Throws one `pulumi.ResourceError` listing every problem (the text of a {@link ValidationError}), if there are any.
 * Components call it in their constructor before creating a child, so the engine attributes the failure to the
 * component (its URN in `pulumi preview`) instead of reporting a bare program crash.
 */
export function throwIfInvalid(problems: Problems, title: string, resource: pulumi.Resource): void {
    if (!problems.empty)
        throw new pulumi.ResourceError(new ValidationError(title, problems.list).message, resource);
}
