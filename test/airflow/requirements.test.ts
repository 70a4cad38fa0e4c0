import { strict as assert } from "node:assert";
import { formatProblem } from "../../lib/problems";
import { normalizePackageName, parseRequirements } from "../../components/airflow/requirements";

/** Parses `files["req.txt"]` (and what it includes) from memory. */
function parse(files: Record<string, string>, entry = "req.txt") {
    const r = parseRequirements(entry, (f) => files[f]);
    return { packages: r.packages, problems: r.problems.map(formatProblem) };
}

describe("parseRequirements", () => {
    // Every accepted form: line → the map entry Composer receives.
    const accepted: Array<[string, string, Record<string, string>]> = [
        ["an exact pin", "requests==2.32.3", { requests: "==2.32.3" }],
        ["a bare name (any version)", "requests", { requests: "" }],
        ["a combined specifier, order kept", "platformdirs<3,>=2.5", { platformdirs: "<3,>=2.5" }],
        ["spaces inside a specifier", "pandas >= 2.1 , < 3", { pandas: ">=2.1,<3" }],
        ["a parenthesized specifier", "zope.interface (>=6.0)", { "zope-interface": ">=6.0" }],
        ["~=", "x~=1.4.2", { x: "~=1.4.2" }],
        ["!= with a wildcard", "x!=1.*", { x: "!=1.*" }],
        ["== with a wildcard", "x==2.*", { x: "==2.*" }],
        ["<=, >, <", "x<=2,>1,<1.9", { x: "<=2,>1,<1.9" }],
        ["=== arbitrary equality", "x===2.0-custom", { x: "===2.0-custom" }],
        ["pre/post/dev releases, lowercased", "x==1.0RC1", { x: "==1.0rc1" }],
        ["extras, lowercased, deduplicated and sorted", "Sentry-SDK[Flask, celery,celery]==2", { "sentry-sdk": "[celery,flask]==2" }],
        ["extras without a specifier", "apache-beam[gcp]", { "apache-beam": "[gcp]" }],
        ["PEP 503 normalization of the name", "Foo__Bar.baz==1", { "foo-bar-baz": "==1" }],
        ["an inline comment", "requests==2  # why", { requests: "==2" }],
        ["a # without whitespace before it stays part of the line", "x===a#b", { x: "===a#b" }],
        ["a backslash continuation", "requests\\\n    ==2.32.3", { requests: "==2.32.3" }],
        ["CRLF line ends", "a==1\r\nb==2\r\n", { a: "==1", b: "==2" }],
        ["comments and blank lines only", "# nothing\n\n   \n", {}],
    ];
    for (const [what, text, packages] of accepted) {
        it(`accepts ${what}`, () => {
            assert.deepEqual(parse({ "req.txt": text }), { packages, problems: [] });
        });
    }

    // Every rejection, with the line number the user sees (line 2: line 1 is always a valid package).
    const rejected: Array<[string, string, string]> = [
        [
            "a duplicate after normalization",
            "Requests==2",
            "req.txt:2: duplicate package requests (also at req.txt:1); names are compared after PEP 503 normalization (got \"Requests==2\")",
        ],
        [
            "an environment marker",
            "foo==1; python_version < '3.11'",
            "req.txt:2: environment markers (; ...) are not supported: Composer's PyPI map cannot express them (got \"foo==1; python_version < '3.11'\")",
        ],
        [
            "a direct URL reference",
            "foo @ https://example.com/foo-1.0.whl",
            'req.txt:2: direct URL references (name @ url) are not supported: Composer installs from PyPI (got "foo @ https://example.com/foo-1.0.whl")',
        ],
        [
            "a URL",
            "https://example.com/foo-1.0.tar.gz",
            'req.txt:2: URLs, VCS references and local paths are not supported: Composer installs from PyPI (got "https://example.com/foo-1.0.tar.gz")',
        ],
        [
            "a VCS reference",
            "git+https://github.com/org/repo@v1#egg=repo",
            'req.txt:2: URLs, VCS references and local paths are not supported: Composer installs from PyPI (got "git+https://github.com/org/repo@v1#egg=repo")',
        ],
        [
            "a local path",
            "./vendor/pkg",
            'req.txt:2: URLs, VCS references and local paths are not supported: Composer installs from PyPI (got "./vendor/pkg")',
        ],
        [
            "a local wheel",
            "dist/pkg-1.0-py3-none-any.whl",
            'req.txt:2: URLs, VCS references and local paths are not supported: Composer installs from PyPI (got "dist/pkg-1.0-py3-none-any.whl")',
        ],
        [
            "an editable install",
            "-e .",
            'req.txt:2: editable installs (-e) are not supported: Composer installs released packages (got "-e .")',
        ],
        [
            "a constraints file",
            "-c constraints.txt",
            "req.txt:2: constraint files (-c) are not supported: Composer's map has no constraints (got \"-c constraints.txt\")",
        ],
        [
            "an index option",
            "--index-url https://pypi.example.com/simple",
            "req.txt:2: pip options are not supported: Composer's map holds only packages (configure package indexes on the environment) (got \"--index-url https://pypi.example.com/simple\")",
        ],
        [
            "a per-requirement option",
            "foo==1 --hash=sha256:abcd",
            "req.txt:2: per-requirement options (e.g. --hash) are not supported by Composer's PyPI map (got \"foo==1 --hash=sha256:abcd\")",
        ],
        [
            "a malformed specifier",
            "foo=>1",
            'req.txt:2: malformed version specifier: expected PEP 440 clauses like ==1.2.3, >=2,<3, ~=1.4 (got "foo=>1")',
        ],
        [
            "~= with one release segment",
            "foo~=1",
            'req.txt:2: malformed version specifier: expected PEP 440 clauses like ==1.2.3, >=2,<3, ~=1.4 (got "foo~=1")',
        ],
        [
            "a version without operator",
            "foo 1.0",
            'req.txt:2: malformed version specifier: expected PEP 440 clauses like ==1.2.3, >=2,<3, ~=1.4 (got "foo 1.0")',
        ],
        [
            "a line that is no requirement",
            "==1.0",
            'req.txt:2: not a requirement: expected <name>[extras]<specifier>, e.g. pandas>=2.1,<3 (got "==1.0")',
        ],
        ["an invalid extra", "foo[a b]==1", 'req.txt:2: invalid extra name "a b" (got "foo[a b]==1")'],
    ];
    for (const [what, line, message] of rejected) {
        it(`fails on ${what}, naming file and line`, () => {
            assert.deepEqual(parse({ "req.txt": `requests==2.32.3\n${line}\n` }).problems, [message]);
        });
    }

    it("reports a continued line at its first line number", () => {
        const text = "a==1\nfoo\\\n  ==1; sys_platform == 'linux'\nb==2\n";
        assert.deepEqual(
            parse({ "req.txt": text }).problems.map((p) => p.split(": ")[0]),
            ["req.txt:2"],
        );
    });

    it("collects every problem of a file at once", () => {
        // GIVEN a duplicate, a marker and a URL WHEN parsed THEN all three are reported, in line order
        const text = "a==1\nA==2\nb; python_version<'3'\nhttps://x.org/c.zip\n";
        assert.deepEqual(
            parse({ "req.txt": text }).problems.map((p) => p.split(": ")[0]),
            ["req.txt:2", "req.txt:3", "req.txt:4"],
        );
    });

    it("follows -r includes relative to the including file", () => {
        const files = {
            "airflow/requirements.txt": "-r base/common.txt\nrequests==2\n",
            "airflow/base/common.txt": "--requirement=more.txt\nsix\n",
            "airflow/base/more.txt": "pyyaml==6.0.1\n",
        };
        assert.deepEqual(parse(files, "airflow/requirements.txt"), {
            packages: { pyyaml: "==6.0.1", requests: "==2", six: "" },
            problems: [],
        });
    });

    it("fails on include problems, naming the included file's lines", () => {
        const files = {
            "req.txt": "-r other.txt\n-r missing.txt\nsix\n",
            "other.txt": "SIX==1\n-r req.txt\n",
        };
        assert.deepEqual(parse(files).problems, [
            'other.txt:2: circular include of req.txt (got "-r req.txt")',
            "req.txt:2: included file missing.txt does not exist",
            'req.txt:3: duplicate package six (also at other.txt:1); names are compared after PEP 503 normalization (got "six")',
        ]);
    });

    // Paths stay inside the repository: nothing outside it is read, so nothing outside it is echoed.
    const outside: Array<[string, string, string]> = [
        ["a climbing include", "-r ../../etc/passwd", "airflow/requirements.txt:1: included file ../etc/passwd is outside the repository; keep requirements files inside it"],
        ["an absolute include", "-r /etc/passwd", "airflow/requirements.txt:1: included file /etc/passwd is outside the repository; keep requirements files inside it"],
        ["an include climbing out through a folder", "--requirement=x/../../../y.txt", "airflow/requirements.txt:1: included file ../y.txt is outside the repository; keep requirements files inside it"],
    ];
    for (const [what, line, message] of outside) {
        it(`fails on ${what} without reading it`, () => {
            const read: string[] = [];
            const r = parseRequirements("airflow/requirements.txt", (f) => {
                read.push(f);
                return f === "airflow/requirements.txt" ? `${line}\n` : "SECRET-LINE\n";
            });
            assert.deepEqual(r.problems.map(formatProblem), [message]);
            assert.deepEqual(read, ["airflow/requirements.txt"]);
        });
    }
    it("stays inside with an include that climbs back in", () => {
        const files = { "airflow/requirements.txt": "-r ../common/base.txt\n", "common/base.txt": "six==1\n" };
        assert.deepEqual(parse(files, "airflow/requirements.txt"), { packages: { six: "==1" }, problems: [] });
    });
    it("fails on a requirements file outside the repository", () => {
        assert.deepEqual(parse({}, "../req.txt").problems, ["../req.txt: requirements file is outside the repository"]);
    });
    it("reports a file-system fault as a problem and keeps collecting", () => {
        const r = parseRequirements("req.txt", (f) => {
            if (f === "dir.txt") throw Object.assign(new Error("EISDIR: illegal operation"), { code: "EISDIR" });
            return "-r dir.txt\nfoo=>1\n";
        });
        assert.deepEqual(r.problems.map(formatProblem), [
            "dir.txt: requirements file is a directory, not a file (EISDIR)",
            'req.txt:2: malformed version specifier: expected PEP 440 clauses like ==1.2.3, >=2,<3, ~=1.4 (got "foo=>1")',
        ]);
    });

    it("fails when the file does not exist", () => {
        assert.deepEqual(parse({}).problems, ["req.txt: requirements file does not exist"]);
    });

    it("renders byte-identical maps for the same packages in any order", () => {
        const a = parse({ "req.txt": "b==1\na==2\n" }).packages;
        const b = parse({ "req.txt": "# reordered\na==2\n\nb==1\n" }).packages;
        assert.equal(JSON.stringify(a), JSON.stringify(b));
        assert.equal(JSON.stringify(a), '{"a":"==2","b":"==1"}');
    });

    it("normalizes names per PEP 503", () => {
        assert.equal(normalizePackageName("Friendly-Bard"), "friendly-bard");
        assert.equal(normalizePackageName("FRIENDLY._-BARD"), "friendly-bard");
    });
});
