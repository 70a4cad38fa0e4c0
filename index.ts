/**
 * data-infra: the data platform of one release channel (this stack). Composition only: load the typed config once,
 * build explicit providers, create the components, export what other stacks and people need.
 */
import * as pulumi from "@pulumi/pulumi";
import { parseStackConfig, engineSecretKeys } from "./config";
import { createProviders } from "./components/platform/providers";

const engineConfig = pulumi.runtime.allConfig();
const cfg = parseStackConfig(pulumi.getStack(), engineConfig, engineSecretKeys(engineConfig));
const providers = createProviders(cfg);

export const channel = cfg.stack;
export const gcpProject = providers.gcp.project;
