import { strict as assert } from "node:assert";
import { parseStackConfig } from "../../config";
import { ValidationError } from "../../lib/problems";
import {
    annotationsProblems,
    dataKeyProblem,
    dns1123LabelProblem,
    dns1123SubdomainProblem,
    labelsProblems,
    qualifiedNameProblem,
    secretKeysProblem,
    secretTypeProblem,
} from "../../components/releases/kubernetes-rules";
import { secretContent, SECRET_SOURCE_ANNOTATION } from "../../components/releases/secrets";
import { stackConfig } from "../harness";

const problemsOf = (secrets: unknown[]): string[] => {
    const releases = [
        { name: "app", driver: "helm", namespace: "apps", chart: "charts/web-service", secrets },
    ];
    try {
        parseStackConfig("test", stackConfig("test", { releases }).config);
        return [];
    } catch (e) {
        if (!(e instanceof ValidationError)) throw e;
        return e.problems.map(
            (p) => `${p.where}: ${p.what}${"got" in p ? ` (got ${JSON.stringify(p.got)})` : ""}`,
        );
    }
};
const AT = "data-infra:releases[0].secrets[0]";

describe("Kubernetes Secret types known offline (pkg/apis/core/validation ValidateSecret)", () => {
    // config entry → the problems the plan reports
    const table: Array<[string, Record<string, unknown>, string[]]> = [
        [
            "dockerconfigjson under .dockerconfigjson",
            { type: "kubernetes.io/dockerconfigjson", key: ".dockerconfigjson" },
            [],
        ],
        [
            "dockerconfigjson under config.json (case secret-dockerconfigjson-key)",
            { type: "kubernetes.io/dockerconfigjson", key: "config.json" },
            [
                `${AT}.key: a kubernetes.io/dockerconfigjson Secret keeps its payload under ".dockerconfigjson" (got "config.json")`,
            ],
        ],
        ["dockercfg under .dockercfg", { type: "kubernetes.io/dockercfg", key: ".dockercfg" }, []],
        [
            "dockercfg under another key",
            { type: "kubernetes.io/dockercfg", key: "dockercfg" },
            [
                `${AT}.key: a kubernetes.io/dockercfg Secret keeps its payload under ".dockercfg" (got "dockercfg")`,
            ],
        ],
        ["basic-auth password", { type: "kubernetes.io/basic-auth", key: "password" }, []],
        ["basic-auth username", { type: "kubernetes.io/basic-auth", key: "username" }, []],
        [
            "basic-auth under pass",
            { type: "kubernetes.io/basic-auth", key: "pass" },
            [
                `${AT}.key: a kubernetes.io/basic-auth Secret keeps its payload under "username" or "password" (got "pass")`,
            ],
        ],
        ["ssh-auth under ssh-privatekey", { type: "kubernetes.io/ssh-auth", key: "ssh-privatekey" }, []],
        [
            "ssh-auth under id_rsa",
            { type: "kubernetes.io/ssh-auth", key: "id_rsa" },
            [
                `${AT}.key: a kubernetes.io/ssh-auth Secret keeps its payload under "ssh-privatekey" (got "id_rsa")`,
            ],
        ],
        [
            "tls from one value (needs two keys)",
            { type: "kubernetes.io/tls", key: "tls.crt" },
            [
                `${AT}.key: a kubernetes.io/tls Secret needs the keys "tls.crt" and "tls.key" (missing "tls.key") (got "tls.crt")`,
            ],
        ],
        ["tls as a map (keys known only at deploy time)", { type: "kubernetes.io/tls" }, []],
        [
            "a typo'd built-in type",
            { type: "kubernetes.io/.dockerconfigjson", key: ".dockerconfigjson" },
            [
                `${AT}.type: unknown built-in Secret type; Kubernetes defines Opaque, kubernetes.io/service-account-token, kubernetes.io/dockercfg, kubernetes.io/dockerconfigjson, kubernetes.io/basic-auth, kubernetes.io/ssh-auth, kubernetes.io/tls, bootstrap.kubernetes.io/token (did you mean kubernetes.io/dockerconfigjson?) (got "kubernetes.io/.dockerconfigjson")`,
            ],
        ],
        [
            "an unknown type under k8s.io",
            { type: "k8s.io/tls", key: "x" },
            [
                `${AT}.type: unknown built-in Secret type; Kubernetes defines Opaque, kubernetes.io/service-account-token, kubernetes.io/dockercfg, kubernetes.io/dockerconfigjson, kubernetes.io/basic-auth, kubernetes.io/ssh-auth, kubernetes.io/tls, bootstrap.kubernetes.io/token (got "k8s.io/tls")`,
            ],
        ],
        ["a custom type", { type: "example.com/api-key", key: "token" }, []],
        [
            "a service-account token",
            { type: "kubernetes.io/service-account-token" },
            [
                `${AT}.type: a kubernetes.io/service-account-token Secret needs the kubernetes.io/service-account.name annotation, which data-infra does not set; let Kubernetes create service-account tokens (got "kubernetes.io/service-account-token")`,
            ],
        ],
        ["a data key that is ..", { key: ".." }, [`${AT}.key: must not be ".." (got "..")`]],
        [
            "a data key starting with ..",
            { key: "..data" },
            [`${AT}.key: must not start with '..' (got "..data")`],
        ],
    ];
    for (const [what, entry, expected] of table) {
        it(`${expected.length ? "fails on" : "accepts"} ${what}`, () => {
            assert.deepEqual(problemsOf([{ secret: "s", name: "s", ...entry }]), expected);
        });
    }

    // payload → the deploy-time answer for a map-format Secret, before the API server sees it
    it("checks payload keys at deploy time for map and manifest Secrets, naming keys but never values", () => {
        const ref = { secret: "tls-cert", name: "tls", format: "map", type: "kubernetes.io/tls" } as const;
        assert.throws(
            () => secretContent(ref, '{"tls.crt": "CERT-VALUE"}'),
            (e: Error) =>
                e.message ===
                    'Secret Manager secret tls-cert: a kubernetes.io/tls Secret needs the keys "tls.crt" and "tls.key" (missing "tls.key") (payload keys: tls.crt; type kubernetes.io/tls)' &&
                !e.message.includes("CERT-VALUE"),
        );
        assert.doesNotThrow(() => secretContent(ref, '{"tls.crt": "c", "tls.key": "k"}'));
        const manifest = { secret: "m", format: "manifest" } as const;
        assert.throws(
            () =>
                secretContent(
                    manifest,
                    "kind: Secret\nmetadata: {name: x}\ntype: kubernetes.io/basic-auth\nstringData: {user: u}\n",
                ),
            /kubernetes.io\/basic-auth Secret keeps its payload under "username" or "password"/,
        );
    });

    it("has a rule for exactly the built-in types", () => {
        assert.equal(secretTypeProblem("Opaque"), undefined);
        assert.equal(secretKeysProblem("Opaque", []), undefined);
        assert.equal(secretKeysProblem("example.com/x", []), undefined);
    });
});

