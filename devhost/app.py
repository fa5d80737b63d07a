"""Composes the local product on one ASGI app: /api → Function app HTTP, voice websockets, / → admin UI."""
from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

from starlette.exceptions import HTTPException
from starlette.responses import FileResponse, PlainTextResponse
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Receive, Scope, Send

from devhost.workflows import attach_local_driver
from functions.app import create_app

WEB_DIST = Path(__file__).resolve().parent.parent / "web" / "dist"
VOICE_PATHS = ("/twilio/", "/sim", "/live", "/healthz")


def _voice_app() -> ASGIApp | None:
    """The voice service's ASGI app, when the voice package provides one."""
    try:
        module = importlib.import_module("voice.app")
    except ModuleNotFoundError:
        return None
    factory: Any = getattr(module, "create_app", None)
    return factory() if factory else None


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
    voice = _voice_app()
    if voice is not None and hasattr(voice, "state"):
        # /sim and phone calls schedule callbacks through the same in-process driver as the API.
        voice.state.services.workflows_provider = lambda: getattr(api.state, "workflow_starter", None)
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
        elif voice is not None and (path.startswith(VOICE_PATHS) or scope["type"] == "websocket"):
            await voice(scope, receive, send)
        elif scope["type"] == "http":
            await web(scope, receive, send)

    return app
