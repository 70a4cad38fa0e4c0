import { strict as assert } from "node:assert";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { formatProblem } from "../../lib/problems";
import { DEFAULT_DAG_EXCLUDES } from "../../config/sections/dags";
import { contentTypeOf, gcsObjectNameProblem, globProblem, listDagFiles } from "../../components/airflow/dag-files";
import { REPO_ROOT } from "../harness";

const ROOT = path.join(REPO_ROOT, ".tmp", `dag-files-test-${process.pid}`);
let n = 0;

/** A fresh project folder under .tmp/ with these files (path → content); returns its path. */
function project(files: Record<string, string>): string {
    const dir = path.join(ROOT, String(n++));
    for (const [rel, content] of Object.entries(files)) {
        fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
        fs.writeFileSync(path.join(dir, rel), content);
    }
    return dir;
}

const FOLDERS = [
    { source: "airflow/dags", prefix: "dags/" },
    { source: "airflow/plugins", prefix: "plugins/" },
];
const list = (projectDir: string, extra: object = {}) =>
    listDagFiles({ projectDir, folders: FOLDERS, exclude: DEFAULT_DAG_EXCLUDES, ...extra });
const problems = (projectDir: string, extra: object = {}) => list(projectDir, extra).problems.map(formatProblem);

describe("listDagFiles", () => {
    after(() => fs.rmSync(ROOT, { recursive: true, force: true }));

    it("maps every file to prefix + relative path, sorted, with MD5 and content type", () => {
        const dir = project({
            "airflow/dags/z.py": "z",
            "airflow/dags/gtfs/feeds.yml": "feeds: []\n",
            "airflow/dags/a.sql": "select 1",
            "airflow/plugins/p/__init__.py": "",
        });
        const { files, problems: found } = list(dir);
        assert.deepEqual(found, []);
        assert.deepEqual(
            files.map((f) => [f.objectName, f.displayPath, f.contentType, f.sizeBytes]),
            [
                ["dags/a.sql", "airflow/dags/a.sql", "application/sql", 8],
                ["dags/gtfs/feeds.yml", "airflow/dags/gtfs/feeds.yml", "application/yaml", 10],
                ["dags/z.py", "airflow/dags/z.py", "text/x-python", 1],
                ["plugins/p/__init__.py", "airflow/plugins/p/__init__.py", "text/x-python", 0],
            ],
        );
        assert.equal(files[2].md5, createHash("md5").update("z").digest("base64"));
        assert.equal(files[2].path, path.join(dir, "airflow/dags/z.py"));
    });

    it("skips __pycache__, *.pyc and hidden files and folders by default, but ships .airflowignore", () => {
        const dir = project({
            "airflow/dags/keep.py": "",
            "airflow/dags/__pycache__/keep.cpython-311.pyc": "",
            "airflow/dags/sub/stale.pyc": "",
            "airflow/dags/.airflowignore": "",
            "airflow/dags/.git/config": "",
            "airflow/plugins/.hidden/p.py": "",
        });
        assert.deepEqual(
            list(dir).files.map((f) => f.objectName),
            ["dags/.airflowignore", "dags/keep.py"],
        );
    });

    it("applies include globs and custom excludes", () => {
        const dir = project({
            "airflow/dags/a.py": "",
            "airflow/dags/b.yml": "",
            "airflow/dags/notes.md": "",
            "airflow/dags/tests/test_a.py": "",
            "airflow/plugins/p.py": "",
        });
        const r = list(dir, { include: ["**/*.py", "**/*.yml"], exclude: ["tests"] });
        assert.deepEqual(
            r.files.map((f) => f.objectName),
            ["dags/a.py", "dags/b.yml", "plugins/p.py"],
        );
    });

    it("follows symlinks that stay inside the folder", () => {
        const dir = project({ "airflow/dags/shared/util.py": "u" });
        fs.symlinkSync("shared/util.py", path.join(dir, "airflow/dags/util.py"));
        fs.symlinkSync("shared", path.join(dir, "airflow/dags/linked"));
        fs.symlinkSync("..", path.join(dir, "airflow/dags/shared/loop"));
        const r = list(dir, { folders: [FOLDERS[0]] });
        assert.deepEqual(r.problems, []);
        assert.deepEqual(
            r.files.map((f) => f.objectName),
            ["dags/linked/util.py", "dags/shared/util.py", "dags/util.py"],
        );
    });

    // Each bad input, with the message naming the path.
    it("fails when a source folder is missing", () => {
        const dir = project({ "airflow/dags/a.py": "" });
        assert.deepEqual(problems(dir), ["airflow/plugins: source folder does not exist"]);
    });

    it("fails when a symlink leaves the source folder", () => {
        const dir = project({ "airflow/dags/a.py": "", "airflow/plugins/p.py": "", "secrets/key.json": "{}" });
        fs.symlinkSync("../../secrets/key.json", path.join(dir, "airflow/dags/key.json"));
        fs.symlinkSync("../../secrets", path.join(dir, "airflow/plugins/secrets"));
        fs.symlinkSync("nowhere.py", path.join(dir, "airflow/plugins/broken.py"));
        assert.deepEqual(problems(dir), [
            'airflow/dags/key.json: symlink leaves the source folder (got "secrets/key.json")',
            "airflow/plugins/broken.py: symlink target does not exist",
            'airflow/plugins/secrets: symlink leaves the source folder (got "secrets")',
        ]);
    });

    it("fails when a file is over the size limit", () => {
        const dir = project({ "airflow/dags/big.csv": "x".repeat(2048), "airflow/plugins/p.py": "" });
        assert.deepEqual(problems(dir, { maxFileSizeBytes: 1024 }), [
            "airflow/dags/big.csv: file is larger than the limit of 1024 bytes (maxFileSizeMiB) (got 2048)",
        ]);
    });

    it("fails when a file name is not a valid GCS object name", () => {
        const dir = project({
            "airflow/dags/what?.py": "",
            "airflow/dags/line\nbreak.py": "",
            "airflow/plugins/p.py": "",
        });
        assert.deepEqual(problems(dir), [
            'airflow/dags/line\nbreak.py: object name contains a control character or newline (got "dags/line\\nbreak.py")',
            'airflow/dags/what?.py: object name contains #, [, ], * or ?, which gcloud storage treats as wildcards (got "dags/what?.py")',
        ]);
    });

    it("fails when two folders produce the same object", () => {
        const dir = project({ "airflow/dags/a.py": "", "other/a.py": "" });
        const r = listDagFiles({
            projectDir: dir,
            folders: [
                { source: "airflow/dags", prefix: "dags/" },
                { source: "other", prefix: "dags/" },
            ],
        });
        assert.deepEqual(r.problems.map(formatProblem), ["other/a.py: same object dags/a.py as airflow/dags/a.py"]);
    });

    it("checks GCS object names and content types", () => {
        assert.equal(gcsObjectNameProblem("dags/ok-name_1.py"), undefined);
        assert.equal(gcsObjectNameProblem(`dags/${"é".repeat(600)}`), "object name is longer than 1024 bytes");
        assert.equal(gcsObjectNameProblem("dags/bad\uFFFD.py"), "file name is not valid UTF-8");
        assert.equal(gcsObjectNameProblem(".well-known/acme-challenge/x"), "object name is reserved by GCS");
        assert.equal(contentTypeOf("a/B.YAML"), "application/yaml");
        assert.equal(contentTypeOf("a/blob"), "application/octet-stream");
    });
});

