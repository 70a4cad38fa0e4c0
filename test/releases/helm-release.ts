import type { HelmReleaseConfig } from "../../components/releases/types";

/** A Helm release as the config loader returns it (every default filled), with `over` replacing fields. */
export const helm = (over: Partial<HelmReleaseConfig> = {}): HelmReleaseConfig => ({
    name: "app",
    driver: "helm",
    namespace: "apps",
    helmName: "app",
    chart: "charts/app",
    valuesFiles: [],
    values: {},
    images: {},
    atomic: true,
    cleanupOnFail: true,
    timeoutSeconds: 600,
    secrets: [],
    dependsOn: [],
    ...over,
});
