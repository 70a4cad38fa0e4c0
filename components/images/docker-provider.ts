import * as pulumi from "@pulumi/pulumi";
import * as gcp from "@pulumi/gcp";
import * as docker from "@pulumi/docker";
import { registryHost } from "./images";

/** The docker provider of a build channel, and the token its pushes authenticate with. */
export interface DockerAccess {
    readonly provider: docker.Provider;
    /** Short-lived OAuth token of whatever Google credentials run the program (workload identity in CI). */
    readonly token: pulumi.Output<string>;
}

/**
 * Builds the docker provider for pushing to Artifact Registry in `location`. The credentials are the gcp
 * provider's own access token (user `oauth2accesstoken`), so no key file or `gcloud auth configure-docker` is
 * needed on the runner.
 */
export function createDockerAccess(gcpProvider: gcp.Provider, location: string): DockerAccess {
    const token = pulumi.secret(gcp.organizations.getClientConfigOutput({ provider: gcpProvider }).accessToken);
    const provider = new docker.Provider("docker", {
        registryAuth: [{ address: registryHost(location), username: "oauth2accesstoken", password: token }],
    });
    return { provider, token };
}
