/**
 * data-infra-bootstrap: what one GCP project needs before its channel stacks can deploy from CI. Composition only:
 * config → explicit provider → components → the outputs `bootstrap/write-config.ts` copies into the channel stacks.
 */
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import * as gcp from "@pulumi/gcp";
import { parseBootstrapConfig } from "./config";
import { channelsInProject } from "./channels";
import { StateBackend } from "./state-backend";
import { CiIdentity } from "./ci-identity";

const cfg = parseBootstrapConfig(pulumi.getStack(), pulumi.runtime.allConfig());
// The channel list is the main project's stack files, one directory up.
const served = channelsInProject(path.resolve(__dirname, ".."), cfg.project);

const provider = new gcp.Provider("gcp", {
    project: cfg.project,
    region: cfg.location,
    defaultLabels: { "managed-by": "pulumi", "pulumi-project": "data-infra-bootstrap" },
});

const state = new StateBackend(
    "state",
    { project: cfg.project, location: cfg.location, keepNoncurrentVersions: cfg.keepNoncurrentVersions },
    { provider },
);
const identity = new CiIdentity(
    "ci",
    {
        project: cfg.project,
        projectNumber: cfg.projectNumber,
        repository: served.repository,
        channels: served.channels,
        buildChannels: cfg.buildChannels,
        stateBucket: state.bucket,
        keyId: state.keyId,
    },
    { provider },
);

export const backendUrl = state.backendUrl;
export const secretsProvider = state.secretsProvider;
export const workloadIdentityProvider = identity.workloadIdentityProvider;
/** Per channel: `{deployServiceAccount, previewServiceAccount}`. */
export const channels = identity.channels;
