import { strict as assert } from "node:assert";
import { execFileSync } from "node:child_process";
import { listDagFiles } from "../../components/airflow/dag-files";
import { REPO_ROOT } from "../harness";

describe("example airflow/ folder", () => {
    it("holds only Python files that parse", function () {
        const files = listDagFiles({
            projectDir: REPO_ROOT,
            folders: [
                { source: "airflow/dags", prefix: "dags/" },
                { source: "airflow/plugins", prefix: "plugins/" },
            ],
            include: ["**/*.py"],
        }).files.map((f) => f.path);
        assert.ok(files.length >= 4, "the example has DAGs and a plugin");
        // ast.parse checks syntax like py_compile, without writing __pycache__ into the repository.
        const check = "import ast, sys\nfor f in sys.argv[1:]: ast.parse(open(f).read(), f)";
        try {
            execFileSync("python3", ["-c", check, ...files], { stdio: "pipe" });
        } catch (e) {
            const err = e as { code?: string; stderr?: Buffer };
            if (err.code === "ENOENT") this.skip();
            assert.fail(`invalid Python: ${err.stderr}`);
        }
    });
});
