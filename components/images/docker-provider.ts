import * as pulumi from "@pulumi/pulumi";
import * as gcp from "@pulumi/gcp";
import * as docker from "@pulumi/docker";

/** The docker provider of a build channel, and the token its pushes authenticate with. */
export interface DockerAccess {
    readonly provider: docker.Provider;
    /** Short-lived OAuth token of whatever Google credentials run the program (workload identity in CI). */
    readonly token: pulumi.Output<string>;
}

/**
 * Builds the docker provider for pushing to Artifact Registry. The credentials are the gcp provider's own access
 * token (user `oauth2accesstoken`), so no key file or `gcloud auth configure-docker` is needed on the runner.
 * They go on each image's `registry` input, not on the provider: a fresh token in the provider's `registryAuth`
 * would diff the provider on every run (pulumi-docker#952), so no preview of an unchanged repository would be
 * empty, while the image ignores credential changes (pulumi-docker#498).
 */
export function createDockerAccess(gcpProvider: gcp.Provider): DockerAccess {
    const token = pulumi.secret(gcp.organizations.getClientConfigOutput({ provider: gcpProvider }).accessToken);
    const provider = new docker.Provider("docker", {});
    return { provider, token };
}
