"""The local dev host (`make dev`): one process serving the HTTP API, the voice websockets and the admin UI.

Dev-only: in Azure the Function app, the voice Container App and the Static Web App run separately.
"""
