import { strict as assert } from "node:assert";
import { importWarnings } from "../../tools/import-channel/checks";

describe("import-channel warnings", () => {
    const releases = [
        {
            name: "metabase",
            driver: "helm",
            chart: "kubernetes/apps/charts/metabase",
            valuesFiles: ["v/metabase.yaml", "v/here.yaml"],
        },
        {
            name: "ingress",
            driver: "helm",
            chart: "ingress-nginx",
            repo: "https://kubernetes.github.io/ingress-nginx",
            version: "4.11.3",
        },
        { name: "archiver", driver: "kustomize", kustomizeDir: "k/archiver" },
    ];
    const here = new Set(["v/here.yaml"]);

    it("flags charts, values files and kustomize folders missing from the tree, suggesting repo + version", () => {
        // GIVEN a converted channel whose metabase chart and one values file stayed in the legacy repository
        const warnings = importWarnings({ releases, exists: (p) => here.has(p) });
        // THEN each missing path is named; a remote chart (repo) is never looked up on disk
        assert.deepEqual(warnings, [
            "calitp.releases[0] (metabase).helm_chart: chart kubernetes/apps/charts/metabase is not in this repository (hologit vendored it); vendor it under charts/, or for a third-party chart set chart: <name>, repo: <helm repository URL>, version: <exact version>",
            "calitp.releases[0] (metabase).helm_values: values file v/metabase.yaml is not in this repository; copy it (kubernetes/values/)",
            "calitp.releases[2] (archiver).kustomize_dir: k/archiver is not in this repository; copy the overlay and its bases",
        ]);
    });

    it("warns when the legacy channel is not the target stack", () => {
        assert.deepEqual(
            importWarnings({
                legacyChannel: "prod",
                stack: "test",
                releases: [],
                exists: () => true,
            }),
            [
                'calitp.channel: the legacy channel is "prod" but --stack is "test"; its values files and secrets are prod\'s (got prod)',
            ],
        );
        assert.deepEqual(
            importWarnings({
                legacyChannel: "prod",
                stack: "prod",
                releases: [],
                exists: () => true,
            }),
            [],
        );
    });
});
