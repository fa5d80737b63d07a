"""The Durable client inside the ASGI app: the HTTP function that hosts FastAPI takes a `durable_client_input`
binding on every invocation and passes it to the routes through a context variable.

This is the pattern the Durable Python maintainers point to for ASGI apps (Azure/azure-functions-durable-python
#444): the binding is the host's own contract (task hub, RPC base URL, management URLs), so nothing is hand-built.
"""
from __future__ import annotations

from contextvars import ContextVar
from typing import Any

import azure.durable_functions as df
import azure.functions as func

current_client: ContextVar[df.DurableOrchestrationClient | None] = ContextVar("archer_durable_client", default=None)
HTTP_APP_FUNCTION = "http_app_func"


def durable_asgi_app(http_app: Any, *, function_name: str = HTTP_APP_FUNCTION) -> df.DFApp:
    """A DFApp whose catch-all HTTP function serves `http_app` (anonymous: the API checks its own JWTs) with the
    invocation's Durable client in `current_client`. Register blueprints on the returned app."""
    app = df.DFApp(http_auth_level=func.AuthLevel.ANONYMOUS)
    middleware = func.AsgiMiddleware(http_app)
    app.middleware = middleware  # type: ignore[attr-defined]  # as on AsgiFunctionApp: tests reach the ASGI app
    startup = {"done": False}

    @app.function_name(name=function_name)
    @app.http_type(http_type="asgi")
    @app.route(route="/{*route}", methods=[m for m in func.HttpMethod], auth_level=func.AuthLevel.ANONYMOUS)
    @app.durable_client_input(client_name="client")
    async def http_app_func(req: func.HttpRequest, context: func.Context,
                            client: df.DurableOrchestrationClient) -> func.HttpResponse:
        if not startup["done"]:
            if not await middleware.notify_startup():
                raise RuntimeError("ASGI middleware startup failed")
            startup["done"] = True
        token = current_client.set(client)
        try:
            return await middleware.handle_async(req, context)
        finally:
            current_client.reset(token)

    return app
