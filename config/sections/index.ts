import { adoptSection } from "./adopt";
import { clusterSection } from "./cluster";
import { composerSection } from "./composer";
import { dagsSection } from "./dags";
import { gcpSection } from "./gcp";
import { githubSection } from "./github";
import { imagesSection } from "./images";
import { releasesSection } from "./releases";
import { policySection } from "./policy";

/**
 * Every top-level config key, by name (`data-infra:<name>`). Adding a capability adds one line here and one
 * declaration in `Pulumi.yaml`; renaming a key breaks every user's stack file, so don't.
 */
export const sections = {
    gcp: gcpSection,
    cluster: clusterSection,
    github: githubSection,
    composer: composerSection,
    dags: dagsSection,
    releases: releasesSection,
    images: imagesSection,
    policy: policySection,
    adopt: adoptSection,
} as const;
