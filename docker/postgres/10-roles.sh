#!/bin/sh
# The database container's first start (an empty volume): the portal's owner and app roles
# and its database, by partnership/db_roles.sql, the same provisioning the launcher runs.
# It is idempotent; to run it again on a volume made before (passwords changed, say):
#   docker compose exec db sh /docker-entrypoint-initdb.d/10-roles.sh
set -eu
PARTNERSHIP_OWNER_PASSWORD="${POSTGRES_OWNER_PASSWORD:?}" \
PARTNERSHIP_APP_PASSWORD="${POSTGRES_APP_PASSWORD:?}" \
psql -X -q -v ON_ERROR_STOP=1 --username "${POSTGRES_USER:-postgres}" --dbname postgres \
    -v owner="${DATABASE_OWNER_ROLE:-partnership_owner}" \
    -v app="${DATABASE_APP_ROLE:-partnership_app}" \
    -v database="${DATABASE_NAME:-partnership}" \
    -f /etc/partnership/db_roles.sql
