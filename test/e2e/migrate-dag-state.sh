#!/usr/bin/env bash
# `npm run migrate-dag-state` against the real Pulumi CLI and a file:// backend (npm run test:migrate-dag-state):
#   a stack holding the per-file design (Stack, gcp provider, DagSync with four BucketObjects, one object of the
#   stack's own) is imported, exported, migrated and imported again; the CLI accepts the result, which holds exactly
#   the four resources besides the DAG objects; a second run forgets nothing; with a resource depending on a DAG
#   object the tool refuses and prints nothing, and the CLI itself rejects the state the tool refused to write.
# Uses the engine tier's CLI (test/engine/build.sh: found, or built once and cached; or PULUMI_BIN_DIR); no provider
# plugin runs.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
bin="${PULUMI_BIN_DIR:-$(bash "$root/test/engine/build.sh")}"
[[ -x "$bin/pulumi" ]] || { echo "no pulumi in $bin" >&2; exit 1; }
scratch="$(mktemp -d "${TMPDIR:-/tmp}/migrate-dag-state-e2e.XXXXXX")"
trap 'rm -rf "$scratch"' EXIT
cd "$scratch"
export PATH="$bin:$PATH" PULUMI_HOME="$scratch/home" PULUMI_BACKEND_URL="file://$scratch/state"
export PULUMI_CONFIG_PASSPHRASE=e2e PULUMI_SKIP_UPDATE_CHECK=true PULUMI_DIY_BACKEND_NO_LEGACY_WARNING=true
mkdir -p state
printf 'name: data-infra\nruntime: nodejs\n' > Pulumi.yaml
migrate() { (cd "$root" && npm run --silent migrate-dag-state); }
fail() { echo "FAIL: $*" >&2; exit 1; }

pulumi stack init prod --secrets-provider passphrase > /dev/null
pulumi stack export > empty.json
node - << 'JS'
const fs = require("node:fs");
const d = JSON.parse(fs.readFileSync("empty.json", "utf8"));
const S = "urn:pulumi:prod::data-infra::pulumi:pulumi:Stack::data-infra-prod";
const P = "urn:pulumi:prod::data-infra::pulumi:providers:gcp::gcp";
const PID = "0b2f6c0e-1111-4222-8333-944455556666";
const D = "urn:pulumi:prod::data-infra::data-infra:airflow:DagSync::dags";
const T = "gcp:storage/bucketObject:BucketObject";
const obj = (name, parent = D) => ({
    urn: `${parent === D ? "urn:pulumi:prod::data-infra::data-infra:airflow:DagSync$" : "urn:pulumi:prod::data-infra::"}${T}::${name}`,
    custom: true,
    id: `bkt-${name}`,
    type: T,
    inputs: { bucket: "bkt", name, sourceMd5hash: "abc==" },
    outputs: { bucket: "bkt", name, md5hash: "abc==" },
    parent,
    provider: `${P}::${PID}`,
});
const base = [
    { urn: S, custom: false, type: "pulumi:pulumi:Stack" },
    { urn: P, custom: true, id: PID, type: "pulumi:providers:gcp", inputs: { project: "p" }, outputs: { project: "p" }, parent: S },
    { urn: D, custom: false, type: "data-infra:airflow:DagSync", parent: S },
    ...["dags/a.py", "dags/b/b.py", "dags/c.yml", "plugins/p.py"].map((n) => obj(n)),
];
d.deployment.resources = [...base, obj("data/seed.csv", S)];
fs.writeFileSync("old.json", JSON.stringify(d, null, 4));
d.deployment.resources = [...base, { ...obj("data/seed.csv", S), dependencies: [base[3].urn] }];
fs.writeFileSync("old-dependant.json", JSON.stringify(d, null, 4));
JS
types() { node -e 'for (const r of JSON.parse(require("fs").readFileSync(0,"utf8")).deployment.resources) console.log(r.urn.split("::").slice(-2).join("::"))'; }

pulumi stack import --file old.json > /dev/null
pulumi stack export > before.json
migrate < before.json > after.json 2> log.txt
grep -qx "migrate-dag-state: forgot 4 per-file DAG object(s) in state; no object in the bucket is touched" log.txt ||
    fail "unexpected message: $(cat log.txt)"
pulumi stack import --file after.json > /dev/null || fail "the CLI refused the migrated state"
pulumi stack export | types > kept.txt
printf '%s\n' "pulumi:pulumi:Stack::data-infra-prod" "pulumi:providers:gcp::gcp" \
    "data-infra:airflow:DagSync::dags" "$(printf 'gcp:storage/bucketObject:BucketObject::data/seed.csv')" > want.txt
diff want.txt kept.txt || fail "the imported state holds other resources than expected (above)"
pulumi stack export | migrate > again.json 2> log.txt
grep -q "forgot 0 per-file" log.txt || fail "a second run changed something: $(cat log.txt)"

pulumi stack import --file old-dependant.json > /dev/null
pulumi stack export > before.json
if migrate < before.json > refused.json 2> log.txt; then fail "migrated a state where a resource depends on a DAG object"; fi
[[ ! -s refused.json ]] || fail "printed state although it refused"
grep -q "dependencies names a per-file DAG object" log.txt || fail "unexpected refusal: $(cat log.txt)"
# What the refusal protects against: the same edit without it is a state the CLI will not import.
node -e 'const d=JSON.parse(require("fs").readFileSync(0,"utf8")); d.deployment.resources=d.deployment.resources.filter((r)=>!(r.type.endsWith("BucketObject")&&(r.parent||"").endsWith("DagSync::dags"))); console.log(JSON.stringify(d))' < before.json > dangling.json
if pulumi stack import --file dangling.json > /dev/null 2> log.txt; then fail "the CLI imported a dangling dependency"; fi
grep -q "refers to missing resource" log.txt || fail "unexpected CLI error: $(cat log.txt)"
echo "migrate-dag-state e2e: ok ($(pulumi version))"
