#!/bin/sh
# Dumps $PGDATABASE (libpq PG* variables) and uploads it, gzipped, to gs://$BACKUP_BUCKET/$BACKUP_PREFIX/.
# Authenticates with the pod's Workload Identity token from the metadata server; holds nothing on disk.
set -eu
: "${BACKUP_BUCKET:?BACKUP_BUCKET is required}"
prefix="${BACKUP_PREFIX:-postgresql-backup}"
object="${prefix%/}/${PGDATABASE}-$(date -u +%Y%m%dT%H%M%SZ).dump.gz"

token=$(curl -sf -H "Metadata-Flavor: Google" \
    "http://metadata.google.internal/computeMetadata/v1/instance/service-accounts/default/token" |
    sed -n 's/.*"access_token" *: *"\([^"]*\)".*/\1/p')
[ -n "$token" ] || { echo "no access token from the metadata server" >&2; exit 1; }

echo "dumping ${PGDATABASE} from ${PGHOST} to gs://${BACKUP_BUCKET}/${object}"
# pipefail is not POSIX: check pg_dump's status through a marker file instead.
status=/tmp/pg_dump.status
{ pg_dump --format=custom --no-owner --no-privileges; echo $? >"$status"; } | gzip -c |
    curl -sf -X PUT -T - -H "Authorization: Bearer ${token}" -H "Content-Type: application/gzip" \
        "https://storage.googleapis.com/${BACKUP_BUCKET}/${object}"
[ "$(cat "$status")" = 0 ] || { echo "pg_dump failed" >&2; exit 1; }
echo "done"
