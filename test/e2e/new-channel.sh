#!/usr/bin/env bash
# The done-when of `npm run new-channel`, end to end in a scratch copy of the working tree:
#   new-channel staging --from test, then `npm run plan` and `npm test` pass with no hand edits, and the staging plan
#   names no test-channel value (besides the promotion chain: the StackReference its image digests come from and
#   the upstream's required "deploy (test)" and "airflow-health (test)" checks);
#   an unedited copy of Pulumi.test.yaml fails the all-channel plan.
# Run by `npm run test:new-channel` (minutes: it runs the whole `npm test` once more); .ci/run runs it.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
scratch="$(mktemp -d "${TMPDIR:-/tmp}/new-channel-e2e.XXXXXX")"
trap 'rm -rf "$scratch"' EXIT
(cd "$root" && git ls-files -co --exclude-standard -z | tar --null -cf - -T -) | tar -xf - -C "$scratch"
ln -s "$root/node_modules" "$scratch/node_modules"
cd "$scratch"
git init -q && git add -A && git -c user.name=e2e -c user.email=e2e@invalid commit -qm scratch

npm run --silent new-channel -- staging --from test
npm run --silent plan > plan.txt
awk '/^Stack staging /{on=1} /^Stack test /{on=0} on' plan.txt > staging.txt
if grep -nw test staging.txt | grep -v 'organization/data-infra/test' | grep -v 'deploy (test' | grep -v 'airflow-health (test)'; then
    echo "FAIL: the staging plan names test-channel values (above)" >&2
    exit 1
fi
npm test
rm plan.txt staging.txt

git stash -u -q
cp Pulumi.test.yaml Pulumi.copy.yaml
if npm run --silent plan > /dev/null 2> clash.txt; then
    echo "FAIL: an unedited copy of Pulumi.test.yaml planned cleanly" >&2
    exit 1
fi
grep -q "declares the same Composer environment" clash.txt
echo "new-channel end to end: ok"
