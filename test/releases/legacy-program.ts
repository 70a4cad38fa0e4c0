/**
 * A program like index.ts whose release paths are relative to the legacy fixture tree
 * (test/fixtures/legacy-channel), so a converted legacy channel file plans with the paths it names.
 */
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { engineSecretKeys, parseStackConfig } from "../../config";
import { createProviders } from "../../components/platform/providers";
import { Releases } from "../../components/releases/releases";

export const LEGACY_ROOT = path.resolve(__dirname, "..", "fixtures", "legacy-channel");

const engineConfig = pulumi.runtime.allConfig();
const cfg = parseStackConfig(pulumi.getStack(), engineConfig, engineSecretKeys(engineConfig));
const providers = createProviders(cfg);
const releases = new Releases(
    "releases",
    { releases: cfg.releases, rootDir: LEGACY_ROOT },
    { providers: [providers.k8s, providers.gcp] },
);
export const helmReleases = releases.helmReleases;
