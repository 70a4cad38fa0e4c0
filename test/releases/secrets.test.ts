import { strict as assert } from "node:assert";
import * as pulumi from "@pulumi/pulumi";
import { secretArgs, secretContent, secretSource } from "../../components/releases/secrets";
import type { SecretRef } from "../../components/releases/types";

const MANIFEST = `apiVersion: v1
kind: Secret
metadata:
  name: gtfs-feed-secrets
  namespace: gtfs-rt-v3
type: kubernetes.io/basic-auth
data:
  password: aHVudGVyMg==
stringData:
  username: feeder
`;

/** Resolves an output's value (tests only; outputs here are known). */
const value = <T>(o: pulumi.Output<T>) => new Promise<T>((resolve) => o.apply((v) => resolve(v)));

describe("Secret Manager secrets", () => {
    it("reads the legacy payload: a whole Secret manifest", () => {
        assert.deepEqual(secretContent({ secret: "s", format: "manifest" }, MANIFEST), {
            name: "gtfs-feed-secrets",
            namespace: "gtfs-rt-v3",
            type: "kubernetes.io/basic-auth",
            data: { password: "aHVudGVyMg==" },
            stringData: { username: "feeder" },
        });
        // A name in config replaces the manifest's, so the plan can show it.
        assert.equal(secretContent({ secret: "s", format: "manifest", name: "feed" }, MANIFEST).name, "feed");
    });

    it("reads the structured forms: one value under a key, or a map of keys", () => {
        assert.deepEqual(
            secretContent({ secret: "s", format: "value", name: "db", key: "password" }, "hunter2"),
            {
                name: "db",
                type: "Opaque",
                stringData: { password: "hunter2" },
            },
        );
        assert.deepEqual(
            secretContent({ secret: "s", format: "map", name: "db", type: "t" }, '{"b": 2, "a": "x"}'),
            {
                name: "db",
                type: "t",
                stringData: { a: "x", b: "2" },
            },
        );
    });

    const failing: Array<[string, SecretRef, string, RegExp]> = [
        [
            "a manifest has no name",
            { secret: "s", format: "manifest" },
            "kind: Secret\ndata: {}\n",
            /no metadata.name/,
        ],
        [
            "a payload is not a map",
            { secret: "s", format: "map", name: "n" },
            "hunter2",
            /must be a YAML\/JSON map/,
        ],
        [
            "a manifest is not a Secret",
            { secret: "s", format: "manifest" },
            "kind: ConfigMap\n",
            /not a Secret manifest/,
        ],
    ];
    for (const [what, ref, payload, message] of failing) {
        it(`fails when ${what}, without showing the payload`, () => {
            assert.throws(
                () => secretContent(ref, payload),
                (e: Error) =>
                    message.test(e.message) &&
                    e.message.startsWith("Secret Manager secret s:") &&
                    !e.message.includes("hunter2"),
            );
        });
    }

    it("keeps the data a Pulumi secret and only the name, namespace and type plain", async () => {
        const args = secretArgs({ secret: "s", format: "manifest" }, pulumi.output(MANIFEST), "metabase");
        const data = args.data as pulumi.Output<unknown>;
        const stringData = args.stringData as pulumi.Output<unknown>;
        const meta = args.metadata as { name: pulumi.Output<string>; namespace: string };
        assert.equal(await pulumi.isSecret(data), true);
        assert.equal(await pulumi.isSecret(stringData), true);
        assert.equal(await pulumi.isSecret(meta.name), false);
        assert.equal(await value(meta.name), "gtfs-feed-secrets");
        assert.equal(meta.namespace, "metabase", "the release namespace wins over the manifest's");
        assert.deepEqual(await value(data), { password: "aHVudGVyMg==" });
    });
});

describe("secretSource", () => {
    it("names the Secret Manager secret and its pinned version, or latest", () => {
        assert.equal(secretSource({ secret: "metabase-db", version: "7" }), "metabase-db@7");
        assert.equal(secretSource({ secret: "metabase-db" }), "metabase-db@latest");
    });
});
