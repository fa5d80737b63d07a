#!/usr/bin/env bash
# Runs `python -m shared.db.migrate` against the Azure PostgreSQL server as the signed-in Entra principal
# (azd user or CI service principal, made an Entra admin by postgres.bicep), then grants the app identity.
# Inputs (azd exports them after provisioning; the deploy workflow sets them from the Bicep outputs):
#   AZURE_RESOURCE_GROUP, POSTGRES_SERVER_NAME, POSTGRES_HOST, POSTGRES_DATABASE, POSTGRES_USER (app identity),
#   AZURE_PRINCIPAL_NAME (the Entra name of whoever runs this).
set -euo pipefail

: "${AZURE_RESOURCE_GROUP:?}" "${POSTGRES_SERVER_NAME:?}" "${POSTGRES_HOST:?}" "${POSTGRES_DATABASE:?}"
: "${POSTGRES_USER:?}" "${AZURE_PRINCIPAL_NAME:?set AZURE_PRINCIPAL_NAME (see infra/DEPLOY.md)}"
PYTHON="${PYTHON:-python}"

# The server admits Azure services only; open it to this machine for the duration of the migration.
rule="migrate-$(date +%s)"
ip="$(curl -fsS https://api.ipify.org)"
az postgres flexible-server firewall-rule create --resource-group "$AZURE_RESOURCE_GROUP" \
  --name "$POSTGRES_SERVER_NAME" --rule-name "$rule" --start-ip-address "$ip" --end-ip-address "$ip" \
  --output none
trap 'az postgres flexible-server firewall-rule delete --resource-group "$AZURE_RESOURCE_GROUP" \
  --name "$POSTGRES_SERVER_NAME" --rule-name "$rule" --yes --output none' EXIT

# Entra token as the password; user from PGUSER so a UPN's '@' needs no URL escaping.
PGPASSWORD="$(az account get-access-token --resource-type oss-rdbms --query accessToken --output tsv)"
export PGPASSWORD
export PGUSER="$AZURE_PRINCIPAL_NAME"
export DATABASE_URL="postgresql://${POSTGRES_HOST}:5432/${POSTGRES_DATABASE}?sslmode=require"
export ARCHER_ENV=production
unset AZURE_CLIENT_ID  # the app's identity is not available here; connect as the signed-in principal

"$PYTHON" -m shared.db.migrate

# Objects created above belong to the deploying principal: let the app identity use them (and future ones).
"$PYTHON" - <<'PY'
import os

import psycopg
from psycopg import sql

app = sql.Identifier(os.environ["POSTGRES_USER"])
statements = (
    "GRANT USAGE ON SCHEMA public TO {app}",
    "GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON ALL TABLES IN SCHEMA public TO {app}",
    "GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO {app}",
    "ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON TABLES TO {app}",
    "ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO {app}",
)
with psycopg.connect(os.environ["DATABASE_URL"], autocommit=True) as conn:
    for statement in statements:
        conn.execute(sql.SQL(statement).format(app=app))
print("migrations applied; privileges granted to", os.environ["POSTGRES_USER"])
PY
