"""Composes the local product on one ASGI app: /api → Function app HTTP, voice websockets, / → admin UI."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from starlette.exceptions import HTTPException
from starlette.responses import FileResponse, PlainTextResponse
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Receive, Scope, Send

from devhost.workflows import attach_local_driver
from functions.app import create_app
from shared.auth import TokenVerifier
from shared.settings import get_settings
from voice.auth import verifier_of
from voice.services import build_voice_app

WEB_DIST = Path(__file__).resolve().parent.parent / "web" / "dist"
VOICE_PATHS = ("/twilio/", "/sim", "/live", "/healthz")


class _SpaFiles(StaticFiles):
    """Static files with the single-page-app fallback: unknown paths serve index.html."""

    async def get_response(self, path: str, scope: Scope) -> Any:
        try:
            response = await super().get_response(path, scope)
        except HTTPException as exc:  # Starlette raises 404 for a missing file rather than returning it
            if exc.status_code != 404:
                raise
            return FileResponse(Path(str(self.directory)) / "index.html")
        if response.status_code == 404:
            return FileResponse(Path(str(self.directory)) / "index.html")
        return response


def build_app() -> ASGIApp:
    api = create_app()
    attach_local_driver(api)  # dev only: callbacks and campaigns run in-process (devhost/workflows.py)
    # The voice service exactly as `python -m voice` assembles it, except that /sim and phone calls schedule
    # callbacks through the same in-process driver as the API (found late: it starts with the API's lifespan).
    # One token verifier for both: the voice sockets check the API's dev tokens by their signature.
    verifier = api.state.token_verifier = TokenVerifier(get_settings())
    voice = build_voice_app(workflows_provider=lambda: getattr(api.state, "workflow_starter", None),
                            verify_token=verifier_of(verifier))
    web: ASGIApp
    if (WEB_DIST / "index.html").exists():
        web = _SpaFiles(directory=WEB_DIST, html=True)
    else:
        web = PlainTextResponse("Archer: the admin UI is not built (web/dist missing); the API is at /api/docs")

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope.get("path", "")
        if scope["type"] == "lifespan":
            await api(scope, receive, send)
        elif path.startswith("/api"):
            await api(scope, receive, send)
        elif path.startswith(VOICE_PATHS) or scope["type"] == "websocket":
            await voice(scope, receive, send)
        elif scope["type"] == "http":
            await web(scope, receive, send)

    return app
