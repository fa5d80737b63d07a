#!/usr/bin/env bash
# Writes web/.env.production.local from the azd environment's VITE_* values (main.bicep outputs: API base URL, voice
# websocket URL, Entra tenant / SPA client id / API scope) so `npm run build` bakes them into the admin UI.
set -euo pipefail
cd "$(dirname "$0")/../.."
azd env get-values | grep '^VITE_' > web/.env.production.local
grep -q '^VITE_API_BASE_URL=' web/.env.production.local || { echo "VITE_API_BASE_URL missing: run azd provision" >&2; exit 1; }
echo "web/.env.production.local: $(cut -d= -f1 web/.env.production.local | tr '\n' ' ')"
