/** Airflow on Cloud Composer: the environment, its PyPI packages, and the DAG/plugin files in its bucket. */
export {
    ComposerEnvironment,
    type ComposerEnvironmentArgs,
    bucketOfDagGcsPrefix,
    composerImportId,
    COMPOSER_OPERATION_MINUTES,
} from "./environment";
export { DagSync, type DagSyncArgs } from "./dag-sync";
export { listDagFiles, type DagFile, type DagFolder } from "./dag-files";
export { parseRequirements, normalizePackageName } from "./requirements";
export {
    compareComposerSoftware,
    composerSoftwareOfInputs,
    type ComposerSoftware,
    type ComposerSoftwareChange,
} from "./software";