describe("files Airflow itself reads, and names it sees as one", () => {
    // exclude globs → the problems for a tree with dags/.airflowignore
    const table: Array<[string, string[] | undefined, string[], string[]]> = [
        ["the defaults ship it", undefined, ["dags/.airflowignore", "dags/a.py", "plugins/p.py"], []],
        [
            "dags-airflowignore: **/.* drops it, loudly",
            ["**/.*"],
            ["dags/a.py", "plugins/p.py"],
            [
                'airflow/dags/.airflowignore: is excluded by "**/.*", so Composer never receives it and Airflow parses the files it lists as DAGs; keep it (exclude "**/.!(airflowignore)" instead) or exclude ".airflowignore" by name',
            ],
        ],
        ["excluded by name: a decision, no problem", ["**/.*", "**/.airflowignore"], ["dags/a.py", "plugins/p.py"], []],
        ["no exclude at all", [], ["dags/.airflowignore", "dags/a.py", "plugins/p.py"], []],
    ];
    for (const [what, exclude, objects, problems] of table) {
        it(what, () => {
            const dir = project({
                "airflow/dags/.airflowignore": "transform/lib/\n",
                "airflow/dags/a.py": "",
                "airflow/plugins/p.py": "",
            });
            const r = list(dir, exclude === undefined ? {} : { exclude });
            assert.deepEqual(
                [r.files.map((f) => f.objectName), r.problems.map(formatProblem)],
                [objects, problems],
            );
        });
    }

    it("fails on two names that differ only by Unicode normalization (NFC/NFD)", () => {
        const dir = project({ "airflow/dags/caf\u00e9.py": "a", "airflow/dags/cafe\u0301.py": "b", "airflow/plugins/p.py": "" });
        assert.deepEqual(list(dir).problems.map(formatProblem), [
            'airflow/dags/caf\u00e9.py: same name as airflow/dags/cafe\u0301.py after Unicode normalization (NFC); rename one of them (got "dags/caf\u00e9.py")',
        ]);
    });

    const globs: Array<[string, string | undefined]> = [
        ["**/*.py", undefined],
        ["**/.!(airflowignore)", undefined],
        ["[", 'not a valid glob: Missing closing: "]" - use "\\\\]" to match literal characters'],
        ["dags/[a-z", 'not a valid glob: Missing closing: "]" - use "\\\\]" to match literal characters'],
        ["dags/[ab].py", undefined],
    ];
    for (const [glob, problem] of globs) {
        it(`${problem ? "refuses" : "accepts"} the glob ${JSON.stringify(glob)}`, () => {
            assert.equal(globProblem(glob), problem);
        });
    }
});
