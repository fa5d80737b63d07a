"""The one assembly of the voice service: settings, logging and telemetry, token verifier, workflow starter and the
app (whose pool and call control open lazily on first use). `python -m voice` and the dev host both build it here.

In Azure the workflow starter is the Function app's callback endpoint (shared/workflows/remote_starter.py); the dev
host passes its in-process driver instead.
"""
from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from typing import Any

from starlette.applications import Starlette

from shared.settings import Settings, get_settings, refresh_secrets
from shared.telemetry.logging import configure_logging
from shared.telemetry.otel import configure_telemetry
from shared.workflows.remote_starter import FunctionAppWorkflowStarter
from shared.workflows.starter import WorkflowStarter
from voice.app import create_app
from voice.auth import default_token_verifier

log = logging.getLogger("archer.voice")
SERVICE_NAME = "archer-voice"
INSTRUMENTED = ("starlette", "psycopg", "aiohttp", "redis")   # the websockets/HTTP app, Postgres, Twilio/HTTP, events


def workflow_starter(settings: Settings) -> WorkflowStarter | None:
    """The Function app's callback endpoint whenever its address is known (always in production). Its key is read
    on first use (env WORKFLOW_FUNCTION_KEY, else Key Vault secret workflow-function-key) and again after a 401."""
    if not settings.public_base_url:
        return None

    def function_key(refresh: bool) -> str | None:
        if refresh:
            refresh_secrets()
        return settings.secret("workflow_function_key")

    return FunctionAppWorkflowStarter(settings.public_base_url, function_key)


def _export_active_calls(services: Any) -> None:
    """`archer.voice.active_calls`, observed at each export (the workbook's active-calls panel)."""
    from opentelemetry import metrics

    def observe(_options: Any) -> Any:
        yield metrics.Observation(len(services.calls))

    metrics.get_meter("archer.voice").create_observable_gauge(
        "archer.voice.active_calls", callbacks=[observe], unit="{call}", description="calls in progress on this replica")


def build_voice_app(settings: Settings | None = None, *, workflows: WorkflowStarter | None = None,
                    workflows_provider: Callable[[], Any] | None = None, **overrides: Any) -> Starlette:
    """The voice service as it runs in production. `workflows`/`workflows_provider` replace the Function app
    endpoint (the dev host's local driver); `overrides` go to create_app (tests)."""
    settings = settings or get_settings()
    configure_logging(settings.log_level)
    traced = configure_telemetry(SERVICE_NAME, settings, instrument=INSTRUMENTED)
    starter = workflows if workflows is not None or workflows_provider is not None else workflow_starter(settings)
    if starter is None and workflows_provider is None:
        log.warning("no workflow starter: set PUBLIC_BASE_URL (the Function app) so callbacks can be scheduled")
    overrides.setdefault("verify_token", default_token_verifier(settings))
    app = create_app(settings=settings, workflows=starter, **overrides)
    services = app.state.services
    services.workflows_provider = workflows_provider
    app.state.workflow_starter = starter
    _export_active_calls(services)
    if traced:
        # voice.app bound Starlette before the instrumentor patched the class: instrument this app explicitly.
        from opentelemetry.instrumentation.starlette import StarletteInstrumentor

        StarletteInstrumentor.instrument_app(app)

    original = app.router.lifespan_context

    @contextlib.asynccontextmanager
    async def lifespan(asgi_app: Any) -> AsyncIterator[Any]:
        async with original(asgi_app) as state:
            try:
                yield state
            finally:
                close = getattr(starter, "aclose", None)
                if close is not None:
                    await close()

    app.router.lifespan_context = lifespan
    log.info("voice service assembled", extra={
        "workflow_starter": type(starter).__name__ if starter is not None else
        ("provided" if workflows_provider is not None else None),
        "auth_mode": settings.auth_mode, "production": settings.is_production})
    return app
