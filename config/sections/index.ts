import { clusterSection } from "./cluster";
import { gcpSection } from "./gcp";
import { githubSection } from "./github";
import { policySection } from "../../policy/config";

/**
 * Every top-level config key, by name (`data-infra:<name>`). Adding a capability adds one line here and one
 * declaration in `Pulumi.yaml`; renaming a key breaks every user's stack file, so don't.
 */
export const sections = {
    gcp: gcpSection,
    cluster: clusterSection,
    github: githubSection,
    policy: policySection,
} as const;
