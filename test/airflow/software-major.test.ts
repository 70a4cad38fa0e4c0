import { strict as assert } from "node:assert";
import { Problems, formatProblem } from "../../lib/problems";
import {
    checkSoftwareSettings,
    composerMajor,
    composerMajorChangeProblem,
} from "../../components/airflow/software";

describe("Composer majors (what the provider refuses)", () => {
    it("reads the major of every image version form", () => {
        assert.equal(composerMajor("composer-2.14.2-airflow-2.9.3"), 2);
        assert.equal(composerMajor("composer-3-airflow-2.10.5-build.36"), 3);
        assert.equal(composerMajor("composer-1.20.12-airflow-2.4.3"), 1);
        assert.equal(composerMajor("composer-latest-airflow-2.10.5"), undefined);
    });

    it("rejects Composer 1 images", () => {
        const problems = new Problems();
        checkSoftwareSettings({ imageVersion: "composer-1.20.12-airflow-2.4.3" }, (...p) => p.join("."), problems);
        assert.deepEqual(problems.list.map(formatProblem), [
            'imageVersion: Composer 1 is not supported: the environment sets fields Composer 1 lacks (environmentSize, workloadsConfig); use a composer-2 or composer-3 image (got "composer-1.20.12-airflow-2.4.3")',
        ]);
    });

    it("refuses a change of major, naming both versions and the migration to a second environment", () => {
        const problem = composerMajorChangeProblem("composer-2.14.2-airflow-2.9.3", "composer-3-airflow-2.10.5")!;
        assert.ok(problem.startsWith("imageVersion composer-2.14.2-airflow-2.9.3 → composer-3-airflow-2.10.5 changes Composer 2 to Composer 3"), problem);
        assert.match(problem, /upgrade to composer 3 is not yet supported/);
        assert.match(problem, /Migrate to a second environment instead/);
        assert.equal(composerMajorChangeProblem("composer-2.14.2-airflow-2.9.3", "composer-2.15.0-airflow-2.10.5"), undefined);
        assert.equal(composerMajorChangeProblem("composer-2.14.2-airflow-2.9.3", "composer-latest-airflow-2.10.5"), undefined);
    });
});
