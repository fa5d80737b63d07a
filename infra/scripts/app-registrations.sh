#!/usr/bin/env bash
# Fallback when the deployer may not create app registrations through Bicep (createAppRegistrations=false): someone
# with Application Administrator runs this once per environment, then `azd env set` the printed values.
# Creates the API app (app roles Archer.Viewer / Archer.Supervisor / Archer.Admin, scope access_as_user) and the SPA.
# Usage: infra/scripts/app-registrations.sh <name-prefix> <static web app https origin>
set -euo pipefail
prefix="${1:?name prefix, e.g. archer-prod}"; spa_origin="${2:?https origin of the Static Web App}"
scope_id="$(python3 -c 'import uuid; print(uuid.uuid4())')"
roles="$(python3 - <<'PY'
import json, uuid
print(json.dumps([{"allowedMemberTypes": ["User"], "description": d, "displayName": n, "id": str(uuid.uuid4()),
                   "isEnabled": True, "value": v} for v, n, d in (
    ("Archer.Viewer", "Viewer", "Read with personal data masked."),
    ("Archer.Supervisor", "Supervisor", "Viewer, plus calls, simulations, campaigns, callbacks."),
    ("Archer.Admin", "Admin", "Supervisor, plus tactics, policies, customers, do-not-call list."))]))
PY
)"
api_id="$(az ad app create --display-name "Archer API (${prefix})" --sign-in-audience AzureADMyOrg \
  --identifier-uris "api://${prefix}-api" --app-roles "$roles" --query appId -o tsv)"
az ad app update --id "$api_id" --set "api={\"requestedAccessTokenVersion\":2,\"oauth2PermissionScopes\":[{\"id\":\"${scope_id}\",\"value\":\"access_as_user\",\"type\":\"User\",\"isEnabled\":true,\"adminConsentDisplayName\":\"Use the Archer admin API\",\"adminConsentDescription\":\"Lets the Archer console call the admin API as the signed-in user.\"}]}"
az ad sp create --id "$api_id" --output none
spa_id="$(az ad app create --display-name "Archer console (${prefix})" --sign-in-audience AzureADMyOrg \
  --query appId -o tsv)"
az ad app update --id "$spa_id" --set "spa={\"redirectUris\":[\"${spa_origin}\"]}"
az ad sp create --id "$spa_id" --output none
echo "azd env set AUTH_AUDIENCE ${api_id}"
echo "azd env set VITE_ENTRA_CLIENT_ID ${spa_id}"
echo "azd env set VITE_API_SCOPE api://${prefix}-api/access_as_user"