describe("Kubernetes name, label and annotation syntax (apimachinery/pkg/util/validation)", () => {
    const cases: Array<[string, (v: string) => string | undefined, string, boolean]> = [
        ["DNS label", dns1123LabelProblem, "metabase", true],
        ["DNS label", dns1123LabelProblem, "Metabase", false],
        ["DNS label", dns1123LabelProblem, "-a", false],
        ["DNS label", dns1123LabelProblem, "a".repeat(63), true],
        ["DNS label", dns1123LabelProblem, "a".repeat(64), false],
        ["DNS label", dns1123LabelProblem, "a.b", false],
        ["DNS subdomain", dns1123SubdomainProblem, "registry-pull.v1", true],
        ["DNS subdomain", dns1123SubdomainProblem, "a..b", false],
        ["DNS subdomain", dns1123SubdomainProblem, "a_b", false],
        ["DNS subdomain", dns1123SubdomainProblem, "a".repeat(254), false],
        ["qualified name", qualifiedNameProblem, SECRET_SOURCE_ANNOTATION, true],
        ["qualified name", qualifiedNameProblem, "app.kubernetes.io/name", true],
        ["qualified name", qualifiedNameProblem, "a/b/c", false],
        ["qualified name", qualifiedNameProblem, "/name", false],
        ["qualified name", qualifiedNameProblem, "Example.com/name", false],
        ["qualified name", qualifiedNameProblem, "name_", false],
        ["qualified name", qualifiedNameProblem, "a".repeat(64), false],
        ["data key", (v) => dataKeyProblem(v), "tls.crt", true],
        ["data key", (v) => dataKeyProblem(v), "a/b", false],
        ["data key", (v) => dataKeyProblem(v), ".", false],
    ];
    for (const [what, check, value, ok] of cases) {
        it(`${ok ? "accepts" : "rejects"} ${JSON.stringify(value.length > 20 ? `${value.slice(0, 8)}…(${value.length})` : value)} as a ${what}`, () => {
            assert.equal(check(value) === undefined, ok, check(value));
        });
    }

    it("checks label keys and values, and annotation keys and total size", () => {
        assert.deepEqual(labelsProblems({ channel: "test", "app.kubernetes.io/part-of": "data-infra" }), []);
        assert.deepEqual(labelsProblems({ "bad key": "x", ok: "-bad" }), [
            `label key "bad key": name part must consist of letters, digits, '-', '_' or '.', starting and ending with a letter or digit`,
            `label "ok" value: must be empty or letters, digits, '-', '_' or '.', starting and ending with a letter or digit`,
        ]);
        assert.deepEqual(annotationsProblems({ [SECRET_SOURCE_ANNOTATION]: "db@latest" }), []);
        assert.deepEqual(annotationsProblems({ big: "x".repeat(262142) }), [
            "annotations total 262145 bytes; at most 262144",
        ]);
    });
});
