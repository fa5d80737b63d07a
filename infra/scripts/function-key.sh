#!/usr/bin/env bash
# Gives the voice service the Function app key it presents to POST /api/workflows/callbacks/{id}: a host function key
# named "voice" (created once), copied into Key Vault as workflow-function-key. The voice service reads the secret with
# its managed identity when it first schedules a callback, and again after a 401, so re-running this script after
# `az functionapp keys set ... --key-name voice` (rotation) needs no voice restart. The key is never printed.
# Inputs (azd exports them after provisioning; the deploy workflow sets them from the Bicep outputs):
#   AZURE_RESOURCE_GROUP, AZURE_FUNCTION_APP_NAME, AZURE_KEY_VAULT_NAME.
set -euo pipefail

: "${AZURE_RESOURCE_GROUP:?}" "${AZURE_FUNCTION_APP_NAME:?}" "${AZURE_KEY_VAULT_NAME:?}"
KEY_NAME="${ARCHER_FUNCTION_KEY_NAME:-voice}"
SECRET_NAME="workflow-function-key"

key="$(az functionapp keys list --resource-group "$AZURE_RESOURCE_GROUP" --name "$AZURE_FUNCTION_APP_NAME" \
  --query "functionKeys.${KEY_NAME}" --output tsv)"
if [ -z "$key" ]; then
  key="$(az functionapp keys set --resource-group "$AZURE_RESOURCE_GROUP" --name "$AZURE_FUNCTION_APP_NAME" \
    --key-type functionKeys --key-name "$KEY_NAME" --query value --output tsv)"
fi
current="$(az keyvault secret show --vault-name "$AZURE_KEY_VAULT_NAME" --name "$SECRET_NAME" \
  --query value --output tsv 2>/dev/null || true)"
if [ "$current" != "$key" ]; then
  az keyvault secret set --vault-name "$AZURE_KEY_VAULT_NAME" --name "$SECRET_NAME" --value "$key" --output none
  echo "function key '${KEY_NAME}' stored in Key Vault secret ${SECRET_NAME}"
else
  echo "Key Vault secret ${SECRET_NAME} is current"
fi
