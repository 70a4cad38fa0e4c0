/**
 * data-infra-bootstrap: what one GCP project needs before its channel stacks can deploy from CI. Composition only:
 * config → explicit provider → components → the outputs `bootstrap/write-config.ts` copies into the channel stacks.
 */
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import * as gcp from "@pulumi/gcp";
import { parseBootstrapConfig } from "./config";
import { channelsInProject, readChannelList } from "./channels";
import {
    backendUrl as stateBackendUrl,
    BOOTSTRAP_KEY,
    secretsKeyId,
    secretsProviderUri,
    StateBackend,
    stateBucketName,
} from "./state-backend";
import { CiIdentity } from "./ci-identity";
import { GOVERNANCE_KEY } from "./identity-rules";
import { releaseBranch } from "../components/github/naming";

const cfg = parseBootstrapConfig(pulumi.getStack(), pulumi.runtime.allConfig());
// The channel list is the main project's stack files, one directory up.
const list = readChannelList(path.resolve(__dirname, ".."));
const served = channelsInProject(list, cfg.project);
const stateAt = { project: cfg.stateProject, location: cfg.location };

const provider = new gcp.Provider("gcp", {
    project: cfg.project,
    region: cfg.location,
    defaultLabels: { "managed-by": "pulumi", "pulumi-project": "data-infra-bootstrap" },
});

// The one backend of all channels lives in the state project; the other projects' stacks only name it.
const state =
    cfg.stateProject === cfg.project
        ? new StateBackend(
              "state",
              {
                  project: cfg.project,
                  location: cfg.location,
                  channels: list.channels.map((c) => c.name),
                  keepNoncurrentVersions: cfg.keepNoncurrentVersions,
              },
              { provider },
          )
        : undefined;
const governing = list.channels.find((c) => c.managesDefaultBranch);
const keyIds = Object.fromEntries(
    list.channels.map((c) => [c.name, state?.keyIds[c.name] ?? secretsKeyId(stateAt, c.name)]),
);

const identity = new CiIdentity(
    "ci",
    {
        project: cfg.project,
        projectNumber: cfg.projectNumber,
        repositoryIds: list.repositoryIds,
        channels: served,
        buildChannels: cfg.buildChannels,
        stateBucket: stateBucketName(stateAt),
        keyIds,
        // The governance service account lives with the state it writes (the state project's stack only).
        ...(state && governing
            ? {
                  governance: {
                      governingBranch: releaseBranch(governing.name),
                      keyId: state.keyIds[GOVERNANCE_KEY],
                  },
              }
            : {}),
    },
    { provider, dependsOn: state ? [state] : [] },
);

export const backendUrl = stateBackendUrl(stateAt);
/** Secrets provider of the bootstrap stacks themselves (their state lives under `<backendUrl>/bootstrap`). */
export const bootstrapSecretsProvider = secretsProviderUri(stateAt, BOOTSTRAP_KEY);
export const workloadIdentityProvider = identity.workloadIdentityProvider;
/** Per channel served here: `{deployServiceAccount, previewServiceAccount, secretsProvider}`. */
export const channels = Object.fromEntries(
    served.map((c) => [
        c.name,
        { ...identity.accounts[c.name], secretsProvider: secretsProviderUri(stateAt, c.name) },
    ]),
);
/**
 * The governance jobs' settings (state project only): the github-admin environment's variables
 * GOVERNANCE_GCP_SERVICE_ACCOUNT (this), GOVERNANCE_GCP_WORKLOAD_IDENTITY_PROVIDER (`workloadIdentityProvider`) and
 * GOVERNANCE_PULUMI_BACKEND_URL (`backendUrl`), GOVERNANCE_ADMIN_KEY_SECRET (`adminKeySecret`: the Secret Manager
 * secret that holds the admin App's private key, readable by the governance service account only), and the secrets
 * provider of `pulumi stack init` in governance/.
 */
export const governance = identity.governanceServiceAccount
    ? {
          serviceAccount: identity.governanceServiceAccount,
          adminKeySecret: identity.adminKeySecret,
          secretsProvider: secretsProviderUri(stateAt, GOVERNANCE_KEY),
      }
    : undefined;
